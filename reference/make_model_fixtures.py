"""Model parity fixtures: the seed notebook's variants A-E on one tiny batch (see FIXTURES.md).
Called by make_fixtures.py (`python3 reference/make_fixtures.py --only models`)."""
import os

import torch

from fixture_io import write_fixture, perturb_, f32_params, param_grads, randn
from seed_models import build_model, causal_loss_fn, compute_shd, model_outputs, ACTIVATION

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODELS_DIR = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
F64 = torch.float64

# Tiny config; everything else (E's 16-wide node embedding and 64-wide hyper layer, D's 2 DAG
# layers, B's d_model/2 experts) is the notebook's structure unchanged.
CONFIG = dict(num_nodes=6, d_model=16, nhead=2, num_layers=2, dim_feedforward=32, dropout=0.1,
              dag_layers=2, int_embed_dim=16, hyper_hidden=64)
BATCH, SAMPLES = 3, 20
LOSS_WEIGHTS = dict(lambda_delta=10.0, lambda_dag=1.0, lambda_h=0.1, lambda_l1=0.01)


def make_batch(gen):
    """One batch like the notebook's CausalDataset yields, built directly: columns of different
    location and scale, an interventional column held at a constant value (so its std is 0 and
    the encoder sees i_std = 1e-6), the query row a base row, delta = interventional row - query."""
    n = CONFIG["num_nodes"]
    scale = torch.rand(BATCH, 1, n, generator=gen) * 2.5 + 0.5
    shift = torch.randn(BATCH, 1, n, generator=gen) * 2
    base = (torch.randn(BATCH, SAMPLES, n, generator=gen) * scale + shift).float()
    inter = (torch.randn(BATCH, SAMPLES, n, generator=gen) * scale + shift + 0.5).float()
    node = torch.randint(0, n, (BATCH,), generator=gen)
    values = torch.tensor([5.0, 8.0, 10.0])[torch.randint(0, 3, (BATCH,), generator=gen)]
    int_mask = torch.zeros(BATCH, n)
    adj = torch.zeros(BATCH, n, n)
    query, delta = torch.zeros(BATCH, n), torch.zeros(BATCH, n)
    for b in range(BATCH):
        inter[b, :, node[b]] = values[b]
        int_mask[b, node[b]] = 1.0
        order = torch.randperm(n, generator=gen)
        upper = (torch.rand(n, n, generator=gen) < 0.4).float().triu(1)
        adj[b][order.unsqueeze(1), order.unsqueeze(0)] = upper   # DAG in a random topological order
        q = torch.randint(0, SAMPLES, (1,), generator=gen).item()
        r = torch.randint(0, SAMPLES, (1,), generator=gen).item()
        query[b] = base[b, q]
        delta[b] = inter[b, r] - base[b, q]
    batch = {"base_samples": base, "int_samples": inter, "target_row": query, "int_mask": int_mask,
             "delta": delta, "adj": adj}
    batch = {k: v.to(F64) for k, v in batch.items()}
    batch["int_node_idx"] = node.long()
    return batch


def stats(batch):
    """The per-node statistics Swift's TrainingBatch carries: mean and unbiased std (no +1e-6),
    computed in float64."""
    return {"base_mean": batch["base_samples"].mean(1), "base_std": batch["base_samples"].std(1),
            "int_mean": batch["int_samples"].mean(1), "int_std": batch["int_samples"].std(1)}


def model_fixture(variant, batch, seed):
    torch.manual_seed(seed)
    model = build_model(variant, **CONFIG).to(F64)
    perturb_(model, torch.Generator().manual_seed(seed))
    model.eval()
    tokens = {}
    model.encoder.register_forward_hook(lambda m, i, o: tokens.setdefault("x", o))
    deltas, adj_logits = model_outputs(model, variant, batch)
    loss, items = causal_loss_fn(deltas, batch["delta"], adj_logits, batch["adj"], **LOSS_WEIGHTS)
    loss_l1 = torch.norm(torch.sigmoid(adj_logits), p=1) / adj_logits.numel()
    loss.backward()
    inputs = {k: batch[k] for k in ("base_samples", "int_samples", "target_row", "int_mask")}
    inputs["int_node_idx"] = batch["int_node_idx"].to(torch.int32)
    inputs["true_delta"], inputs["true_adj"] = batch["delta"], batch["adj"]
    inputs.update(stats(batch))
    outputs = {"deltas": deltas, "adj_logits": adj_logits, "encoder_tokens": tokens["x"],
               "loss": loss, "loss_delta": torch.tensor(items["delta"]),
               "loss_dag": torch.tensor(items["dag"]), "loss_h": torch.tensor(items["h"]),
               "loss_l1": loss_l1, "shd": torch.tensor(compute_shd(adj_logits, batch["adj"]))}
    grads = param_grads(model)
    assert set(grads) == set(dict(model.named_parameters())), "every parameter gets a gradient"
    config = dict(CONFIG, model=variant, activation=ACTIVATION[variant], mode="eval",
                  batch=BATCH, samples=SAMPLES, loss="causal_loss_fn (notebook)",
                  compute_dtype="float64", generator="reference/make_model_fixtures.py",
                  **LOSS_WEIGHTS)
    if variant == "C":
        config["note"] = "adj_sampled (Gumbel noise) is random and not stored; the loss uses adj_logits"
    if variant == "D":
        config["note"] = "as the notebook: the structural attn_bias is computed but not used"
    return dict(config=config, params=f32_params(model), inputs=inputs, outputs=outputs,
                grad_params=grads)


def make_models():
    batch = make_batch(torch.Generator().manual_seed(2024))
    total = 0
    for i, v in enumerate("ABCDE"):
        fx = model_fixture(v, batch, seed=100 + i)
        path = os.path.join(MODELS_DIR, f"model_{v}.h5")
        size = write_fixture(path, **fx)
        total += size
        o = fx["outputs"]
        print(f"model_{v}.h5: {size / 1024:.1f} KiB, {len(fx['params'])} params, "
              f"loss {o['loss'].item():.6f} (delta {o['loss_delta'].item():.4f}, "
              f"dag {o['loss_dag'].item():.4f}, h {o['loss_h'].item():.4f}, "
              f"l1 {o['loss_l1'].item():.4f}, shd {o['shd'].item():.2f})")
    print(f"model fixtures: {total / 1024:.1f} KiB total")
