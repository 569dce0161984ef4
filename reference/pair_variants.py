"""PyTorch references of models B, C, D and E with the pair context, as pfn-train builds them
(Swift: Sources/Models/{ExpertsModel,GumbelModel,MaskedModel,HyperNetModel}.swift with
ModelConfig.pairContext). Model A is `pair_context.ModelAPair`; this file follows it:

- each model is the notebook's variant (seed_models.py, same parameter names) plus
  `pair_context.*`, registered last as Swift creates it last;
- node features from the batch statistics (`pair_context.node_features`), 0 at padded nodes;
- every transformer layer runs the slow path (`pair_context.slow_path`) with the pair bias as a
  float `attn_mask` [B*H, N, N] (index b*H + h) and a float key-padding mask (-inf at padded keys);
- the pair context's edge term is added to the bilinear DAG logits.

Variant specifics:
- B: each node slot i has its own expert MLP `delta_experts.i` on token i.
- C: model A's network; in eval mode its outputs are A's (the Gumbel sample is not an output
  here: it is random, and Swift draws it from its own generator).
- D (Swift's default `structuralBias` true, unlike the notebook): stage 1 (`dag_backbone`) gets
  the pair bias; logits = bilinear + edge term; every stage-2 layer (`delta_layers`) attends with
  the structural bias s[b, i, j] = -10 * (1 - sigmoid(logits[b, j, i])) off the diagonal, 0 on
  it (query i listens to its predicted parents j), broadcast over heads and added to the pair
  bias [B, H, N, N]. The gradient flows through s into stage 1 and the pair context.
- E: the hyper-network's vector w(target) [B, 1, D]; deltas = sum_d x * w.
Activations as the notebook: GELU for B and C, ReLU (PyTorch's default) for D and E.
"""
import torch

from pair_context import PairContext, node_features, pair_features, pair_mask, inverse_node_count, slow_path
from seed_models import ModelB_Experts, ModelC_Sparsity, ModelD_Masked, ModelE_HyperNet

BIAS_SCALE = -10.0


class PairMixin:
    """Shared plumbing: tokens, the pair terms, and a stack of layers run with a bias."""

    def _init_pair(self, nhead, pair_hidden, pair_features=8):
        self.nhead = nhead
        self.pair_context = PairContext(nhead, pair_hidden, pair_features)

    def _tokens(self, node_feats):
        n = node_feats.shape[1]
        x = self.encoder.feature_proj(node_feats)                                 # [B, N, D]
        return x + self.encoder.pos_emb(torch.arange(n, device=x.device).unsqueeze(0))

    def _pair_terms(self, pair_feats, node_mask):
        """(bias [B, H, N, N], edge [B, N, N], float key padding mask [B, N])."""
        bias, edge = self.pair_context(pair_feats, pair_mask(node_mask), inverse_node_count(node_mask))
        pad = torch.zeros(node_mask.shape, dtype=bias.dtype).masked_fill(node_mask == 0, float("-inf"))
        return bias, edge, pad

    def _run(self, layers, x, bias, pad):
        """Each layer in order with the additive bias [B, H, N, N]."""
        b, h, n, _ = bias.shape
        attn_mask = bias.reshape(b * h, n, n)                    # batch-major: index b*H + h
        for layer in layers:
            x = slow_path(layer, x, attn_mask, pad)
        return x

    def _logits(self, x, edge):
        return torch.matmul(self.dag_parent(x), self.dag_child(x).transpose(-2, -1)) + edge


class ModelBPair(PairMixin, ModelB_Experts):
    def __init__(self, num_nodes, pair_hidden=32, pair_features=8, **kw):
        super().__init__(num_nodes, **kw)
        self._init_pair(kw.get("nhead", 4), pair_hidden, pair_features)

    def forward(self, node_feats, pair_feats, node_mask, int_node_idx=None):
        bias, edge, pad = self._pair_terms(pair_feats, node_mask)
        x = self._run(self.transformer.layers, self._tokens(node_feats), bias, pad)   # [B, N, D]
        deltas = torch.cat([self.delta_experts[i](x[:, i, :]) for i in range(x.shape[1])], dim=-1)
        return deltas, self._logits(x, edge)


