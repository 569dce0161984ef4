"""Combines `pfn-train bench --json` and `reference/torch_bench.py --json` results (one or more
files of each, as scripts/bench-vs-pytorch.sh writes them) into a markdown ratio table.

    python3 reference/bench_table.py DIR --command "scripts/bench-vs-pytorch.sh" --out bench/table.md

DIR holds swift-*.json and torch-*.json. Ratio = Swift / PyTorch (below 1: Swift is faster or
smaller). Times are medians over the timed steps, with the interquartile range in brackets.
"""
import argparse
import datetime
import glob
import json
import os


def load(pattern):
    swift_meta, rows = None, {}
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            doc = json.load(f)
        if "machine" in doc:
            swift_meta = swift_meta or doc
        for r in doc["results"]:
            rows[(r["variant"], r["nodes"], r["threads"])] = r
    return swift_meta, rows


def timing(t):
    return f"{t['median_ms'] if 'median_ms' in t else t['medianMs']:.1f} ({t['iqr_ms'] if 'iqr_ms' in t else t['iqrMs']:.1f})"


def median(t):
    return t["median_ms"] if "median_ms" in t else t["medianMs"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--command", default="", help="the command that produced the results")
    ap.add_argument("--out", help="also write the table here")
    args = ap.parse_args()
    meta, swift = load(os.path.join(args.dir, "swift-*.json"))
    _, torch = load(os.path.join(args.dir, "torch-*.json"))
    keys = sorted(set(swift) & set(torch), key=lambda k: (k[2], k[0], k[1]))
    if not keys:
        raise SystemExit(f"no configuration has both Swift and PyTorch results in {args.dir}")
    first_torch = torch[keys[0]]
    machine = meta["machine"] if meta else {"cpuModel": "?", "logicalCPUs": "?", "loadAverage": "?"}
    sgemm = {}
    for r in swift.values():
        sgemm.setdefault(r["threads"], r["gflops"] / r["sgemmFraction"] if r["sgemmFraction"] else 0)
    lines = [
        "# pfn-train vs PyTorch (seed notebook models)",
        "",
        f"- Date: {datetime.date.today().isoformat()}; command: `{args.command.strip()}`",
        f"- Machine: {machine['cpuModel']}, {machine['logicalCPUs']} logical CPUs; load average at the first "
        f"Swift run: {machine['loadAverage']}",
        f"- PyTorch {first_torch.get('torch', '?')}; B={first_torch['batch']}; the notebook's models: D=128, 4 heads, 4 layers (D: 2+4), FF 2048 "
        f"(pfn-train's the same unless the command's --pfn-args says otherwise); "
        f"{meta['steps'] if meta else '?'} timed steps after {meta['warmup'] if meta else '?'} warm-up, alternating Swift/PyTorch per configuration",
        "- Train step: forward, loss (with the B matrix exponentials), backward, AdamW; eval: forward without graph "
        "(PyTorch: `inference_mode`, fused fast path). Data generation excluded on both sides.",
        "- Times: median ms (IQR). Ratio = Swift / PyTorch. MFU: Swift's model GFLOP/s as a fraction of the sgemm "
        "rate measured in the same Swift run (" + ", ".join(f"{t} thr: {g:.0f} GFLOP/s" for t, g in sorted(sgemm.items())) + ").",
        "",
        "| model | N | thr | train Swift ms | train PyTorch ms | train ratio | eval Swift ms | eval PyTorch ms | eval ratio "
        "| peak RSS Swift MB | peak RSS PyTorch MB | RSS ratio | Swift GFLOP/s | Swift MFU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k in keys:
        s, t = swift[k], torch[k]
        lines.append(
            f"| {k[0]} | {k[1]} | {k[2]} | {timing(s['train'])} | {timing(t['train'])} | "
            f"{median(s['train']) / median(t['train']):.2f} | {timing(s['eval'])} | {timing(t['eval'])} | "
            f"{median(s['eval']) / median(t['eval']):.2f} | {s['peakRSSMB']:.0f} | {t['peak_rss_mb']:.0f} | "
            f"{s['peakRSSMB'] / t['peak_rss_mb']:.2f} | {s['gflops']:.0f} | {100 * s['sgemmFraction']:.0f}% |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
