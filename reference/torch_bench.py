"""Times the seed notebook's models in PyTorch on this CPU: the reference for `pfn-train bench`.

    python3 reference/torch_bench.py --variants A --nodes 50 --threads 2,1 --json out/torch_bench.json

For each thread count T (torch.set_num_threads(T)), variant and node count N, a fresh process
builds the notebook's model (num_nodes = N, d_model 128, 4 heads, 4 layers, feed-forward 2048;
D: 2 + 4 layers) and times on ONE fixed synthetic batch (B=32, S=100 samples per node):

- train step: model.train() (dropout on), forward, the notebook's causal_loss_fn (incl. the
  per-item matrix_exp), zero_grad, backward, AdamW(lr=1e-4) step;
- eval forward: model.eval() under torch.inference_mode() (PyTorch's fused fast path).

Data generation is excluded: the batch (random stats-valid samples, a constant intervened
column, a random DAG) is made once before timing. Reported: median and interquartile range
(ms) over --steps timed repetitions after --warmup untimed ones, the median CPU time of a
train step (all threads), and the process's peak RSS. Other processes on the machine inflate
wall times: check the load (uptime) and compare wall with CPU time at 1 thread.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_models import build_model, causal_loss_fn, model_outputs  # noqa: E402


def synthetic_batch(batch, samples, n, seed=0):
    g = torch.Generator().manual_seed(seed)
    scale = torch.rand(batch, 1, n, generator=g) * 2 + 0.5
    base = torch.randn(batch, samples, n, generator=g) * scale
    inter = torch.randn(batch, samples, n, generator=g) * scale + 0.5
    node = torch.randint(0, n, (batch,), generator=g)
    inter[torch.arange(batch), :, node] = 5.0
    int_mask = torch.zeros(batch, n)
    int_mask[torch.arange(batch), node] = 1.0
    adj = (torch.rand(batch, n, n, generator=g) < 0.3).float().triu(1)
    query = base[:, 0, :]
    return {"base_samples": base, "int_samples": inter, "target_row": query, "int_mask": int_mask,
            "int_node_idx": node, "delta": inter[:, 0, :] - query, "adj": adj}


def timed(fn, steps, warmup):
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    q1, med, q3 = np.percentile(times, [25, 50, 75])
    # CPU time of all threads: with 1 thread a load-robust check on the wall time (other
    # processes on the machine inflate wall time but hardly CPU time).
    return {"median_ms": float(med), "iqr_ms": float(q3 - q1), "samples_ms": times,
            "cpu_median_ms": float(np.median(cpu))}


def run_one(variant, n, threads, steps, warmup, batch_size, samples, autocast_bf16=False):
    torch.set_num_threads(threads)
    # Like-for-like with `pfn-train bench --precision bf16`: matmuls in bfloat16 under CPU
    # autocast (forward and loss; backward follows the forward's dtypes).
    amp = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast_bf16)
    torch.manual_seed(0)
    model = build_model(variant, num_nodes=n)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    batch = synthetic_batch(batch_size, samples, n)

    def train_step():
        model.train()
        with amp():
            deltas, adj_logits = model_outputs(model, variant, batch)
            loss, _ = causal_loss_fn(deltas, batch["delta"], adj_logits, batch["adj"])
        opt.zero_grad()
        loss.backward()
        opt.step()

    def eval_forward():
        model.eval()
        with torch.inference_mode(), amp():
            model_outputs(model, variant, batch)

    train = timed(train_step, steps, warmup)
    evaluation = timed(eval_forward, steps, warmup)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return {"variant": variant, "nodes": n, "threads": threads, "batch": batch_size,
            "samples": samples, "params": sum(p.numel() for p in model.parameters()),
            "train": train, "eval": evaluation, "peak_rss_mb": rss_mb,
            "torch": torch.__version__, "autocast_bf16": autocast_bf16}


def parse_list(s, cast):
    return [cast(x) for x in s.replace(" ", "").split(",") if x]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--variants", default="A,B,C,D,E", help="comma list of A-E (default all)")
    ap.add_argument("--nodes", default="20,50,100", help="comma list of node counts")
    ap.add_argument("--threads", default="1,2", help="comma list of thread counts")
    ap.add_argument("--steps", type=int, default=10, help="timed repetitions (default 10)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed repetitions first (default 3)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--samples", type=int, default=100, help="samples per node and regime")
    ap.add_argument("--json", metavar="PATH", help="also write all results as JSON")
    ap.add_argument("--autocast-bf16", action="store_true",
                    help="run forward and loss under torch.autocast('cpu', dtype=torch.bfloat16)")
    ap.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    variants = [v.upper() for v in parse_list(args.variants, str)]
    bad = [v for v in variants if v not in ("A", "B", "C", "D", "E")]
    if bad:
        ap.error(f"unknown variant(s) {bad}: use letters A-E, e.g. --variants A,C")
    nodes, threads = parse_list(args.nodes, int), parse_list(args.threads, int)
    if args.steps < 1 or args.warmup < 0 or min(nodes) < 2 or min(threads) < 1:
        ap.error("need --steps >= 1, --warmup >= 0, node counts >= 2, thread counts >= 1")

    if args.single:   # child process: one configuration, JSON on stdout
        r = run_one(variants[0], nodes[0], threads[0], args.steps, args.warmup, args.batch, args.samples,
                    args.autocast_bf16)
        print(json.dumps(r))
        return

    results = []
    header = (f"{'model':>5} {'N':>4} {'thr':>3} {'params':>10} {'train ms':>9} {'IQR':>6} "
              f"{'eval ms':>8} {'IQR':>6} {'peak RSS MB':>11} {'train cpu ms':>12}")
    print(f"PyTorch {torch.__version__}{' (autocast bf16)' if args.autocast_bf16 else ''}, B={args.batch}, S={args.samples}, "
          f"{args.steps} timed steps after {args.warmup} warm-up; data generation excluded")
    print(header)
    for t in threads:
        for v in variants:
            for n in nodes:
                # A fresh process per configuration: clean peak RSS and thread pool.
                cmd = [sys.executable, os.path.abspath(__file__), "--single", "--variants", v,
                       "--nodes", str(n), "--threads", str(t), "--steps", str(args.steps),
                       "--warmup", str(args.warmup), "--batch", str(args.batch),
                       "--samples", str(args.samples)] + (["--autocast-bf16"] if args.autocast_bf16 else [])
                out = subprocess.run(cmd, capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit(f"benchmark of {v} N={n} T={t} failed:\n{out.stderr}")
                r = json.loads(out.stdout.strip().splitlines()[-1])
                results.append(r)
                print(f"{v:>5} {n:>4} {t:>3} {r['params']:>10,} {r['train']['median_ms']:>9.1f} "
                      f"{r['train']['iqr_ms']:>6.1f} {r['eval']['median_ms']:>8.1f} "
                      f"{r['eval']['iqr_ms']:>6.1f} {r['peak_rss_mb']:>11.0f} "
                      f"{r['train']['cpu_median_ms']:>12.1f}", flush=True)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"results": results, "argv": sys.argv[1:]}, f, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
