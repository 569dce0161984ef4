"""Pair-context parity fixtures (see FIXTURES.md): `pair_context.h5` (the module alone, and the
pair features with a std floor) and `model_A_pair.h5` (model A with the pair context on a padded
batch). Called by make_fixtures.py (`python3 reference/make_fixtures.py --only pair`)."""
import os

import torch

from fixture_io import write_fixture, perturb_, f32_params, param_grads, randn
from pair_context import (PairContext, ModelAPair, pair_features, pair_mask, inverse_node_count,
                          model_a_pair_outputs, pair_features_of, FEATURES_V2)
from pair_variants import build_pair_model, pair_model_outputs

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODELS_DIR = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures")
F64 = torch.float64
B, N, SAMPLES = 3, 6, 20
COUNTS = [6, 4, 5]           # real nodes per item; the rest of the 6 slots are padding
CONFIG = dict(num_nodes=N, d_model=16, nhead=2, num_layers=2, dim_feedforward=32, dropout=0.1,
              pair_hidden=8)


def f32(t):
    """Round to float32 and back: the stored value, on which the reference computes."""
    return t.to(torch.float32).to(F64)


def make_batch(gen, constant_base_column):
    """The arrays of a padded TrainingBatch with context, built like RegimeContext: per item a
    random linear SCM (random order), observational rows, and for each intervened node i the
    rows under do(i = v) (so column i is constant there and its std is 0). At least one node
    per item is never intervened (its context rows are 0). Statistics in float64, then rounded
    to float32. `constant_base_column`: item 1's node 2 is constant in the observational rows
    (std 0, so a std floor matters)."""
    z = lambda *s: torch.zeros(*s, dtype=F64)  # noqa: E731
    out = {k: z(B, N) for k in ("base_mean", "base_std", "int_mean", "int_std", "query",
                                "int_mask", "node_mask", "context_intervened")}
    out.update({k: z(B, N, N) for k in ("context_mean", "context_std", "correlation")})
    target = torch.zeros(B, dtype=torch.int32)
    for b, n in enumerate(COUNTS):
        order = torch.randperm(n, generator=gen)
        w = torch.randn(n, n, generator=gen, dtype=F64) * (torch.rand(n, n, generator=gen) < 0.5)
        w = w.triu(1)[order.argsort()][:, order.argsort()]    # w[i, j]: edge i -> j, a DAG
        scale = torch.rand(n, generator=gen, dtype=F64) * 2 + 0.5
        shift = torch.randn(n, generator=gen, dtype=F64) * 2

        def rows(do=None):
            x = z(SAMPLES, n)
            noise = torch.randn(SAMPLES, n, generator=gen, dtype=F64) * scale + shift
            for j in order.tolist():
                if do is not None and j == do[0]:
                    x[:, j] = do[1]
                else:
                    x[:, j] = x @ w[:, j] + noise[:, j]
            return x.to(torch.float32).to(F64)

        base = rows()
        if constant_base_column and b == 1:
            base[:, 2] = 3.0
        out["base_mean"][b, :n], out["base_std"][b, :n] = base.mean(0), base.std(0)
        c = base - base.mean(0)
        norm = c.pow(2).sum(0).sqrt()
        denom = norm.unsqueeze(1) * norm.unsqueeze(0)
        corr = torch.where(denom > 1e-12, (c.T @ c) / denom.clamp(min=1e-300), z(n, n))
        out["correlation"][b, :n, :n] = corr
        inter = torch.rand(n, generator=gen) < 0.6
        inter[order[0]] = True                       # a root is always intervened
        inter[order[-1]] = False                     # a sink never is
        t = int(torch.nonzero(inter)[torch.randint(0, int(inter.sum()), (1,), generator=gen)].item())
        for i in torch.nonzero(inter).flatten().tolist():
            value = float([5.0, -4.0, 8.0][i % 3])
            x = rows((i, value))
            out["context_mean"][b, i, :n], out["context_std"][b, i, :n] = x.mean(0), x.std(0)
            out["context_intervened"][b, i] = 1
            if i == t:                               # the item's own regime: its first half
                out["int_mean"][b, :n], out["int_std"][b, :n] = x[:10].mean(0), x[:10].std(0)
        out["query"][b, :n] = base[int(torch.randint(0, SAMPLES, (1,), generator=gen))]
        out["int_mask"][b, t] = 1
        out["node_mask"][b, :n] = 1
        target[b] = t
    out = {k: f32(v) for k, v in out.items()}
    out["int_node_idx"] = target
    out["node_counts"] = torch.tensor(COUNTS, dtype=torch.int32)
    return out


