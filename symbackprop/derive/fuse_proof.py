"""The proof of a fused formula: equal to the unfused backward lines, entry by entry, in symbols.

The span is taken at small shapes (every size of the arrays it reads mapped to 3, 4, 5...,
its constants with them, so ``n`` becomes 3), every entry of every float array it reads
and of the upstream gradient ``dTO`` a SymPy symbol, integer arrays drawn at random in their
range.  The forward lines of the span, its unfused backward lines (as the backward program
wrote them) and the fused formula are evaluated over those symbols
(:class:`~symbackprop.derive.array_sympy.SymbolicEvaluator`); the difference of every entry
must simplify to 0.  What the numbers decide (the row maximum's ``argmax``) is decided at a
random point.  The backward lines of the span whose gradient is identically 0 are named:
with the max trick, ``dlogit_maxes`` is 0, as softmax does not change when a row is shifted.

Symbolic work has a budget: at most :data:`MAX_PROOF_ENTRIES` symbols, and where a span
cannot be taken at small shapes (a size its code writes as a number) the proof says so and
the numbers alone decide (:mod:`symbackprop.numeric.array_fuse`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np
import sympy as sp

from symbackprop.errors import GraphError, TooLargeError
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Call, Grad, Ref, Term, call, names_in

from .array_backward import GradLine
from .array_sympy import SymbolicEvaluator, as_array, as_number
from .expansion import expression_size

__all__ = ["FuseProof", "prove_fused", "resize", "small_sizes", "MAX_PROOF_ENTRIES", "SMALL"]

#: The most symbols a proof introduces (entries of the span's float inputs and of ``dTO``).
MAX_PROOF_ENTRIES = 80
#: The largest entry (expression nodes) simplified; beyond it the proof gives up.
MAX_ENTRY_SIZE = 5_000
#: Small sizes, given to the span's sizes in order of first appearance.
SMALL = (3, 4, 5, 6, 7, 2, 8, 9, 10, 11, 12)


@dataclass(frozen=True)
class FuseProof:
    """The outcome of :func:`prove_fused`.

    Attributes:
        ok: the fused formula equals the unfused lines at every entry (``None``: not proven
            symbolically, see ``reason``).
        shapes: the small shape of each array the span reads.
        entries: the entries of the gradient compared.
        vanishing: lines of the span whose gradient is identically 0.
        reason: why there is no symbolic proof, or where it failed.
    """

    ok: bool | None
    shapes: Mapping[str, tuple[int, ...]]
    entries: int
    vanishing: tuple[str, ...] = ()
    reason: str = ""

    def summary(self) -> str:
        if self.ok is None:
            return f"not proven symbolically: {self.reason}"
        at = ", ".join(f"{k} {'×'.join(map(str, s)) or 'scalar'}" for k, s in self.shapes.items())
        if not self.ok:
            return f"the fused formula differs from the unfused lines at small shapes ({at}): {self.reason}"
        return (f"equal to the unfused lines in every one of {self.entries} entries, symbolically at small shapes "
                f"({at}): the difference simplifies to 0")


def small_sizes(sizes: Iterable[int]) -> dict[int, int]:
    """Each size above 1 mapped to a small one, distinct sizes to distinct ones, in order."""
    out: dict[int, int] = {1: 1}
    for n in sizes:
        if n not in out:
            out[n] = SMALL[min(len(out) - 1, len(SMALL) - 1)]
    return out


def _map_attr(key: str, value: Any, sizes: Mapping[int, int]) -> Any:
    if key == "shape" and isinstance(value, tuple):
        return tuple(sizes.get(v, v) for v in value)
    if key in ("classes", "stop") and isinstance(value, int):
        return sizes.get(value, value)
    return value


def resize(term: Term, sizes: Mapping[int, int]) -> Term:
    """``term`` rebuilt with every size mapped by ``sizes`` (shapes, classes, ranges)."""
    memo: dict[int, tuple[Term, Term]] = {}

    def walk(t: Term) -> Term:
        seen = memo.get(id(t))
        if seen is not None and seen[0] is t:
            return seen[1]
        shape = tuple(sizes.get(n, n) for n in t.shape)
        if isinstance(t, Ref):
            out: Term = Ref(t.name, shape, t.dtype)
        elif isinstance(t, Grad):
            out = Grad(t.name, shape, t.dtype)
        elif isinstance(t, Call):
            attrs = {k: _map_attr(k, v, sizes) for k, v in t.attrs}
            out = call(t.op, *(walk(a) for a in t.args), **attrs)
        else:
            out = t
        memo[id(t)] = (t, out)
        return out

    return walk(term)


def _symbols(name: str, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = sp.Symbol(f"{name}{list(index)}" if shape else name, real=True)
    return out


def _is_zero(d: sp.Expr, point: Mapping[sp.Symbol, float]) -> bool:
    d = as_number(d)
    if d == 0:
        return True
    if abs(complex(d.xreplace(point).evalf(30))) > 1e-12:
        return False
    if expression_size(d, {}) > MAX_ENTRY_SIZE:
        raise TooLargeError(f"an entry of the difference has over {MAX_ENTRY_SIZE:,} expression nodes, "
                            "beyond the budget of symbolic work")
    for step in (_half_powers, sp.expand, sp.cancel, lambda e: sp.cancel(sp.expand(e, power_exp=True)), sp.simplify):
        d = step(d)
        if d == 0:
            return True
    return False


def _half_powers(e: sp.Expr) -> sp.Expr:
    """``B^{k/2}`` written ``u^{-k}`` with ``u`` a new symbol standing for ``B^{-1/2}`` (and
    ``B`` itself ``u^{-2}``): an identity, and after it a difference that is 0 for every
    ``u`` is a polynomial identity that ``expand`` shows (batch normalisation's
    ``(var + ε)^{-3/2}`` is ``u^3``)."""
    names: dict[sp.Expr, sp.Symbol] = {}

    def half(p: sp.Expr) -> bool:
        return p.is_Pow and p.exp.is_Rational and p.exp.q == 2

    def swap(p: sp.Pow) -> sp.Expr:
        u = names.setdefault(p.base, sp.Symbol(f"u{len(names)}", positive=True))
        return u ** (-2 * p.exp)

    e = e.replace(half, swap)
    # B itself is u^{-2} too (sqrt(B)**2 is B as soon as it is written)
    return e.xreplace({base: u ** -2 for base, u in names.items()})


def prove_fused(program: ArrayProgram, start: str, end: str, lines: tuple[str, ...], unfused: tuple[GradLine, ...],
                term: Term, *, seed: int = 0) -> FuseProof:
    """Prove ``term`` (``d<start>``) equal to the composition of ``unfused`` at small shapes."""
    inside = set(lines)
    terms = [program.line(ln).term for ln in lines] + [gl.term for gl in unfused] + [term]  # type: ignore[union-attr]
    reads = [n for t in terms for n in names_in(t) if n not in inside]
    outer = list(dict.fromkeys([start, *reads]))
    consts = {n: program.leaf(n).value for n in outer  # type: ignore[union-attr]
              if program.leaf(n) is not None and program.leaf(n).kind == "const"}  # type: ignore[union-attr]
    shapes_in = [program.shape(n) for n in outer if n not in consts] + [program.shape(end)]
    sizes = small_sizes([*(k for s in shapes_in for k in s),
                         *(v for v in consts.values() if isinstance(v, int) and not isinstance(v, bool))])
    shapes = {n: tuple(sizes.get(k, k) for k in program.shape(n)) for n in outer if n not in consts}
    floats = [n for n in outer if n not in consts and program.dtype(n) == "float"]
    grad_entries = prod(shapes.get(end, tuple(sizes.get(k, k) for k in program.shape(end)))) \
        if end != program.loss else 0
    entries = sum(prod(shapes[n]) for n in floats) + grad_entries
    if entries > MAX_PROOF_ENTRIES:
        return FuseProof(None, shapes, 0, reason=f"the span reads {entries} entries at the smallest shapes "
                                                 f"(over {MAX_PROOF_ENTRIES})")
    rng = random.Random(seed)
    env: dict[str, Any] = {}
    for n in outer:
        if n in consts:
            value = consts[n]
            env[n] = sizes.get(value, value) if isinstance(value, int) else value
        elif program.dtype(n) == "int":
            leaf = program.leaf(n)
            bound = sizes.get(leaf.bound, leaf.bound) if leaf is not None and leaf.bound else 1
            env[n] = np.array([rng.randrange(bound) for _ in range(prod(shapes[n]))], dtype=np.int64).reshape(
                shapes[n])
        else:
            env[n] = _symbols(n, shapes[n])
    grads: dict[str, Any] = {}
    if end != program.loss:
        grads[end] = _symbols("d" + end, tuple(sizes.get(k, k) for k in program.shape(end)))
    point = {s: sp.Float(rng.uniform(-1.5, 1.5), 30) for arr in [*env.values(), *grads.values()]
             if isinstance(arr, np.ndarray) and arr.dtype == object for s in arr.flat}
    ev = SymbolicEvaluator(numeric=lambda e: e.xreplace(point).evalf(30))
    try:
        for ln in lines:
            env[ln] = ev.evaluate(resize(program.line(ln).term, sizes), env)  # type: ignore[union-attr]
        given = dict(grads)
        for gl in unfused:
            value = np.broadcast_to(as_array(ev.evaluate(resize(gl.term, sizes), env, grads)),
                                    tuple(sizes.get(k, k) for k in program.shape(gl.target)))
            grads[gl.target] = grads[gl.target] + value if gl.accumulate else value
        fused = np.broadcast_to(as_array(ev.evaluate(resize(term, sizes), env, given)), shapes[start])
        unfused_value = grads[start]
        total = prod(shapes[start])
        for a, b in zip(np.asarray(unfused_value).flat, fused.flat):
            if not _is_zero(a - b, point):
                return FuseProof(False, shapes, total, reason=f"an entry differs: {a} against {b}"[:300])
        vanishing = tuple(n for n in lines if n != end and n in grads and all(
            _is_zero(v, point) for v in np.asarray(grads[n]).flat))
    except TooLargeError as exc:
        return FuseProof(None, shapes, 0, reason=str(exc))
    except GraphError as exc:
        return FuseProof(None, shapes, 0, reason=f"the span could not be taken at small shapes ({exc})")
    return FuseProof(True, shapes, total, vanishing)

