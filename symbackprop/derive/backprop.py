"""The chain rule over a graph: local partials, the δ recursion, and one Derivation per parameter.

Intermediates stay symbols.  Every edge gets its local partial ``∂child/∂parent``, written in
node symbols (``∂a/∂z = a(1-a)`` for sigmoid, not ``σ(z)(1-σ(z))``).  Reverse accumulation
names the error signal of each δ-node (``δ^{(l)}_j = ∂L/∂z^{(l)}_j``) and defines it from
the δs after it, so a first-layer gradient is ``δ^{(1)}_j x_i`` however deep the network.
The sum over every path (the Leibniz chain) and the fully expanded formula are derived on
request from the same value; the expansion is refused when it would be too large.

>>> from symbackprop.graph.network import mlp
>>> bp = derive(mlp([2, 2, 1]))
>>> d = bp["w1_12"]
>>> d.delta_form
\\delta^{(1)}_{1}*x_{2}
>>> bp.delta_of("z^{(2)}_{1}").expr
a^{(2)}_{1}*(1 - a^{(2)}_{1})*(a^{(2)}_{1} - y_{1})
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from symbackprop.errors import GraphError, TooLargeError
from symbackprop.graph import Graph
from symbackprop.graph.bulk import gc_paused
from symbackprop.graph.printing import latex, partial_latex

from ._fast import product
from .expansion import Substitution, expression_size
from .latex import factors_latex, leibniz_latex
from .partials import local_partials
from .paths import Delta, Path, count_paths, list_paths
from .simplest import simplest, target_constraint
from .views import view_of

__all__ = ["Backprop", "Derivation", "derive", "DEFAULT_MAX_SIZE", "DEFAULT_MAX_PATHS"]

#: Largest expanded formula (nodes of its expression tree) built without being asked.
DEFAULT_MAX_SIZE = 5_000
#: Most chain-rule paths listed for one parameter.
DEFAULT_MAX_PATHS = 5_000


class Backprop:
    """Every derivative of a graph's output: built once by :func:`derive`, read many times.

    Index it by a parameter (symbol, LaTeX name ``w^{(1)}_{12}`` or plain name ``w1_12``)
    to get its :class:`Derivation`.  The δs are derived at once; each parameter's (or other
    leaf's) derivation on first request, and kept.  A network whose scalar graph is not made
    is derived from its layers (:mod:`.views`), with the same results.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._view = view_of(graph)
        self.version = graph.version
        self._output = self._view.output
        self._partials: dict[sp.Symbol, Mapping[sp.Symbol, sp.Expr]] = {}
        self._adjoint: dict[sp.Symbol, sp.Expr] = {}
        self._sizes: dict[sp.Basic, int] = {}
        self._rewrite = self._view.definitions()
        self._target_constraint = target_constraint(graph, self._view.targets())
        self.deltas: dict[sp.Symbol, Delta] = {}
        self._delta_set: set[sp.Symbol] = set()
        delta_of = dict(self._view.delta_nodes())
        for node in self._view.nodes_output_first():
            symbol = delta_of.get(node)
            if symbol is None:  # adjoints cached output-first: a long chain never recurses
                self._through_consumers(node)
            elif node != self._output and self._reaches_output(node):
                self.deltas[node] = self._make_delta(node, symbol)
                self._delta_set.add(symbol)
        self._derivations: dict[sp.Symbol, Derivation] = {}
        self._names: dict[str, sp.Symbol] = {}  # each name read once

    # ----- local partials and adjoints
    def partial(self, child: sp.Symbol, parent: sp.Symbol) -> sp.Expr:
        """``∂child/∂parent`` for a direct edge, worked out in node symbols."""
        table = self._partials.get(child)
        if table is None:
            table = self._view.weighted_sum_partials(child)
            if table is None:
                raw = local_partials(self._view, child)
                table = {p: self._in_node_symbols(v) for p, v in raw.items()}
            self._partials[child] = table
        return table[parent]

    def _in_node_symbols(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom or not self._rewrite:
            return expr
        return expr.xreplace(self._rewrite)

    def _reaches_output(self, symbol: sp.Symbol) -> bool:
        adj = self.adjoint(symbol)
        return adj.is_Symbol or adj != 0 or symbol == self._output

    def adjoint(self, symbol: sp.Symbol) -> sp.Expr:
        """``∂output/∂symbol`` in terms of the δ symbols of the nodes after it.

        A δ-node's adjoint is its δ symbol; the output's is 1; any other node or leaf sums
        over its consumers: ``Σ_c adjoint(c)·∂c/∂symbol``.
        """
        found = self.deltas.get(symbol)
        if found is not None:
            return found.symbol
        if symbol == self._output:
            return sp.S.One
        return self._through_consumers(symbol)

    def _through_consumers(self, symbol: sp.Symbol) -> sp.Expr:
        cached = self._adjoint.get(symbol)
        if cached is not None:
            return cached
        terms = []
        for c in self._view.consumers(symbol):
            adj = self.adjoint(c)
            if adj.is_Symbol or adj != 0:  # a δ symbol: no need to sympify 0 to compare
                terms.append(product(adj, self.partial(c, symbol)))
        value = sp.Add(*terms) if len(terms) != 1 else terms[0]
        self._adjoint[symbol] = value
        return value

    def _make_delta(self, node: sp.Symbol, symbol: sp.Symbol) -> Delta:
        chain = self._through_consumers(node)
        expr, constraint = chain, None
        if not any(s in self._delta_set for s in chain.free_symbols):
            expr, constraint = simplest(chain, self._target_constraint)
        return Delta(symbol, node, chain, expr, constraint)

    # ----- derivations
    def terms(self, wrt: sp.Symbol) -> tuple[tuple[sp.Symbol, sp.Expr, sp.Expr], ...]:
        """Per consumer ``c`` of ``wrt`` that reaches the output: ``(c, adjoint of c, ∂c/∂wrt)``.

        ``∂L/∂wrt`` is the sum of ``adjoint·∂c/∂wrt`` over them, for a leaf or a node alike.
        """
        out = []
        for c in self._view.consumers(wrt):
            adj = self.adjoint(c)
            if adj.is_Symbol or adj != 0:  # a δ symbol: no need to sympify 0 to compare
                out.append((c, adj, self.partial(c, wrt)))
        return tuple(out)

    def _derive(self, wrt: sp.Symbol) -> Derivation:
        terms = self.terms(wrt)
        if len(terms) == 1:
            form = product(terms[0][1], terms[0][2])
        else:
            form = sp.Add(*[product(adj, local) for _, adj, local in terms])
        # The terms are not kept: a Derivation per parameter of a large network is what the
        # garbage collector walks, and they are cheap to list again (every partial is cached).
        return Derivation(wrt=wrt, delta_form=form, backprop=self)

    def __getitem__(self, key: sp.Symbol | str) -> Derivation:
        # A parameter's symbol is a dictionary lookup, a name is read once: reading every
        # parameter through bp[p] costs what bp.items() does, not a parse and new symbols each.
        if isinstance(key, sp.Symbol):
            if key in self._derivations or key in self._parameters:
                return self._derivation(key)
            return self._derivation(self._view.resolve(key))
        symbol = self._names.get(key) if isinstance(key, str) else None
        if symbol is None:
            symbol = self._view.resolve(key)
            if isinstance(key, str):
                self._names[key] = symbol
        return self._derivation(symbol)

    @cached_property
    def _parameters(self) -> frozenset[sp.Symbol]:
        return frozenset(self.graph.params)

    def _derivation(self, symbol: sp.Symbol) -> Derivation:
        found = self._derivations.get(symbol)
        if found is None:
            if self._view.is_node(symbol):
                raise GraphError(
                    f"parameter: {symbol.name!r} is a node, not a leaf; its derivative is "
                    f"its δ or adjoint (see delta_of)"
                )
            found = self._derive(symbol)
            self._derivations[symbol] = found
        return found

    def __iter__(self) -> Iterator[sp.Symbol]:
        return iter(self.graph.params)

    def __len__(self) -> int:
        return len(self.graph.params)

    def items(self) -> Iterator[tuple[sp.Symbol, Derivation]]:
        with gc_paused():  # every derivation at once: none of what is made here is garbage
            pairs = [(p, self._derivation(p)) for p in self.graph.params]
        return iter(pairs)

    def delta_of(self, node: sp.Symbol | str) -> Delta:
        """The :class:`Delta` of a δ-node, given the node or its name."""
        symbol = self.graph.lookup(node)
        try:
            return self.deltas[symbol]
        except KeyError:
            raise GraphError(f"{symbol.name!r} has no δ in this graph") from None

    @cached_property
    def expansion(self) -> dict[sp.Symbol, sp.Expr]:
        """``{node or δ symbol: definition}`` used to expand a derivation into leaves (δ by
        its unsimplified chain, so expansions hold without any constraint)."""
        return _definitions(self)

    def delta_definitions(self) -> dict[sp.Symbol, sp.Expr]:
        """``{δ symbol: its definition}`` for every δ-node."""
        return {d.symbol: d.expr for d in self.deltas.values()}

    def __repr__(self) -> str:
        return f"<Backprop of {self.graph!r}: {len(self)} parameters, {len(self.deltas)} deltas>"


@dataclass(frozen=True, eq=False)
class Derivation:
    """The derivative of the graph's output with respect to one leaf, as a value.

    Attributes:
        wrt: the parameter (or other leaf).
        delta_form: ``Σ adjoint·∂c/∂wrt`` over the consumers ``c`` of ``wrt``, e.g.
            ``δ^{(1)}_j x_i``.

    Everything else (the terms of that sum, paths, the Leibniz sum, the δ recursion it
    needs, the expanded formula) is derived from these on first access and kept.
    """

    wrt: sp.Symbol
    delta_form: sp.Expr
    backprop: Backprop = field(repr=False)

    @property
    def graph(self) -> Graph:
        return self.backprop.graph

    @cached_property
    def terms(self) -> tuple[tuple[sp.Symbol, sp.Expr, sp.Expr], ...]:
        """Per consumer ``c`` of ``wrt``: ``(c, adjoint of c, ∂c/∂wrt)``."""
        return self.backprop.terms(self.wrt)

    @cached_property
    def deltas(self) -> tuple[Delta, ...]:
        """The δ definitions this result uses, nearest the parameter first."""
        table = {d.symbol: d for d in self.backprop.deltas.values()}
        needed: dict[sp.Symbol, Delta] = {}
        frontier = [s for s in self.delta_form.free_symbols if s in table]
        while frontier:
            s = frontier.pop()
            if s in needed:
                continue
            needed[s] = table[s]
            frontier.extend(t for t in table[s].expr.free_symbols if t in table)
        order = {d.symbol: k for k, d in enumerate(self.backprop.deltas.values())}
        return tuple(sorted(needed.values(), key=lambda d: -order[d.symbol]))

    def path_list(self, *, max_paths: int = DEFAULT_MAX_PATHS) -> tuple[Path, ...]:
        """Every path from the parameter to the output, with its factors.

        Raises:
            TooLargeError: more than ``max_paths`` paths.
        """
        bp = self.backprop
        return list_paths(self.wrt, bp._output, bp._view.consumers, bp.adjoint, bp.partial, max_paths)

    def path_count(self) -> int:
        """How many paths :meth:`path_list` would list, counted without listing them."""
        bp = self.backprop
        return count_paths(self.wrt, bp._output, bp._view.consumers, bp.adjoint)

    @cached_property
    def paths(self) -> tuple[Path, ...]:
        """:meth:`path_list` with the default limit."""
        return self.path_list()

    @cached_property
    def chain(self) -> sp.Expr:
        """The Leibniz sum over paths of the product of partials, in node symbols."""
        return sp.Add(*[p.product for p in self.paths])

    def expanded(self, *, max_size: int = DEFAULT_MAX_SIZE) -> sp.Expr:
        """The derivative written in leaves only (inputs, targets, parameters).

        Raises:
            TooLargeError: the expanded expression would have more than ``max_size``
                nodes; the message gives the estimate.
        """
        definitions = self.backprop.expansion
        size = self.expanded_size()
        if size > max_size:
            raise TooLargeError(
                f"expanded form of ∂{self.graph.output.name}/∂{self.wrt.name}: about {size:,} "
                f"terms, over the limit of {max_size:,}; use the δ form, or pass a larger max_size"
            )
        return Substitution(definitions)(self.delta_form)

    def expanded_size(self) -> int:
        """The number of expression nodes :meth:`expanded` would build (cheap to compute)."""
        return expression_size(self.delta_form, self.backprop.expansion, self.backprop._sizes)

    def latex(self, *, style: str = "full", max_paths: int = 8) -> str:
        """The derivation in LaTeX, in the project notation.

        Args:
            style: ``"inline"`` for one equation ``∂L/∂θ = δ form``; ``"full"`` for an
                ``aligned`` block: the Leibniz sum over paths, each factor worked out, the δ
                form and the δ recursion it uses.
            max_paths: beyond this many paths the Leibniz lines are summarised.
        """
        if style not in ("inline", "full"):
            raise ValueError(f"style: expected 'inline' or 'full', received {style!r}")
        out = self.graph.output
        lhs = partial_latex(out, self.wrt)
        if style == "inline":
            return f"{lhs} = {latex(self.delta_form)}"
        lines = []
        # Counted before listing: paths multiply with depth (4^9 for a 1-4x10-1 network).
        count = self.path_count() if max_paths else 0
        if count and count <= max_paths:
            paths = self.path_list(max_paths=max_paths)
            lines.append(f"{lhs} &= " + " + ".join(leibniz_latex(p) for p in paths))
            lines.append("&= " + " + ".join(factors_latex(p) for p in paths))
            lines.append("&= " + latex(self.delta_form))
        else:
            lines.append(f"{lhs} &= " + latex(self.delta_form))
            if count:
                lines.append(r"&\quad \text{(a sum over %d paths, shared through } \delta\text{)}" % count)
        for dl in self.deltas:
            lines.append(r"%s &= %s" % (latex(dl.symbol), latex(dl.expr))
                         + (r" \quad \text{(using } %s\text{)}" % dl.constraint if dl.constraint else ""))
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        # The whole derivation (chain, factors, δ form, the δs it uses), as a notebook
        # shows it when no richer display is registered.
        return "$$" + self.latex(style="full") + "$$"

    def __repr__(self) -> str:
        return f"<Derivation ∂{self.graph.output.name}/∂{self.wrt.name} = {self.delta_form}>"


def derive(graph: Graph) -> Backprop:
    """Derive the output's derivative with respect to every parameter of ``graph``.

    Cost is linear in the number of connections: each edge's partial is computed once and
    each parameter's result is a product of a δ and a local partial, made when first asked
    for.  A network from ``mlp()`` is derived from its layers without making its scalar graph.

    Raises:
        GraphError: the graph has no output.
    """
    return Backprop(graph)


# ----- helpers


def _definitions(bp: Backprop) -> dict[sp.Symbol, sp.Expr]:
    table: dict[sp.Symbol, sp.Expr] = {nd.symbol: nd.expr for nd in bp.graph.nodes}
    # Expand δ through its chain, not its simplified form: the expanded formula must hold
    # without the constraints a simplification may rely on.
    table.update({d.symbol: d.chain for d in bp.deltas.values()})
    return table


