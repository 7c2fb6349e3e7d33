"""Composed lines in canonical form: the operation a span of code spells out, named.

A span of a program's lines, substituted into one term (:func:`compose`), writes operations
out as code does: ``1/n*x.sum(0, keepdim=True)`` for a mean, ``1/(n-1)*((x - m)**2).sum(0)``
for a variance with Bessel's correction, ``exp(x - max) * sum(exp(x - max))**-1`` for a
softmax, ``-log(p)[range(n), Y].mean()`` for cross entropy.  :func:`canonical` names them
with the operations of :data:`~symbackprop.graph.array_ops.OPS` (``mean``, ``var``,
``softmax``, ``log_softmax``, ``cross_entropy``), bottom-up, each rewrite in :data:`CANON`
an identity of values: a number is compared in exact fractions with the program's own
constants (``1/(n-1)`` is ``1/31`` when ``n`` is 32), and a shift of a softmax's input by
its row maximum is dropped because softmax does not change under it.  The fused formulas of
:mod:`.fuse_rules` are derived from these forms, and proven equal to the unfused lines.

>>> from symbackprop.read.code import read_program
>>> p = read_program("m = 1/n*x.sum(0, keepdims=True)\\nd = x - m\\nv = 1/(n-1)*(d**2).sum(0, keepdims=True)\\n"
...                  "loss = v.sum()", {"x": [5, 3], "n": 5})
>>> print(canonical(compose(p, "v", {"m", "d"}), p))
var(x, axis=(0,), ddof=1, keepdims=True)
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from fractions import Fraction
from math import prod

from symbackprop.graph.array_ops import normalize_axes
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Call, Const, Ref, Term, call

__all__ = ["compose", "canonical", "CANON", "value_of"]


def compose(program: ArrayProgram, name: str, inline: Collection[str]) -> Term:
    """The term of line ``name`` with every line named in ``inline`` substituted, recursively
    (the result shares sub-terms, so it stays as small as the lines)."""
    memo: dict[str, Term] = {}

    def term_of(line_name: str) -> Term:
        if line_name not in memo:
            memo[line_name] = substitute(program.line(line_name).term)  # type: ignore[union-attr]
        return memo[line_name]

    done: dict[int, tuple[Term, Term]] = {}

    def substitute(t: Term) -> Term:
        seen = done.get(id(t))
        if seen is not None and seen[0] is t:
            return seen[1]
        if isinstance(t, Ref) and t.name in inline:
            out = term_of(t.name)
        elif isinstance(t, Call):
            args = tuple(substitute(a) for a in t.args)
            out = t if args == t.args else call(t.op, *args, **t.attributes)
        else:
            out = t
        done[id(t)] = (t, out)
        return out

    return term_of(name)


def value_of(t: Term, program: ArrayProgram) -> Fraction | None:
    """A term made of numbers and the program's constants, in exact fractions (else ``None``)."""
    if isinstance(t, Const) and t.shape == () and not isinstance(t.value, bool):
        return Fraction(t.value)
    if isinstance(t, Ref):
        leaf = program.leaf(t.name)
        if leaf is not None and leaf.kind == "const" and isinstance(leaf.value, (int, float)):
            return Fraction(leaf.value)
        return None
    if not isinstance(t, Call) or t.shape != ():
        return None
    vals = [value_of(a, program) for a in t.args]
    if any(v is None for v in vals):
        return None
    try:
        if t.op == "add":
            return vals[0] + vals[1]  # type: ignore[operator]
        if t.op == "sub":
            return vals[0] - vals[1]  # type: ignore[operator]
        if t.op == "mul":
            return vals[0] * vals[1]  # type: ignore[operator]
        if t.op == "div":
            return vals[0] / vals[1]  # type: ignore[operator]
        if t.op == "neg":
            return -vals[0]  # type: ignore[operator]
        if t.op == "pow" and vals[1].denominator == 1:  # type: ignore[union-attr]
            return vals[0] ** int(vals[1])  # type: ignore[operator,arg-type]
    except ZeroDivisionError:
        return None
    return None


Rule = Callable[[Call, ArrayProgram], "Term | None"]


def _op(t: Term, op: str) -> Call | None:
    return t if isinstance(t, Call) and t.op == op else None


def _axes(t: Call) -> tuple[int, ...]:
    return normalize_axes(t.attr("axis"), t.args[0].ndim)