def add_pair_statistics(gen, batch):
    """The version-2 statistics arrays of a batch from make_batch (RegimeContext's
    PairStatistics, here random but shaped like them: the feature formula is what the parity
    covers; Tests/SCMGenTests/PairStatisticsTests.swift checks the statistics themselves).
    t-values of intervened rows only, one at the ±1e6 cap, 0 on the diagonal; counts of 1-3
    regimes per intervened node; correlations in [-1, 1], dCor in [0, 1]; 0 at padding."""
    z = lambda *s: torch.zeros(*s, dtype=F64)  # noqa: E731
    t, cnt, obs = z(B, N, N, 3), z(B, N, 3), z(B)
    partial, spear, dcor = z(B, N, N), z(B, N, N), z(B, N, N)
    for b, n in enumerate(COUNTS):
        obs[b] = SAMPLES
        for i in torch.nonzero(batch["context_intervened"][b]).flatten().tolist():
            k = 1 + i % 3
            cnt[b, i, :k] = torch.tensor([5.0, 100.0, 7.0][:k], dtype=F64)
            t[b, i, :n, :k] = torch.randn(n, k, generator=gen, dtype=F64) * 6
            t[b, i, i] = 0
        sym = lambda m: (m + m.T) / 2  # noqa: E731
        partial[b, :n, :n] = sym(torch.rand(n, n, generator=gen, dtype=F64) * 2 - 1).fill_diagonal_(0)
        spear[b, :n, :n] = sym(torch.rand(n, n, generator=gen, dtype=F64) * 2 - 1).fill_diagonal_(1)
        dcor[b, :n, :n] = sym(torch.rand(n, n, generator=gen, dtype=F64)).fill_diagonal_(1)
    t[0, 0, 1, 0] = 1e6
    out = dict(batch, context_t=t, context_count=cnt, observational_count=obs,
               partial_correlation=partial, spearman=spear, distance_correlation=dcor)
    return {k: (f32(v) if v.is_floating_point() else v) for k, v in out.items()}


def pair_context_v2_fixture(gen):
    """pair_context_v2.h5: version-2 features (std floor 0.01, a constant observational column)
    and the module with their 31 inputs."""
    std_floor = 0.01
    batch = add_pair_statistics(gen, make_batch(gen, constant_base_column=True))
    feats = f32(pair_features_of(batch, std_floor, version=2))
    torch.manual_seed(306)
    m = PairContext(CONFIG["nhead"], CONFIG["pair_hidden"], FEATURES_V2).to(F64)
    perturb_(m, gen, scale=0.3)
    x = feats.clone().requires_grad_()
    mask, inv = pair_mask(batch["node_mask"]), inverse_node_count(batch["node_mask"])
    bias, edge = m(x, mask, inv)
    g_bias, g_edge = randn(gen, *bias.shape), randn(gen, *edge.shape)
    ((bias * g_bias).sum() + (edge * g_edge).sum()).backward()
    inputs = {k: v for k, v in batch.items() if k not in ("int_mean", "int_std", "query", "int_mask", "int_node_idx")}
    inputs.update(features=feats, mask=mask, inverse_node_count=inv, grad_output_bias=g_bias, grad_output_edge=g_edge)
    config = {"module": "PairContext", "features": FEATURES_V2, "pair_features": 2, "hidden": CONFIG["pair_hidden"],
              "heads": CONFIG["nhead"], "batch": B, "max_nodes": N, "node_counts": COUNTS,
              "std_floor": std_floor, "compute_dtype": "float64",
              "generator": "reference/make_pair_fixtures.py (pair_context_v2_fixture)"}
    return dict(config=config, params=f32_params(m), inputs=inputs, outputs={"bias": bias, "edge": edge},
                grad_params=param_grads(m), grad_inputs={"features": x.grad})


