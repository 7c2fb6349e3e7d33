r"""Terms printed in matrix-calculus notation (LaTeX), for sheets and displays.

Names are set as words (``\mathit{hprebn}``; one letter, or a letter and digits such as
``W1``, as a symbol ``W_{1}``); the gradient of the loss with respect to ``X`` is
``\overline{X}``, of ``X``'s shape.  ``\odot`` is the elementwise product (with NumPy's
broadcasting), juxtaposition the matrix product, ``^{\top}`` the transpose; a sum over an
axis of a matrix is a product with a ones vector (``\mathbf{1}^{\top} X`` sums the rows
of ``X``), other reductions carry their axis as a subscript.  A printer with one
``_print_<op>`` per operation, as SymPy's are.

>>> from symbackprop.graph.terms import Grad, Ref, call
>>> h = Ref("h", (32, 64))
>>> print(latex_term((1 - h ** 2) * Grad("h", (32, 64))))
\left(1 - h^{2}\right) \odot \overline{h}
>>> print(latex_term(call("sum", Grad("logits", (32, 27)), axis=(0,), keepdims=False)))
\mathbf{1}^{\top} \overline{\mathit{logits}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .array_code import number_code
from .terms import Call, Const, Grad, Ref, Term

__all__ = ["LatexTermPrinter", "latex_term", "latex_name"]

_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5
_SYMBOL = re.compile(r"^([A-Za-z])(\d*)$")
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "sigma", "tau", "phi",
          "omega"}


def latex_name(name: str) -> str:
    """A program's name in LaTeX: ``x``, ``W_{1}``, ``\\gamma``, ``\\mathit{counts\\_sum}``."""
    m = _SYMBOL.match(name)
    if m:
        return m.group(1) + (f"_{{{m.group(2)}}}" if m.group(2) else "")
    if name in _GREEK:
        return "\\" + name
    return r"\mathit{%s}" % name.replace("_", r"\_")


