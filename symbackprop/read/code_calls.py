"""The calls and methods the code reader understands, NumPy and PyTorch spellings alike.

Two tables map a spelling onto the operations of :mod:`symbackprop.graph.array_ops`:
:data:`CALLS`, keyed by ``(module, name)`` (``("np", "exp")``; module ``"*"`` for any of
numpy, torch, ``F``), and :data:`METHODS`, keyed by method name (``x.sum(...)``).  A handler
receives the call site, the array a method is called on (or ``None``), and the arguments
already read.  Where the two libraries differ, the code's dialect decides: ``x.var(0)``
divides by n − 1 in PyTorch and by n in NumPy, and ``x.max(1)`` is a (values, indices) pair
in PyTorch; code that names neither library must say which (``ddof=``, ``unbiased=``).

>>> sorted(k for k in METHODS if k.startswith("s"))
['sigmoid', 'sign', 'size', 'softmax', 'softplus', 'sqrt', 'square', 'squeeze', 'std', 'sum', 'swapaxes']
"""

from __future__ import annotations

import math
from collections.abc import Callable

from symbackprop.graph.terms import Const

from .code_layout import (
    arange, builtin_float, builtin_len, eye, filled, flatten, int_of, join, like, masked_fill, matrix_t, numel,
    permute, range_of, refuse, reshape, size, squeeze, swapaxes, transpose, triangle, unsqueeze, where,
)
from .code_math import (
    along, argreduce, binary, clamp, cross_entropy, identity, leaky_relu, logsumexp, one_hot, reduce, rsqrt, square,
    to_float, unary,
)
from .code_values import Handler, Module, Num, Pair, Range, as_term, bound_of, dialect_of

__all__ = ["BUILTINS", "CALLS", "HELPER_FUNCTIONS", "METHODS", "CONSTANTS", "Module", "Num", "Pair", "Range", "as_term", "bound_of", "dialect_of"]

_UNARY_NUMBERS: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh, "abs": abs,
}
#: Functions, methods and math both: the array operation each spelling means.
_SHARED: dict[str, Handler] = {
    **{name: unary(name, _UNARY_NUMBERS.get(name)) for name in ("exp", "log", "tanh", "sigmoid", "relu", "sqrt",
                                                                 "abs", "sign", "softplus")},
    "leaky_relu": leaky_relu,
    "maximum": binary("maximum"), "minimum": binary("minimum"), "pow": binary("pow"),
    "power": binary("pow"), "matmul": binary("matmul"), "mm": binary("matmul"), "dot": binary("matmul"),
    "clamp": clamp, "clip": clamp, "square": square, "rsqrt": rsqrt,
    "sum": reduce("sum"), "mean": reduce("mean"), "max": reduce("max"), "min": reduce("min"),
    "amax": reduce("max", pair=False), "amin": reduce("min", pair=False), "var": reduce("var"), "std": reduce("std"),
    "argmax": argreduce("argmax"), "argmin": argreduce("argmin"), "logsumexp": logsumexp,
    "softmax": along("softmax"), "log_softmax": along("log_softmax"),
    "reshape": reshape, "flatten": flatten, "transpose": transpose, "swapaxes": swapaxes,
    "permute": permute, "unsqueeze": unsqueeze, "squeeze": squeeze, "expand_dims": unsqueeze,
    "zeros_like": like("zeros_like"), "ones_like": like("ones_like"),
    "tril": triangle("tril"), "triu": triangle("triu"), "where": where,
    # The same numbers: a forward line's copy is its value (a backward cell's copy matters, read/cell.py).
    "copy": identity, "clone": identity,
    "detach": refuse("no gradient flows through .detach(), so the derivation would not be the program's; "
                      "remove it"),
}

#: ``x.method(...)``.
METHODS: dict[str, Handler] = {
    **{k: v for k, v in _SHARED.items() if k not in ("maximum", "minimum", "where", "zeros_like", "ones_like",
                                                      "dot", "expand_dims")},
    "view": reshape, "t": matrix_t, "masked_fill": masked_fill, "float": to_float,
    "double": to_float, "size": size, "numel": numel,
}

#: ``module.function(...)`` and builtins; ``"*"`` matches np, torch and F.
CALLS: dict[tuple[str, str], Handler] = {
    **{("*", k): v for k, v in _SHARED.items()},
    ("*", "concatenate"): join(False), ("*", "cat"): join(False), ("*", "stack"): join(True),
    ("*", "zeros"): filled("zeros"), ("*", "ones"): filled("ones"), ("*", "eye"): eye,
    ("*", "arange"): arange, ("*", "one_hot"): one_hot, ("*", "cross_entropy"): cross_entropy,
    ("*", "masked_fill"): masked_fill,
    ("builtins", "range"): range_of, ("builtins", "float"): builtin_float, ("builtins", "len"): builtin_len,
    ("builtins", "int"): int_of, ("builtins", "abs"): unary("abs", abs),
    ("math", "sqrt"): unary("sqrt", math.sqrt), ("math", "exp"): unary("exp", math.exp),
    ("math", "log"): unary("log", math.log),
}
#: Names a call may use bare: Python's builtins, and the functions NumPy lacks that printed
#: NumPy code calls by name (``softmax(x, axis=1)``; their definitions are
#: ``graph.code_helpers.NUMPY_HELPERS``), read as the operations they define, so that what
#: the sheets and generated modules print reads back.
BUILTINS = frozenset({"range", "float", "int", "len", "abs", "max", "min"})
HELPER_FUNCTIONS = frozenset({"sigmoid", "leaky_relu", "softplus", "softmax", "log_softmax", "logsumexp",
                              "cross_entropy"})
CALLS.update({("builtins", name): CALLS[("*", name)] for name in HELPER_FUNCTIONS})
for _k in list(CALLS):
    if _k[0] == "*" and _k[1] in ("exp", "log", "sqrt", "tanh"):
        CALLS["math", _k[1]] = unary(_k[1], _UNARY_NUMBERS[_k[1]])

#: Named numbers: ``np.inf``, ``math.pi``...
CONSTANTS: dict[tuple[str, str], Num] = {
    (module, name): Num(value, Const(value, (), "float"))
    for module in ("np", "torch", "math")
    for name, value in (("inf", math.inf), ("pi", math.pi), ("e", math.e))
}
