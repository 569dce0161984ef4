"""Writes the PyTorch parity fixtures for the Swift tests (see reference/FIXTURES.md).

    python3 reference/make_fixtures.py            # NN and model fixtures
    python3 reference/make_fixtures.py --only nn  # or: --only models, --only pair

Every parameter and input is a float32 value (that is what is stored); the reference math runs
in float64 on those exact values and the results are rounded to float32 once when written, so
the fixtures hold the true answer for the stored float32 inputs rather than one particular
float32 evaluation order. Seeds are fixed: rerunning gives identical files (given the same
PyTorch version's default initialisation).
"""
import argparse
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import write_fixture, perturb_, f32_params, param_grads, randn  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NN_DIR = os.path.join(ROOT, "Tests", "NNTests", "Fixtures")
F64 = torch.float64
B, N, H = 2, 5, 2          # batch, nodes (tokens), heads of the attention fixtures
PAD = [0, 2]               # item 0: no padding; item 1: its last 2 nodes are padding


def padding_mask():
    """[B, N] uint8, 1 = padded node."""
    m = torch.zeros(B, N, dtype=torch.uint8)
    for b, k in enumerate(PAD):
        if k:
            m[b, N - k:] = 1
    return m


def real_rows(grad_output, kpm):
    """Zero grad_output at padded query rows, so the gradients do not depend on what an
    implementation puts there (PyTorch computes ordinary values; Swift may zero them)."""
    return grad_output * (1 - kpm.to(grad_output.dtype)).unsqueeze(-1)


def backward_sum(y, grad_output):
    (y * grad_output).sum().backward()


def linear(gen):
    m = nn.Linear(7, 3).to(F64)
    x = randn(gen, 2, 5, 7).requires_grad_()
    g = randn(gen, 2, 5, 3)
    y = m(x)
    backward_sum(y, g)
    return dict(config={"module": "Linear", "in_features": 7, "out_features": 3},
                params=f32_params(m), inputs={"x": x, "grad_output": g}, outputs={"y": y},
                grad_params=param_grads(m), grad_inputs={"x": x.grad})


def layernorm(gen):
    m = nn.LayerNorm(8, eps=1e-5).to(F64)
    perturb_(m, gen, scale=0.3)
    x = randn(gen, 2, 5, 8, scale=3.0, shift=1.0).requires_grad_()
    g = randn(gen, 2, 5, 8)
    y = m(x)
    backward_sum(y, g)
    return dict(config={"module": "LayerNorm", "normalized_shape": 8, "eps": 1e-5},
                params=f32_params(m), inputs={"x": x, "grad_output": g}, outputs={"y": y},
                grad_params=param_grads(m), grad_inputs={"x": x.grad})


def gelu(gen):
    grid = torch.linspace(-10, 10, 161, dtype=torch.float32)
    extra = torch.tensor([-20.0, -12.0, -7.5, -3e-3, -1e-6, 0.0, 1e-6, 3e-3, 7.5, 12.0, 20.0])
    x = torch.cat([grid, extra, torch.randn(28, generator=gen) * 3]).to(F64).requires_grad_()
    g = randn(gen, x.shape[0])
    y = nn.functional.gelu(x, approximate="none")
    backward_sum(y, g)
    return dict(config={"module": "GELU", "approximate": "none"},
                inputs={"x": x, "grad_output": g}, outputs={"y": y}, grad_inputs={"x": x.grad})


def mha(gen):
    d = 8
    m = nn.MultiheadAttention(d, H, batch_first=True).to(F64)
    perturb_(m, gen)
    x = randn(gen, B, N, d).requires_grad_()
    bias = randn(gen, B, H, N, N).requires_grad_()       # [B, H, N, N] additive, per item/head
    kpm = padding_mask()
    g = real_rows(randn(gen, B, N, d), kpm)
    # PyTorch wants a 3-D attn_mask as [B*H, N, N], batch-major (index b*H + h).
    # The padding mask goes in as a float mask (-inf at padded keys, added to the bias), the
    # same thing PyTorch does with a bool mask, minus its "mismatched masks" deprecation path.
    pad_add = torch.zeros(B, N, dtype=F64).masked_fill(kpm.bool(), float("-inf"))
    y, _ = m(x, x, x, attn_mask=bias.reshape(B * H, N, N),
             key_padding_mask=pad_add, need_weights=False)
    backward_sum(y, g)
    return dict(config={"module": "MultiheadAttention", "embed_dim": d, "num_heads": H,
                        "batch_first": True, "need_weights": False, "padding_per_item": PAD},
                params=f32_params(m),
                inputs={"x": x, "attn_bias": bias, "key_padding_mask": kpm, "grad_output": g},
                outputs={"y": y}, grad_params=param_grads(m),
                grad_inputs={"x": x.grad, "attn_bias": bias.grad})


def encoder_layer(gen, activation):
    d, ff = 8, 16
    m = nn.TransformerEncoderLayer(d_model=d, nhead=H, dim_feedforward=ff, batch_first=True,
                                   activation=activation).to(F64)
    perturb_(m, gen)
    m.eval()
    x = randn(gen, B, N, d).requires_grad_()
    kpm = padding_mask()
    g = real_rows(randn(gen, B, N, d), kpm)
    # requires_grad inputs keep PyTorch on its slow (reference) path.
    y = m(x, src_key_padding_mask=kpm.bool())
    backward_sum(y, g)
    fast_note = fast_path_difference(m, x, kpm, activation)
    return dict(config={"module": "TransformerEncoderLayer", "d_model": d, "nhead": H,
                        "dim_feedforward": ff, "activation": activation, "batch_first": True,
                        "norm_first": False, "layer_norm_eps": 1e-5, "mode": "eval",
                        "padding_per_item": PAD, "fast_path_note": fast_note},
                params=f32_params(m), inputs={"x": x, "key_padding_mask": kpm, "grad_output": g},
                outputs={"y": y}, grad_params=param_grads(m), grad_inputs={"x": x.grad})


