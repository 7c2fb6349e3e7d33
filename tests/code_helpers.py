"""Running generated modules in tests, and PyTorch autograd as the independent reference.

The modules are symbackprop's own output, not user input: the tests import them (from a
file under pytest's tmp_path) to check that they run as written and compute what the
derivation says, which is the point of generating them.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

_COUNT = itertools.count()


def load_module(text: str, folder: Path) -> ModuleType:
    """Import generated source ``text`` as a fresh module (a new name each time)."""
    name = f"generated_{next(_COUNT)}"
    path = folder / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_numpy(module: ModuleType, arrays: dict[str, Any], order: list[str]) -> tuple[float, dict[str, np.ndarray]]:
    loss, grads = module.forward_backward(*(arrays[k] for k in order))
    return float(loss), {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}


def run_torch(module: ModuleType, arrays: dict[str, Any], order: list[str]) -> tuple[
        float, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The torch module's loss and its own gradients, and autograd's gradients of its forward
    pass (float64), by leaf name."""
    import torch

    tensors = {}
    for k in order:
        value = np.asarray(arrays[k])
        if value.dtype.kind in "iu":
            tensors[k] = torch.tensor(value, dtype=torch.int64)
        else:
            tensors[k] = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    loss, grads = module.forward_backward(*(tensors[k] for k in order))
    loss.backward()
    ours = {k: v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v) for k, v in grads.items()}
    auto = {k: (tensors[k].grad.numpy() if tensors[k].grad is not None else np.zeros(np.shape(arrays[k])))
            for k in grads}
    return float(loss.detach()), ours, auto


def assert_close(got: dict[str, np.ndarray], want: dict[str, Any], rtol: float = 1e-10, atol: float = 1e-12) -> None:
    assert set(got) == set(want), (sorted(got), sorted(want))
    for k in want:
        expected = np.asarray(want[k], dtype=np.float64)
        assert np.shape(got[k]) == expected.shape, (k, np.shape(got[k]), expected.shape)
        assert np.allclose(got[k], expected, rtol=rtol, atol=atol), (k, np.abs(got[k] - expected).max())