def _count(t: Call) -> int:
    return prod(t.args[0].shape[a] for a in _axes(t))


def _scaled(t: Call, program: ArrayProgram) -> tuple[Fraction, Call] | None:
    """``c * r``, ``r * c`` or ``r / c`` with ``c`` a number and ``r`` a reduction: ``(c, r)``."""
    if t.op == "mul":
        for c, r in (t.args, reversed(t.args)):
            v = value_of(c, program)
            if v is not None and isinstance(r, Call):
                return v, r
    if t.op == "div" and isinstance(t.args[0], Call):
        v = value_of(t.args[1], program)
        if v:
            return 1 / v, t.args[0]
    return None


def _number(t: Call, program: ArrayProgram) -> Term | None:
    """``-0.5`` is read as the negation of ``0.5``: one number."""
    if t.op == "neg" and isinstance(t.args[0], Const) and t.shape == () and not isinstance(t.args[0].value, bool):
        return Const(-t.args[0].value, (), t.args[0].dtype)
    return None


def _reciprocal(t: Call, program: ArrayProgram) -> Term | None:
    """``a * b**-1`` is ``a / b``; ``b**-1`` is ``1 / b``; ``1 / sqrt(b)`` is ``b**-0.5``."""
    if t.op == "mul":
        for a, b in (t.args, reversed(t.args)):
            inv = _op(b, "pow")
            if inv is not None and value_of(inv.args[1], program) == -1:
                return call("div", a, inv.args[0])
            quotient = _op(b, "div")
            if quotient is not None and value_of(quotient.args[0], program) == 1 and value_of(a, program) is None:
                return call("div", a, quotient.args[1])
    if t.op == "pow" and value_of(t.args[1], program) == -1 and t.shape != ():
        return call("div", Const(1, (), "int"), t.args[0])
    if t.op == "div" and _op(t.args[1], "sqrt") is not None:
        root = t.args[1].args[0]  # type: ignore[attr-defined]
        rsqrt = call("pow", root, Const(-0.5, (), "float"))
        return rsqrt if value_of(t.args[0], program) == 1 else call("mul", t.args[0], rsqrt)
    return None


def _mean(t: Call, program: ArrayProgram) -> Term | None:
    """``1/n * x.sum(axes)`` with ``n`` the number of entries summed is ``x.mean(axes)``."""
    found = _scaled(t, program)
    if found is None:
        return None
    c, r = found
    if r.op == "sum" and c == Fraction(1, _count(r)):
        return call("mean", r.args[0], axis=_axes(r), keepdims=r.attr("keepdims", False))
    return None


def _deviation(t: Term, axes: tuple[int, ...]) -> Term | None:
    """``x`` when ``t`` is ``x - x.mean(axes)``."""
    d = _op(t, "sub")
    if d is None:
        return None
    m = _op(d.args[1], "mean")
    if m is not None and m.args[0] == d.args[0] and _axes(m) == axes:
        return d.args[0]
    return None


def _var(t: Call, program: ArrayProgram) -> Term | None:
    """``1/(n-d) * ((x - x.mean(axes))**2).sum(axes)`` is ``x.var(axes, ddof=d)``."""
    if t.op == "mean" and _op(t.args[0], "pow") is not None:
        sq, c, r = t.args[0], Fraction(1), t
    else:
        found = _scaled(t, program)
        if found is None or found[1].op != "sum" or _op(found[1].args[0], "pow") is None:
            return None
        c, r = found
        sq = r.args[0]
    if value_of(sq.args[1], program) != 2:  # type: ignore[union-attr]
        return None
    axes = _axes(r)
    x = _deviation(sq.args[0], axes)  # type: ignore[union-attr]
    if x is None:
        return None
    n = _count(r)
    for ddof in (0, 1):
        if (r.op == "mean" and ddof == 0) or (r.op == "sum" and n > ddof and c == Fraction(1, n - ddof)):
            return call("var", x, axis=axes, keepdims=r.attr("keepdims", False), ddof=ddof)
    return None


