"""The seed notebook's modules (../shared/reference/seed-notebook-causal-pfn.md, sections 3-8),
copied verbatim except for lines marked `# [ref]`: those only thread size knobs
(dim_feedforward, dropout, and E's / D's hard-coded sizes) through as keyword arguments whose
defaults equal the notebook's, so tiny test configs are possible. With default arguments every
module, parameter name, shape and forward computation is the notebook's.

Run `python3 reference/seed_models.py` to check the state_dict keys, shapes and parameter
counts against ../shared/reference/seed-state-dict-keys.md (num_nodes=50, d_model=128).
"""
import torch
import torch.nn as nn


class CausalDistributionEncoder(nn.Module):
    def __init__(self, num_nodes, d_model):
        super().__init__()
        self.num_nodes = num_nodes

        # 6 features: [norm_b_mean, norm_b_std, norm_i_mean, norm_i_std, norm_target, int_mask]
        # we will use b_mean and b_std to normalize the others internally
        self.feature_proj = nn.Linear(6, d_model)
        self.pos_emb = nn.Embedding(num_nodes, d_model)

    def forward(self, base_samples, int_samples, target_row, int_mask):
        # base_samples: (Batch, S, N)
        # int_samples: (Batch, S, N)
        # target_row: (Batch, N)
        # int_mask: (Batch, N)

        # 1. Stats
        b_mean = base_samples.mean(dim=1) # (B, N)
        b_std = base_samples.std(dim=1) + 1e-6

        i_mean = int_samples.mean(dim=1)
        i_std = int_samples.std(dim=1) + 1e-6

        # 2. Local Normalization (Z-score based on base distribution)
        norm_i_mean = (i_mean - b_mean) / b_std
        norm_i_std = i_std / b_std
        norm_target = (target_row - b_mean) / b_std

        node_features = torch.stack([
            b_mean,
            b_std,
            norm_i_mean,
            norm_i_std,
            norm_target,
            int_mask
        ], dim=-1)

        x = self.feature_proj(node_features)
        x = x + self.pos_emb(torch.arange(self.num_nodes, device=x.device).unsqueeze(0))
        return x


class ModelA_Baseline(nn.Module):
    def __init__(self, num_nodes, d_model=128, nhead=4, num_layers=4,
                 dim_feedforward=2048, dropout=0.1):  # [ref]
        super().__init__()
        self.encoder = CausalDistributionEncoder(num_nodes, d_model)

        # Shared Transformer Backbone
        encoder_layer = nn.TransformerEncoderLayer(
            d_model=d_model,
            nhead=nhead,
            dim_feedforward=dim_feedforward, dropout=dropout,  # [ref]
            activation="gelu",
            batch_first=True
        )
        self.transformer = nn.TransformerEncoder(encoder_layer, num_layers=num_layers)

        # Head 1: Delta Prediction (Per token scalar)
        self.delta_head = nn.Sequential(
            nn.Linear(d_model, d_model),
            nn.GELU(),
            nn.Linear(d_model, 1)
        )

        # Head 2: DAG Prediction (Parent-Child Bilinear Head)
        self.dag_parent = nn.Linear(d_model, d_model)
        self.dag_child = nn.Linear(d_model, d_model)

    def forward(self, base_samples, int_samples, target_row, int_mask):
        x = self.encoder(base_samples, int_samples, target_row, int_mask)
        x = self.transformer(x)
        deltas = self.delta_head(x).squeeze(-1) # (Batch, Nodes)
        p = self.dag_parent(x) # (B, N, d_model)
        c = self.dag_child(x)  # (B, N, d_model)
        adj_logits = torch.matmul(p, c.transpose(-2, -1)) # (B, N, N)
        return deltas, adj_logits


