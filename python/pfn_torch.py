"""pfn-train checkpoints in PyTorch, with an AVICI-like call.

    import numpy as np
    from pfn_torch import load
    model = load("models/pfn-C-default.h5")       # any pfn-train checkpoint, weights-only export or PyTorch export
    out = model(x, interv=mask)                   # x [S, N] rows, mask [S, N] 1 = intervened node
    out.edge_probability                          # [N, N] P(i -> j), row = parent; diagonal 0
    out.delta                                     # [R, N] predicted delta of each interventional row

Needs torch, h5py and numpy (`pip install torch h5py`); pfn-train itself never needs Python.
Put `python/` on sys.path (it finds the PyTorch reference modules in `../reference`).

What the call does, exactly as `pfn-train predict` (docs/file-formats.md §2-3):
- rows whose mask is all 0 are observational; every other row has exactly one intervened node
  (several: ValueError, as pfn-train refuses multi-target regimes). Interventional rows form
  regimes by (target, value), the value being the target's own cell (a hard intervention
  do(X = v) leaves X = v); pass `regime=` (one label per row, ignored on observational rows)
  for soft interventions or when values vary within a regime.
- each interventional row is one item, paired with observational row `query[r]` (default
  r mod S_obs, as a suite file without `query_index`); `rows_per_regime` keeps each regime's
  first rows only (pfn-train predict's --rows-per-regime; both default to all rows).
- features as pfn-train's NodeFeatures (std floor and clip from the checkpoint's config), the
  pair context (when the checkpoint has `pair_context.*` parameters) from the regime context of
  all regimes (for a pair-features-2 model trained on the mixed stream, of each regime's first
  `context_rows` rows, default the config's prior.contextRowsPerRegime, as pfn-train predict's
  --context-rows; 0 = all), edge probability = mean of sigmoid(logits) over the items, deltas in data units
  (std-unit heads are scaled by max(std + 1e-6, std floor) when the config says so).
- Config defaults where the checkpoint's `config` lacks a field: those of pfn-train's
  ModelConfig decoder (std floor 0.01, clip 100, structural bias on, std-unit deltas off for
  a config without the field: the notebook's raw units).

Weights-only files (`pfn-train export --weights-only`, docs/file-formats.md §3.1) load like
full checkpoints; bfloat16 parameters are an HDF5 16-bit float type, widened to float32 exactly
on read. Pair features version 2 (`--pair-features 2`, proj weight [P, 31]) are computed in
numpy as pfn-train's PairStatistics (`_pair_statistics`).

Check against pfn-train (used by the Swift test PythonLoaderTests):
    python3 python/pfn_torch.py check SUITE.h5 CKPT.h5 PRED.h5 [CKPT.h5 PRED.h5 ...] [--rows-per-regime Q]
"""
import json
import os
import re
import sys
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import torch  # noqa: E402

from seed_models import build_model  # noqa: E402
from pair_context import ModelAPair, pair_features, pair_features_v2, pair_mask, inverse_node_count, slow_path  # noqa: E402
from pair_variants import build_pair_model, structural_bias  # noqa: E402


@dataclass
class Prediction:
    edge_probability: np.ndarray     # [N, N] float32, diagonal 0
    delta: np.ndarray                # [R, N] float32, one row per interventional row, data units
    regime_probability: np.ndarray   # [K, N, N] per regime, before aggregation
    regimes: list                    # [K] (target, value) of each regime, in first-appearance order


def _layer_count(keys, prefix):
    found = {int(m.group(1)) for k in keys for m in [re.match(re.escape(prefix) + r"(\d+)\.", k)] if m}
    return max(found) + 1 if found else 0