def model_v2_fixture(gen):
    """model_A_pair_v2.h5: model A with the pair context reading version-2 features."""
    batch = add_pair_statistics(gen, make_batch(gen, constant_base_column=False))
    torch.manual_seed(307)
    model = ModelAPair(**CONFIG, pair_features=FEATURES_V2).to(F64)
    perturb_(model, gen)
    model.eval()
    deltas, logits, feats = model_a_pair_outputs(model, batch, std_floor=0.0, version=2)
    real = batch["node_mask"]
    pairs = real.unsqueeze(2) * real.unsqueeze(1)
    g_delta = randn(gen, *deltas.shape) * real
    g_logits = randn(gen, *logits.shape) * pairs
    ((deltas * g_delta).sum() + (logits * g_logits).sum()).backward()
    grads = param_grads(model)
    assert set(grads) == set(dict(model.named_parameters())), "every parameter gets a gradient"
    inputs = dict(batch, grad_output_deltas=g_delta, grad_output_adj_logits=g_logits)
    config = dict(CONFIG, model="A", pair_context=True, pair_features=2, activation="gelu", mode="eval",
                  batch=B, node_counts=COUNTS, std_floor=0.0, feature_clip=0.0, standardized_delta=False,
                  node_embedding=True, compute_dtype="float64",
                  generator="reference/make_pair_fixtures.py (model_v2_fixture)")
    return dict(config=config, params=f32_params(model), inputs=inputs,
                outputs={"deltas": deltas, "adj_logits": logits, "pair_features": feats}, grad_params=grads)


def pair_context_fixture(gen):
    std_floor = 0.01
    batch = make_batch(gen, constant_base_column=True)
    feats = f32(pair_features(batch["base_mean"], batch["base_std"], batch["context_mean"],
                              batch["context_std"], batch["context_intervened"],
                              batch["correlation"], batch["node_mask"], std_floor))
    torch.manual_seed(300)
    m = PairContext(CONFIG["nhead"], CONFIG["pair_hidden"]).to(F64)
    perturb_(m, gen, scale=0.3)
    x = feats.clone().requires_grad_()
    mask, inv = pair_mask(batch["node_mask"]), inverse_node_count(batch["node_mask"])
    bias, edge = m(x, mask, inv)
    g_bias = randn(gen, *bias.shape)
    g_edge = randn(gen, *edge.shape)
    ((bias * g_bias).sum() + (edge * g_edge).sum()).backward()
    inputs = {k: batch[k] for k in ("base_mean", "base_std", "context_mean", "context_std",
                                    "context_intervened", "correlation", "node_mask",
                                    "node_counts")}
    inputs.update(features=feats, mask=mask, inverse_node_count=inv,
                  grad_output_bias=g_bias, grad_output_edge=g_edge)
    config = {"module": "PairContext", "features": 8, "hidden": CONFIG["pair_hidden"],
              "heads": CONFIG["nhead"], "batch": B, "max_nodes": N, "node_counts": COUNTS,
              "std_floor": std_floor, "compute_dtype": "float64",
              "generator": "reference/make_pair_fixtures.py (pair_context_fixture)"}
    return dict(config=config, params=f32_params(m), inputs=inputs,
                outputs={"bias": bias, "edge": edge},
                grad_params=param_grads(m), grad_inputs={"features": x.grad})


