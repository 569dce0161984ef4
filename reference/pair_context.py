"""PyTorch reference of the pair context (not in the seed; Swift: Sources/Models/PairFeatures.swift,
PairContext.swift, BaselineModel.swift with ModelConfig.pairContext).

- `pair_features(...)`: the eight features per ordered node pair (version 1), from the batch
  arrays (`TrainingBatch`'s base stats and `RegimeContext` arrays), exactly as `PairFeatures.make`;
  `pair_features_v2(...)`: version 2's 31 (`ModelConfig.pairFeatures` 2), from those arrays
  and the `PairStatistics` ones (context_t, context_count, observational_count,
  partial_correlation, spearman, distance_correlation).
- `PairContext`: Linear 8->P, GELU, one triangle update, then a per-head attention bias
  [B, H, N, N] and an edge term [B, N, N]; parameter names `pair_context.<name>.{weight,bias}`
  as Swift's checkpoints.
- `ModelAPair`: the notebook's model A (seed_models.ModelA_Baseline, same parameter names) with
  the pair context: node features from the batch statistics (`node_features`, = Swift's
  `NodeFeatures` with stdFloor 0 and featureClip 0, i.e. the notebook's encoder), the bias in
  every layer's self-attention as an additive float mask [B*H, N, N] together with the key
  padding mask, and the edge term added to the bilinear logits.
Everything works in whatever dtype the inputs have (the fixtures use float64).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from seed_models import ModelA_Baseline

FEATURES = 8
FEATURES_V2 = 31


def pair_features(base_mean, base_std, context_mean, context_std, context_intervened,
                  correlation, node_mask, std_floor):
    """[B, N, N, 8]: for parent i, child j
    [shift(i->j), log std ratio(i->j), shift(j->i), log std ratio(j->i),
     i intervened, j intervened, correlation(i, j), i == j], where with
    s_j = max(base_std_j + 1e-6, floor): shift(i->j) = asinh((context_mean[i, j] - base_mean_j) / s_j),
    log ratio(i->j) = clip(log(max(context_std[i, j] + 1e-6, floor) / s_j), -5, 5); both 0 when
    i is not intervened. Every feature of a pair with a padded node is 0.
    Shapes: base_* [B, N], context_mean/std and correlation [B, N, N], context_intervened and
    node_mask [B, N]."""
    s = torch.clamp(base_std + 1e-6, min=std_floor).unsqueeze(1)                # [B, 1, N] s_j
    shift = torch.asinh((context_mean - base_mean.unsqueeze(1)) / s)            # [B, N, N]
    ratio = torch.log(torch.clamp(context_std + 1e-6, min=std_floor) / s).clamp(-5, 5)
    real = node_mask.unsqueeze(2) * node_mask.unsqueeze(1)                      # [B, N, N]
    inter = context_intervened.unsqueeze(2) * real                              # i intervened
    # where(), not a product: an unintervened row may hold anything, even a non-finite ratio.
    shift = torch.where(inter > 0, shift, torch.zeros_like(shift))
    ratio = torch.where(inter > 0, ratio, torch.zeros_like(ratio))
    n = node_mask.shape[1]
    eye = torch.eye(n, dtype=base_mean.dtype).expand_as(real)
    f = torch.stack([shift, ratio, shift.transpose(1, 2), ratio.transpose(1, 2),
                     context_intervened.unsqueeze(2).expand_as(real),
                     context_intervened.unsqueeze(1).expand_as(real),
                     correlation, eye], dim=-1)                                  # [B, N, N, 8]
    return f * real.unsqueeze(-1)


def pair_features_v2(base_mean, base_std, context_mean, context_std, context_intervened,
                     correlation, node_mask, std_floor, context_t, context_count,
                     observational_count, partial_correlation, spearman, distance_correlation):
    """[B, N, N, 31]: version 1's 8, then for parent i, child j with s = max(base_std + 1e-6, floor)
    [log s_i, log s_j, (s_j - s_i) / mean of s over the item's real nodes,
     asinh t[i, j, r] (r = 0..2), asinh t[j, i, r], log1p count[i, r], log1p count[j, r],
     log1p observational count, partial, |partial|, |partial| - |corr|,
     spearman, |spearman| - |corr|, dcor, dcor - |corr|]; 0 at pairs with a padded node.
    Shapes: context_t [B, N, N, 3], context_count [B, N, 3], observational_count [B], the
    three correlations [B, N, N]."""
    v1 = pair_features(base_mean, base_std, context_mean, context_std, context_intervened,
                       correlation, node_mask, std_floor)
    b, n = node_mask.shape
    real = node_mask.unsqueeze(2) * node_mask.unsqueeze(1)                      # [B, N, N]
    s = torch.clamp(base_std + 1e-6, min=std_floor)                             # [B, N]
    mean_s = (s * node_mask).sum(1) / node_mask.sum(1).clamp(min=1)             # [B]
    log_s = torch.log(s)
    ones = torch.ones(b, n, n, dtype=s.dtype)
    scale = [log_s.unsqueeze(2) * ones, log_s.unsqueeze(1) * ones,
             (s.unsqueeze(1) - s.unsqueeze(2)) / mean_s.reshape(b, 1, 1)]
    t = torch.asinh(context_t)                                                  # [B, N, N, 3]
    cnt = torch.log1p(context_count)                                            # [B, N, 3]
    sizes = [cnt.unsqueeze(2).expand(b, n, n, 3), cnt.unsqueeze(1).expand(b, n, n, 3)]
    obs = torch.log1p(observational_count).reshape(b, 1, 1, 1).expand(b, n, n, 1)
    c = correlation.abs()
    dep = [partial_correlation, partial_correlation.abs(), partial_correlation.abs() - c,
           spearman, spearman.abs() - c, distance_correlation, distance_correlation - c]
    f = torch.cat([v1, torch.stack(scale, -1), t, t.transpose(1, 2)] + sizes + [obs, torch.stack(dep, -1)], -1)
    return f * real.unsqueeze(-1)


def pair_mask(node_mask):
    """[B, N, N, 1]: 1 where both nodes are real."""
    return (node_mask.unsqueeze(2) * node_mask.unsqueeze(1)).unsqueeze(-1)


def inverse_node_count(node_mask):
    """[B, 1, 1, 1]: 1 / (number of real nodes)."""
    return (1.0 / node_mask.sum(1).clamp(min=1)).reshape(-1, 1, 1, 1)


class PairContext(nn.Module):
    def __init__(self, heads, hidden=32, features=FEATURES):
        super().__init__()
        self.proj = nn.Linear(features, hidden)
        self.triangle_left = nn.Linear(hidden, hidden)
        self.triangle_right = nn.Linear(hidden, hidden)
        self.triangle_out = nn.Linear(hidden, hidden)
        self.attention = nn.Linear(hidden, heads)
        self.edge = nn.Linear(hidden, 1)

    def forward(self, features, mask, inv_count):
        """features [B, N, N, F], mask [B, N, N, 1], inv_count [B, 1, 1, 1] ->
        (bias [B, H, N, N], edge [B, N, N])."""
        e = F.gelu(self.proj(features))                                      # [B, N, N, P]
        a = self.triangle_left(e) * mask                                     # a[i, k]
        c = self.triangle_right(e) * mask                                    # c[k, j]
        t = torch.einsum("bikp,bkjp->bijp", a, c) * inv_count                # mean over real k
        e = e + F.gelu(self.triangle_out(t))
        return self.attention(e).permute(0, 3, 1, 2), self.edge(e).squeeze(-1)


def node_features(base_mean, base_std, int_mean, int_std, query, int_mask, node_mask):
    """[B, N, 6] as the notebook's CausalDistributionEncoder (stds + 1e-6, no floor, no clip),
    from the statistics instead of the samples; all zero at padded nodes (Swift's NodeFeatures)."""
    b_std, i_std = base_std + 1e-6, int_std + 1e-6
    f = torch.stack([base_mean, b_std, (int_mean - base_mean) / b_std, i_std / b_std,
                     (query - base_mean) / b_std, int_mask], dim=-1)
    return f * node_mask.unsqueeze(-1)


class ModelAPair(ModelA_Baseline):
    """Model A + pair context. pair_context is registered last, as Swift creates it last."""

    def __init__(self, num_nodes, d_model=128, nhead=4, num_layers=4, dim_feedforward=2048,
                 dropout=0.1, pair_hidden=32, pair_features=FEATURES):
        super().__init__(num_nodes, d_model=d_model, nhead=nhead, num_layers=num_layers,
                         dim_feedforward=dim_feedforward, dropout=dropout)
        self.nhead = nhead
        self.pair_context = PairContext(nhead, pair_hidden, pair_features)

    def forward(self, node_feats, pair_feats, node_mask):
        """node_feats [B, N, 6] (node_features), pair_feats [B, N, N, F] (pair_features or _v2),
        node_mask [B, N] 1 = real -> deltas [B, N], adj_logits [B, N, N] (padded rows and
        columns hold ordinary values; only real entries are meaningful)."""
        b, n = node_mask.shape
        bias, edge = self.pair_context(pair_feats, pair_mask(node_mask), inverse_node_count(node_mask))
        x = self.encoder.feature_proj(node_feats)
        x = x + self.encoder.pos_emb(torch.arange(n, device=x.device).unsqueeze(0))
        attn_mask = bias.reshape(b * self.nhead, n, n)          # batch-major: index b*H + h
        pad = torch.zeros(b, n, dtype=x.dtype).masked_fill(node_mask == 0, float("-inf"))
        for layer in self.transformer.layers:                   # the notebook's stack, unrolled
            x = slow_path(layer, x, attn_mask, pad)
        deltas = self.delta_head(x).squeeze(-1)
        adj_logits = torch.matmul(self.dag_parent(x), self.dag_child(x).transpose(-2, -1)) + edge
        return deltas, adj_logits


def slow_path(layer, x, attn_mask, key_padding_mask):
    """`layer(x, src_mask=attn_mask, src_key_padding_mask=key_padding_mask)` (post-norm) as
    PyTorch computes it with autograd on. Called directly because under no_grad in eval mode
    PyTorch 2.13 takes its fused fast path, which returns NaN everywhere whenever a float
    src_mask is given (measured: float32 and float64, 2-D or 3-D mask, with or without
    padding), so check_checkpoint.py could not run the model under no_grad otherwise."""
    x = layer.norm1(x + layer._sa_block(x, attn_mask, key_padding_mask, is_causal=False))
    return layer.norm2(x + layer._ff_block(x))


def pair_features_of(inputs, std_floor, version=1):
    """The pair features of `version` for a dict of batch arrays (the fixtures' input names)."""
    args = [inputs[k] for k in ("base_mean", "base_std", "context_mean", "context_std",
                                "context_intervened", "correlation", "node_mask")] + [std_floor]
    if version == 1:
        return pair_features(*args)
    return pair_features_v2(*args, *[inputs[k] for k in ("context_t", "context_count", "observational_count",
                                                          "partial_correlation", "spearman",
                                                          "distance_correlation")])


def model_a_pair_outputs(model, inputs, std_floor=0.0, version=1):
    """(deltas, adj_logits, pair features) of ModelAPair for a dict of batch arrays (the
    model_A_pair.h5 input names), in the dtype of the inputs."""
    m = inputs["node_mask"]
    nf = node_features(inputs["base_mean"], inputs["base_std"], inputs["int_mean"],
                       inputs["int_std"], inputs["query"], inputs["int_mask"], m)
    pf = pair_features_of(inputs, std_floor, version)
    deltas, logits = model(nf, pf, m)
    return deltas, logits, pf
