r"""Formulas in vector and matrix notation, read into a small tree with shapes.

``W^{(l)}`` is the n_l × n_{l−1} weight matrix (row = destination neuron); ``b^{(l)}``,
``z^{(l)}``, ``a^{(l)}``, ``\delta^{(l)}``, ``x``, ``y`` (and ``\hat{y}``) are column
vectors.  ``^T``, ``^\top``, ``^{\intercal}`` transpose; juxtaposition and ``\cdot`` are
matrix products (or scaling by a scalar); ``\odot`` and ``\circ`` are elementwise, as are
functions (``\sigma'(z^{(1)})``, ``f'``, ``\tanh'``), powers and ``\frac`` of vectors;
``\mathbf``, ``\boldsymbol`` and ``\vec`` are typefaces only; ``\operatorname{diag}(v)`` is
the diagonal matrix.  Products group left to right as written.  Whatever has no layer
quantity in it is an ordinary scalar formula (:mod:`.build`).

Shapes are not checked here: a product that is not defined is a wrong answer, which the
verifier explains (:mod:`symbackprop.verify.matrix`).

>>> from symbackprop.graph.mlp import mlp
>>> m = parse_matrix(r"(W^{(2)})^T \delta^{(2)} \odot \sigma'(z^{(1)})", mlp([2, 3, 1]))
>>> m.op, m.args[0].op, m.text
('hadamard', 'matmul', '(W⁽²⁾)ᵀδ⁽²⁾ ⊙ σ′(z⁽¹⁾)')
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import lark
import sympy as sp

from symbackprop.errors import FormulaError
from symbackprop.graph import Graph

from .build import _Builder
from .functions import Head
from .parser import alias_keys, parse_tree

__all__ = [
    "M", "parse_matrix", "is_matrix_formula", "layer_quantity", "activation_derivative", "node_text", "KIND_TEXT",
]

#: How a layer quantity is written in messages.
KIND_TEXT = {"w": "W", "b": "b", "z": "z", "a": "a", "delta": "δ", "x": "x", "y": "y"}
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
_HEADS = {"W": "w", "w": "w", "b": "b", "z": "z", "a": "a", "delta": "delta", "x": "x", "y": "y", "yhat": "a"}
_FUNCTION_TEXT = {"sigma": "σ", "sigmoid": "σ", "phi": "φ", "varphi": "φ", "theta": "θ"}


@dataclass(frozen=True)
class M:
    """A node of a matrix formula.

    ``op`` is ``leaf`` (``args = (kind, layer)``), ``scalar`` (``(expr,)``), ``matmul``,
    ``hadamard``, ``add``, ``div`` (two operands), ``neg``, ``T``, ``diag`` (one),
    ``pow`` (operand, exponent) or ``apply`` (operand; ``fn`` builds an entry from an
    entry's symbol).  ``text`` is the node as a reader would write it.
    """

    op: str
    args: tuple
    text: str
    fn: Callable[[sp.Expr], sp.Expr] | None = field(default=None, compare=False)
    prime: bool = False

    def children(self) -> Iterator[M]:
        return (a for a in self.args if isinstance(a, M))

    def walk(self) -> Iterator[M]:
        yield self
        for c in self.children():
            yield from c.walk()

    def with_args(self, *args: object) -> M:
        return replace(self, args=tuple(args), text=node_text(self.op, tuple(args), self))


def _wrap(m: M) -> str:
    return m.text if m.op in ("leaf", "scalar", "T", "apply", "diag") else f"({m.text})"


def node_text(op: str, args: tuple, old: M | None = None) -> str:
    """How a reader writes a node with operation ``op`` and operands ``args``: ``(W⁽²⁾)ᵀδ⁽²⁾``."""
    if op == "leaf":
        kind, layer = args
        return KIND_TEXT[kind] + (f"({layer})".translate(_SUP) if layer is not None else "")
    if op == "T":
        inner = args[0]
        bare = inner.op == "leaf" and inner.args[1] is None  # xᵀ, but (W⁽²⁾)ᵀ as the issue writes it
        return (inner.text if bare else f"({inner.text})") + "ᵀ"
    if op == "matmul":
        return _wrap(args[0]) + _wrap(args[1]) if args[0].op != "matmul" else args[0].text + _wrap(args[1])
    if op == "hadamard":
        a, b = args
        return f"{_wrap(a) if a.op == 'add' else a.text} ⊙ {_wrap(b) if b.op in ('add', 'hadamard') else b.text}"
    if op == "add":
        b = args[1]
        return f"{args[0].text} - {_wrap(b.args[0])}" if b.op == "neg" else f"{args[0].text} + {b.text}"
    if op == "div":
        return f"{_wrap(args[0])}/{_wrap(args[1])}"
    if op == "neg":
        return f"-{_wrap(args[0])}"
    if op == "pow":
        return f"{_wrap(args[0])}^{args[1]}"
    if op == "diag":
        return f"diag({args[0].text})"
    if op == "apply" and old is not None:
        return old.text.split("(", 1)[0] + f"({args[0].text})"
    return str(args[0])


def layer_quantity(graph: Graph | None, head: str, command: bool, layer: int | None,
                   subs: list[str], powers: list) -> tuple[str, int | None] | None:
    """``("w", 2)`` for ``W^{(2)}``: a whole layer quantity of a layered network, else ``None``."""
    layers = getattr(graph, "layers", None)
    if layers is None or subs or head not in _HEADS or command != (head == "delta"):
        return None
    kind = _HEADS[head]
    if head in ("yhat", "y") and layers[-1] == 1:
        return None  # one output: \hat{y} and y are the scalars a^{(L)}_1 and y_1
    if head == "yhat":
        return ("a", len(layers) - 1)
    if kind in ("x", "y"):
        return (kind, None) if layer is None else None
    if layer is None or not 0 <= layer < len(layers) or (kind != "a" and layer == 0):
        return None
    return ("x", None) if (kind == "a" and layer == 0) else (kind, layer)


class _MatrixBuilder:
    def __init__(self, text: str, graph: Graph) -> None:
        self.scalar = _Builder(text, graph, alias_keys(graph))
        self.graph = graph

    def leaf_of(self, node: lark.Tree) -> tuple[tuple[str, int | None], list] | None:
        if not isinstance(node, lark.Tree) or node.data != "name":
            return None
        head, command, layer, subs, powers = self.scalar.written(node.children[0], list(node.children[1:]), {})
        if self.scalar.aliases and self.scalar.alias(node.children[0], list(node.children[1:]), {}) is not None:
            return None
        found = layer_quantity(self.graph, head, command, layer, subs, powers)
        return (found, powers) if found else None

    def has_matrix(self, node: lark.Tree | lark.Token) -> bool:
        if not isinstance(node, lark.Tree):
            return False
        # ⊙ and ᵀ of scalars are a product and the scalar itself; only whole layers make a matrix
        return any(t.data == "name" and self.leaf_of(t) for t in node.iter_subtrees())

    def build(self, node: lark.Tree | lark.Token) -> M:
        if not self.has_matrix(node):
            value = self.scalar.expr(node, {})
            return M("scalar", (value,), self.scalar.text[node.meta.start_pos:node.meta.end_pos]
                     if isinstance(node, lark.Tree) and not node.meta.empty else str(value))
        assert isinstance(node, lark.Tree)
        method = getattr(self, "_" + node.data, None)
        if method is None:
            raise self.scalar.fail(f"{node.data} of vectors or matrices is not supported", node)
        return method(node)

    def _binary(self, op: str, a: M, b: M) -> M:
        return M(op, (a, b), node_text(op, (a, b)))

    def _chain(self, node: lark.Tree, kinds: frozenset[str]) -> M:
        first, ops = self.scalar._spine(node, kinds)
        out = self.build(first)
        for op in ops:
            right = self.build(op.children[-1])
            if op.data == "sub":
                right = M("neg", (right,), node_text("neg", (right,)))
                out = self._binary("add", out, right)
            elif op.data == "add":
                out = self._binary("add", out, right)
            elif op.data == "div":
                out = self._binary("div", out, right)
            else:
                out = self._binary("matmul", out, right)
        return out

    def _add(self, node: lark.Tree) -> M:
        return self._chain(node, frozenset({"add", "sub"}))

    _sub = _add

    def _mul(self, node: lark.Tree) -> M:
        return self._chain(node, frozenset({"mul", "div"}))

    _div = _mul

    def _hadamard(self, node: lark.Tree) -> M:
        return self._binary("hadamard", self.build(node.children[0]), self.build(node.children[-1]))

    def _neg(self, node: lark.Tree) -> M:
        inner = self.build(node.children[-1])
        return M("neg", (inner,), node_text("neg", (inner,)))

    def _paren(self, node: lark.Tree) -> M:
        return self.build(node.children[1] if len(node.children) == 3 else node.children[0])

    _group = _paren

    def _frac(self, node: lark.Tree) -> M:
        return self._binary("div", self.build(node.children[1]), self.build(node.children[2]))

    def _transpose(self, node: lark.Tree) -> M:
        child = node.children[0]
        if isinstance(child, lark.Tree) and child.data == "call" and self.leaf_of(child.children[0]):
            # δ^{(2)} (a^{(1)})^T: the transpose is of the bracket, the name multiplies it
            bracket = child.children[-1].children[0]
            if len(child.children[-1].children) == 1:
                inner = self.build(bracket)
                return self._binary("matmul", self._name(child.children[0]), M("T", (inner,), node_text("T", (inner,))))
        inner = self.build(child)
        return M("T", (inner,), node_text("T", (inner,)))

    def _pow(self, node: lark.Tree) -> M:
        base = self.build(node.children[0])
        exponent = self.scalar.expr(node.children[-1], {})
        return M("pow", (base, exponent), node_text("pow", (base, exponent)))

    def _name(self, node: lark.Tree) -> M:
        found = self.leaf_of(node)
        if found is None:  # pragma: no cover - has_matrix sent only layer names here
            raise self.scalar.fail("expected a layer quantity", node)
        (kind, layer), powers = found
        leaf = M("leaf", (kind, layer), node_text("leaf", (kind, layer)))
        for p in powers:
            exponent = self.scalar.expr(p, {})
            leaf = M("pow", (leaf, exponent), node_text("pow", (leaf, exponent)))
        if any(isinstance(s, lark.Tree) and s.data == "layer_t" for s in node.children[1:]):
            leaf = M("T", (leaf,), node_text("T", (leaf,)))
        return leaf

    def _call(self, node: lark.Tree) -> M:
        name = node.children[0]
        primes = sum(1 for c in node.children if isinstance(c, lark.Token) and c.type == "PRIME")
        args = node.children[-1]
        written = self.scalar.text[name.meta.start_pos:name.meta.end_pos].strip()
        if not (isinstance(args, lark.Tree) and args.data == "args") or len(args.children) != 1:
            raise self.scalar.fail(f"'{written}' of a vector takes one argument in brackets", node)
        arg = self.build(args.children[0])
        if self.leaf_of(name) is not None:  # δ^{(2)} (a^{(1)})^T: a product, as a(1-a) is
            return self._binary("matmul", self._name(name), arg)
        if written.replace(" ", "") in (r"\operatorname{diag}", "diag", r"\mathrm{diag}"):
            return M("diag", (arg,), node_text("diag", (arg,)))
        head = self.scalar.value(name, {})
        if not isinstance(head, Head):
            return self._binary("matmul", M("scalar", (head,), written), arg)
        head = Head(head.name, primes, head.sub, head.power, head.pos)

        def entry(symbol: sp.Expr) -> sp.Expr:
            return self.scalar.apply(head, [symbol], node)

        shown = _FUNCTION_TEXT.get(head.name, head.name) + "′" * primes
        return M("apply", (arg,), f"{shown}({arg.text})", fn=entry, prime=primes > 0)


def is_matrix_formula(text: str, graph: Graph | None) -> bool:
    """Whether ``text`` uses whole layers (``W^{(2)}``, ``\\delta^{(1)}``)."""
    if getattr(graph, "layers", None) is None:
        return False
    try:
        tree = parse_tree(text)
    except FormulaError:
        return False
    return _MatrixBuilder(text, graph).has_matrix(tree)  # type: ignore[arg-type]


def parse_matrix(text: str, graph: Graph) -> M:
    """Read a vector/matrix formula against a layered network.

    Raises:
        FormulaError: the text is not a formula, or uses an unknown name.
    """
    tree = parse_tree(text)
    return _MatrixBuilder(text, graph).build(tree)


def leaf_names(graph: Graph) -> Mapping[tuple[str, int | None], str]:
    """The layer quantities of a layered network and how messages write them."""
    layers = graph.layers  # type: ignore[attr-defined]
    out = {("x", None): "x", ("y", None): "y"}
    for l in range(1, len(layers)):
        for kind in ("w", "b", "z", "a", "delta"):
            out[(kind, l)] = node_text("leaf", (kind, l))
    return out


def activation_derivative(graph: Graph, layer: int) -> M:
    """``f′(z⁽ˡ⁾)``: layer ``layer``'s activation derivative, entry by entry."""
    return parse_matrix(f"f'(z^{{({layer})}})", graph)
