r"""Formulas in vector and matrix notation, read into a small tree with shapes.

``W^{(l)}`` is the n_l × n_{l−1} weight matrix (row = destination neuron); ``b^{(l)}``,
``z^{(l)}``, ``a^{(l)}``, ``\delta^{(l)}``, ``x``, ``y`` (and ``\hat{y}``) are column
vectors.  ``^T``, ``^\top``, ``^{\intercal}`` transpose; juxtaposition and ``\cdot`` are
matrix products (or scaling by a scalar); ``\odot`` and ``\circ`` are elementwise, as are
functions (``\sigma'(z^{(1)})``, ``f'``, ``\tanh'``), powers and ``\frac`` of vectors;
``\mathbf``, ``\boldsymbol`` and ``\vec`` are typefaces only; ``\operatorname{diag}(v)`` is
the diagonal matrix.  Products group left to right as written.  Whatever has no layer
quantity in it is an ordinary scalar formula (:mod:`.build`).  Batch notation (Ng's ``A^{[l]}``,
``dZ^{[l]}``, ``\frac{1}{m}``, ``\sum_{i=1}^{m}`` of ``(i)``, ``\mathbf{1}_m``) and gradients as
factors (``\nabla_{a^{(2)}} L``, ``\frac{\partial J}{\partial \mathbf{o}}``) read here too
(names in :mod:`.matrix_names`); ``*`` is kept as written, for the verifier to read as ⊙ where
both sides have one shape.

Shapes are not checked here: a product that is not defined is a wrong answer, which the
verifier explains (:mod:`symbackprop.verify.matrix`).

>>> from symbackprop.graph.network import mlp
>>> m = parse_matrix(r"(W^{(2)})^T \delta^{(2)} \odot \sigma'(z^{(1)})", mlp([2, 3, 1]))
>>> m.op, m.args[0].op, m.text
('hadamard', 'matmul', '(W⁽²⁾)ᵀδ⁽²⁾ ⊙ σ′(z⁽¹⁾)')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import lark
import sympy as sp

from symbackprop.errors import FormulaError
from symbackprop.graph import Graph

from .build import _Builder
from .equation import LOSS_NAMES
from .functions import Head
from .marks import comparison, indicator
from .matrix_names import BATCH_KINDS, GRADIENT_OF, KIND_TEXT, SUPERSCRIPT, example_script, layer_quantity
from .parser import alias_keys, parse_tree

__all__ = [
    "M", "parse_matrix", "layer_target", "BATCH_KINDS", "is_matrix_formula", "layer_quantity", "activation_derivative",
    "node_text", "KIND_TEXT",
]

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
        return KIND_TEXT[kind] + (f"({layer})".translate(SUPERSCRIPT) if layer is not None else "")
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
    if op == "esum":
        return f"Σᵢ {_wrap(args[0])}"
    if op == "star":
        return f"{_wrap(args[0])} * {_wrap(args[1])}"
    return str(args[0])


class _MatrixBuilder:
    def __init__(self, text: str, graph: Graph, *, native: bool = False) -> None:
        self.scalar = _Builder(text, graph, None if native else alias_keys(graph), native=native)
        self.graph = graph

    def leaf_of(self, node: lark.Tree) -> tuple[tuple[str, int | None], list] | None:
        if not isinstance(node, lark.Tree) or node.data != "name":
            return None
        if self.scalar.aliases and self.scalar.alias(node.children[0], list(node.children[1:]), {}) is not None:
            return None
        base = node.children[0]
        if str(base) == "\\nabla":
            return self._gradient(node)
        scripts, one = [], False
        for s in node.children[1:]:
            found, kept, _ = example_script(s)
            one |= found
            if kept is not None:
                scripts.append(kept)
        head, command, layer, subs, powers = self.scalar.written(base, scripts, {})
        if head == "m" and (self.scalar.scope.has("m") or scripts):
            return None
        found = layer_quantity(self.graph, head, command, layer, subs, powers)
        if found is not None and one:  # A^{[1](i)}: one example's column, a⁽¹⁾
            found = (BATCH_KINDS.get(found[0], found[0]), found[1])
        return (found, powers) if found else None

    def _gradient(self, node: lark.Tree) -> tuple[tuple[str, int | None], list] | None:
        """``\\nabla_{a^{(2)}}``: the gradient leaf (∂L/∂a⁽²⁾); the loss after it is skipped."""
        subs = [s for s in node.children[1:] if s.data == "sub"]
        if len(subs) != 1 or len(node.children) != 2:
            return None
        raw = str(subs[0].children[0])
        return self.gradient_of(raw[1:-1] if raw.startswith("{") else raw)

    def gradient_of(self, inner: str) -> tuple[tuple[str, int | None], list] | None:
        """The gradient leaf of the layer quantity written ``inner`` (``a^{(2)}``: ∂L/∂a⁽²⁾)."""
        try:
            tree = parse_tree(inner)
        except FormulaError:
            return None
        found = _MatrixBuilder(inner, self.graph).leaf_of(tree) if isinstance(tree, lark.Tree) else None
        if found is None or found[1] or found[0][0] not in GRADIENT_OF:
            return None
        kind, layer = found[0]
        return (GRADIENT_OF[kind], layer), []

    def _is_leibniz(self, t: lark.Tree) -> bool:
        return t.data == "frac" and not t.meta.empty and self._leibniz(t) is not None

    def has_matrix(self, node: lark.Tree | lark.Token) -> bool:
        if not isinstance(node, lark.Tree):
            return False
        # ⊙ and ᵀ of scalars are a product and the scalar itself; only whole layers make a matrix
        stack = [node]
        while stack:
            t = stack.pop()
            if (t.data == "name" and self.leaf_of(t)) or t.data == "ones" or self._is_leibniz(t):
                return True
            # a sum's bound (\sum_{k=1}^{m}) is no matrix; its body may hold one
            kids = t.children[-1:] if t.data == "bigsum" else t.children
            stack.extend(c for c in kids if isinstance(c, lark.Tree))
        return False

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

    def _is_loss(self, node: lark.Tree | lark.Token) -> bool:
        written = self.scalar.text[node.meta.start_pos:node.meta.end_pos].strip() if isinstance(node, lark.Tree) else ""
        return written in LOSS_NAMES or (self.graph is not None and written == str(self.graph.output))

    def _chain(self, node: lark.Tree, kinds: frozenset[str]) -> M:
        first, ops = self.scalar._spine(node, kinds)
        out = self.build(first)
        gradient = out.op == "leaf" and out.text.startswith("∇")
        for op in ops:
            if gradient and op.data == "mul" and len(op.children) == 2 and self._is_loss(op.children[-1]):
                gradient = False  # ∇_{a^{(2)}} L: the L says what is differentiated
                continue
            right = self.build(op.children[-1])
            gradient = right.op == "leaf" and right.text.startswith("∇")
            if op.data == "mul" and len(op.children) == 3 and str(op.children[1]) == "*":
                # Ng's *: elementwise when both sides have one shape, which the verifier decides
                out = self._binary("star", out, right)
                continue
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
        leibniz = self._leibniz(node)
        if leibniz is not None:
            return leibniz
        return self._binary("div", self.build(node.children[1]), self.build(node.children[2]))

    def _leibniz(self, node: lark.Tree) -> M | None:
        """``\\frac{\\partial J}{\\partial \\mathbf{o}}`` as a factor (d2l): the gradient leaf."""
        text = self.scalar.text
        top, bottom = (text[c.meta.start_pos:c.meta.end_pos] for c in node.children[1:3])
        d = r"^\s*(?:\\partial(?![A-Za-z])|d)\s*"
        loss = re.match(d + r"(.+?)\s*$", top)
        wrt = re.match(d + r"(.+?)\s*$", bottom)
        if not (loss and wrt and loss[1] in LOSS_NAMES):
            return None
        found = self.gradient_of(wrt[1])
        if found is None:
            return None
        (kind, layer), _ = found
        of = {v: k for k, v in GRADIENT_OF.items()}[kind]
        return M("leaf", (kind, layer), f"∂{loss[1]}/∂{node_text('leaf', (of, layer))}")

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
        if kind in ("dw", "db"):
            raise self.scalar.fail(f"{KIND_TEXT[kind]} is a gradient asked for, not a quantity of the forward "
                                   "or backward pass; write it on the left side", node)
        shown = node_text("leaf", (kind, layer))
        if str(node.children[0]) == "\\nabla":
            of = {v: k for k, v in GRADIENT_OF.items()}[kind]
            shown = f"∇_{node_text('leaf', (of, layer))} L"
        leaf = M("leaf", (kind, layer), shown)
        for p in powers:
            exponent = self.scalar.expr(p, {})
            leaf = M("pow", (leaf, exponent), node_text("pow", (leaf, exponent)))
        if any(isinstance(s, lark.Tree) and (s.data == "layer_t" or example_script(s)[2]) for s in node.children[1:]):
            leaf = M("T", (leaf,), node_text("T", (leaf,)))
        return leaf

    def _ones(self, node: lark.Tree) -> M:
        return M("leaf", ("ones", None), node_text("leaf", ("ones", None)))

    def _indicator(self, node: lark.Tree) -> M:
        left, op, right = comparison(node)
        a, b = self.build(left), self.build(right)
        if b.op != "scalar":
            raise self.scalar.fail("write an indicator of a vector as \\mathbb{1}[z > 0]: the vector, then a number",
                                   node)
        bound, sign = b.args[0], str(op)

        def entry(symbol: sp.Expr) -> sp.Expr:
            return indicator(symbol, sign, bound)

        shown = "𝟙[" + a.text + " " + {"\\gt": ">", "\\lt": "<", "\\ge": "≥", "\\geq": "≥", ">=": "≥",
                                       "\\le": "≤", "\\leq": "≤", "<=": "≤"}.get(sign, sign) + f" {b.text}]"
        return M("apply", (a,), shown, fn=entry, prime=True)

    def _bigsum(self, node: lark.Tree) -> M:
        """``\\sum_{i=1}^{m}`` of one example's quantities: the sum over the batch's examples."""
        scripts = node.children[1:-1]
        ups = [s for s in scripts if s.data == "sup"]
        bound = self.scalar.text[ups[0].meta.start_pos:ups[0].meta.end_pos] if ups and not ups[0].meta.empty else ""
        if len(ups) != 1 or bound.strip("^{} ") != "m":
            raise self.scalar.fail("a sum of vectors or matrices runs over the m examples: write "
                                   "\\sum_{i=1}^{m} with (i) on each example's quantity", node)
        body = self.build(node.children[-1])
        return M("esum", (body,), node_text("esum", (body,)))

    def _call(self, node: lark.Tree) -> M:
        name = node.children[0]
        args = node.children[-1]
        written = self.scalar.text[name.meta.start_pos:name.meta.end_pos].strip()
        if not (isinstance(args, lark.Tree) and args.data == "args") or len(args.children) != 1:
            raise self.scalar.fail(f"'{written}' of a vector takes one argument in brackets", node)
        arg = self.build(args.children[0])
        if self.leaf_of(name) is not None:  # δ^{(2)} (a^{(1)})^T: a product, as a(1-a) is
            return self._binary("matmul", self._name(name), arg)
        if written.replace(" ", "") in (r"\operatorname{diag}", "diag", r"\mathrm{diag}"):
            return M("diag", (arg,), node_text("diag", (arg,)))
        head, primes = self.scalar.call_head(node, {})
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


def layer_target(text: str, graph: Graph) -> tuple[str, int | None] | None:
    """The whole layer quantity a left side names (``("dw", 2)`` for ``dW^{[2]}``), else ``None``."""
    try:
        tree = parse_tree(text)
    except FormulaError:
        return None
    while isinstance(tree, lark.Tree) and tree.data in ("group", "paren") and len(tree.children) == 1:
        tree = tree.children[0]
    found = _MatrixBuilder(text, graph).leaf_of(tree) if isinstance(tree, lark.Tree) else None
    if found is None or found[1] or any(isinstance(s, lark.Tree) and s.data == "layer_t" for s in tree.children[1:]):
        return None
    return found[0]


def parse_matrix(text: str, graph: Graph, *, native: bool = False) -> M:
    """Read a vector/matrix formula against a layered network.

    ``native`` reads it in the project's own letters, whatever the spec's ``[notation]`` says.

    Raises:
        FormulaError: the text is not a formula, or uses an unknown name.
    """
    tree = parse_tree(text)
    return _MatrixBuilder(text, graph, native=native).build(tree)


def activation_derivative(graph: Graph, layer: int, *, batch: bool = False) -> M:
    """``f′(z⁽ˡ⁾)`` (``f′(Z⁽ˡ⁾)`` for a batch): layer ``layer``'s activation derivative, entry by entry."""
    return parse_matrix(f"f'({'Z' if batch else 'z'}^{{({layer})}})", graph, native=True)