def model_fixture(gen):
    batch = make_batch(gen, constant_base_column=False)
    torch.manual_seed(301)
    model = ModelAPair(**CONFIG).to(F64)
    perturb_(model, gen)
    model.eval()
    deltas, logits, feats = model_a_pair_outputs(model, batch, std_floor=0.0)
    real = batch["node_mask"]
    pairs = real.unsqueeze(2) * real.unsqueeze(1)
    # Zero at padded entries: their values are not specified (Swift's packed stack gives 0 at
    # padded rows, PyTorch's slow path ordinary values), so no gradient may depend on them.
    g_delta = randn(gen, *deltas.shape) * real
    g_logits = randn(gen, *logits.shape) * pairs
    ((deltas * g_delta).sum() + (logits * g_logits).sum()).backward()
    grads = param_grads(model)
    assert set(grads) == set(dict(model.named_parameters())), "every parameter gets a gradient"
    inputs = dict(batch, grad_output_deltas=g_delta, grad_output_adj_logits=g_logits)
    config = dict(CONFIG, model="A", pair_context=True, activation="gelu", mode="eval", batch=B,
                  node_counts=COUNTS, std_floor=0.0, feature_clip=0.0, standardized_delta=False,
                  node_embedding=True, compute_dtype="float64",
                  generator="reference/make_pair_fixtures.py (model_fixture)")
    return dict(config=config, params=f32_params(model), inputs=inputs,
                outputs={"deltas": deltas, "adj_logits": logits, "pair_features": feats},
                grad_params=grads)


VARIANT_SEEDS = {"D": 302, "E": 303, "B": 304, "C": 305}
ACTIVATION = {"B": "gelu", "C": "gelu", "D": "relu", "E": "relu"}


def variant_fixture(variant):
    """model_<V>_pair.h5: variant B, C, D or E with the pair context (pair_variants.py), eval
    mode, on a padded batch like model_A_pair.h5. D runs with the structural bias."""
    def build(gen):
        batch = make_batch(gen, constant_base_column=False)
        torch.manual_seed(VARIANT_SEEDS[variant])
        model = build_pair_model(variant, dag_layers=2, int_embed_dim=16, hyper_hidden=64, **CONFIG).to(F64)
        perturb_(model, gen)
        model.eval()
        deltas, logits, feats = pair_model_outputs(model, batch, std_floor=0.0)
        real = batch["node_mask"]
        pairs = real.unsqueeze(2) * real.unsqueeze(1)
        g_delta = randn(gen, *deltas.shape) * real       # 0 at padding, as model_A_pair.h5
        g_logits = randn(gen, *logits.shape) * pairs
        ((deltas * g_delta).sum() + (logits * g_logits).sum()).backward()
        grads = param_grads(model)
        # B: the experts of padded slots (3..5 of items 1, 2) still see item 0's real tokens.
        assert set(grads) == set(dict(model.named_parameters())), "every parameter gets a gradient"
        inputs = dict(batch, grad_output_deltas=g_delta, grad_output_adj_logits=g_logits)
        config = dict(CONFIG, model=variant, pair_context=True, activation=ACTIVATION[variant],
                      mode="eval", batch=B, node_counts=COUNTS, std_floor=0.0, feature_clip=0.0,
                      standardized_delta=False, node_embedding=True, compute_dtype="float64",
                      generator=f"reference/make_pair_fixtures.py (variant_fixture {variant})")
        if variant == "D":
            config.update(dag_layers=2, structural_bias=True, structural_bias_scale=-10.0)
        if variant == "E":
            config.update(int_embed_dim=16, hyper_hidden=64)
        return dict(config=config, params=f32_params(model), inputs=inputs,
                    outputs={"deltas": deltas, "adj_logits": logits, "pair_features": feats},
                    grad_params=grads)
    return build


def make_pair():
    gen = torch.Generator().manual_seed(4242)
    total = 0
    # New fixtures go after the old ones: they draw from the same generator afterwards, so the
    # earlier files stay byte-identical.
    builds = [("pair_context", pair_context_fixture), ("model_A_pair", model_fixture)]
    builds += [(f"model_{v}_pair", variant_fixture(v)) for v in ("D", "E", "B", "C")]
    builds += [("pair_context_v2", pair_context_v2_fixture), ("model_A_pair_v2", model_v2_fixture)]
    for name, build in builds:
        fx = build(gen)
        size = write_fixture(os.path.join(MODELS_DIR, f"{name}.h5"), **fx)
        total += size
        o = fx["outputs"]
        print(f"{name}.h5: {size / 1024:.1f} KiB, {len(fx['params'])} params, "
              + ", ".join(f"max|{k}| {v.abs().max().item():.3g}" for k, v in o.items()))
    print(f"pair fixtures: {total / 1024:.1f} KiB total")
