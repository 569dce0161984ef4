"""How much edge information do candidate per-pair statistics carry? (docs/studies/pair-features.md)

For every ordered pair (i, j) of every dataset of a suite (file-formats.md §1) this computes
candidate statistics a model could be given, fits a classifier on training-prior suites to
predict i -> j, and scores it on held-out suites with pfn-train eval's metrics (per dataset:
SHD over unordered pairs at p > 0.5, AUROC, average precision; then the mean over datasets).
It also re-implements the intervention t-test heuristic (Sources/Evaluation/InterventionTTest.swift)
so its row can be checked against `pfn-train eval`.

    python3 reference/pair_features_study.py --train train10.h5 train20.h5 \
        --test n10=n10.h5 n20=n20.h5 [--classifier gb|logistic] [--out table.md]
"""
import argparse
import sys

import h5py
import numpy as np
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

STD_FLOOR = 0.01   # ModelConfig.stdFloor
MAX_REGIMES = 3    # regimes per target in the default prior (values 5, 8, 10)


def read_suite(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] in (b"pfn-scm-datasets", "pfn-scm-datasets"), f"{path}: not a suite file"
        out = []
        for name in sorted(f["datasets"]):
            g = f["datasets"][name]
            out.append(dict(obs=g["observational"][()].astype(np.float64),
                            inter=g["interventional"][()].astype(np.float64),
                            regime=g["regime"][()], targets=g["regime_targets"][()],
                            values=g["regime_values"][()], adj=g["adjacency"][()].astype(bool)))
        return out


def welch_logp(x_mean, x_var, x_n, y_mean, y_var, y_n):
    """t and log two-sided p of Welch's test, elementwise; p = 1 where undefined."""
    vx, vy = x_var / x_n, y_var / y_n
    se2 = vx + vy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x_mean - y_mean) / np.sqrt(se2)
        df = se2 ** 2 / (vx ** 2 / (x_n - 1) + vy ** 2 / (y_n - 1))
        logp = np.log(2) + stats.t.logsf(np.abs(t), df)
        const = se2 == 0
        logp = np.where(const, np.where(x_mean != y_mean, -np.inf, 0.0), logp)
        t = np.where(const, np.where(x_mean > y_mean, np.inf, np.where(x_mean < y_mean, -np.inf, 0.0)), t)
    bad = (x_n < 2) | (y_n < 2) | np.isnan(logp)
    return np.where(bad, 0.0, t), np.where(bad, 0.0, np.minimum(logp, 0.0))


def heuristic(d, alpha=0.01):
    """The intervention t-test heuristic: log p, bands (3 edge, 2 reduced, 1 unintervened, 0 rest), probabilities."""
    obs, inter, n = d["obs"], d["inter"], d["obs"].shape[1]
    target_of_row = d["targets"][d["regime"]]
    om, ov, on = obs.mean(0), obs.var(0, ddof=1), obs.shape[0]
    intervened = np.zeros(n, bool)
    logp = np.zeros((n, n))
    tstat = np.zeros((n, n))
    for t in range(n):
        rows = inter[target_of_row == t]
        if len(rows) == 0:
            continue
        intervened[t] = True
        tt, lp = welch_logp(rows.mean(0), rows.var(0, ddof=1) if len(rows) > 1 else np.zeros(n), len(rows), om, ov, on)
        tt[t] = 0; lp[t] = 0
        logp[t], tstat[t] = lp, tt
    std_diff = np.sqrt(ov)[None, :] - np.sqrt(ov)[:, None]   # [i, j] = std j - std i
    marked = logp < np.log(alpha / max(n - 1, 1))
    np.fill_diagonal(marked, False)
    desc = marked.copy()
    for t in range(n):
        for u in range(t + 1, n):
            if marked[t, u] and marked[u, t]:
                keep_tu = logp[t, u] < logp[u, t] if logp[t, u] != logp[u, t] else std_diff[t, u] >= 0
                if keep_tu:
                    desc[u, t] = False
                else:
                    desc[t, u] = False
    edge = desc.copy()
    for t in range(n):
        for j in range(n):
            if desc[t, j] and any(u != t and u != j and desc[t, u] and desc[u, j] for u in range(n)):
                edge[t, j] = False
    band = np.where(edge, 3, np.where(desc, 2, np.where(intervened[:, None], 0, 1)))
    keys = sorted((band[i, j], -logp[i, j], std_diff[i, j], i, j) for i in range(n) for j in range(n) if i != j)
    groups = []
    for k in keys:
        if groups and groups[-1][0][:3] == k[:3]:
            groups[-1].append(k)
        else:
            groups.append([k])
    n_edge = sum(1 for g in groups if g[0][0] == 3)
    n_other = len(groups) - n_edge
    prob = np.zeros((n, n))
    for g_idx, g in enumerate(groups):
        p = 0.5 * g_idx / n_other if g_idx < n_other else 0.5 + 0.5 * (g_idx - n_other + 1) / n_edge
        for k in g:
            prob[k[3], k[4]] = p
    return dict(logp=logp, t=tstat, band=band, prob=prob, intervened=intervened, std_diff=std_diff)