def _shifted(u: Term, axis: int) -> Term:
    """``x`` when ``u`` is ``x`` less its maximum (or log-sum-exp) along ``axis``: softmax
    and log-softmax do not change when a row is shifted, so the shift is dropped."""
    d = _op(u, "sub")
    if d is not None:
        s = d.args[1]
        if isinstance(s, Call) and s.op in ("max", "logsumexp") and s.args[0] == d.args[0] and \
                _axes(s) == (axis,) and s.attr("keepdims", False):
            return d.args[0]
    return u


def _softmax(t: Call, program: ArrayProgram) -> Term | None:
    """``exp(u) / exp(u).sum(a)``, ``u`` the input or it less its row maximum, is a softmax."""
    if t.op != "div":
        return None
    top, bottom = _op(t.args[0], "exp"), _op(t.args[1], "sum")
    if top is None or bottom is None or bottom.args[0] != top or not bottom.attr("keepdims", False) \
            or len(_axes(bottom)) != 1:
        return None
    (axis,) = _axes(bottom)
    return call("softmax", _shifted(top.args[0], axis), axis=axis)


def _log_softmax(t: Call, program: ArrayProgram) -> Term | None:
    """``log(softmax(x))``, ``x - logsumexp(x)`` and ``u - log(exp(u).sum(a))`` are log-softmax."""
    if t.op == "log" and _op(t.args[0], "softmax") is not None:
        s = t.args[0]
        return call("log_softmax", s.args[0], axis=s.attr("axis"))  # type: ignore[attr-defined]
    if t.op == "sub":
        u, s = t.args
        if isinstance(s, Call) and s.op == "logsumexp" and s.args[0] == u and s.attr("keepdims", False) \
                and len(_axes(s)) == 1:
            return call("log_softmax", u, axis=_axes(s)[0])
        lg = _op(s, "log")
        total = _op(lg.args[0], "sum") if lg is not None else None
        e = _op(total.args[0], "exp") if total is not None else None
        if e is not None and e.args[0] == u and total.attr("keepdims", False) and len(_axes(total)) == 1:  # type: ignore[union-attr]
            axis = _axes(total)[0]  # type: ignore[arg-type]
            return call("log_softmax", _shifted(u, axis), axis=axis)
    return None


def _cross_entropy(t: Call, program: ArrayProgram) -> Term | None:
    """``-log_softmax(x, 1)[range(n), Y].mean()`` (or ``.sum()``) is ``cross_entropy(x, Y)``."""
    if t.op != "neg" or _op(t.args[0], "mean") is None and _op(t.args[0], "sum") is None:
        return None
    r = t.args[0]
    picked = _op(r.args[0], "index")  # type: ignore[attr-defined]
    if picked is None or len(picked.args) != 3 or _axes(r) != (0,):  # type: ignore[arg-type]
        return None
    ls, rows, target = picked.args
    if _op(ls, "log_softmax") is None or ls.ndim != 2 or ls.attr("axis") % 2 != 1:  # type: ignore[attr-defined]
        return None
    n = ls.shape[0]
    whole = isinstance(rows, Call) and rows.op == "arange" and (rows.attr("start"), rows.attr("stop"),
                                                                 rows.attr("step")) == (0, n, 1)
    if picked.attr("items") != (("array", 1), ("array", 2)) or not whole or target.dtype != "int" \
            or target.shape != (n,):
        return None
    reduction = "mean" if r.op == "mean" else "sum"  # type: ignore[attr-defined]
    return call("cross_entropy", ls.args[0], target, reduction=reduction)  # type: ignore[attr-defined]


#: The rewrites, tried in order at every node until none applies.
CANON: tuple[Rule, ...] = (_number, _reciprocal, _mean, _var, _softmax, _log_softmax, _cross_entropy)


def canonical(term: Term, program: ArrayProgram) -> Term:
    """``term`` with every spelled-out operation of :data:`CANON` named, bottom-up."""
    memo: dict[int, tuple[Term, Term]] = {}

    def walk(t: Term) -> Term:
        seen = memo.get(id(t))
        if seen is not None and seen[0] is t:
            return seen[1]
        out = t
        if isinstance(t, Call):
            args = tuple(walk(a) for a in t.args)
            out = t if args == t.args else call(t.op, *args, **t.attributes)
            for _ in range(16):
                for rule in CANON:
                    got = rule(out, program) if isinstance(out, Call) else None
                    if got is not None:
                        out = walk(got)
                        break
                else:
                    break
        memo[id(t)] = (t, out)
        return out

    return walk(term)
