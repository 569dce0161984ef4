"""The seed notebook's training loop in PyTorch, data generation included: the reference for
`pfn-train bench train` (scripts/bench-vs-pytorch.sh --end-to-end).

    python3 reference/torch_notebook_loop.py --variant A --nodes 50 --threads 2 --steps 20 --json out.json

Builds the notebook's model (num_nodes = N) and runs its `train_model` loop on its own data
pipeline: `SCMGenerator` + `CausalDataset` (copied verbatim from the notebook below, pandas and
networkx included) through `DataLoader(batch_size=32)` on the main thread (num_workers=0, as
the notebook), then forward, `causal_loss_fn`, zero_grad, backward, AdamW(lr=1e-4).

Timed per step: next(iter_loader) (the data) and the whole step. The notebook's stream draws
one SCM of N nodes and then yields ceil(N/2)·3·100 items from it (234 batches at N = 50), so
a short run sees at most one SCM generation: its time is reported separately and amortised
over the batches it feeds (`step_amortized_ms` = median step + generation / batches per SCM).
The notebook prints one line per SCM ("Intervening on ..."); it is kept, sent to stderr.
"""
import argparse
import contextlib
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn  # noqa: F401  (the notebook's imports)
import pandas as pd
import networkx as nx
from torch.utils.data import IterableDataset, DataLoader

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_models import build_model, causal_loss_fn, model_outputs  # noqa: E402