class PFNModel:
    """A loaded checkpoint: `model(x, interv=mask)` -> Prediction."""

    def __init__(self, params, variant, config):
        self.variant = variant.upper()
        model_cfg = config.get("model", {}) if isinstance(config, dict) else {}
        keys = list(params)
        d = params["encoder.feature_proj.weight"].shape[0]                       # [D, 6]
        self.max_nodes = params["encoder.pos_emb.weight"].shape[0] if "encoder.pos_emb.weight" in params \
            else int(model_cfg.get("maxNodes", 50))
        self.pair = any(k.startswith("pair_context.") for k in keys)
        prior_cfg = config.get("prior", {}) if isinstance(config, dict) else {}
        train_cfg = config.get("train", {}) if isinstance(config, dict) else {}
        self.trained_context_rows = int(prior_cfg.get("contextRowsMax") or prior_cfg.get("contextRowsPerRegime", 5)) \
            if train_cfg.get("stream", "mixed") == "mixed" else None   # ModelLoading.trainingContextRows
        self.std_floor = float(model_cfg.get("stdFloor", 0.01))
        self.feature_clip = float(model_cfg.get("featureClip", 100))
        self.std_delta = bool(model_cfg.get("standardizedDelta", False))
        self.plug_in = bool(model_cfg.get("plugInDelta", False))     # delta = (regime mean − query) + head
        bound = model_cfg.get("deltaCorrectionBound") if self.plug_in else None
        self.correction_bound = float(bound) if bound is not None else None   # head → c·tanh(head / c)
        self.structural = bool(model_cfg.get("structuralBias", True))
        self.heads = int(model_cfg.get("heads", 4))
        ff = next(k for k in keys if k.endswith("linear1.weight"))
        stack = {"A": "transformer.layers.", "B": "transformer.layers.", "C": "transformer.layers.",
                 "D": "delta_layers.", "E": "backbone.layers."}[self.variant]
        kw = dict(d_model=d, nhead=self.heads, num_layers=_layer_count(keys, stack),
                  dim_feedforward=params[ff].shape[0], dropout=0.0)
        if self.variant == "D":
            kw["dag_layers"] = _layer_count(keys, "dag_backbone.layers.")
        if self.variant == "E":
            kw["int_embed_dim"] = params["int_embedding.weight"].shape[1]
            kw["hyper_hidden"] = params["hyper_net.0.weight"].shape[0]
        if self.pair:
            kw["pair_hidden"], width = params["pair_context.proj.weight"].shape
            kw["pair_features"] = width
            self.pair_version = 2 if width == 31 else 1    # ModelConfig.pairFeatures
            if self.variant == "A":
                net = ModelAPair(self.max_nodes, **kw)
            else:
                net = build_pair_model(self.variant, self.max_nodes, **kw)
        else:
            net = build_model(self.variant, self.max_nodes, **kw)
        state = {k: torch.from_numpy(np.asarray(v)) for k, v in params.items()}
        if "encoder.pos_emb.weight" not in state:   # a model trained without the node-index embedding
            state["encoder.pos_emb.weight"] = torch.zeros(self.max_nodes, d)
        net.load_state_dict(state, strict=True)
        self.net = net.eval()

    # -- the AVICI-like call ---------------------------------------------------------------

    def __call__(self, x, interv=None, regime=None, query=None, rows_per_regime=None, batch_size=64,
                 context_rows=None):
        x = np.asarray(x, dtype=np.float32)
        s, n = x.shape
        if n > self.max_nodes:
            raise ValueError(f"{n} nodes, but the model takes at most {self.max_nodes}")
        mask = np.zeros_like(x, dtype=bool) if interv is None else np.asarray(interv).astype(bool)
        if mask.shape != x.shape:
            raise ValueError(f"interv has shape {mask.shape}; expected {x.shape}, the shape of x")
        if not np.isfinite(x).all():
            raise ValueError("x holds NaN or infinite values; drop or impute those rows")
        several = np.flatnonzero(mask.sum(1) > 1)
        if several.size:
            raise ValueError(f"row {several[0]} has several intervened nodes; multi-target regimes are not supported")
        obs_rows = np.flatnonzero(~mask.any(1))
        int_rows = np.flatnonzero(mask.any(1))
        if obs_rows.size == 0:
            raise ValueError("no observational rows (rows with no intervened node)")
        if int_rows.size == 0:
            raise ValueError("no interventional rows: the models read interventional regimes")
        obs, inter = x[obs_rows], x[int_rows]
        targets = mask[int_rows].argmax(1)
        labels = [(int(t), float(inter[r, t]) if regime is None else regime[int_rows[r]])
                  for r, t in enumerate(targets)]
        index = {}
        for lab in labels:
            index.setdefault(lab, len(index))
        reg = np.array([index[lab] for lab in labels])
        regimes = list(index)
        regime_targets = np.array([t for t, _ in regimes])
        query = np.arange(len(int_rows)) % len(obs_rows) if query is None else np.asarray(query)
        return self._predict(obs, inter, reg, regime_targets, query, rows_per_regime, batch_size, regimes, context_rows)

    def predict_dataset(self, observational, interventional, regime, regime_targets, query_index,
                        rows_per_regime=None, batch_size=64, context_rows=None):
        """A dataset in the suite layout (docs/file-formats.md §1)."""
        k = len(regime_targets)
        regimes = [(int(regime_targets[i]), None) for i in range(k)]
        return self._predict(np.asarray(observational, np.float32), np.asarray(interventional, np.float32),
                             np.asarray(regime), np.asarray(regime_targets), np.asarray(query_index),
                             rows_per_regime, batch_size, regimes, context_rows)

    # -- the computation -------------------------------------------------------------------

    def _predict(self, obs, inter, reg, regime_targets, query, rows_per_regime, batch_size, regimes, context_rows=None):
        n, k = obs.shape[1], len(regime_targets)
        base_mean, base_std = _stats(obs)
        regime_stats = [_stats(inter[reg == i]) for i in range(k)]
        # The context reads each regime's first `cap` rows (the item's own regime stats use all).
        if context_rows is None:
            context_rows = self.trained_context_rows if self.pair and self.pair_version == 2 else None
        cap = None if not context_rows else int(context_rows)
        seen, keep = np.zeros(k, int), np.zeros(len(inter), bool)
        for r in range(len(inter)):
            if cap is None or seen[reg[r]] < cap:
                seen[reg[r]] += 1
                keep[r] = True
        ctx_inter, ctx_reg = inter[keep], reg[keep]
        ctx_mean, ctx_std = np.zeros((n, n), np.float32), np.zeros((n, n), np.float32)
        ctx_int = np.zeros(n, np.float32)
        for t in range(n):                       # pooled over every regime of target t
            rows = np.isin(ctx_reg, np.flatnonzero(regime_targets == t))
            if rows.any():
                ctx_mean[t], ctx_std[t] = _stats(ctx_inter[rows])
                ctx_int[t] = 1
        corr = _correlation(obs)
        stats2 = _pair_statistics(obs, ctx_inter, ctx_reg, regime_targets, regimes, corr) \
            if self.pair and self.pair_version == 2 else None
        taken, items = np.zeros(k, int), []
        for r in range(len(inter)):
            if rows_per_regime is not None and taken[reg[r]] >= rows_per_regime:
                continue
            taken[reg[r]] += 1
            items.append(r)
        prob_sum = np.zeros((n, n))
        regime_sum, regime_count = np.zeros((k, n, n)), np.zeros(k)
        delta = np.full(inter.shape, np.nan, np.float32)
        for start in range(0, len(items), batch_size):
            chunk = items[start:start + batch_size]
            b = len(chunk)
            t = torch.from_numpy
            q = t(obs[query[chunk]])                                                    # [B, N]
            im = np.stack([regime_stats[reg[r]][0] for r in chunk])
            isd = np.stack([regime_stats[reg[r]][1] for r in chunk])
            tgt = regime_targets[reg[chunk]]
            onehot = np.zeros((b, n), np.float32)
            onehot[np.arange(b), tgt] = 1
            bm, bs = t(np.tile(base_mean, (b, 1))), t(np.tile(base_std, (b, 1)))
            nf = self._node_features(bm, bs, t(im), t(isd), q, t(onehot))
            with torch.no_grad():
                d, logits = self._forward(nf, bm, bs, ctx_mean, ctx_std, ctx_int, corr, torch.from_numpy(tgt.astype(np.int64)), b, n, stats2)
                if self.plug_in:
                    d = d + (t(im) - q)
            p = torch.sigmoid(logits.double()).numpy()                               # [B, N, N]
            prob_sum += p.sum(0)
            for slot, r in enumerate(chunk):
                regime_sum[reg[r]] += p[slot]
                regime_count[reg[r]] += 1
                delta[r] = d[slot].numpy()
        edge = (prob_sum / max(len(items), 1)).astype(np.float32)
        np.fill_diagonal(edge, 0)
        per_regime = (regime_sum / np.maximum(regime_count, 1)[:, None, None]).astype(np.float32)
        return Prediction(edge, delta, per_regime, regimes)

    def _node_features(self, bm, bs, im, isd, q, onehot):
        """[B, N, 6] as pfn-train's NodeFeatures: ratios divided by max(std + 1e-6, floor), clipped."""
        b_std, denom = bs + 1e-6, torch.clamp(bs + 1e-6, min=self.std_floor)

        def ratio(v):
            r = v / denom
            return r.clamp(-self.feature_clip, self.feature_clip) if self.feature_clip > 0 else r
        return torch.stack([bm, b_std, ratio(im - bm), ratio(isd + 1e-6), ratio(q - bm), onehot], dim=-1)

    def _forward(self, nf, bm, bs, ctx_mean, ctx_std, ctx_int, corr, target, b, n, stats2=None):
        net, v = self.net, self.variant
        x = net.encoder.feature_proj(nf) + net.encoder.pos_emb(torch.arange(n).unsqueeze(0))   # [B, N, D]
        node_mask = torch.ones(b, n)
        bias, edge = None, 0.0
        if self.pair:
            rep = lambda a: torch.from_numpy(np.broadcast_to(a, (b,) + a.shape).copy())  # noqa: E731
            args = (bm, bs, rep(ctx_mean), rep(ctx_std), rep(ctx_int), rep(corr), node_mask, self.std_floor)
            pf = pair_features(*args) if stats2 is None else pair_features_v2(*args, *[rep(a) for a in stats2])
            bias, edge = net.pair_context(pf, pair_mask(node_mask), inverse_node_count(node_mask))  # [B, H, N, N]

        def run(layers, h, extra=None):
            total = bias if extra is None else (extra.unsqueeze(1).expand(b, self.heads, n, n) if bias is None else bias + extra.unsqueeze(1))
            mask = None if total is None else total.reshape(b * self.heads, n, n)
            for layer in layers:
                h = slow_path(layer, h, mask, None)
            return h

        def logits_of(h):
            return torch.matmul(net.dag_parent(h), net.dag_child(h).transpose(-2, -1)) + edge

        if v == "D":
            logits = logits_of(run(net.dag_backbone.layers, x))
            h = run(net.delta_layers, x, structural_bias(logits) if self.structural else None)
            deltas = net.delta_head(h).squeeze(-1)
        else:
            h = run((net.backbone if v == "E" else net.transformer).layers, x)
            logits = logits_of(h)
            if v == "B":
                deltas = torch.cat([net.delta_experts[i](h[:, i, :]) for i in range(n)], dim=-1)
            elif v == "E":
                w = net.hyper_net(net.int_embedding(target)).view(-1, 1, h.shape[-1])
                deltas = torch.sum(h * w, dim=-1)
            else:
                deltas = net.delta_head(h).squeeze(-1)
        if self.correction_bound is not None:
            c = self.correction_bound
            deltas = c * torch.tanh(deltas / c)
        if self.std_delta:
            deltas = deltas * torch.clamp(bs + 1e-6, min=self.std_floor)
        return deltas, logits