class LatexTermPrinter:
    """Prints terms as LaTeX.  Settings: ``counts`` (integers shown as the constant naming
    them, ``{32: "n"}``), ``grad`` (``"bar"`` for ``\\overline{X}``, ``"d"`` for ``dX``)."""

    defaults: dict[str, Any] = {"counts": None, "grad": "bar"}

    def __init__(self, **settings: Any) -> None:
        unknown = set(settings) - set(self.defaults)
        if unknown:
            raise TypeError(f"unknown printer settings {sorted(unknown)}; expected {sorted(self.defaults)}")
        self.settings = {**self.defaults, **settings}
        self.counts: Mapping[int, str] = self.settings["counts"] or {}

    def doprint(self, term: Term) -> str:
        return self._print(term)[0]

    def _print(self, term: Term) -> tuple[str, int]:
        if isinstance(term, Ref):
            return latex_name(term.name), _ATOM
        if isinstance(term, Grad):
            name = latex_name(term.name)
            return (r"\overline{%s}" % name if self.settings["grad"] == "bar" else f"d{name}"), _ATOM
        if isinstance(term, Const):
            return self._number(term.value)
        assert isinstance(term, Call)
        return getattr(self, "_print_" + term.op, self._generic)(term)

    def _number(self, value: Any) -> tuple[str, int]:
        if isinstance(value, float) and value in (float("inf"), float("-inf")):
            return ("-" if value < 0 else "") + r"\infty", _ATOM if value > 0 else _UNARY
        text = number_code(value)
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = r"%s \cdot 10^{%d}" % (mantissa, int(exponent)) if mantissa not in ("1", "1.0") else \
                "10^{%d}" % int(exponent)
            return text, _MUL
        if isinstance(value, int) and value in self.counts:
            return latex_name(self.counts[value]), _ATOM
        return text, (_UNARY if text.startswith("-") else _ATOM)

    def _wrap(self, term: Term, level: int, strict: bool = False) -> str:
        text, got = self._print(term)
        return r"\left(%s\right)" % text if got < level or (strict and got == level) else text

    def _generic(self, t: Call) -> tuple[str, int]:
        args = ", ".join(self.doprint(a) for a in t.args)
        return r"\operatorname{%s}\left(%s\right)" % (t.op.replace("_", r"\_"), args), _ATOM

    def _count(self, n: int) -> str:
        return latex_name(self.counts[n]) if n in self.counts else str(n)

    # ----- arithmetic
    def _print_add(self, t: Call) -> tuple[str, int]:
        return f"{self._wrap(t.args[0], _ADD)} + {self._wrap(t.args[1], _ADD, strict=True)}", _ADD

    def _print_sub(self, t: Call) -> tuple[str, int]:
        return f"{self._wrap(t.args[0], _ADD)} - {self._wrap(t.args[1], _ADD, strict=True)}", _ADD

    def _print_mul(self, t: Call) -> tuple[str, int]:
        a, b = t.args
        if a.shape == () or b.shape == ():
            left, right = self._wrap(a, _MUL), self._wrap(b, _MUL, strict=True)
            joint = r" \cdot " if isinstance(b, Const) or (isinstance(a, Const) and isinstance(b, Const)) else " "
            return left + joint + right, _MUL
        return rf"{self._wrap(a, _MUL)} \odot {self._wrap(b, _MUL, strict=True)}", _MUL

    def _print_div(self, t: Call) -> tuple[str, int]:
        return r"\frac{%s}{%s}" % (self.doprint(t.args[0]), self.doprint(t.args[1])), _ATOM

    def _print_matmul(self, t: Call) -> tuple[str, int]:
        return f"{self._wrap(t.args[0], _MUL)} {self._wrap(t.args[1], _MUL, strict=True)}", _MUL

    def _print_neg(self, t: Call) -> tuple[str, int]:
        return "-" + self._wrap(t.args[0], _MUL), _UNARY

    def _print_pow(self, t: Call) -> tuple[str, int]:
        base = self._wrap(t.args[0], _ATOM, strict=False) if not isinstance(t.args[0], (Ref, Grad)) else \
            self.doprint(t.args[0])
        if isinstance(t.args[0], Call) or (isinstance(t.args[0], Const) and str(t.args[0].value).startswith("-")):
            base = r"\left(%s\right)" % self.doprint(t.args[0])
        elif isinstance(t.args[0], (Ref, Grad)) and "_{" in base:
            base = "{%s}" % base
        exp = t.args[1]
        exponent = number_code(exp.value) if isinstance(exp, Const) else self.doprint(exp)
        return "%s^{%s}" % (base, exponent), _POW

    def _func(self, name: str, t: Call) -> tuple[str, int]:
        return r"%s\left(%s\right)" % (name, self.doprint(t.args[0])), _ATOM

    def _print_exp(self, t: Call) -> tuple[str, int]:
        return self._func(r"\exp", t)

    def _print_log(self, t: Call) -> tuple[str, int]:
        return self._func(r"\log", t)

    def _print_tanh(self, t: Call) -> tuple[str, int]:
        return self._func(r"\tanh", t)

    def _print_sigmoid(self, t: Call) -> tuple[str, int]:
        return self._func(r"\sigma", t)

    def _print_relu(self, t: Call) -> tuple[str, int]:
        return self._func(r"\operatorname{ReLU}", t)

    def _print_leaky_relu(self, t: Call) -> tuple[str, int]:
        return self._func(r"\operatorname{LeakyReLU}", t)

    def _print_softplus(self, t: Call) -> tuple[str, int]:
        return self._func(r"\operatorname{softplus}", t)

    def _print_act(self, t: Call) -> tuple[str, int]:
        return self._func(_activation_latex(t), t)

    def _print_act_grad(self, t: Call) -> tuple[str, int]:
        return self._func("{%s}'" % _activation_latex(t), t)

    def _print_sign(self, t: Call) -> tuple[str, int]:
        return self._func(r"\operatorname{sign}", t)

    def _print_sqrt(self, t: Call) -> tuple[str, int]:
        return r"\sqrt{%s}" % self.doprint(t.args[0]), _ATOM

    def _print_abs(self, t: Call) -> tuple[str, int]:
        return r"\left|%s\right|" % self.doprint(t.args[0]), _ATOM

    def _print_float(self, t: Call) -> tuple[str, int]:
        return self._print(t.args[0])

    def _compare(self, t: Call, symbol: str) -> tuple[str, int]:
        return r"\left[%s %s %s\right]" % (self.doprint(t.args[0]), symbol, self.doprint(t.args[1])), _ATOM

    def _print_gt(self, t: Call) -> tuple[str, int]:
        return self._compare(t, ">")

    def _print_lt(self, t: Call) -> tuple[str, int]:
        return self._compare(t, "<")

    def _print_ge(self, t: Call) -> tuple[str, int]:
        return self._compare(t, r"\geq")

    def _print_le(self, t: Call) -> tuple[str, int]:
        return self._compare(t, r"\leq")

    def _print_eq(self, t: Call) -> tuple[str, int]:
        return self._compare(t, "=")

    def _print_ne(self, t: Call) -> tuple[str, int]:
        return self._compare(t, r"\neq")

    def _print_maximum(self, t: Call) -> tuple[str, int]:
        return r"\max\left(%s, %s\right)" % tuple(self.doprint(a) for a in t.args), _ATOM

    def _print_minimum(self, t: Call) -> tuple[str, int]:
        return r"\min\left(%s, %s\right)" % tuple(self.doprint(a) for a in t.args), _ATOM

    # ----- layout
    def _print_permute(self, t: Call) -> tuple[str, int]:
        perm = tuple(t.attr("perm"))
        inner = self._wrap(t.args[0], _ATOM)
        if isinstance(t.args[0], (Ref, Grad)) and "_{" in inner:
            inner = "{%s}" % inner
        if perm == tuple(reversed(range(len(perm)))) and len(perm) <= 2:
            return inner + r"^{\top}", _POW
        return r"\operatorname{permute}_{%s}\left(%s\right)" % (perm, self.doprint(t.args[0])), _ATOM

    def _print_reshape(self, t: Call) -> tuple[str, int]:
        like = t.attr("like")
        shape = (r"\operatorname{shape}(%s)" % latex_name(like)) if like else \
            "(" + ", ".join(self._count(n) for n in t.shape) + ")"
        return r"\operatorname{reshape}_{%s}\left(%s\right)" % (shape, self.doprint(t.args[0])), _ATOM

    def _print_broadcast_to(self, t: Call) -> tuple[str, int]:
        x = t.args[0]
        if x.ndim == 2 and t.ndim == 2 and x.shape[0] == 1 and x.shape[1] == t.shape[1]:
            return r"\mathbf{1}_{%s} %s" % (self._count(t.shape[0]), self._wrap(x, _MUL, strict=True)), _MUL
        if x.ndim == 2 and t.ndim == 2 and x.shape[1] == 1 and x.shape[0] == t.shape[0]:
            return r"%s \mathbf{1}_{%s}^{\top}" % (self._wrap(x, _MUL), self._count(t.shape[1])), _MUL
        if x.ndim == 1 and t.ndim == 2 and x.shape[0] == t.shape[1]:
            return r"\mathbf{1}_{%s} %s^{\top}" % (self._count(t.shape[0]), self._wrap(x, _ATOM)), _MUL
        shape = "(" + ", ".join(self._count(n) for n in t.shape) + ")"
        return r"\operatorname{broadcast}_{%s}\left(%s\right)" % (shape, self.doprint(x)), _ATOM

    # ----- reductions
    def _axes_text(self, t: Call) -> str:
        axis = t.attr("axis")
        if axis is None:
            return ""
        if isinstance(axis, int):
            axis = (axis,)
        return ",".join(str(a) for a in axis)

    def _print_sum(self, t: Call) -> tuple[str, int]:
        x, axis = t.args[0], t.attr("axis")
        if x.ndim == 2 and axis in ((0,), 0):
            return r"\mathbf{1}^{\top} %s" % self._wrap(x, _MUL, strict=True), _MUL
        if x.ndim == 2 and axis in ((1,), 1):
            return r"%s \mathbf{1}" % self._wrap(x, _MUL), _MUL
        if axis is None or len(axis) == x.ndim:
            return r"\textstyle\sum %s" % self._wrap(x, _MUL, strict=True), _MUL
        return r"\textstyle\sum_{\text{axis } %s} %s" % (self._axes_text(t), self._wrap(x, _MUL, strict=True)), _MUL

    def _reduction(self, name: str, t: Call) -> tuple[str, int]:
        sub = self._axes_text(t)
        ddof = t.attr("ddof")
        extra = r",\,n-%d" % ddof if ddof else ""
        sub_text = f"_{{{sub}{extra}}}" if sub or extra else ""
        return r"%s%s\left(%s\right)" % (name, sub_text, self.doprint(t.args[0])), _ATOM

    def _print_mean(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\operatorname{mean}", t)

    def _print_var(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\operatorname{var}", t)

    def _print_std(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\operatorname{std}", t)

    def _print_max(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\max", t)

    def _print_min(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\min", t)

    def _print_argmax(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\operatorname{argmax}", t)

    def _print_argmin(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\operatorname{argmin}", t)

    def _print_logsumexp(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\operatorname{logsumexp}", t)

    def _print_softmax(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\operatorname{softmax}", t)

    def _print_log_softmax(self, t: Call) -> tuple[str, int]:
        return self._reduction(r"\log\operatorname{softmax}", t)

    def _print_cross_entropy(self, t: Call) -> tuple[str, int]:
        return r"\operatorname{CE}\left(%s, %s\right)" % tuple(self.doprint(a) for a in t.args), _ATOM

    # ----- constants and indexing
    def _print_one_hot(self, t: Call) -> tuple[str, int]:
        return r"\operatorname{onehot}_{%s}\left(%s\right)" % (self._count(t.attr("classes")), self.doprint(t.args[0])), _ATOM

    def _print_zeros_like(self, t: Call) -> tuple[str, int]:
        return "0", _ATOM

    def _print_ones_like(self, t: Call) -> tuple[str, int]:
        return r"\mathbf{1}", _ATOM

    def _print_zeros(self, t: Call) -> tuple[str, int]:
        return "0", _ATOM

    def _print_ones(self, t: Call) -> tuple[str, int]:
        return r"\mathbf{1}", _ATOM

    def _print_eye(self, t: Call) -> tuple[str, int]:
        return "I_{%s}" % self._count(t.shape[0]), _ATOM

    def _print_tril(self, t: Call) -> tuple[str, int]:
        return self._func(r"\operatorname{tril}", t)

    def _print_triu(self, t: Call) -> tuple[str, int]:
        return self._func(r"\operatorname{triu}", t)

    def _print_arange(self, t: Call) -> tuple[str, int]:
        start, stop = t.attr("start"), t.attr("stop")
        return r"\left(%d, \ldots, %s\right)" % (start, self._count(stop) + " - 1"), _ATOM

    def _print_where(self, t: Call) -> tuple[str, int]:
        return r"\operatorname{where}\left(%s, %s, %s\right)" % tuple(self.doprint(a) for a in t.args), _ATOM

    def _print_concat(self, t: Call) -> tuple[str, int]:
        sep = r" \;\; " if t.attr("axis") == t.ndim - 1 else r" \\ "
        body = sep.join(self.doprint(a) for a in t.args)
        return r"\begin{bmatrix} %s \end{bmatrix}" % body, _ATOM

    def _index_text(self, items: Any, arrays: tuple[Term, ...]) -> str:
        parts = []
        for it in items:
            if it[0] == "new":
                parts.append(r"\text{new}")
            elif it[0] == "int":
                parts.append(str(it[1]))
            elif it[0] == "slice":
                a, b, c = it[1:]
                parts.append(":" if a is None and b is None and c is None else
                             f"{'' if a is None else a}:{'' if b is None else b}" + (f":{c}" if c else ""))
            else:
                arr = arrays[it[1] - 1]
                if isinstance(arr, Call) and arr.op == "arange" and arr.attr("start") == 0:
                    parts.append(r"\text{range}(%s)" % self._count(arr.attr("stop")))
                else:
                    parts.append(self.doprint(arr))
        return ", ".join(parts)

    def _print_index(self, t: Call) -> tuple[str, int]:
        base = self._wrap(t.args[0], _ATOM)
        return r"%s\left[%s\right]" % (base, self._index_text(t.attr("items"), t.args[1:])), _ATOM

    def _print_scatter_add(self, t: Call) -> tuple[str, int]:
        where = self._index_text(t.attr("items"), t.args[1:])
        return r"\operatorname{scatter}_{\left[%s\right]}\left(%s\right)" % (where, self.doprint(t.args[0])), _ATOM


def latex_term(term: Term, **settings: Any) -> str:
    """``term`` in LaTeX (settings as :class:`LatexTermPrinter`)."""
    return LatexTermPrinter(**settings).doprint(term)


def _activation_latex(t: Call) -> str:
    # An activation of one's own lives in the SymPy registry; programs without one never load it.
    from .activations import get_activation

    return get_activation(t.attr("name")).latex
