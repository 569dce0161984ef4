"""Load a pfn-train checkpoint into the PyTorch seed model and compare with a fixture.

    python3 reference/check_checkpoint.py CKPT.h5 --fixture Tests/ModelsTests/Fixtures/model_A.h5

The checkpoint's /params go into the seed model (reference/seed_models.py) with
load_state_dict(strict=True): any missing, unexpected or mis-shaped key fails. The variant
comes from the root attribute `model`; sizes from the parameter shapes, and the head count
(which shapes cannot tell) from the `config` JSON attribute if present (else the notebook's 4).
The model runs in eval mode on the fixture's inputs (float64 on the float32 parameters) and
the script prints the max abs difference of deltas and adj_logits from the fixture's outputs;
exit status 1 if either exceeds --tol relative to max(1, max |expected|).

A checkpoint with `pair_context.*` parameters (--pair-context) is loaded into
reference/pair_context.py's ModelAPair (model A) or reference/pair_variants.py's ModelBPair ...
ModelEPair (pair width from `pair_context.proj.weight`; D's structural bias from the config's
`structuralBias`, default true as pfn-train's) and needs a pair fixture of the same variant
(Tests/ModelsTests/Fixtures/model_<X>_pair.h5): only the real nodes' entries of the padded batch
are compared. A version-2 pair context (`--pair-features 2`: `pair_context.proj.weight` is
[P, 31]) reads the 31 features of pair_context.pair_features_v2 and needs a fixture with the
PairStatistics inputs (Tests/ModelsTests/Fixtures/model_A_pair_v2.h5).

Weights-only files (`pfn-train export --weights-only`, docs/file-formats.md §3.1) load the
same way: their /params are float32, or bfloat16 stored as an HDF5 16-bit float type that
h5py widens to float32 exactly (read here with astype("<f4"), whatever h5py maps it to).
"""
import argparse
import json
import os
import re
import sys

import h5py
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_models import build_model, model_outputs  # noqa: E402
from pair_context import FEATURES_V2, ModelAPair, model_a_pair_outputs, node_features, pair_features_of  # noqa: E402
from pair_variants import build_pair_model  # noqa: E402


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def find_key(obj, names):
    """First value of any of `names` anywhere in a nested JSON object."""
    if isinstance(obj, dict):
        for n in names:
            if n in obj and not isinstance(obj[n], (dict, list)):
                return obj[n]
        for v in obj.values():
            found = find_key(v, names)
            if found is not None:
                return found
    return None


def layer_count(keys, prefix):
    idx = {int(m.group(1)) for k in keys for m in [re.match(re.escape(prefix) + r"(\d+)\.", k)] if m}
    return max(idx) + 1 if idx else 0


def sizes_from(params, variant, config):
    keys = list(params)
    n, d = params["encoder.pos_emb.weight"].shape
    ff_key = next((k for k in keys if k.endswith("linear1.weight")), None)
    if ff_key is None:
        raise SystemExit("checkpoint has no transformer layers (no '*.linear1.weight' key)")
    kw = dict(num_nodes=n, d_model=d, dim_feedforward=params[ff_key].shape[0],
              nhead=int(find_key(config, ["nhead", "heads", "num_heads", "n_heads"]) or 4))
    stack = {"A": "transformer.layers.", "B": "transformer.layers.", "C": "transformer.layers.",
             "D": "delta_layers.", "E": "backbone.layers."}[variant]
    kw["num_layers"] = layer_count(keys, stack)
    if variant == "D":
        kw["dag_layers"] = layer_count(keys, "dag_backbone.layers.")
    if variant == "E":
        kw["int_embed_dim"] = params["int_embedding.weight"].shape[1]
        kw["hyper_hidden"] = params["hyper_net.0.weight"].shape[0]
    return kw


