"""Which constant per (regime, node) does each delta loss learn, and what delta MSE does it cost?
(docs/studies/plug-in-delta.md)

For every regime of every dataset of a suite and every node, the best constant guess c of the
interventional values (the delta prediction is c − query row) under:
  mean        — the plug-in delta (Bayes-optimal for the MSE);
  raw1        — the notebook's Huber, threshold 1 in data units;
  stdT        — Huber with threshold T in units of the node's observational std (LossConfig.deltaHuberStd).
Huber minimisers by iteratively reweighted means from the median (60 iterations). Prints each
guess's delta MSE over all interventional rows and its ratio to the plug-in's.

Usage: pfn-train sample --suite n20 --out /tmp/n20.h5 && python3 reference/delta_loss_study.py /tmp/n20.h5
"""
import sys

import h5py
import numpy as np


def huber_location(x, threshold, iters=60):
    c = np.median(x, 0)
    for _ in range(iters):
        r = x - c
        w = np.where(np.abs(r) <= threshold, 1.0, threshold / np.maximum(np.abs(r), 1e-12))
        c = c + (w * r).sum(0) / w.sum(0)
    return c


def main(path):
    g = h5py.File(path, "r")["datasets"]
    sums, count = {}, 0
    for key in g:
        d = g[key]
        obs, inter, regime, query = d["observational"][:], d["interventional"][:], d["regime"][:], d["query_index"][:]
        std = np.maximum(obs.std(0, ddof=1) + 1e-6, 0.01)
        for k in range(regime.max() + 1):
            rows = inter[regime == k]
            count += rows.size
            guesses = {"mean": rows.mean(0), "median": np.median(rows, 0), "raw1": huber_location(rows, np.ones_like(std))}
            for t in (1, 3, 10):
                guesses[f"std{t}"] = huber_location(rows, t * std)
            for name, c in guesses.items():  # delta − (c − query) = row − c
                sums[name] = sums.get(name, 0.0) + float(((rows - c) ** 2).sum())
    for name, s in sums.items():
        print(f"{name:>6}: delta MSE {s / count:8.3f}  ({s / sums['mean']:.4f} × the plug-in's)")


if __name__ == "__main__":
    main(sys.argv[1])
