"""Terms printed as NumPy or PyTorch code, the way a person writes it.

A printer in SymPy's style: one ``_print_<op>`` method per operation, precedence decides
the brackets, settings are checked against :attr:`CodePrinter.defaults`.  NumPy lacks a few
functions that PyTorch has (``sigmoid``, ``softmax``, ``log_softmax``, ``logsumexp``,
``cross_entropy``); NumPy code calls them by name, and :data:`NUMPY_HELPERS`
(:mod:`.code_helpers`) holds their definitions for a module that must run on its own.

>>> from symbackprop.graph.terms import Grad, Ref, call
>>> h, W = Ref("h", (32, 64)), Ref("W2", (64, 27))
>>> print(code(call("matmul", Grad("logits", (32, 27)), W.T)))
dlogits @ W2.T
>>> print(code(call("sum", Grad("logits", (32, 27)), axis=(1,), keepdims=True), dialect="torch"))
dlogits.sum(1, keepdim=True)
>>> print(code((1 - h ** 2) * Grad("h", (32, 64))))
(1 - h**2) * dh
>>> print(code(h * (Grad("logits", (32, 27)) @ W.T)))
h * (dlogits @ W2.T)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .code_helpers import NUMPY_HELPERS, TORCH_HELPERS, helpers_used, imports_used
from .terms import Call, Const, Grad, Ref, Term

__all__ = ["CodePrinter", "code", "number_code", "NUMPY_HELPERS", "TORCH_HELPERS", "helpers_used", "imports_used"]

# Python's precedence, loosest first.
_COMPARE, _ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5, 6
_INFIX = {"add": ("+", _ADD), "sub": ("-", _ADD), "mul": ("*", _MUL), "div": ("/", _MUL),
          "matmul": ("@", _MUL), "eq": ("==", _COMPARE), "ne": ("!=", _COMPARE), "lt": ("<", _COMPARE),
          "le": ("<=", _COMPARE), "gt": (">", _COMPARE), "ge": (">=", _COMPARE)}

def number_code(value: float | int | bool, dialect: str = "numpy") -> str:
    """A number as code: ``1e-5`` (not ``1e-05``), ``np.inf``, ``0.5``."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, float) and math.isinf(value):
        return ("-" if value < 0 else "") + ("np.inf" if dialect == "numpy" else "math.inf")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return f"{value:.1f}"
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