def _stats(rows):
    """Column means and unbiased stds (0 for a single row), accumulated in float64 as pfn-train."""
    r = np.asarray(rows, np.float64)
    mean = r.mean(0)
    std = r.std(0, ddof=1) if len(r) > 1 else np.zeros(r.shape[1])
    return mean.astype(np.float32), std.astype(np.float32)


def _pair_statistics(obs, inter, reg, regime_targets, regimes, corr):
    """pfn-train's PairStatistics (Sources/SCMGen/PairStatistics.swift, RegimeContext): per-regime
    Welch t [N, N, 3] (a target's regimes in value order when the labels are numbers), their row
    counts [N, 3], the observational count [1], partial correlations (ridged precision matrix),
    Spearman and distance correlation (first 256 observational rows), all float32."""
    n, obs64 = obs.shape[1], np.asarray(obs, np.float64)
    om, ov, on = obs64.mean(0), obs64.var(0, ddof=1) if len(obs64) > 1 else np.zeros(n), len(obs64)
    t_stat, count = np.zeros((n, n, 3)), np.zeros((n, 3))
    for tgt in range(n):
        ks = [k for k in range(len(regime_targets)) if regime_targets[k] == tgt and (reg == k).any()]
        val = lambda k: regimes[k][1] if isinstance(regimes[k][1], (int, float)) and not np.isnan(regimes[k][1]) else np.inf  # noqa: E731
        for slot, k in enumerate(sorted(ks, key=lambda k: (val(k), k))[:3]):
            rows = np.asarray(inter[reg == k], np.float64)
            m = len(rows)
            count[tgt, slot] = m
            if m < 2 or on < 2:
                continue
            se2 = rows.var(0, ddof=1) / m + ov / on
            d = rows.mean(0) - om
            with np.errstate(invalid="ignore", divide="ignore"):
                t = np.where(se2 > 0, d / np.sqrt(se2), np.sign(d) * 1e6)
            t = np.clip(t, -1e6, 1e6)
            t[tgt] = 0
            t_stat[tgt, :, slot] = t
    p = np.linalg.inv(corr.astype(np.float64) + 1e-3 * np.eye(n))
    dp = np.sqrt(np.diag(p))
    partial = np.clip(-p / np.outer(dp, dp), -1, 1)
    np.fill_diagonal(partial, 0)
    ranks = np.empty_like(obs64)
    for c in range(n):                                  # average ranks for ties
        order = np.argsort(obs64[:, c], kind="stable")
        v = obs64[order, c]
        lo = 0
        while lo < len(v):
            hi = lo + 1
            while hi < len(v) and v[hi] == v[lo]:
                hi += 1
            ranks[order[lo:hi], c] = (lo + hi + 1) / 2
            lo = hi
    x = obs64[:256]
    a = np.abs(x.T[:, :, None] - x.T[:, None, :])                       # [N, S, S]
    a = a - a.mean(1, keepdims=True) - a.mean(2, keepdims=True) + a.mean((1, 2), keepdims=True)
    flat = a.reshape(n, -1)
    dcov = flat @ flat.T
    v = np.sqrt(np.outer(np.diag(dcov), np.diag(dcov)))
    with np.errstate(invalid="ignore", divide="ignore"):
        dcor = np.where(v > 1e-12, np.sqrt(np.clip(dcov, 0, None) / np.where(v > 1e-12, v, 1)), 0.0)
    f32 = lambda z: np.asarray(z, np.float32)  # noqa: E731
    return (f32(t_stat), f32(count), f32([on]), f32(partial), _correlation(ranks), f32(np.minimum(dcor, 1)))