def fast_path_difference(m, x, kpm, activation):
    """Run the same layer in float32 under inference_mode (PyTorch's fused fast path) and say
    how its outputs compare with the slow path, on real and on padded rows."""
    m32 = nn.TransformerEncoderLayer(m.self_attn.embed_dim, m.self_attn.num_heads,
                                     m.linear1.out_features, batch_first=True,
                                     activation=activation)
    m32.load_state_dict({k: v.float() for k, v in m.state_dict().items()})
    m32.eval()
    x32 = x.detach().float()
    with torch.inference_mode():
        fast = m32(x32, src_key_padding_mask=kpm.bool())
    slow = m(x, src_key_padding_mask=kpm.bool()).detach().float()
    pad = kpm.bool()
    real_diff = (fast - slow)[~pad].abs().max().item()
    pad_diff = (fast - slow)[pad].abs().max().item() if pad.any() else 0.0
    return (f"float32 fast path vs slow path: max |diff| {real_diff:.2e} on real rows, "
            f"{pad_diff:.2e} on padded rows")


def notears(gen):
    inputs, outputs, grads = {}, {}, {}
    for n in (5, 50, 200):
        a = torch.sigmoid(torch.randn(n, n, generator=gen)).to(F64).requires_grad_()
        h = torch.trace(torch.matrix_exp(a * a)) - n
        h.backward()
        # Closed form dh/dA = 2 A * exp(A*A)^T: a check on PyTorch's matrix_exp backward.
        closed = 2 * a.detach() * torch.matrix_exp(a.detach() ** 2).T
        rel = ((a.grad - closed).abs().max() / closed.abs().max()).item()
        assert rel < 1e-10, f"matrix_exp backward disagrees with the closed form at N={n}: {rel}"
        inputs[f"A_{n}"], outputs[f"h_{n}"], grads[f"A_{n}"] = a, h, a.grad
    return dict(config={"function": "h(A) = tr(matrix_exp(A*A)) - N", "sizes": [5, 50, 200],
                        "compute_dtype": "float64"},
                inputs=inputs, outputs=outputs, grad_inputs=grads)


def adamw(gen):
    shapes = {"w0": (4, 3), "w1": (5,), "w2": (2, 3, 2)}
    params = {k: randn(gen, *s).requires_grad_() for k, s in shapes.items()}
    init = {k: p.detach().clone() for k, p in params.items()}
    opt = torch.optim.AdamW(list(params.values()), lr=1e-3)
    inputs, outputs = {}, {}
    for step in (1, 2, 3):
        for k, p in params.items():
            # Differently scaled grads per step, so m and v do not cancel to sign(g).
            p.grad = randn(gen, *p.shape, scale=10.0 ** (step - 2))
            inputs[f"grads_step{step}_{k}"] = p.grad.clone()
        opt.step()
        if step in (1, 3):
            for k, p in params.items():
                st = opt.state[p]
                outputs[f"params_step{step}_{k}"] = p.detach().clone()
                outputs[f"exp_avg_step{step}_{k}"] = st["exp_avg"].clone()
                outputs[f"exp_avg_sq_step{step}_{k}"] = st["exp_avg_sq"].clone()
    cfg = {k: v for k, v in opt.defaults.items() if isinstance(v, (int, float, bool, tuple))}
    cfg.update({"optimizer": "AdamW", "param_names": list(shapes), "steps": 3,
                "compute_dtype": "float64"})
    return dict(config=cfg, params=init, inputs=inputs, outputs=outputs)


def make_nn():
    torch.manual_seed(0)
    total = 0
    builders = [("linear", linear), ("layernorm", layernorm), ("gelu", gelu), ("mha", mha),
                ("encoder_layer_relu", lambda g: encoder_layer(g, "relu")),
                ("encoder_layer_gelu", lambda g: encoder_layer(g, "gelu")),
                ("notears", notears), ("adamw", adamw)]
    for i, (name, build) in enumerate(builders):
        torch.manual_seed(1000 + i)              # module init (PyTorch's default initialisers)
        gen = torch.Generator().manual_seed(i)   # inputs, perturbations, grad_outputs
        fx = build(gen)
        fx["config"]["compute_dtype"] = "float64"
        fx["config"]["generator"] = f"reference/make_fixtures.py ({name})"
        size = write_fixture(os.path.join(NN_DIR, f"{name}.h5"), **fx)
        total += size
        note = fx["config"].get("fast_path_note", "")
        print(f"{name}.h5: {size / 1024:.1f} KiB {note}")
    print(f"NN fixtures: {total / 1024:.1f} KiB total")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", choices=["nn", "models", "pair"], help="write only one set")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.only in (None, "nn"):
        make_nn()
    if args.only in (None, "models"):
        from make_model_fixtures import make_models
        make_models()
    if args.only in (None, "pair"):
        from make_pair_fixtures import make_pair
        make_pair()


if __name__ == "__main__":
    main()