class CodePrinter:
    """Prints terms as code.

    Settings:
        dialect: ``"numpy"`` or ``"torch"``.
        grad_names: the variable holding ``∂L/∂name`` (default ``"d" + name``).
        counts: integers printed as the constant that names them (``{32: "n"}``).
    """

    defaults: dict[str, Any] = {"dialect": "numpy", "grad_names": None, "counts": None}

    def __init__(self, **settings: Any) -> None:
        unknown = set(settings) - set(self.defaults)
        if unknown:
            raise TypeError(f"unknown printer settings {sorted(unknown)}; expected {sorted(self.defaults)}")
        self.settings = {**self.defaults, **settings}
        self.torch = self.settings["dialect"] == "torch"
        self.grad_names: Mapping[str, str] = self.settings["grad_names"] or {}
        self.counts: Mapping[int, str] = self.settings["counts"] or {}

    # ----- the walk
    def doprint(self, term: Term) -> str:
        return self._print(term)[0]

    def _print(self, term: Term) -> tuple[str, int]:
        if isinstance(term, Ref):
            return term.name, _ATOM
        if isinstance(term, Grad):
            return self.grad_names.get(term.name, "d" + term.name), _ATOM
        if isinstance(term, Const):
            text = number_code(term.value, self.settings["dialect"])
            return text, (_UNARY if text.startswith("-") else _ATOM)
        assert isinstance(term, Call)
        if term.op in _INFIX:
            return self._infix(term)
        return getattr(self, "_print_" + term.op)(term)

    def _wrap(self, term: Term, level: int, strict: bool = False) -> str:
        text, got = self._print(term)
        return f"({text})" if got < level or (strict and got == level) else text

    def _infix(self, t: Call) -> tuple[str, int]:
        symbol, level = _INFIX[t.op]
        left = self._wrap(t.args[0], level, strict=level == _COMPARE)
        # *, / and @ share one level in Python: x * (y @ z) keeps its brackets, (x * y) @ z does not.
        product = isinstance(t.args[1], Call) and t.args[1].op == "matmul"
        right = self._wrap(t.args[1], level, strict=t.op in ("sub", "div", "matmul") or level == _COMPARE or product)
        return f"{left} {symbol} {right}", level

    def atom(self, term: Term) -> str:
        """``term`` as code, bracketed unless it is an atom (a name, a call, a subscript)."""
        return self._wrap(term, _ATOM)

    _atom = atom

    def _lib(self) -> str:
        return "torch" if self.torch else "np"

    def _func(self, name: str, *args: str) -> tuple[str, int]:
        return f"{name}({', '.join(args)})", _ATOM

    def _count(self, n: int) -> str:
        return self.counts.get(n, str(n))

    def _shape(self, shape: tuple[int, ...]) -> str:
        inner = ", ".join(self._count(n) for n in shape)
        return f"({inner},)" if len(shape) == 1 else f"({inner})"

    def _axes(self, axes: Any, keep: bool, keyword: bool = True) -> str:
        parts = []
        if isinstance(axes, int):
            axes = (axes,)
        if axes is not None:
            value = axes[0] if len(axes) == 1 else tuple(axes)
            word = "dim" if self.torch else "axis"
            parts.append(f"{word}={value}" if keyword and not self.torch else str(value))
        if keep:
            parts.append("keepdim=True" if self.torch else "keepdims=True")
        return ", ".join(parts)

    # ----- elementwise
    def _print_neg(self, t: Call) -> tuple[str, int]:
        inner = t.args[0]
        if isinstance(inner, Call) and inner.op in ("mul", "div", "matmul"):
            # -(a * b) is (-a) * b: written without brackets, as people write it.
            symbol = _INFIX[inner.op][0]
            left = self._wrap(inner.args[0], _UNARY)
            return f"-{left} {symbol} {self._wrap(inner.args[1], _MUL, strict=True)}", _MUL
        return "-" + self._wrap(inner, _UNARY), _UNARY

    def _print_pow(self, t: Call) -> tuple[str, int]:
        base = self._wrap(t.args[0], _POW, strict=True)
        exp = t.args[1]
        exponent = self._print(exp)[0] if isinstance(exp, (Const, Ref)) else self._wrap(exp, _POW)
        return f"{base}**{exponent}", _POW

    def _unary(self, t: Call, name: str) -> tuple[str, int]:
        return self._func(f"{self._lib()}.{name}", self.doprint(t.args[0]))

    def _print_exp(self, t: Call) -> tuple[str, int]:
        return self._unary(t, "exp")

    def _print_log(self, t: Call) -> tuple[str, int]:
        return self._unary(t, "log")

    def _print_tanh(self, t: Call) -> tuple[str, int]:
        return self._unary(t, "tanh")

    def _print_sqrt(self, t: Call) -> tuple[str, int]:
        return self._unary(t, "sqrt")

    def _print_abs(self, t: Call) -> tuple[str, int]:
        return self._unary(t, "abs")

    def _print_sign(self, t: Call) -> tuple[str, int]:
        return self._unary(t, "sign")

    def _print_sigmoid(self, t: Call) -> tuple[str, int]:
        return self._unary(t, "sigmoid") if self.torch else self._func("sigmoid", self.doprint(t.args[0]))

    def _print_relu(self, t: Call) -> tuple[str, int]:
        return self._unary(t, "relu") if self.torch else self._func("np.maximum", self.doprint(t.args[0]), "0")

    def _print_leaky_relu(self, t: Call) -> tuple[str, int]:
        if self.torch:
            return self._func("F.leaky_relu", self.doprint(t.args[0]), "0.01")
        return self._func("leaky_relu", self.doprint(t.args[0]))

    def _print_softplus(self, t: Call) -> tuple[str, int]:
        return self._func("F.softplus" if self.torch else "softplus", self.doprint(t.args[0]))

    def _print_act(self, t: Call) -> tuple[str, int]:
        return self._func(t.attr("name"), self.doprint(t.args[0]))

    def _print_act_grad(self, t: Call) -> tuple[str, int]:
        return self._func(f"{t.attr('name')}_prime", self.doprint(t.args[0]))

    def _print_maximum(self, t: Call) -> tuple[str, int]:
        return self._pair(t, "maximum", "min")

    def _print_minimum(self, t: Call) -> tuple[str, int]:
        return self._pair(t, "minimum", "max")

    def _pair(self, t: Call, name: str, clamp: str) -> tuple[str, int]:
        a, b = t.args
        if self.torch and (isinstance(b, Const) or isinstance(a, Const)):
            x, c = (a, b) if isinstance(b, Const) else (b, a)
            return self._func("torch.clamp", self.doprint(x), f"{clamp}={self.doprint(c)}")
        return self._func(f"{self._lib()}.{name}", self.doprint(a), self.doprint(b))

    def _print_float(self, t: Call) -> tuple[str, int]:
        return f"{self._atom(t.args[0])}.{'double()' if self.torch else 'astype(float)'}", _ATOM

    def _print_where(self, t: Call) -> tuple[str, int]:
        return self._func(f"{self._lib()}.where", *(self.doprint(a) for a in t.args))

    # ----- layout
    def _print_permute(self, t: Call) -> tuple[str, int]:
        perm = tuple(t.attr("perm"))
        if perm == tuple(reversed(range(len(perm)))) and len(perm) <= 2:
            return f"{self._atom(t.args[0])}.T", _ATOM
        method = "permute" if self.torch else "transpose"
        return f"{self._atom(t.args[0])}.{method}{perm}", _ATOM

    def _print_reshape(self, t: Call) -> tuple[str, int]:
        like = t.attr("like")
        target = f"{like}.shape" if like else ", ".join(self._count(n) for n in t.shape) or "()"
        method = "view" if self.torch else "reshape"
        return f"{self._atom(t.args[0])}.{method}({target})", _ATOM

    def _print_broadcast_to(self, t: Call) -> tuple[str, int]:
        like = t.attr("like")
        if self.torch and t.args[0].ndim == 0:
            # A number may be a Python float (dX = 1.0), which has no expand: spread it by a product.
            ones = f"torch.ones_like({like})" if like else f"torch.ones({self._shape(t.shape)}, dtype=torch.float64)"
            return f"{ones} * {self._wrap(t.args[0], _MUL, strict=True)}", _MUL
        if self.torch:
            return (f"{self._atom(t.args[0])}.expand_as({like})" if like else
                    f"{self._atom(t.args[0])}.expand{self._shape(t.shape)}"), _ATOM
        return self._func("np.broadcast_to", self.doprint(t.args[0]), f"{like}.shape" if like else self._shape(t.shape))

    # ----- reductions
    def _reduction(self, t: Call, name: str) -> tuple[str, int]:
        args = self._axes(t.attr("axis"), t.attr("keepdims", False))
        ddof = t.attr("ddof")
        if ddof is not None and t.op in ("var", "std"):
            if self.torch and ddof != 1:
                args += (", " if args else "") + f"correction={ddof}"
            elif not self.torch and ddof:
                args += (", " if args else "") + f"ddof={ddof}"
        return f"{self._atom(t.args[0])}.{name}({args})", _ATOM

    def _print_sum(self, t: Call) -> tuple[str, int]:
        return self._reduction(t, "sum")

    def _print_mean(self, t: Call) -> tuple[str, int]:
        return self._reduction(t, "mean")

    def _print_var(self, t: Call) -> tuple[str, int]:
        return self._reduction(t, "var")

    def _print_std(self, t: Call) -> tuple[str, int]:
        return self._reduction(t, "std")

    def _print_max(self, t: Call) -> tuple[str, int]:
        return self._reduction(t, "amax" if self.torch else "max")

    def _print_min(self, t: Call) -> tuple[str, int]:
        return self._reduction(t, "amin" if self.torch else "min")

    def _print_argmax(self, t: Call) -> tuple[str, int]:
        return self._reduction(t, "argmax")

    def _print_argmin(self, t: Call) -> tuple[str, int]:
        return self._reduction(t, "argmin")

    def _print_logsumexp(self, t: Call) -> tuple[str, int]:
        if self.torch:
            axis = t.attr("axis")
            dims = tuple(range(t.args[0].ndim)) if axis is None else axis
            return self._func("torch.logsumexp", self.doprint(t.args[0]), self._axes(dims, t.attr("keepdims", False)))
        args = self._axes(t.attr("axis"), t.attr("keepdims", False))
        return self._func("logsumexp", self.doprint(t.args[0]), *([args] if args else []))

    def _normalise(self, t: Call, name: str) -> tuple[str, int]:
        axis = t.attr("axis")
        if self.torch:
            return self._func(f"F.{name}", self.doprint(t.args[0]), f"dim={axis}")
        return self._func(name, self.doprint(t.args[0]), f"axis={axis}")

    def _print_softmax(self, t: Call) -> tuple[str, int]:
        return self._normalise(t, "softmax")

    def _print_log_softmax(self, t: Call) -> tuple[str, int]:
        return self._normalise(t, "log_softmax")

    def _print_cross_entropy(self, t: Call) -> tuple[str, int]:
        extra = [] if t.attr("reduction", "mean") == "mean" else ["reduction='sum'"]
        name = "F.cross_entropy" if self.torch else "cross_entropy"
        return self._func(name, *(self.doprint(a) for a in t.args), *extra)

    # ----- constants
    def _print_one_hot(self, t: Call) -> tuple[str, int]:
        k = self._count(t.attr("classes"))
        if self.torch:
            return self._func("F.one_hot", self.doprint(t.args[0]), f"num_classes={k}")
        return f"np.eye({k})[{self.doprint(t.args[0])}]", _ATOM

    def _print_zeros_like(self, t: Call) -> tuple[str, int]:
        return self._func(f"{self._lib()}.zeros_like", self.doprint(t.args[0]))

    def _print_ones_like(self, t: Call) -> tuple[str, int]:
        return self._func(f"{self._lib()}.ones_like", self.doprint(t.args[0]))

    # PyTorch makes float32 unless told: the arrays of a program are float64.
    def _float64(self) -> tuple[str, ...]:
        return ("dtype=torch.float64",) if self.torch else ()

    def _print_zeros(self, t: Call) -> tuple[str, int]:
        return self._func(f"{self._lib()}.zeros", self._shape(t.shape), *self._float64())

    def _print_ones(self, t: Call) -> tuple[str, int]:
        return self._func(f"{self._lib()}.ones", self._shape(t.shape), *self._float64())

    def _print_eye(self, t: Call) -> tuple[str, int]:
        return self._func(f"{self._lib()}.eye", self._count(t.shape[0]), *self._float64())

    def _print_tril(self, t: Call) -> tuple[str, int]:
        return self._func(f"{self._lib()}.tril", self.doprint(t.args[0]))

    def _print_triu(self, t: Call) -> tuple[str, int]:
        return self._func(f"{self._lib()}.triu", self.doprint(t.args[0]))

    def _print_arange(self, t: Call) -> tuple[str, int]:
        start, stop, step = t.attr("start"), t.attr("stop"), t.attr("step")
        parts = [self._count(stop)] if start == 0 and step == 1 else \
            [str(start), self._count(stop)] + ([str(step)] if step != 1 else [])
        return self._func(f"{self._lib()}.arange", *parts)

    def _print_concat(self, t: Call) -> tuple[str, int]:
        parts = "[" + ", ".join(self.doprint(a) for a in t.args) + "]"
        axis = t.attr("axis")
        return (self._func("torch.cat", parts, f"dim={axis}") if self.torch
                else self._func("np.concatenate", parts, f"axis={axis}"))

    # ----- indexing
    def index_text(self, items: Any, arrays: tuple[Term, ...]) -> str:
        """The subscript of an ``index`` (or ``scatter_add``) operation, without brackets."""
        parts = []
        for it in items:
            if it[0] == "new":
                parts.append("None")
            elif it[0] == "int":
                parts.append(str(it[1]))
            elif it[0] == "slice":
                a, b, c = it[1:]
                text = f"{'' if a is None else a}:{'' if b is None else b}"
                parts.append(text + (f":{c}" if c is not None else ""))
            else:
                arr = arrays[it[1] - 1]
                if isinstance(arr, Call) and arr.op == "arange" and arr.attr("start") == 0 and arr.attr("step") == 1:
                    parts.append(f"range({self._count(arr.attr('stop'))})")
                else:
                    parts.append(self.doprint(arr))
        while parts and parts[-1] == ":" and len(parts) > 1:
            parts.pop()
        return ", ".join(parts)

    def _print_index(self, t: Call) -> tuple[str, int]:
        return f"{self._atom(t.args[0])}[{self.index_text(t.attr('items'), t.args[1:])}]", _ATOM

    def index_tuple(self, items: Any, arrays: tuple[Term, ...]) -> str:
        """The subscript of an ``index`` as a tuple expression, slices written ``slice(a, b)``,
        for a function to take (``np.add.at(out, (slice(None), Y), v)``)."""
        parts = []
        for it in items:
            if it[0] == "slice":
                parts.append("slice(" + ", ".join(repr(v) for v in (it[1:] if it[3] is not None else it[1:3])) + ")")
            elif it[0] == "new":
                parts.append("None")
            elif it[0] == "int":
                parts.append(str(it[1]))
            else:
                parts.append(self.index_text((it,), arrays))
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"

    def _print_scatter_add(self, t: Call) -> tuple[str, int]:
        # Inside an expression (a statement writes a lone scatter as two lines): a helper call,
        # zeros of the gathered array's shape with the values added where they were picked.
        like = t.attr("like")
        shape = f"{like}.shape" if like else self._shape(t.shape)
        return self._func("scatter_add", shape, self.index_tuple(t.attr("items"), t.args[1:]),
                          self.doprint(t.args[0]))


def code(term: Term, **settings: Any) -> str:
    """``term`` as one line of code (settings as :class:`CodePrinter`)."""
    return CodePrinter(**settings).doprint(term)