class ModelB_Experts(nn.Module):
    def __init__(self, num_nodes, d_model=128, nhead=4, num_layers=4,
                 dim_feedforward=2048, dropout=0.1):  # [ref]
        super().__init__()
        self.num_nodes = num_nodes
        self.encoder = CausalDistributionEncoder(num_nodes, d_model)

        encoder_layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, activation="gelu", batch_first=True,
                                                   dim_feedforward=dim_feedforward, dropout=dropout)  # [ref]
        self.transformer = nn.TransformerEncoder(encoder_layer, num_layers=num_layers)

        # Head 1: VARIABLE-SPECIFIC Experts (using a ModuleList for distinct parameters per node)
        self.delta_experts = nn.ModuleList([
            nn.Sequential(
                nn.Linear(d_model, d_model // 2),
                nn.GELU(),
                nn.Linear(d_model // 2, 1)
            ) for _ in range(num_nodes)
        ])

        # Head 2: DAG Prediction
        self.dag_parent = nn.Linear(d_model, d_model)
        self.dag_child = nn.Linear(d_model, d_model)

    def forward(self, base_samples, int_samples, target_row, int_mask):
        x = self.encoder(base_samples, int_samples, target_row, int_mask)
        x = self.transformer(x) # (B, N, d_model)

        # Apply each expert to its corresponding token
        deltas = []
        for i in range(self.num_nodes):
            d_i = self.delta_experts[i](x[:, i, :]) # (B, 1)
            deltas.append(d_i)
        deltas = torch.cat(deltas, dim=-1) # (B, N)

        p = self.dag_parent(x)
        c = self.dag_child(x)
        adj_logits = torch.matmul(p, c.transpose(-2, -1))
        return deltas, adj_logits


def gumbel_sigmoid(logits, tau=1.0, hard=False):
    """Differentiable sampling for binary edges."""
    gumbels = -torch.empty_like(logits).exponential_().log()  # ~Gumbel(0,1)
    gumbels = (logits + gumbels) / tau
    y_soft = gumbels.sigmoid()

    if hard:
        y_hard = (y_soft > 0.5).float()
        ret = y_hard - y_soft.detach() + y_soft
    else:
        ret = y_soft
    return ret


class ModelC_Sparsity(nn.Module):
    def __init__(self, num_nodes, d_model=128, nhead=4, num_layers=4,
                 dim_feedforward=2048, dropout=0.1):  # [ref]
        super().__init__()
        self.encoder = CausalDistributionEncoder(num_nodes, d_model)

        encoder_layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, activation="gelu", batch_first=True,
                                                   dim_feedforward=dim_feedforward, dropout=dropout)  # [ref]
        self.transformer = nn.TransformerEncoder(encoder_layer, num_layers=num_layers)

        self.delta_head = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, 1))

        self.dag_parent = nn.Linear(d_model, d_model)
        self.dag_child = nn.Linear(d_model, d_model)
        self.tau = 1.0 # Temperature

    def forward(self, base_samples, int_samples, target_row, int_mask):
        x = self.encoder(base_samples, int_samples, target_row, int_mask)
        x = self.transformer(x)
        deltas = self.delta_head(x).squeeze(-1)

        p = self.dag_parent(x)
        c = self.dag_child(x)
        logits = torch.matmul(p, c.transpose(-2, -1))

        # Use Gumbel sampling for the DAG structure
        adj_sampled = gumbel_sigmoid(logits, tau=self.tau, hard=self.training)

        return deltas, logits, adj_sampled


class ModelD_Masked(nn.Module):
    def __init__(self, num_nodes, d_model=128, nhead=4, num_layers=4,
                 dim_feedforward=2048, dropout=0.1, dag_layers=2):  # [ref]
        super().__init__()
        self.encoder = CausalDistributionEncoder(num_nodes, d_model)

        # Stage 1: Structural Discovery
        self.dag_backbone = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, batch_first=True,
                                       dim_feedforward=dim_feedforward, dropout=dropout),  # [ref]
            num_layers=dag_layers  # [ref] notebook: 2
        )
        self.dag_parent = nn.Linear(d_model, d_model)
        self.dag_child = nn.Linear(d_model, d_model)

        # Stage 2: Masked Delta Prediction
        self.delta_layers = nn.ModuleList([
            nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, batch_first=True,
                                       dim_feedforward=dim_feedforward, dropout=dropout)  # [ref]
            for _ in range(num_layers)
        ])
        self.delta_head = nn.Linear(d_model, 1)

    def forward(self, base_samples, int_samples, target_row, int_mask):
        # 1. Get Tokens
        z = self.encoder(base_samples, int_samples, target_row, int_mask)

        # 2. Predict DAG
        z_dag = self.dag_backbone(z)
        p = self.dag_parent(z_dag)
        c = self.dag_child(z_dag)
        adj_logits = torch.matmul(p, c.transpose(-2, -1))
        adj_mask = torch.sigmoid(adj_logits) # (B, N, N)

        # 3. Process Delta with Structural Bias
        attn_bias = (1.0 - adj_mask) * -10.0 # Nodes with low probability get suppressed

        x = z
        for layer in self.delta_layers:
            # The notebook computes attn_bias but never uses it (src_mask=None).
            x = layer(x, src_mask=None) # Normally we'd use src_mask here but it is N x N

        deltas = self.delta_head(x).squeeze(-1)
        return deltas, adj_logits