# ---- verbatim from the seed notebook (section 2 and "Data Generation Pipeline") ----
class SCMGenerator:
    def __init__(
        self,
        num_nodes: int = 10,
        edge_prob: float = 0.2,
        noise_scale: float = 1.0,
        num_samples_per_intervention: int = 100,
        intervention_prob: float = 0.3,
        intervention_values: list[float] | None = None,
        seed: int | None = None,
    ):
        # Store config with sensible defaults so SCMGenerator() works out of the box
        self.num_nodes = num_nodes
        self.edge_prob = edge_prob
        self.noise_scale = noise_scale
        self.num_samples_per_intervention = num_samples_per_intervention
        self.intervention_prob = intervention_prob
        # Avoid mutable default pitfall; set a safe default list here
        if intervention_values is None:
            self.intervention_values = [5.0, 8.0, 10.0]
        else:
            self.intervention_values = list(intervention_values)
        self.seed = seed
        if seed is not None:
            np.random.seed(seed)

    def generate_dag(self, num_nodes: int | None = None, edge_prob: float | None = None, seed: int | None = None):
        # Prefer call-time args; fallback to instance config
        if seed is None:
            seed = self.seed
        if seed is not None:
            np.random.seed(seed)

        if num_nodes is None:
            if self.num_nodes is None:
                raise ValueError("num_nodes must be provided either in constructor or generate_dag().")
            num_nodes = self.num_nodes

        if edge_prob is None:
            if self.edge_prob is None:
                raise ValueError("edge_prob must be provided either in constructor or generate_dag().")
            edge_prob = self.edge_prob

        dag = nx.DiGraph()
        dag.add_nodes_from(range(num_nodes))

        # Generate random topological ordering
        topo_order = np.arange(num_nodes)
        np.random.shuffle(topo_order)

        # Create a mapping: random position -> node index
        position_to_node = {i: topo_order[i] for i in range(num_nodes)}

        # Generate edges based on topological ordering
        for i in range(num_nodes):
            for j in range(i + 1, num_nodes):
                if np.random.rand() < edge_prob:
                    parent = position_to_node[i]
                    child = position_to_node[j]
                    dag.add_edge(parent, child)
        return dag

    def edge_parameters(self, dag, low=0.5, high=2.0):
        for u, v in dag.edges():
            eq = np.random.randint(1, 11)
            if eq == 1:
                dag[u][v]['type'] = "linear"
            elif eq == 2:
                dag[u][v]['type'] = "negative linear"
            elif eq == 3:
                dag[u][v]['type'] = "sin"
            elif eq == 4:
                dag[u][v]['type'] = "cos"
            elif eq == 5:
                dag[u][v]['type'] = "tan"
            elif eq == 6:
                dag[u][v]['type'] = "log"
            elif eq == 7:
                dag[u][v]['type'] = "exp"
            elif eq == 8:
                dag[u][v]['type'] = "sqrt"
            elif eq == 9:
                dag[u][v]['type'] = "quadratic"
            elif eq == 10:
                dag[u][v]['type'] = "cubic"
        return dag

    def generate_data(self, dag, num_samples, noise_scale: float | None = None, intervention=None):
        # Fallback to instance noise scale
        if noise_scale is None:
            noise_scale = self.noise_scale

        nodes = list(dag.nodes())

        # 1. Initialize with Noise
        data = pd.DataFrame(
            np.random.normal(scale=noise_scale, size=(num_samples, len(nodes))),
            columns=nodes
        )

        try:
            sorted_nodes = list(nx.topological_sort(dag))
        except nx.NetworkXUnfeasible:
            raise ValueError("The provided graph is not a DAG.")

        for node in sorted_nodes:
            # CHECK FOR INTERVENTION
            if intervention is not None and node in intervention:
                data[node] = intervention[node]
                continue

            # Observational Logic
            parents = list(dag.predecessors(node))
            if not parents:
                continue  # It's a root node, leave the noise as is

            # Start with the base noise
            total_effect = data[node].values.copy()

            for parent in parents:
                func = dag[parent][node]['type']
                p_data = data[parent].values

                term = 0
                if func == "linear":
                    term = 2.0 * p_data
                elif func == "negative linear":
                    term = -2.0 * p_data
                elif func == "sin":
                    term = np.sin(p_data)
                elif func == "cos":
                    term = np.cos(p_data)
                elif func == "tan":
                    term = np.tanh(p_data)  # safer than tan
                elif func == "log":
                    term = np.log(np.abs(p_data) + 1e-5)
                elif func == "exp":
                    term = np.exp(np.clip(p_data, -5, 5))
                elif func == "sqrt":
                    term = np.sqrt(np.abs(p_data))
                elif func == "quadratic":
                    safe_p = np.clip(p_data, -5, 5)
                    term = safe_p ** 2
                elif func == "cubic":
                    safe_p = np.clip(p_data, -3, 3)
                    term = safe_p ** 3

                total_effect += term

            # Global clamp on result
            data[node] = np.clip(total_effect, -20, 20)

        return data

    def generate_interventional_dataset(
        self,
        base_df,
        dag,
        num_samples_per_intervention: int | None = None,
        intervention_prob: float | None = None,
        intervention_values: list[float] | None = None,
    ):
        """
        1. Select subset of variables based on intervention_prob.
        2. Intervene on them one by one using values from intervention_values.
        3. Append to base_df.
        4. Return combined data and a mask + the per-dataset lists.
        """
        # Prefer call-time values; fallback to instance config
        if num_samples_per_intervention is None:
            num_samples_per_intervention = self.num_samples_per_intervention
        if num_samples_per_intervention is None:
            raise ValueError("num_samples_per_intervention must be provided (constructor or method).")

        if intervention_prob is None:
            intervention_prob = self.intervention_prob
        if intervention_prob is None:
            raise ValueError("intervention_prob must be provided (constructor or method).")

        if intervention_values is None:
            intervention_values = self.intervention_values
        if intervention_values is None:
            raise ValueError("intervention_values must be provided (constructor or method).")

        nodes = list(dag.nodes())
        num_targets = int(np.ceil(len(nodes) * intervention_prob))

        # Randomly choose which variables to intervene on
        targets = np.random.choice(nodes, size=num_targets, replace=False)

        # Hold all dataframes (starting with the base observational data)
        all_dfs = [base_df]

        # Masks: Base data => zeros (no interventions)
        base_mask = np.zeros_like(base_df.values)
        all_masks = [base_mask]

        print(f"Intervening on {len(targets)} variables: {targets}")

        for target_node in targets:
            for val in intervention_values:
                # Generate specific batch for this intervention (fix target_node to val)
                intervention_dict = {target_node: val}

                df_int = self.generate_data(
                    dag,
                    num_samples=num_samples_per_intervention,
                    noise_scale=self.noise_scale,
                    intervention=intervention_dict,
                )

                # Create Mask for this batch (1 at intervened column, 0 elsewhere)
                batch_mask = np.zeros((num_samples_per_intervention, len(nodes)))
                batch_mask[:, target_node] = 1.0

                all_dfs.append(df_int)
                all_masks.append(batch_mask)

        # Combine everything (optional overall outputs)
        final_df = pd.concat(all_dfs, ignore_index=True)
        final_mask = np.vstack(all_masks)

        return final_df, final_mask, all_dfs, all_masks

    def generate_pipeline(
        self,
        num_nodes: int | None = None,
        edge_prob: float | None = None,
        num_samples_base: int | None = None,
        num_samples_per_intervention: int | None = None,
        intervention_prob: float | None = None,
        intervention_values: list[float] | None = None,
        seed: int | None = None,
        as_torch: bool = False,
        make_triplets: bool = False,
    ):
        """End-to-end convenience method.

        Steps:
        - Generate DAG (+ edge parameters)
        - Generate base observational data
        - Generate interventional datasets and masks
        - Optionally return torch tensors and triplets (base, intervened, mask)

        Returns a dict with keys: dag, df_base, df_final, mask, all_dfs, all_masks
        Optionally also: base_tensor, final_tensor, mask_tensor, triplets.
        """
        # Resolve parameters with sensible fallbacks
        if num_nodes is None:
            num_nodes = self.num_nodes
        if edge_prob is None:
            edge_prob = self.edge_prob
        if num_samples_per_intervention is None:
            num_samples_per_intervention = self.num_samples_per_intervention
        if num_samples_base is None:
            num_samples_base = num_samples_per_intervention
        if intervention_prob is None:
            intervention_prob = self.intervention_prob
        if intervention_values is None:
            intervention_values = self.intervention_values

        # 1) DAG
        dag = self.generate_dag(num_nodes=num_nodes, edge_prob=edge_prob, seed=seed)
        dag = self.edge_parameters(dag)

        # 2) Base data
        df_base = self.generate_data(dag, num_samples=num_samples_base)

        # 3) Interventions
        df_final, mask, all_dfs, all_masks = self.generate_interventional_dataset(
            base_df=df_base,
            dag=dag,
            num_samples_per_intervention=num_samples_per_intervention,
            intervention_prob=intervention_prob,
            intervention_values=intervention_values,
        )

        result = {
            "dag": dag,
            "df_base": df_base,
            "df_final": df_final,
            "mask": mask,
            "all_dfs": all_dfs,
            "all_masks": all_masks,
        }

        # 4) Optional torch tensors
        if as_torch:
            base_tensor = torch.tensor(df_base.values, dtype=torch.float32)
            final_tensor = torch.tensor(df_final.values, dtype=torch.float32)
            mask_tensor = torch.tensor(mask, dtype=torch.float32)
            result.update({
                "base_tensor": base_tensor,
                "final_tensor": final_tensor,
                "mask_tensor": mask_tensor,
            })

        # 5) Optional triplets (base, intervened, mask) per row in each intervention set
        if make_triplets:
            # build triplets by pairing each intervened row with a random base row
            triplets = []
            base_tensor_local = torch.tensor(df_base.values, dtype=torch.float32)
            for i in range(1, len(all_dfs)):
                intervened_tensor = torch.tensor(all_dfs[i].values, dtype=torch.float32)
                mask_tensor_local = torch.tensor(all_masks[i], dtype=torch.float32)
                for j in range(intervened_tensor.shape[0]):
                    bidx = torch.randint(0, base_tensor_local.shape[0], (1,)).item()
                    triplet = torch.stack([
                        base_tensor_local[bidx],
                        intervened_tensor[j],
                        mask_tensor_local[j]
                    ], dim=0)
                    triplets.append(triplet)
            if len(triplets) > 0:
                result["triplets"] = torch.stack(triplets)
            else:
                result["triplets"] = torch.empty((0, 3, num_nodes), dtype=torch.float32)

        return result