def distance_correlation(x):
    """Distance correlation of every pair of columns of x [S, N] (Székely's V-statistic)."""
    s, n = x.shape
    a = np.abs(x.T[:, :, None] - x.T[:, None, :])                       # [N, S, S]
    a = a - a.mean(1, keepdims=True) - a.mean(2, keepdims=True) + a.mean((1, 2), keepdims=True)
    flat = a.reshape(n, -1)
    dcov = flat @ flat.T / (s * s)                                      # [N, N]
    dvar = np.sqrt(np.clip(np.diag(dcov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(np.clip(dcov, 0, None)) / np.sqrt(np.outer(dvar, dvar))
    return np.nan_to_num(r)


def pair_features(d):
    """Feature groups per ordered pair: dict name -> [N, N, F] and the heuristic."""
    obs, inter, n = d["obs"], d["inter"], d["obs"].shape[1]
    target_of_row = d["targets"][d["regime"]]
    om, osd = obs.mean(0), obs.std(0, ddof=1)
    s = np.maximum(osd + 1e-6, STD_FLOOR)
    h = heuristic(d)
    intervened = h["intervened"].astype(float)

    # current 8 (PairFeatures.swift): the context pooled over all regimes of the target
    shift = np.zeros((n, n)); log_ratio = np.zeros((n, n))
    for t in range(n):
        rows = inter[target_of_row == t]
        if len(rows):
            shift[t] = np.arcsinh((rows.mean(0) - om) / s)
            sd = rows.std(0, ddof=1) if len(rows) > 1 else np.zeros(n)
            log_ratio[t] = np.clip(np.log(np.maximum(sd + 1e-6, STD_FLOOR) / s), -5, 5)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(obs, rowvar=False))
    current = np.stack([shift, log_ratio, shift.T, log_ratio.T,
                        np.repeat(intervened[:, None], n, 1), np.repeat(intervened[None, :], n, 0), corr], -1)

    # per-regime Welch t-statistics (regimes of a target in value order) with their sizes, both directions
    per_t = np.zeros((n, n, MAX_REGIMES)); per_n = np.zeros((n, MAX_REGIMES))
    for t in range(n):
        ks = [k for k in range(len(d["targets"])) if d["targets"][k] == t]
        ks = sorted(ks, key=lambda k: d["values"][k])[:MAX_REGIMES]
        for slot, k in enumerate(ks):
            rows = inter[d["regime"] == k]
            tt, _ = welch_logp(rows.mean(0), rows.var(0, ddof=1), len(rows), om, obs.var(0, ddof=1), len(obs))
            tt[t] = 0
            per_t[t, :, slot] = np.arcsinh(tt)
            per_n[t, slot] = len(rows)
    neglogp = np.minimum(-h["logp"], 1e3)
    tstats = np.concatenate([per_t, per_t.transpose(1, 0, 2),
                             np.repeat(np.log1p(per_n)[:, None, :], n, 1),
                             np.full((n, n, 1), np.log(len(obs))),
                             np.log1p(neglogp)[..., None], np.log1p(neglogp.T)[..., None]], -1)

    # partial correlations from the observational precision matrix (ridge on the correlation matrix)
    c = corr + 1e-3 * np.eye(n)
    prec = np.linalg.inv(c)
    dp = np.sqrt(np.diag(prec))
    pcorr = -prec / np.outer(dp, dp)
    np.fill_diagonal(pcorr, 0)
    partial = np.stack([pcorr, np.abs(pcorr), np.abs(pcorr) - np.abs(corr)], -1)

    # rank and nonlinear dependence (observational rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.nan_to_num(np.corrcoef(stats.rankdata(obs, axis=0), rowvar=False))   # Spearman
    dc = distance_correlation(obs)
    nonlinear = np.stack([rho, np.abs(rho) - np.abs(corr), dc, dc - np.abs(corr)], -1)

    # node scale: the variance sort (the node encoder already sees each node's std)
    scale = np.stack([np.repeat(np.log(s)[:, None], n, 1), np.repeat(np.log(s)[None, :], n, 0),
                      h["std_diff"] / s.mean()], -1)
    # the heuristic's output: bands (its reduction is a statistic of the whole graph), rank, -log p
    heur = np.stack([(h["band"] == 3), (h["band"] == 2), (h["band"] == 1), h["prob"],
                     np.log1p(neglogp), np.log1p(neglogp.T)], -1).astype(float)
    return dict(current=current, tstats=tstats, partial=partial, nonlinear=nonlinear, scale=scale, heuristic=heur), h


FEATURE_SETS = {
    "current 8": ["current"],
    "+ t-stats": ["current", "tstats"],
    "+ partial corr": ["current", "partial"],
    "+ rank/nonlinear": ["current", "nonlinear"],
    "+ node stds (variance sort)": ["current", "scale"],
    "+ all local (t, partial, rank/nonlinear, stds)": ["current", "tstats", "partial", "nonlinear", "scale"],
    "+ heuristic's bands": ["current", "heuristic"],
    "all": ["current", "tstats", "partial", "nonlinear", "scale", "heuristic"],
}


def flatten(datasets):
    """Off-diagonal rows: per feature group [P, F], labels [P], dataset ids and pair indices."""
    groups, labels, ids, pairs, heur = {}, [], [], [], []
    for di, d in enumerate(datasets):
        feats, h = pair_features(d)
        n = d["obs"].shape[1]
        mask = ~np.eye(n, dtype=bool)
        for k, v in feats.items():
            groups.setdefault(k, []).append(v[mask])
        labels.append(d["adj"][mask]); ids.append(np.full(mask.sum(), di))
        pairs.append(np.argwhere(mask)); heur.append(h["prob"][mask])
    return ({k: np.concatenate(v) for k, v in groups.items()}, np.concatenate(labels), np.concatenate(ids),
            np.concatenate(pairs), np.concatenate(heur))


def graph_metrics(prob, adj):
    """pfn-train's GraphMetrics: SHD over unordered pairs at p > 0.5, F1, AUROC, average precision."""
    n = adj.shape[0]
    pred = prob > 0.5
    np.fill_diagonal(pred, False)
    iu = np.triu_indices(n, 1)
    diff = (pred != adj)
    shd = int((diff[iu] | diff.T[iu]).sum())
    mask = ~np.eye(n, dtype=bool)
    y, p = adj[mask], prob[mask]
    tp = int((pred & adj).sum()); fp = int((pred & ~adj).sum()); fn = int((~pred & adj).sum())
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0
    auroc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else np.nan
    auprc = average_precision_score(y, p) if y.sum() > 0 else np.nan
    return shd, f1, auroc, auprc


def score(prob_flat, test, ids, pairs):
    rows = []
    for di, d in enumerate(test):
        n = d["obs"].shape[1]
        prob = np.zeros((n, n))
        sel = ids == di
        prob[pairs[sel, 0], pairs[sel, 1]] = prob_flat[sel]
        rows.append(graph_metrics(prob, d["adj"]))
    return np.nanmean(np.array(rows, float), 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", nargs="+", required=True, help="training-prior suite files")
    ap.add_argument("--test", nargs="+", required=True, help="NAME=FILE held-out suites")
    ap.add_argument("--classifier", default="gb", choices=["gb", "logistic"])
    ap.add_argument("--out", help="also write the markdown table here")
    args = ap.parse_args()

    train = [d for path in args.train for d in read_suite(path)]
    x_train, y_train, _, _, _ = flatten(train)
    print(f"training pairs: {len(y_train)} from {len(train)} datasets ({y_train.mean():.3f} edges)", file=sys.stderr)
    tests = {}
    for spec in args.test:
        name, path = spec.split("=", 1)
        data = read_suite(path)
        tests[name] = (data, flatten(data))

    lines = ["| features | " + " | ".join(f"{t} SHD | {t} F1 | {t} AUROC | {t} AUPRC" for t in tests) + " |",
             "|---|" + "---|" * (4 * len(tests))]

    def row(label, probs):
        cells = []
        for name, (data, (_, _, ids, pairs, _)) in tests.items():
            shd, f1, auroc, auprc = score(probs[name], data, ids, pairs)
            cells += [f"{shd:.2f}", f"{f1:.3f}", f"{auroc:.3f}", f"{auprc:.3f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        print(lines[-1], file=sys.stderr)

    row("empty graph", {name: np.zeros(len(t[1][1])) for name, t in tests.items()})
    row("intervention t-test heuristic", {name: t[1][4] for name, t in tests.items()})
    for label, keys in FEATURE_SETS.items():
        xt = np.concatenate([x_train[k] for k in keys], 1)
        if args.classifier == "gb":
            clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.1, max_leaf_nodes=31, random_state=0)
        else:
            clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
        clf.fit(xt, y_train)
        row(f"{label} ({xt.shape[1]} features)",
            {name: clf.predict_proba(np.concatenate([t[1][0][k] for k in keys], 1))[:, 1] for name, t in tests.items()})
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
