"""The helpers and imports a generated module needs: NumPy's missing functions, written out.

Code printed by :mod:`.array_code` calls ``sigmoid``, ``softmax``, ``log_softmax``,
``logsumexp``, ``cross_entropy`` and ``scatter_add`` by name in NumPy (PyTorch has all but the
last); :data:`NUMPY_HELPERS` and :data:`TORCH_HELPERS` hold their definitions, and
:func:`helpers_used` and :func:`imports_used` say which a set of terms needs, so that a
generated module defines exactly what it calls.
"""

from __future__ import annotations

import math

from .terms import Call, Const, Term, walk

__all__ = ["NUMPY_HELPERS", "TORCH_HELPERS", "helpers_used", "imports_used"]

#: Definitions of the NumPy helpers generated code may call, by name.
NUMPY_HELPERS: dict[str, str] = {
    "sigmoid": ("def sigmoid(x):\n    e = np.exp(-np.abs(x))  # no overflow, and every digit where sigmoid(x) is tiny\n"
                "    return np.where(x >= 0, 1.0, e) / (1.0 + e)"),
    "leaky_relu": "def leaky_relu(x):\n    return np.where(x > 0, x, 0.01 * x)",
    "softplus": "def softplus(x):\n    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))",
    "softmax": ("def softmax(x, axis):\n    e = np.exp(x - x.max(axis=axis, keepdims=True))\n"
                "    return e / e.sum(axis=axis, keepdims=True)"),
    "log_softmax": ("def log_softmax(x, axis):\n    shifted = x - x.max(axis=axis, keepdims=True)\n"
                    "    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))"),
    "logsumexp": ("def logsumexp(x, axis=None, keepdims=False):\n    top = x.max(axis=axis, keepdims=True)\n"
                  "    out = top + np.log(np.exp(x - top).sum(axis=axis, keepdims=True))\n"
                  "    return out if keepdims else np.squeeze(out, axis=axis)"),
    "cross_entropy": ("def cross_entropy(logits, target, reduction='mean'):\n"
                      "    picked = log_softmax(logits, axis=1)[np.arange(len(target)), target]\n"
                      "    return -picked.mean() if reduction == 'mean' else -picked.sum()"),
    "scatter_add": ("def scatter_add(shape, where, values):\n"
                    "    out = np.zeros(shape)\n"
                    "    np.add.at(out, where, values)\n"
                    "    return out"),
}
#: The same for PyTorch code: only what ``torch`` and ``torch.nn.functional`` lack.
TORCH_HELPERS: dict[str, str] = {
    "scatter_add": ("def scatter_add(shape, where, values):\n"
                    "    out = torch.zeros(shape, dtype=values.dtype)\n"
                    "    picked = torch.arange(out.numel()).reshape(shape)[where]  # flat positions, repeats kept\n"
                    "    out.view(-1).index_add_(0, picked.reshape(-1), values.expand(picked.shape).reshape(-1))\n"
                    "    return out"),
}
_HELPER_NEEDS = {"cross_entropy": ("log_softmax",)}



def helpers_used(terms: list[Term], dialect: str = "numpy") -> list[str]:
    """The helpers (:data:`NUMPY_HELPERS`, :data:`TORCH_HELPERS`) that code printing ``terms``
    calls, in order.  A scatter at the top of a term is no call (a statement writes it as
    zeros and an addition); one inside an expression is.

    >>> from symbackprop.graph.terms import Ref, call
    >>> helpers_used([call("cross_entropy", Ref("z", (4, 3)), Ref("y", (4,), "int"))])
    ['log_softmax', 'cross_entropy']
    """
    ops = {"sigmoid", "leaky_relu", "softplus", "softmax", "log_softmax", "logsumexp", "cross_entropy"}
    table = TORCH_HELPERS if dialect == "torch" else NUMPY_HELPERS
    found: list[str] = []
    for term in terms:
        for node in walk(term):
            if not isinstance(node, Call) or (node is term and node.op == "scatter_add"):
                continue
            name = node.op if node.op in ops or node.op == "scatter_add" else None
            if name is None or name not in table:
                continue
            for need in (*_HELPER_NEEDS.get(name, ()), name):
                if need not in found:
                    found.append(need)
    return found


#: Operations PyTorch code calls through ``torch.nn.functional`` (``F``).
_FUNCTIONAL = frozenset({"leaky_relu", "softplus", "softmax", "log_softmax", "cross_entropy", "one_hot"})


def imports_used(terms: list[Term], dialect: str = "numpy") -> list[str]:
    """The import lines code printing ``terms`` needs.

    >>> from symbackprop.graph.terms import Ref, call
    >>> imports_used([call("softmax", Ref("z", (4, 3)), axis=1)], "torch")
    ['import torch', 'import torch.nn.functional as F']
    """
    if dialect != "torch":
        return ["import numpy as np"]
    out = ["import torch"]
    nodes = [node for term in terms for node in walk(term)]
    if any(isinstance(n, Call) and n.op in _FUNCTIONAL for n in nodes):
        out.append("import torch.nn.functional as F")
    if any(isinstance(n, Const) and isinstance(n.value, float) and math.isinf(n.value) for n in nodes):
        out.insert(0, "import math")
    return out