class CausalDataset(IterableDataset):
    def __init__(self, generator, num_nodes_range=(5, 10), samples_per_graph=100):
        self.generator = generator
        self.num_nodes_range = num_nodes_range
        self.samples_per_graph = samples_per_graph
    
    def __iter__(self):
        while True:
            n = np.random.randint(self.num_nodes_range[0], self.num_nodes_range[1] + 1)
            res = self.generator.generate_pipeline(
                num_nodes=n,
                edge_prob=0.3,
                num_samples_base=self.samples_per_graph,
                num_samples_per_intervention=self.samples_per_graph,
                intervention_prob=0.5,
                as_torch=True
            )
            
            adj = torch.tensor(nx.to_numpy_array(res['dag']), dtype=torch.float32)
            base_tensor = res['base_tensor']
            
            # Loop through interventional batches
            for i in range(1, len(res['all_dfs'])):
                int_tensor = torch.tensor(res['all_dfs'][i].values, dtype=torch.float32)
                # Get intervention mask (1.0 for the node that was changed)
                int_mask = torch.tensor(res['all_masks'][i][0], dtype=torch.float32)
                # Get the specific index of the intervened node (for HyperNetworks/Ensembles)
                int_node_idx = torch.argmax(int_mask)
                
                for j in range(int_tensor.shape[0]):
                    b_idx = np.random.randint(0, base_tensor.shape[0])
                    target_row = base_tensor[b_idx]
                    intervened_row = int_tensor[j]
                    delta = intervened_row - target_row
                    
                    yield {
                        "base_samples": base_tensor,
                        "int_samples": int_tensor,
                        "target_row": target_row,
                        "int_mask": int_mask,
                        "int_node_idx": int_node_idx,
                        "delta": delta,
                        "adj": adj
                    }
