"""HDF5 fixture writing shared by make_fixtures.py and make_model_fixtures.py.

Layout (docs/design.md "Fixtures"): root attr `config` (JSON), /params/<state_dict key>,
/inputs/<name>, /outputs/<name>, /grads/params/<key>, /grads/inputs/<name>.
Datasets are contiguous and uncompressed so any HDF5 reader can open them.
"""
import json
import os

import h5py
import numpy as np
import torch


def as_f32(t):
    """float tensors -> float32 numpy (rounded once, from float64 where computed in float64);
    integer/bool tensors keep an integer type."""
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu()
        if t.dtype in (torch.float64, torch.float32, torch.float16):
            return t.to(torch.float64).numpy().astype(np.float32)
        return t.numpy()
    a = np.asarray(t)
    return a.astype(np.float32) if a.dtype.kind == "f" else a


def write_fixture(path, config, params=None, inputs=None, outputs=None,
                  grad_params=None, grad_inputs=None):
    """Write one fixture file; every dict maps name -> tensor/array. Returns the file size."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["config"] = json.dumps(config, sort_keys=True)
        for group, d in (("params", params), ("inputs", inputs), ("outputs", outputs),
                         ("grads/params", grad_params), ("grads/inputs", grad_inputs)):
            if not d:
                continue
            g = f.require_group(group)
            for name, value in d.items():
                g.create_dataset(name, data=as_f32(value))
    os.replace(tmp, path)
    return os.path.getsize(path)


def perturb_(module, gen, scale=0.1):
    """Add seeded noise to every parameter, then round to float32, so that LayerNorm weights
    are not all 1, biases not all 0, and stacked layers (deep copies of one layer in PyTorch's
    TransformerEncoder) differ: a swapped or mis-indexed parameter then changes the outputs."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=gen, dtype=p.dtype))
            p.copy_(p.to(torch.float32).to(p.dtype))


def f32_params(module):
    """state_dict as float32 tensors (exactly the values used in the float64 computation)."""
    return {k: v.detach().to(torch.float32) for k, v in module.state_dict().items()}


def param_grads(module):
    return {k: p.grad for k, p in module.named_parameters() if p.grad is not None}


def randn(gen, *shape, scale=1.0, shift=0.0):
    """float32-representable random values, returned as float64 for the reference math."""
    return (torch.randn(*shape, generator=gen) * scale + shift).to(torch.float32).to(torch.float64)
