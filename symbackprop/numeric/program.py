"""Turn a derivation into straight-line numpy code with :func:`sympy.lambdify`.

A :class:`Program` is the graph's node definitions, then its δ definitions, as an ordered
list of assignments ``name = expression`` in node symbols (intermediates stay symbols, so
the code grows linearly with the network).  :meth:`Program.compile` hands lambdify a
custom ``cse`` callable that returns exactly these assignments, after SymPy's own
common-subexpression elimination has run over them and the requested outputs together.
Every variable is a column of the batch (one numpy array per quantity), so a batch is
evaluated in one call, with no Python loop over samples.

Nothing here is hand-written source: lambdify prints SymPy expressions.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterable, Sequence

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from symbackprop.derive import Backprop
from symbackprop.graph import Graph
from symbackprop.graph.notation import plain

from .rules import NUMPY_FUNCTIONS, batch_dot, batch_sum, stable_form, user_implementations

__all__ = ["Program", "reduced"]

#: The symbol of the batch size inside generated code.
BATCH_SIZE = sp.Symbol("n_batch", real=True)


def _safe_names(symbols: Iterable[sp.Symbol]) -> dict[sp.Symbol, sp.Symbol]:
    """A valid, unique Python identifier per symbol, readable where possible (``v003_w1_12``).

    The ``v`` prefix keeps every name clear of numpy's namespace and Python keywords.  The
    number is the symbol's rank in name order, so renamed symbols sort as the originals do
    and SymPy's canonical order of sums and products is unchanged: :func:`_renamer` can
    rebuild them without re-sorting (the slow part of ``xreplace`` on a large network).
    """
    ordered = sorted(symbols, key=lambda s: s.name)
    width = len(str(len(ordered)))
    table: dict[sp.Symbol, sp.Symbol] = {}
    for k, s in enumerate(ordered):
        tail = plain(s)
        text = f"v{k:0{width}d}_{tail}"
        if not text.isidentifier() or keyword.iskeyword(text):
            text = f"v{k:0{width}d}"
        table[s] = sp.Symbol(text, real=True)
    return table


def _renamer(table: dict[sp.Symbol, sp.Symbol]) -> Callable[[sp.Expr], sp.Expr]:
    """``expr.xreplace(table)`` for an order-preserving renaming, without re-sorting."""
    memo: dict[sp.Basic, sp.Basic] = dict(table)

    def walk(e: sp.Basic) -> sp.Basic:
        got = memo.get(e)
        if got is not None:
            return got
        if not e.args:
            out = e
        else:
            args = tuple(walk(a) for a in e.args)
            if args == e.args:
                out = e
            elif type(e) in (sp.Add, sp.Mul):
                out = type(e)._from_args(args)
            else:
                out = e.func(*args)
        memo[e] = out
        return out

    return walk  # type: ignore[return-value]


class Program:
    """The ordered assignments of one graph (nodes, then δs) in safe symbol names.

    Attributes:
        leaves: input, target and parameter symbols (original names), argument order.
        rename: original symbol → safe symbol.
        assignments: per δ variant (``"expr"`` or ``"chain"``) the list of
            ``(safe symbol, expression)``; nodes first, then δs nearest the output first.
        per_sample: safe symbols whose value differs between the samples of a batch.
    """

    def __init__(self, graph: Graph, bp: Backprop) -> None:
        self.graph = graph
        self.bp = bp
        self.leaves = (*graph.leaves("input"), *graph.leaves("target"), *graph.params)
        deltas = [d.symbol for d in bp.deltas.values()]
        self.rename = _safe_names((*self.leaves, *(nd.symbol for nd in graph.nodes), *deltas))
        self._rename = _renamer(self.rename)
        self._definitions = definitions = {nd.symbol: nd.expr for nd in graph.nodes}
        nodes = [
            (self.rename[nd.symbol], self._rename(stable_form(nd.expr, definitions)))
            for nd in graph.nodes
        ]
        self.assignments: dict[str, list[tuple[sp.Symbol, sp.Expr]]] = {}
        for variant in ("expr", "chain"):
            self.assignments[variant] = nodes + [
                (self.rename[d.symbol], self._rename(stable_form(getattr(d, variant), definitions)))
                for d in bp.deltas.values()
            ]
            if not any(d.constraint for d in bp.deltas.values()):
                self.assignments["chain"] = self.assignments["expr"]
                break
        # Every node and δ definition is scanned once here, not per compiled function.
        self.functions = dict(NUMPY_FUNCTIONS)
        self.functions.update(user_implementations(
            (e for rows in self.assignments.values() for _, e in rows), NUMPY_FUNCTIONS))
        self.per_sample = {self.rename[s] for s in (*graph.leaves("input"), *graph.leaves("target"))}
        for sym, expr in self.assignments["chain"]:
            if expr.free_symbols & self.per_sample:
                self.per_sample.add(sym)

    def safe(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` (in original symbols) in safe symbols."""
        return self._rename(expr)

    def output(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` in safe symbols and in the stable form every assignment has: a gradient
        of a custom graph can hold a softmax or a log of its own, outside any node."""
        if expr.is_Symbol or (expr.is_Mul and all(a.is_Symbol for a in expr.args)):
            return self._rename(expr)  # δ·a, most of a network's gradients: nothing to rewrite
        return self._rename(stable_form(expr, self._definitions))

    def compile(self, outputs: Sequence[sp.Expr], *, variant: str = "expr") -> Callable[..., list]:
        """A numpy function of ``(*leaf columns, n_batch)`` returning ``outputs`` as a list.

        Only the assignments the outputs need are emitted.
        """
        needed = _needed(self.assignments[variant], outputs)
        args = [self.rename[s] for s in self.leaves] + [BATCH_SIZE]
        functions = {**self.functions, **user_implementations(
            [e for e in outputs if not all(a.is_Symbol for a in _reduced_args(e))], self.functions)}

        def cse(exprs: list[sp.Expr]) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
            return _ordered_cse(needed, exprs)

        printer = _Printer({
            "fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
            "user_functions": {name: name for name in functions},
            # Sorting the terms of every sum for display is most of the printing time of a
            # large network, and the order of a sum does not matter to numpy.
            "order": "none",
        })
        return sp.lambdify(
            args, list(outputs), modules=[functions, "numpy"], cse=cse,
            printer=printer, docstring_limit=0,
        )


class _Printer(NumPyPrinter):
    """NumPy's printer with fast paths for what a large network is made of.

    SymPy's ``doprint`` costs about 0.2 ms per expression whatever its size; a bare
    ``batch_dot(δ, a, n_batch)`` of safe-named symbols prints as exactly this text anyway.
    """

    def doprint(self, expr, assign_to=None):  # type: ignore[override]
        if assign_to is None and isinstance(expr, (batch_dot, batch_sum)) and all(a.is_Symbol for a in expr.args):
            return f"{type(expr).__name__}({', '.join(a.name for a in expr.args)})"
        return super().doprint(expr, assign_to)

    # Weighted sums Σ w·a of plain symbols are most of a large network's code; printing them
    # directly gives the same text without sorting factors and checking signs term by term.
    def _print_Mul(self, expr):  # type: ignore[override]
        if all(type(a) is sp.Symbol for a in expr.args):
            return "*".join(a.name for a in expr.args)
        return super()._print_Mul(expr)

    def _print_Add(self, expr, order=None):  # type: ignore[override]
        if all(type(t) is sp.Symbol or (t.is_Mul and all(type(a) is sp.Symbol for a in t.args)) for t in expr.args):
            return " + ".join(self._print(t) for t in expr.args)
        return super()._print_Add(expr, order)


def reduced(expr: sp.Expr, per_sample: set[sp.Symbol]) -> sp.Expr:
    """``Σ_b expr_b`` over a batch, as a SymPy expression numpy evaluates with dot products.

    A product of two per-sample factors becomes one ``np.dot`` (``δ·a`` for a weight);
    factors constant across the batch move outside; a constant becomes ``n_batch·expr``.

    >>> d, a, w = sp.symbols("d a w")
    >>> reduced(2 * w * d * a, {d, a})
    2*w*batch_dot(a, d, n_batch)
    """
    if not (expr.free_symbols & per_sample):
        return BATCH_SIZE * expr
    if expr.is_Add:
        return sp.Add(*[reduced(t, per_sample) for t in expr.args])
    if expr.is_Mul:
        varying = [f for f in expr.args if f.free_symbols & per_sample]
        constant = sp.Mul(*[f for f in expr.args if not (f.free_symbols & per_sample)])
        if len(varying) == 1:
            return constant * batch_sum(varying[0], BATCH_SIZE)
        return constant * batch_dot(varying[0], sp.Mul(*varying[1:]), BATCH_SIZE)
    return batch_sum(expr, BATCH_SIZE)


def _needed(
    assignments: list[tuple[sp.Symbol, sp.Expr]], outputs: Sequence[sp.Expr]
) -> list[tuple[sp.Symbol, sp.Expr]]:
    wanted: set[sp.Symbol] = set()
    for e in outputs:
        wanted |= e.free_symbols  # type: ignore[arg-type]
    keep = []
    for sym, expr in reversed(assignments):
        if sym in wanted:
            keep.append((sym, expr))
            wanted |= expr.free_symbols  # type: ignore[arg-type]
    return keep[::-1]


def _ordered_cse(
    assignments: list[tuple[sp.Symbol, sp.Expr]], outputs: list[sp.Expr]
) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """SymPy's CSE over assignments and outputs together, then put back in dependency order.

    ``sympy.cse`` lists its new subexpressions first, but one may use a node assigned later
    (``x0 = a*(1 - a)`` needs ``a``), so every assignment is emitted after what it uses.
    """
    # Weighted sums Σ w·a of plain symbols share nothing with other expressions, yet SymPy's
    # CSE spends most of its time comparing their terms; they wait outside as placeholders.
    held: dict[sp.Symbol, sp.Expr] = {}
    rhs = [_hold_weighted_sums(e, held) for _, e in assignments]
    # Likewise an output that only reduces plain symbols (``batch_dot(δ, a)``, thousands
    # of them in a large network) has nothing to share.
    busy = [k for k, e in enumerate(outputs) if not all(a.is_Symbol for a in _reduced_args(e))]
    replacements, simplified = sp.cse(
        rhs + [_hold_weighted_sums(outputs[k], held) for k in busy],
        symbols=sp.numbered_symbols("c_", real=True), order="none",
    )
    final = list(outputs)
    for k, e in zip(busy, simplified[len(rhs):]):
        final[k] = e.xreplace(held)
    items = [(s, e.xreplace(held)) for s, e in replacements]
    items += [(s, e.xreplace(held)) for (s, _), e in zip(assignments, simplified[: len(rhs)])]
    position = {s: k for k, (s, _) in enumerate(items)}
    done: set[sp.Symbol] = set()
    ordered: list[tuple[sp.Symbol, sp.Expr]] = []
    for start in range(len(items)):
        # Iterative depth-first emission: dependencies before users, original order otherwise.
        stack = [(start, False)]
        while stack:
            k, expanded = stack.pop()
            sym, expr = items[k]
            if sym in done:
                continue
            if expanded:
                done.add(sym)
                ordered.append((sym, expr))
                continue
            stack.append((k, True))
            for dep in expr.free_symbols:
                j = position.get(dep)  # type: ignore[arg-type]
                if j is not None and dep not in done:
                    stack.append((j, False))
    return ordered, final


def _hold_weighted_sums(expr: sp.Expr, held: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` with each sum of more than three plain products swapped for a placeholder."""
    def simple(term: sp.Expr) -> bool:
        return term.is_Symbol or (term.is_Mul and all(a.is_Symbol or a.is_Number for a in term.args))

    found = {}
    for e in sp.preorder_traversal(expr):
        if e.is_Add and len(e.args) > 3 and all(simple(t) for t in e.args):
            found[e] = sp.Dummy("sum")
    for e, d in found.items():
        held[d] = e
    return expr.xreplace(found) if found else expr


def _reduced_args(expr: sp.Expr) -> tuple[sp.Basic, ...]:
    """The arguments of a bare reduction (or the expression itself when it is not one)."""
    if isinstance(expr, (batch_sum, batch_dot)):
        return expr.args
    return (expr,)