def pair_outputs(model, inputs, std_floor, version):
    """(deltas, adj_logits) of a ModelBPair ... ModelEPair for a dict of batch arrays, with the
    pair features of `version` (pair_variants.pair_model_outputs computes version 1 only)."""
    m = inputs["node_mask"]
    nf = node_features(inputs["base_mean"], inputs["base_std"], inputs["int_mean"],
                       inputs["int_std"], inputs["query"], inputs["int_mask"], m)
    return model(nf, pair_features_of(inputs, std_floor, version), m, inputs["int_node_idx"].long())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--fixture", required=True, help="a Tests/ModelsTests/Fixtures/model_<X>.h5")
    ap.add_argument("--tol", type=float, default=1e-4, help="relative tolerance (default 1e-4)")
    args = ap.parse_args()

    with h5py.File(args.checkpoint, "r") as f:
        if "model" not in f.attrs:
            raise SystemExit(f"{args.checkpoint}: no root attribute 'model' (the variant letter A-E)")
        variant = text(f.attrs["model"]).strip().upper()
        config = json.loads(text(f.attrs["config"])) if "config" in f.attrs else {}
        if "params" not in f:
            raise SystemExit(f"{args.checkpoint}: no /params group")
        # astype: a bfloat16 dataset of a weights-only export widens to float32 exactly.
        params = {k: torch.from_numpy(f["params"][k].astype("<f4")[()]) for k in f["params"]}
        if text(f.attrs.get("contents", "")) == "weights-only":
            print(f"weights-only export, parameters stored as {text(f.attrs.get('param_dtype', 'float32'))}")
    if variant not in "ABCDE" or len(variant) != 1:
        raise SystemExit(f"{args.checkpoint}: model attribute {variant!r} is not one of A-E")

    with h5py.File(args.fixture, "r") as f:
        fcfg = json.loads(text(f.attrs["config"]))
        inputs = {k: torch.from_numpy(f["inputs"][k][()]) for k in f["inputs"]}
        expected = {k: torch.from_numpy(f["outputs"][k][()]) for k in ("deltas", "adj_logits")}
        fparams = {k: f["params"][k][()] for k in f["params"]} if "params" in f else {}
    if fcfg.get("model", variant) != variant:
        raise SystemExit(f"checkpoint is model {variant} but the fixture is model {fcfg['model']}")

    kw = sizes_from(params, variant, config)
    pair = "pair_context.proj.weight" in params
    if pair:
        if "context_mean" not in inputs:
            raise SystemExit(f"{args.checkpoint} has a pair context but {args.fixture} has no context "
                             f"inputs: use Tests/ModelsTests/Fixtures/model_{variant}_pair.h5")
        kw["pair_hidden"], width = params["pair_context.proj.weight"].shape
        version = 2 if width == FEATURES_V2 else 1        # ModelConfig.pairFeatures
        if version == 2 and "context_t" not in inputs:
            raise SystemExit(f"{args.checkpoint} reads version-2 pair features but {args.fixture} has no "
                             f"PairStatistics inputs (context_t, ...): use a *_pair_v2.h5 fixture")
        print(f"model {variant} with pair context (pair features version {version}): {kw}")
        if variant == "A":
            model = ModelAPair(**kw, pair_features=width)
        else:
            model = build_pair_model(variant, dropout=0.1, pair_features=width, **kw)
            if variant == "D":
                structural = find_key(config, ["structuralBias", "structural_bias"])
                model.structural_bias = True if structural is None else bool(structural)
                print(f"structural bias: {model.structural_bias}")
    else:
        print(f"model {variant}: {kw}")
        model = build_model(variant, **kw)
    model.load_state_dict(params, strict=True)      # raises on any key/shape mismatch
    model = model.double().eval()

    n = kw["num_nodes"]
    fixture_nodes = inputs["node_mask" if pair else "base_samples"].shape[-1]
    if fixture_nodes != n:
        raise SystemExit(f"the checkpoint's model has {n} nodes but the fixture's inputs have "
                         f"{fixture_nodes}: use a fixture of the same size")
    real = torch.ones(expected["deltas"].shape, dtype=torch.bool)
    if pair:
        batch = {k: v.double() for k, v in inputs.items()}
        with torch.no_grad():
            if variant == "A":
                deltas, adj_logits, _ = model_a_pair_outputs(model, batch, std_floor=fcfg.get("std_floor", 0.0), version=version)
            else:
                deltas, adj_logits = pair_outputs(model, batch, fcfg.get("std_floor", 0.0), version)
        real = inputs["node_mask"] != 0
    else:
        batch = {k: inputs[k].double() for k in ("base_samples", "int_samples", "target_row", "int_mask")}
        batch["int_node_idx"] = inputs["int_node_idx"].long()
        with torch.no_grad():
            deltas, adj_logits = model_outputs(model, variant, batch)
    keep = {"deltas": real, "adj_logits": real.unsqueeze(-1) & real.unsqueeze(-2)}

    if fparams and set(fparams) == set(params):
        pd = max(float(abs(params[k].numpy() - fparams[k]).max()) for k in params)
        print(f"max |param - fixture param|: {pd:.3e}")
    ok = True
    for name, got in (("deltas", deltas), ("adj_logits", adj_logits)):
        exp = expected[name].double()
        diff = (got - exp)[keep[name]].abs().max().item()
        limit = args.tol * max(1.0, exp[keep[name]].abs().max().item())
        ok &= diff <= limit
        print(f"{name}: max |diff| {diff:.3e} (limit {limit:.1e}) {'ok' if diff <= limit else 'MISMATCH'}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