class ModelCPair(PairMixin, ModelC_Sparsity):
    def __init__(self, num_nodes, pair_hidden=32, pair_features=8, **kw):
        super().__init__(num_nodes, **kw)
        self._init_pair(kw.get("nhead", 4), pair_hidden, pair_features)

    def forward(self, node_feats, pair_feats, node_mask, int_node_idx=None):
        """(deltas, logits): model A's computation; the Gumbel sample is left out (see above)."""
        bias, edge, pad = self._pair_terms(pair_feats, node_mask)
        x = self._run(self.transformer.layers, self._tokens(node_feats), bias, pad)
        return self.delta_head(x).squeeze(-1), self._logits(x, edge)


class ModelDPair(PairMixin, ModelD_Masked):
    def __init__(self, num_nodes, pair_hidden=32, structural_bias=True, pair_features=8, **kw):
        super().__init__(num_nodes, **kw)
        self.structural_bias = structural_bias
        self._init_pair(kw.get("nhead", 4), pair_hidden, pair_features)

    def forward(self, node_feats, pair_feats, node_mask, int_node_idx=None):
        bias, edge, pad = self._pair_terms(pair_feats, node_mask)                 # [B, H, N, N]
        z = self._tokens(node_feats)
        logits = self._logits(self._run(self.dag_backbone.layers, z, bias, pad), edge)
        if self.structural_bias:
            bias = bias + structural_bias(logits).unsqueeze(1)                    # [B, H, N, N]
        x = self._run(self.delta_layers, z, bias, pad)
        return self.delta_head(x).squeeze(-1), logits


class ModelEPair(PairMixin, ModelE_HyperNet):
    def __init__(self, num_nodes, pair_hidden=32, pair_features=8, **kw):
        super().__init__(num_nodes, **kw)
        self._init_pair(kw.get("nhead", 4), pair_hidden, pair_features)

    def forward(self, node_feats, pair_feats, node_mask, int_node_idx=None):
        bias, edge, pad = self._pair_terms(pair_feats, node_mask)
        x = self._run(self.backbone.layers, self._tokens(node_feats), bias, pad)       # [B, N, D]
        w = self.hyper_net(self.int_embedding(int_node_idx.long())).view(-1, 1, x.shape[-1])
        return torch.sum(x * w, dim=-1), self._logits(x, edge)


def structural_bias(logits):
    """[B, N, N]: s[b, i, j] = -10 * (1 - sigmoid(logits[b, j, i])) for i != j, 0 for i == j."""
    n = logits.shape[-1]
    off = 1.0 - torch.eye(n, dtype=logits.dtype)
    return (1.0 - torch.sigmoid(logits.transpose(-2, -1))) * BIAS_SCALE * off


PAIR_VARIANTS = {"B": ModelBPair, "C": ModelCPair, "D": ModelDPair, "E": ModelEPair}


def build_pair_model(variant, num_nodes, d_model, nhead, num_layers, dim_feedforward, dropout,
                     pair_hidden, dag_layers=2, int_embed_dim=16, hyper_hidden=64, pair_features=8):
    common = dict(d_model=d_model, nhead=nhead, num_layers=num_layers,
                  dim_feedforward=dim_feedforward, dropout=dropout, pair_hidden=pair_hidden,
                  pair_features=pair_features)
    v = variant.upper()
    if v == "D":
        return ModelDPair(num_nodes, dag_layers=dag_layers, **common)
    if v == "E":
        return ModelEPair(num_nodes, int_embed_dim=int_embed_dim, hyper_hidden=hyper_hidden, **common)
    if v not in PAIR_VARIANTS:
        raise ValueError(f"unknown pair variant {variant!r}: use B, C, D or E (A: pair_context.ModelAPair)")
    return PAIR_VARIANTS[v](num_nodes, **common)


def pair_model_outputs(model, inputs, std_floor=0.0):
    """(deltas, adj_logits, pair features) for a dict of batch arrays (model_*_pair.h5 names)."""
    m = inputs["node_mask"]
    nf = node_features(inputs["base_mean"], inputs["base_std"], inputs["int_mean"],
                       inputs["int_std"], inputs["query"], inputs["int_mask"], m)
    pf = pair_features(inputs["base_mean"], inputs["base_std"], inputs["context_mean"],
                       inputs["context_std"], inputs["context_intervened"], inputs["correlation"],
                       m, std_floor)
    deltas, logits = model(nf, pf, m, inputs["int_node_idx"])
    return deltas, logits, pf