class ModelE_HyperNet(nn.Module):
    def __init__(self, num_nodes, d_model=128,
                 nhead=4, num_layers=4, dim_feedforward=2048, dropout=0.1,  # [ref]
                 int_embed_dim=16, hyper_hidden=64):  # [ref]
        super().__init__()
        self.num_nodes = num_nodes
        self.encoder = CausalDistributionEncoder(num_nodes, d_model)

        self.backbone = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, batch_first=True,  # [ref] notebook: nhead=4
                                       dim_feedforward=dim_feedforward, dropout=dropout),  # [ref]
            num_layers=num_layers  # [ref] notebook: 4
        )

        # Small Hyper-Network that takes the [int_node_id] as input
        self.int_embedding = nn.Embedding(num_nodes, int_embed_dim)  # [ref] notebook: 16
        self.hyper_net = nn.Sequential(
            nn.Linear(int_embed_dim, hyper_hidden),  # [ref] notebook: 16, 64
            nn.GELU(),
            nn.Linear(hyper_hidden, d_model * 1)  # [ref] notebook: 64
        )

        self.dag_parent = nn.Linear(d_model, d_model)
        self.dag_child = nn.Linear(d_model, d_model)

    def forward(self, base_samples, int_samples, target_row, int_mask, int_node_idx):
        x = self.encoder(base_samples, int_samples, target_row, int_mask)
        x = self.backbone(x) # (B, N, d_model)

        instr = self.int_embedding(int_node_idx) # (B, 16)
        weights = self.hyper_net(instr).view(-1, 1, x.shape[-1]) # (B, 1, d_model)

        deltas = torch.sum(x * weights, dim=-1) # (B, N)

        p = self.dag_parent(x)
        c = self.dag_child(x)
        adj_logits = torch.matmul(p, c.transpose(-2, -1))
        return deltas, adj_logits


def compute_h_loss(adj_matrix):
    """Differentiable Acyclicity Constraint (NOTEARS/DCD-FG style)."""
    N = adj_matrix.shape[-1]
    A_sq = adj_matrix * adj_matrix
    h = torch.trace(torch.matrix_exp(A_sq)) - N
    return h


def causal_loss_fn(pred_delta, true_delta, pred_adj, true_adj,
                   lambda_delta=10.0, lambda_dag=1.0, lambda_h=0.1, lambda_l1=0.01):
    # 1. Delta Loss (Huber is robust to outliers)
    loss_delta = nn.functional.huber_loss(pred_delta, true_delta)

    # 2. DAG Matrix Loss (BCE)
    loss_dag = nn.functional.binary_cross_entropy_with_logits(pred_adj, true_adj)

    # 3. Regularization: Acyclicity + Sparsity
    batch_h = []
    for i in range(pred_adj.shape[0]):
        batch_h.append(compute_h_loss(torch.sigmoid(pred_adj[i])))
    loss_h = torch.stack(batch_h).mean()

    loss_l1 = torch.norm(torch.sigmoid(pred_adj), p=1) / pred_adj.numel()

    total_loss = (lambda_delta * loss_delta +
                  lambda_dag * loss_dag +
                  lambda_h * loss_h +
                  lambda_l1 * loss_l1)

    return total_loss, {"delta": loss_delta.item(), "dag": loss_dag.item(), "h": loss_h.item()}