def _correlation(obs):
    c = np.asarray(obs, np.float64) - np.asarray(obs, np.float64).mean(0)
    norm = (c * c).sum(0)
    denom = np.sqrt(np.outer(norm, norm))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(denom > 1e-12, (c.T @ c) / denom, 0.0)
    return rho.astype(np.float32)


def load(path):
    """A pfn-train checkpoint (docs/file-formats.md §3) as a PFNModel."""
    import h5py
    with h5py.File(path, "r") as f:
        fmt = f.attrs.get("format")
        fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
        if fmt != "pfn-checkpoint":
            raise ValueError(f"{path}: format is {fmt!r}; expected 'pfn-checkpoint'")
        variant = f.attrs["model"]
        variant = variant.decode() if isinstance(variant, bytes) else str(variant)
        raw = f.attrs.get("config")
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw) if raw is not None else {}
        # astype: a bfloat16 parameter (weights-only export) widens to float32 exactly.
        params = {k: f["params"][k].astype("<f4")[()] for k in f["params"]}
    return PFNModel(params, variant, config)


def _check(ckpt, suite, pred, rows_per_regime=None, tol=1e-4):
    """Predictions of this module vs pfn-train predict's file on the same suite; exit 1 past tol."""
    import h5py
    model, worst = load(ckpt), 0.0
    with h5py.File(suite, "r") as s, h5py.File(pred, "r") as p:
        for name in s["datasets"]:
            g, want = s["datasets"][name], p["datasets"][name]
            out = model.predict_dataset(g["observational"][()], g["interventional"][()], g["regime"][()],
                                        g["regime_targets"][()], g["query_index"][()], rows_per_regime=rows_per_regime)
            e = want["edge_probability"][()]
            off = ~np.eye(e.shape[0], dtype=bool)
            de = float(np.abs(out.edge_probability - e)[off].max())
            wd = want["delta"][()]
            seen = np.isfinite(wd)
            dd = float((np.abs(out.delta[seen] - wd[seen]) / np.maximum(1, np.abs(wd[seen]))).max())
            # The AVICI-like call on the same rows: regimes from (target, value) come out the same.
            obs, inter = g["observational"][()], g["interventional"][()]
            mask = np.zeros((len(obs) + len(inter), obs.shape[1]))
            mask[len(obs) + np.arange(len(inter)), g["regime_targets"][()][g["regime"][()]]] = 1
            avici = model(np.concatenate([obs, inter]), interv=mask, query=g["query_index"][()],
                          rows_per_regime=rows_per_regime)
            da = float(max(np.abs(avici.edge_probability - out.edge_probability).max(),
                           np.nan_to_num(np.abs(avici.delta - out.delta), nan=0.0).max()))
            print(f"{name}: edge probability max |diff| {de:.2e}, delta max rel diff {dd:.2e} ({seen.sum()} values); "
                  f"model(x, interv=mask) vs suite layout {da:.2e}")
            worst = max(worst, de, dd, da)
    print(f"worst {worst:.2e} (tolerance {tol:g})")
    return 0 if worst <= tol else 1


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="Compare this module with `pfn-train predict` on one suite.")
    ap.add_argument("command", choices=["check"])
    ap.add_argument("suite", help="the SCM suite (.h5) both predicted on")
    ap.add_argument("pairs", nargs="+", help="CKPT.h5 PRED.h5 [CKPT.h5 PRED.h5 ...]: each checkpoint with its predictions file")
    ap.add_argument("--rows-per-regime", type=int, default=0, help="as pfn-train predict's (default 0 = all rows)")
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args(argv)
    if len(a.pairs) % 2:
        ap.error("give checkpoints and predictions files in pairs")
    rows = None if a.rows_per_regime == 0 else a.rows_per_regime
    status = 0
    for ckpt, pred in zip(a.pairs[::2], a.pairs[1::2]):
        print(ckpt)
        status |= _check(ckpt, a.suite, pred, rows_per_regime=rows, tol=a.tol)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
