"""The work budget of symbolic steps on user input: estimate first, then work or refuse.

A short formula can ask for unbounded work: twenty primes (``\\sigma''''…(z)``), a tower of
powers (``{w^{1000}}^{1000}``), σ inside σ inside σ, or a product of sums whose expansion
has millions of terms.  Each stage that does symbolic work on what a user wrote asks this
module first; every estimate counts operations, digits or depth, never seconds.

* the parser: :func:`check_tree` (prime orders) before building, :func:`check_formula`
  (the product of nested exponents, nesting of functions) after;
* verify's symbolic route and the sheet's expanded formulas: :func:`expansion_terms`;
* verify's search for a named mistake: :data:`MAX_DIAGNOSIS_WORK` (scalar) and
  :data:`MAX_VECTOR_SEARCH` (vector forms);
* notation tables, exercises and marking: :data:`MAX_ALIASES`, :data:`MAX_QUESTIONS`,
  :func:`exercise_work`;
* spec files: :func:`check_network_size` and :func:`check_graph_size` before building.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> expansion_terms((x + y) ** 3 * (x - y))
8
>>> exponent_product((x ** 10 + 1) ** 20)
200
>>> function_depth(sp.exp(sp.exp(x)) + sp.log(x))
2
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from symbackprop.errors import FormulaError, TooLargeError

if TYPE_CHECKING:  # the formula budgets take parse trees and SymPy values; the size budgets need neither
    import lark
    import sympy as sp

__all__ = [
    "MAX_PRIME_ORDER", "MAX_EXPONENT_PRODUCT", "MAX_FUNCTION_DEPTH", "MAX_PARAMETERS",
    "MAX_EXPANSION_TERMS", "MAX_DIAGNOSIS_WORK", "MAX_CHECKED_PARAMETERS", "COMMAND_PARAMETERS",
    "MAX_LAYERS", "MAX_GRAPH_NODES", "MAX_QUESTIONS", "MAX_ALIASES", "MAX_VECTOR_SEARCH",
    "MAX_EXERCISE_WORK", "exercise_work", "check_exercise_work", "check_parameter_count", "check_graph_size", "check_tree",
    "check_formula", "check_network_size",
    "expansion_terms", "exponent_product", "function_depth",
]

#: Most primes on one function (σ''''): each order multiplies the expression's size.
MAX_PRIME_ORDER = 4
#: Largest product of exponents nested in one another ({w^{10}}^{20} is 200).
MAX_EXPONENT_PRODUCT = 1_000
#: Deepest nesting of functions (σ, exp, ln, tanh, …) in one formula; checking one at a
#: point costs about ten times more per level.
MAX_FUNCTION_DEPTH = 4
#: Most terms an expansion may have before the symbolic route is skipped or refused.
MAX_EXPANSION_TERMS = 20_000
#: Most multiplications verify's search for a named mistake may spend (points × factors on
#: all paths × distinct factors); past it, the search works on δs instead of paths.
MAX_DIAGNOSIS_WORK = 10_000_000
#: Most node visits verify's search for a named mistake in a vector formula may spend (each
#: single repair is rebuilt and evaluated whole: about 4·size² visits); past it the verdict
#: is given without naming the mistake.
MAX_VECTOR_SEARCH = 40_000
#: Most parameters of a layered network read from a spec (16-64-64-10 has 5,898; deriving
#: and printing every parameter of 100-140-6, 14,986, took 1.9 s).
#: ``load_spec(..., force=True)`` and the command line's ``--force`` lift this limit and
#: the ones below.
MAX_PARAMETERS = 15_000
#: Most layers of a layered network read from a spec (inputs and output included).
MAX_LAYERS = 40
#: Most nodes of a ``[graph]`` spec.
MAX_GRAPH_NODES = 300
#: Most parameters each numeric command takes without ``--force`` (measured: about 3 s of
#: work at the limit): ``check`` evaluates the whole loss twice per parameter, ``verify``
#: every node in 30-digit arithmetic at each point, ``grad`` and ``train`` compile one
#: formula per parameter.
COMMAND_PARAMETERS = {"check": 800, "verify": 800, "grad": 3_000, "train": 3_000}
#: The smallest of :data:`COMMAND_PARAMETERS` (``check`` and ``verify``).
MAX_CHECKED_PARAMETERS = min(COMMAND_PARAMETERS.values())
#: Most aliases in a spec's ``[notation]`` table (each is parsed and read against the network).
MAX_ALIASES = 1_000
#: Most work one ``exercise`` command does without ``--force``, in sheet-questions: every
#: file written (two sheets per sheet format, one notebook) costs one plus its questions,
#: times the network's parameters in fifties (see :func:`exercise_work`).
MAX_EXERCISE_WORK = 400
#: Most questions one exercise asks (and one notebook or key variant may name when marked).
MAX_QUESTIONS = 100


def check_tree(tree: lark.Tree, text: str) -> None:
    """Refuse a parse tree asking for a derivative of too high an order, before building it.

    Raises:
        FormulaError: more than :data:`MAX_PRIME_ORDER` primes on one function.
    """
    import lark
    for node in tree.iter_subtrees():  # iterative in lark
        primes = [c for c in node.children if isinstance(c, lark.Token) and c.type == "PRIME"]
        if len(primes) > MAX_PRIME_ORDER:
            raise FormulaError(f"derivative of order {len(primes)}: expected at most "
                               f"{MAX_PRIME_ORDER} primes", text, primes[0].start_pos + 1)


def _postorder(expr: sp.Basic) -> list[sp.Basic]:
    """Every distinct subexpression, children before parents, without recursion."""
    order: list[sp.Basic] = []
    seen: set[sp.Basic] = set()
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in seen)
    return order


def _numeric_exponent(p: sp.Pow) -> int | None:
    e = p.exp
    return abs(int(e.p)) if e.is_Rational else None


def exponent_product(expr: sp.Basic) -> int:
    """The largest product of numeric exponents nested inside one another (``(x^a)^b``: a·b)."""
    import sympy as sp
    best: dict[sp.Basic, int] = {}
    for node in _postorder(expr):
        inner = max((best[a] for a in node.args), default=1)
        if isinstance(node, sp.Pow):
            e = _numeric_exponent(node)
            inner = max(inner, best[node.base] * (e if e is not None else 1))
        best[node] = min(inner, 10**12)
    return best[expr]


def _is_function(node: sp.Basic) -> bool:
    import sympy as sp
    if isinstance(node, sp.Pow):
        return _numeric_exponent(node) is None and not node.exp.is_Number  # x^y, e^{...}
    return isinstance(node, sp.Function)


def function_depth(expr: sp.Basic) -> int:
    """How deeply functions (σ, exp, ln, symbolic powers) are nested inside one another."""
    depth: dict[sp.Basic, int] = {}
    for node in _postorder(expr):
        inner = max((depth[a] for a in node.args), default=0)
        depth[node] = inner + 1 if _is_function(node) else inner
    return depth[expr]


def expansion_terms(expr: sp.Basic, cap: int = 10**12) -> int:
    """An upper estimate of the terms ``sympy.expand(expr)`` produces (capped at ``cap``).

    A sum adds its terms' counts, a product multiplies them, ``b^n`` is the number of
    monomials of degree ``n`` in ``b``'s terms, and a function's argument is expanded as a
    formula of its own (its terms count toward the work, not toward the product).
    """
    import sympy as sp
    terms: dict[sp.Basic, int] = {}
    inside: dict[sp.Basic, int] = {}  # expansion work inside function arguments
    for node in _postorder(expr):
        work = sum(inside[a] for a in node.args)
        if isinstance(node, sp.Add):
            t = sum(terms[a] for a in node.args)
        elif isinstance(node, sp.Mul):
            t = math.prod(terms[a] for a in node.args)
        elif isinstance(node, sp.Pow) and node.exp.is_Integer and node.exp > 0 and terms[node.base] > 1:
            k, n = terms[node.base], int(min(node.exp, cap))
            t = math.comb(n + k - 1, k - 1) if k < 64 and n < 10_000 else cap
        elif isinstance(node, (sp.Function, sp.Pow)):
            t, work = 1, work + sum(terms[a] for a in node.args)
        else:
            t = 1
        terms[node] = min(t, cap)
        inside[node] = min(work, cap)
    return min(terms[expr] + inside[expr], cap)


def check_formula(expr: sp.Expr, text: str) -> None:
    """Refuse a built formula whose nested exponents or functions exceed the budget.

    Raises:
        FormulaError: the product of nested exponents is over :data:`MAX_EXPONENT_PRODUCT`,
            or functions are nested deeper than :data:`MAX_FUNCTION_DEPTH`.
    """
    product = exponent_product(expr)
    if product > MAX_EXPONENT_PRODUCT:
        raise FormulaError(f"nested exponents multiply to {product:,}: expected at most "
                           f"{MAX_EXPONENT_PRODUCT:,}", text)
    depth = function_depth(expr)
    if depth > MAX_FUNCTION_DEPTH:
        raise FormulaError(f"functions nested {depth} deep: expected at most {MAX_FUNCTION_DEPTH} "
                           "(name the inner values, or write a [graph] with a node for each)", text)


def network_parameters(layers: Sequence[object], bias: object = True) -> int | None:
    """Weights plus biases of a layered network, or ``None`` when ``layers`` is malformed."""
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        return None
    sizes = [s for s in layers if isinstance(s, int) and not isinstance(s, bool) and s > 0]
    if len(sizes) != len(layers) or len(sizes) < 2:
        return None
    flags = bias if isinstance(bias, list) else [bias] * (len(sizes) - 1)
    return sum(a * b + (b if flag is not False else 0) for a, b, flag in zip(sizes, sizes[1:], flags))


def check_network_size(layers: object, bias: object, force: bool) -> None:
    """Refuse a layered network beyond :data:`MAX_PARAMETERS` or :data:`MAX_LAYERS` before it
    is built (malformed sizes are left to ``mlp`` to explain).

    Raises:
        TooLargeError: the size, the limit, and how to go on anyway.
    """
    count = network_parameters(layers, bias)  # type: ignore[arg-type]
    if force or count is None:
        return
    if count > MAX_PARAMETERS:
        raise TooLargeError(f"layers: a network of {count:,} parameters; the limit is {MAX_PARAMETERS:,} "
                            "(deriving and printing take about a second per 8,000): give --force to go on")
    if len(layers) > MAX_LAYERS:  # type: ignore[arg-type]
        raise TooLargeError(f"layers: a network of {len(layers)} layers; the limit is {MAX_LAYERS} "  # type: ignore[arg-type]
                            "(the work grows with the square of the depth): give --force to go on")


def check_graph_size(table: object, force: bool) -> None:
    """Refuse a ``[graph]`` table of more than :data:`MAX_GRAPH_NODES` nodes before parsing them.

    Raises:
        TooLargeError: the node count, the limit, and how to go on anyway.
    """
    nodes = table.get("nodes") if isinstance(table, Mapping) else None
    if not force and isinstance(nodes, Mapping) and len(nodes) > MAX_GRAPH_NODES:
        raise TooLargeError(f"graph.nodes: {len(nodes):,} nodes; the limit is {MAX_GRAPH_NODES:,} "
                            "(each node is read against the graph before it): give --force to go on")


def check_parameter_count(count: int, command: str, force: bool) -> None:
    """Refuse a numeric command on more parameters than :data:`COMMAND_PARAMETERS` allows it.

    Raises:
        TooLargeError: the count, the command's limit, and how to go on anyway.
    """
    limit = COMMAND_PARAMETERS[command]
    if not force and count > limit:
        raise TooLargeError(f"{command}: a network of {count:,} parameters; {command} takes at most "
                            f"{limit:,} (its work grows with the count): give --force to go on")


def exercise_work(files_per_variant: int, questions: Sequence[int], parameters: Sequence[int]) -> int:
    """Sheet-questions of an exercise: per variant, ``files × (1 + questions) × ⌈params / 50⌉``.

    >>> exercise_work(3, [3] * 30, [9] * 30)   # 30 variants of 2-2-1, html + ipynb, 3 questions
    360
    """
    return sum(files_per_variant * (1 + q) * max(1, math.ceil(p / 50)) for q, p in zip(questions, parameters))


def check_exercise_work(work: int, force: bool) -> None:
    """Refuse an exercise of more than :data:`MAX_EXERCISE_WORK` sheet-questions.

    Raises:
        TooLargeError: the work, the limit, and how to go on anyway.
    """
    if not force and work > MAX_EXERCISE_WORK:
        raise TooLargeError(f"exercise: {work:,} sheet-questions of work (files × questions × network size); "
                            f"the limit is {MAX_EXERCISE_WORK:,}: ask fewer variants, formats or questions, "
                            "or give --force to go on")
