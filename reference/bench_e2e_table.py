"""Combines `pfn-train bench train --json` (swift-*.json) and `reference/torch_notebook_loop.py
--json` (torch-*.json) results, as `scripts/bench-vs-pytorch.sh --end-to-end` writes them, into
a markdown ratio table: the training step end to end, data included.

    python3 reference/bench_e2e_table.py DIR --command "scripts/bench-vs-pytorch.sh --end-to-end" --out bench/x.md

Files are named swift-<variant>-<pc|nopc>-<N>.json and torch-<variant>-<pc|nopc>-<N>.json (the
PyTorch run alternating with each pfn-train configuration; older runs have no -<N>). Ratio = pfn-train / PyTorch (below 1:
pfn-train is faster); the PyTorch step is amortised over the batches of one notebook SCM.
"""
import argparse
import datetime
import glob
import json
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--command", default="")
    ap.add_argument("--out")
    args = ap.parse_args()
    rows, meta = [], None
    for path in sorted(glob.glob(os.path.join(args.dir, "swift-*.json"))):
        key = os.path.basename(path)[len("swift-"):-len(".json")]
        torch_path = os.path.join(args.dir, f"torch-{key}.json")
        if not os.path.exists(torch_path):
            continue
        with open(path) as f:
            doc = json.load(f)
        with open(torch_path) as f:
            t = json.load(f)
        meta = meta or doc
        for s in doc["results"]:
            rows.append((s, t))
    if not rows:
        raise SystemExit(f"no configuration has both pfn-train and PyTorch results in {args.dir}")
    rows.sort(key=lambda st: (not st[0]["pairContext"], st[0]["nodesMin"], st[0]["variant"]))
    m = meta["machine"]
    lines = [
        "# pfn-train vs the seed notebook's training loop in PyTorch, end to end (data included)",
        "",
        f"- Date: {datetime.date.today().isoformat()}; command: `{args.command.strip()}`",
        f"- Machine: {m['cpuModel']}, {m['logicalCPUs']} logical CPUs; load average at the first pfn-train run: {m['loadAverage']}",
        f"- {meta['blas']}",
        f"- pfn-train: `pfn-train bench train` = train's defaults (mixed stream on the producer thread, "
        f"`--precision auto`) with `--nodes N`, batch {rows[0][0]['batch']}, {rows[0][0]['threads']} threads; "
        f"PyTorch {rows[0][1].get('torch', '?')}: the notebook's `train_model` loop with its `SCMGenerator`/`CausalDataset`/`DataLoader`, "
        f"`torch.set_num_threads({rows[0][1]['threads']})`. {meta['steps']} timed steps after {meta['warmup']} warm-up, "
        "alternating pfn-train/PyTorch per configuration.",
        "- Times: median ms per step (IQR). PyTorch amortised: median + one SCM's generation / the batches it feeds. "
        "Producer: CPU time of pfn-train's data thread per step (share of a core); run queue: ms per step the compute "
        "threads were runnable but had no core.",
        "",
        "| model | N | pair context | FF | items / SCM | precision | pfn-train ms | waited for data ms | producer CPU ms (share) | compute run queue ms "
        "| PyTorch ms | PyTorch amortised ms | **ratio** |",
        "|---|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s, t in rows:
        ratio = s["step"]["medianMs"] / t["step_amortized_ms"]
        lines.append(
            f"| {s['variant']} | {s['nodesMin']} | {'yes' if s['pairContext'] else 'no'} | {s.get('feedForward', '?')} | "
            f"{s.get('itemsPerSCM', '?')} | {s['precision']} | "
            f"{s['step']['medianMs']:.1f} ({s['step']['iqrMs']:.1f}) | {s['dataWait']['medianMs']:.1f} | "
            f"{s['producerCPUMs']:.1f} ({100 * s['producerShare']:.0f}%) | {s['computeQueueMs']:.1f} | "
            f"{t['step']['median_ms']:.1f} ({t['step']['iqr_ms']:.1f}) | {t['step_amortized_ms']:.1f} | **{ratio:.2f}** |")
    calibrations = sorted({s["calibration"] for s, _ in rows if s.get("calibration")})
    if calibrations:
        lines += ["", "Calibration lines (`--precision auto`):", ""] + [f"- {c}" for c in calibrations]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