# ---- end of the notebook's code ----


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--variant", default="A", help="A-E")
    ap.add_argument("--nodes", type=int, default=50, help="N: every SCM has exactly N nodes (num_nodes_range=(N, N))")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="PATH", help="also write the result as JSON")
    args = ap.parse_args()
    variant = args.variant.upper()
    if variant not in ("A", "B", "C", "D", "E"):
        ap.error(f"unknown variant {args.variant}: use a letter A-E")
    if args.steps < 1 or args.warmup < 0 or args.nodes < 2 or args.threads < 1 or args.batch < 1:
        ap.error("need --steps >= 1, --warmup >= 0, --nodes >= 2, --threads >= 1, --batch >= 1")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    model = build_model(variant, num_nodes=args.nodes)
    gen = SCMGenerator()
    dataset = CausalDataset(gen, num_nodes_range=(args.nodes, args.nodes))
    dataloader = DataLoader(dataset, batch_size=args.batch)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    iter_loader = iter(dataloader)
    model.train()

    steps, data, scm_ms = [], [], []
    with contextlib.redirect_stdout(sys.stderr):  # the notebook's per-SCM print
        for step in range(args.warmup + args.steps):
            t0 = time.perf_counter()
            batch = next(iter_loader)
            t1 = time.perf_counter()
            deltas, adj_logits = model_outputs(model, variant, batch)
            loss, _ = causal_loss_fn(deltas, batch["delta"], adj_logits, batch["adj"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            t2 = time.perf_counter()
            if step >= args.warmup:
                steps.append((t2 - t0) * 1e3)
                data.append((t1 - t0) * 1e3)
    # One SCM's generation, timed alone (the first batch's next() also built the iterator).
    with contextlib.redirect_stdout(sys.stderr):
        t0 = time.perf_counter()
        gen.generate_pipeline(num_nodes=args.nodes, edge_prob=0.3, num_samples_base=100,
                              num_samples_per_intervention=100, intervention_prob=0.5, as_torch=True)
        scm_ms = (time.perf_counter() - t0) * 1e3
    batches_per_scm = math.ceil(args.nodes * 0.5) * 3 * 100 / args.batch

    def timing(xs):
        q1, med, q3 = np.percentile(xs, [25, 50, 75])
        return {"median_ms": float(med), "iqr_ms": float(q3 - q1), "samples_ms": xs}

    r = {"variant": variant, "nodes": args.nodes, "threads": args.threads, "batch": args.batch,
         "step": timing(steps), "data": timing(data), "scm_generation_ms": scm_ms,
         "batches_per_scm": batches_per_scm,
         "step_amortized_ms": float(np.median(steps)) + scm_ms / batches_per_scm,
         "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "torch": torch.__version__}
    print(f"notebook loop {variant} N={args.nodes} {args.threads} thr: step {r['step']['median_ms']:.1f} ms "
          f"(IQR {r['step']['iqr_ms']:.1f}), data {r['data']['median_ms']:.1f} ms; one SCM {scm_ms:.0f} ms "
          f"for {batches_per_scm:.0f} batches -> {r['step_amortized_ms']:.1f} ms per step amortised")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)
    print(json.dumps({k: v for k, v in r.items() if k not in ("step", "data")}))


if __name__ == "__main__":
    main()