def compute_shd(pred_adj_logits, true_adj_matrix, threshold=0.0):
    """Calculates Structural Hamming Distance (Edges diff)."""
    pred_edges = (pred_adj_logits > threshold).float()
    true_edges = true_adj_matrix.float()
    diff = torch.abs(pred_edges - true_edges)
    shd = diff.sum(dim=(1, 2)) # Sum over N x N for each batch item
    return shd.mean().item()


# ---------------------------------------------------------------------------------------------
# [ref] helpers, not in the notebook

VARIANTS = {
    "A": ModelA_Baseline, "B": ModelB_Experts, "C": ModelC_Sparsity,
    "D": ModelD_Masked, "E": ModelE_HyperNet,
}

# Activation of each variant's transformer layers: the notebook passes "gelu" for A-C and
# leaves PyTorch's default (relu) for D and E.
ACTIVATION = {"A": "gelu", "B": "gelu", "C": "gelu", "D": "relu", "E": "relu"}


def build_model(variant, num_nodes, d_model=128, nhead=4, num_layers=4, dim_feedforward=2048,
                dropout=0.1, dag_layers=2, int_embed_dim=16, hyper_hidden=64):
    """One seed model with the notebook's structure. For D, num_layers counts the delta layers
    (the DAG backbone has `dag_layers`, 2 in the notebook)."""
    v = variant.upper()
    common = dict(d_model=d_model, nhead=nhead, num_layers=num_layers,
                  dim_feedforward=dim_feedforward, dropout=dropout)
    if v == "D":
        return ModelD_Masked(num_nodes, dag_layers=dag_layers, **common)
    if v == "E":
        return ModelE_HyperNet(num_nodes, int_embed_dim=int_embed_dim,
                               hyper_hidden=hyper_hidden, **common)
    if v not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: use one of A, B, C, D, E")
    return VARIANTS[v](num_nodes, **common)


def model_outputs(model, variant, batch):
    """(deltas, adj_logits) for a batch dict, as the notebook's train_model calls the models."""
    args = [batch["base_samples"], batch["int_samples"], batch["target_row"], batch["int_mask"]]
    if variant.upper() == "E":
        args.append(batch["int_node_idx"])
    out = model(*args)
    return out[0], out[1]


def _check_against_key_list(path):
    """Compare state_dict names/shapes and counts with the shared key list."""
    import re
    text = open(path).read()
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    ok = True
    for sec in sections:
        head, *lines = sec.strip("`\n").splitlines()
        v = head.split()[1][0]  # "Model A (...)" -> "A"
        m = re.search(r"([\d,]+) parameters, (\d+) state_dict", head)
        count, entries = int(m.group(1).replace(",", "")), int(m.group(2))
        expected = {}
        for ln in lines:
            ln = ln.strip()
            if not ln or ln.startswith("```"):
                continue
            k, shape = ln.split("\t")
            expected[k] = [int(s) for s in shape.strip("[]").split(",")]
        model = build_model(v, num_nodes=50, d_model=128)
        sd = model.state_dict()
        got = {}
        for k, t in sd.items():
            got[re.sub(r"\.(\d+)\.", ".{i}.", k, count=1) if re.match(
                r"^(transformer\.layers|dag_backbone\.layers|delta_layers|backbone\.layers|delta_experts)\.\d+\.", k)
                else k] = list(t.shape)
        n_params = sum(p.numel() for p in model.parameters())
        good = got == expected and n_params == count and len(sd) == entries
        ok &= good
        print(f"{v}: {n_params:,} params (expected {count:,}), {len(sd)} entries (expected {entries}),"
              f" names+shapes {'match' if got == expected else 'DIFFER'} -> {'OK' if good else 'FAIL'}")
        if got != expected:
            print("  only in model:", sorted(set(got) - set(expected)))
            print("  only in list :", sorted(set(expected) - set(got)))
            print("  shape diffs  :", [k for k in got if k in expected and got[k] != expected[k]])
    return ok


if __name__ == "__main__":
    import os, sys
    here = os.path.dirname(os.path.abspath(__file__))
    keys = os.environ.get("SEED_KEYS", os.path.join(here, "..", "..", "shared", "reference",
                                                     "seed-state-dict-keys.md"))
    if not os.path.exists(keys):
        keys = "/work/shared/reference/seed-state-dict-keys.md"
    sys.exit(0 if _check_against_key_list(keys) else 1)
