"""Loads an NN-library checkpoint of a plain encoder stack into PyTorch (strict) and compares.

    NN_EXPORT_CHECKPOINT=/tmp/stack.h5 swift test -c release -Xswiftc -enable-testing \
        --skip-build --filter OptimAndCheckpointTests/testExportForPyTorch
    python3 reference/check_nn_checkpoint.py /tmp/stack.h5

Builds nn.TransformerEncoder(TransformerEncoderLayer(8, 2, 16, batch_first=True), 2), loads
/params with load_state_dict(strict=True), runs /check/x in eval mode and compares with the
Swift output /check/y; then writes PyTorch's state_dict back into /params ("and back").
Exit 1 on mismatch.
"""
import json
import sys

import h5py
import numpy as np
import torch

path = sys.argv[1]
with h5py.File(path, "r") as f:
    cfg = json.loads(f.attrs["config"])
    state = {k: torch.from_numpy(f["params"][k][()]) for k in f["params"]}
    x, y = f["check/x"][()], f["check/y"][()]
layer = torch.nn.TransformerEncoderLayer(cfg["d_model"], cfg["nhead"], cfg["dim_feedforward"], batch_first=True)
model = torch.nn.TransformerEncoder(layer, cfg["num_layers"], enable_nested_tensor=False)
model.load_state_dict(state, strict=True)
model.eval()
with torch.no_grad():
    out = model(torch.from_numpy(x)).numpy()
err = np.abs(out - y).max() / np.abs(y).max()
print(f"strict load OK ({len(state)} keys); max relative difference {err:.2e}")
with h5py.File(path, "r+") as f:
    for k, v in model.state_dict().items():
        f["params"][k][...] = v.numpy()
sys.exit(0 if err < 1e-5 else 1)
