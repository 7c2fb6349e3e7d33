"""Read gradient formulas written the way lecture notes write them, LaTeX or plain text.

The grammar (``grammar.lark``) is our own, parsed by lark's LALR parser; SymPy
objects are built from the parse tree explicitly (:mod:`symbackprop.read.build`), so no
user text ever reaches ``eval``, ``exec`` or SymPy's string parsing.  Names resolve
against a graph's symbols (:mod:`symbackprop.read.names`); an unknown name is an error
that lists the closest known ones.  Input length, nesting depth, sum ranges and number
sizes are bounded, so every input returns an expression or raises :class:`FormulaError`
quickly.

>>> from symbackprop.graph.network import mlp
>>> net = mlp([2, 2, 1])
>>> parse_formula(r"\\delta^{(2)}_1 w^{(2)}_{11} \\sigma'(z^{(1)}_1) x_1", net)
\\delta^{(2)}_{1}*w^{(2)}_{11}*x_{1}*(1 - sigmoid(z^{(1)}_{1}))*sigmoid(z^{(1)}_{1})
>>> parse_formula("(a2_1 - y1) * a2_1 * (1 - a2_1)", net)
a^{(2)}_{1}*(1 - a^{(2)}_{1})*(a^{(2)}_{1} - y_{1})
"""

from __future__ import annotations

from functools import lru_cache

import lark
import sympy as sp

from symbackprop.errors import FormulaError
from symbackprop.graph import Graph

from . import budget, tables
from .build import build, written_name

__all__ = ["parse_formula", "parse_formula_notes", "parse_tree", "alias_keys", "MAX_LENGTH", "MAX_DEPTH"]

#: Longest formula accepted (characters); printed expanded forms of small networks fit.
MAX_LENGTH = 20_000
#: Deepest nesting of brackets, fractions, powers and signs accepted.
MAX_DEPTH = 100

_TERMINALS = {
    "RPAR": "')'", "LPAR": "'('", "RSQB": "']'", "LSQB": "'['", "RBRACE": "'}'",
    "LBRACE": "'{'", "NUMBER": "a number", "NAME": "a name", "CMD": "a command",
    "PLUS": "'+'", "MINUS": "'-'", "MULOP": "'*'", "DIVOP": "'/'", "COMMA": "','",
    "CIRCUMFLEX": "'^'", "UNDERSCORE": "'_'", "SUBARG": "a subscript", "PRIME": "'",
    "FRAC": r"'\frac'", "SUM": r"'\sum'", "HAT": r"'\hat{y}'", "$END": "the end",
}


@lru_cache(maxsize=1)
def _lark() -> lark.Lark:
    grammar = tables.grammar_text()
    shipped = tables.load(grammar)  # building the tables would take ~0.1 s of every run
    return lark.Lark.load(shipped) if shipped is not None else tables.build(grammar)


def _check_limits(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"formula too long: expected at most {MAX_LENGTH:,} characters, received {len(text):,}"
        )
    depth = 0
    for k, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise FormulaError(f"formula nested deeper than {MAX_DEPTH} brackets", text, k + 1)
        elif ch in ")]}":
            depth = max(0, depth - 1)


_CHAINS = ({"add", "sub"}, {"mul", "div"})


def _tree_depth(tree: lark.Tree) -> int:
    """Nesting depth, not counting the left spine of a chain (a + b + c is one level).

    Iterative, so a pathological tree cannot exhaust the Python stack while measuring it;
    the builder walks chains iteratively too, so long sums and products are fine.
    """
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        for k, c in enumerate(node.children):
            if isinstance(c, lark.Tree):
                same = k == 0 and any(node.data in g and c.data in g for g in _CHAINS)
                stack.append((c, d if same else d + 1))
    return deepest


def _syntax_error(exc: lark.exceptions.LarkError, text: str) -> FormulaError:
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        hint = " (write \\left( ... \\right) or plain brackets)" if ch == "\\" else ""
        return FormulaError(f"unexpected character {ch!r}{hint}", text, exc.pos_in_stream + 1)
    if isinstance(exc, lark.exceptions.UnexpectedToken):
        expected = sorted({_TERMINALS.get(t, t) for t in exc.expected if not t.startswith("__")})
        if "a name" in expected:
            # Where any term may start, listing every way to start one helps nobody.
            expected = ["a term (a number, a name, '(' or a command)"] + [
                e for e in expected if e in ("')'", "']'", "'}'", "','", "the end")
            ]
        wanted = " or ".join(expected[:8]) + (" ..." if len(expected) > 8 else "")
        if exc.token.type == "$END":
            return FormulaError(f"formula ends too early; expected {wanted}", text, len(text) + 1)
        # After a complete term nearly anything may follow, and the list says nothing.
        hint = f"; expected {wanted}" if not expected[0].startswith("a term") else ""
        return FormulaError(f"unexpected {str(exc.token)!r}{hint}", text, exc.token.start_pos + 1)
    if isinstance(exc, lark.exceptions.UnexpectedEOF):
        return FormulaError("formula ends too early", text, len(text) + 1)
    return FormulaError(f"cannot read formula: {exc}", text)


#: Signs as typeset (copied from a PDF, or from this project's own messages): U+2212 minus,
#: middle dot, dot operator and times sign. One character for one, so columns stay right.
_TYPOGRAPHIC = str.maketrans({"\u2212": "-", "\u00b7": "*", "\u22c5": "*", "\u00d7": "*"})


def parse_tree(text: str) -> lark.Tree:
    """The lark parse tree of ``text``, after the length and depth limits.

    Raises:
        FormulaError: too long, too deep, or not a formula; the column is set.
    """
    if not isinstance(text, str):
        raise FormulaError(f"formula: expected text, received {type(text).__name__}")
    _check_limits(text)
    if not text.strip():
        raise FormulaError("formula is empty", text, 1)
    try:
        tree = _lark().parse(text.translate(_TYPOGRAPHIC))
    except lark.exceptions.LarkError as exc:
        raise _syntax_error(exc, text) from None
    if _tree_depth(tree) > 3 * MAX_DEPTH:
        raise FormulaError(f"formula nested deeper than {MAX_DEPTH} levels", text, 1)
    # Here, not in one caller: every reader of a formula (scalar, vector, names, equations)
    # gets the parse tree through this function, so none can skip the limits.
    budget.check_tree(tree, text)
    return tree


@lru_cache(maxsize=64)
def _alias_keys(items: tuple[tuple[str, sp.Symbol], ...]) -> dict[str, sp.Symbol]:
    out = {}
    for text, symbol in items:
        key = written_name(parse_tree(text), text)
        if key is None:
            raise FormulaError(f"alias {text!r}: expected a name like w_5 or out_{{o1}}, received a formula")
        out[key] = symbol
    return out


def alias_keys(graph: Graph | None) -> dict[str, sp.Symbol]:
    """A graph's aliases by the one spelling the builder matches (``w_5`` → ``w_{5}``)."""
    aliases = getattr(graph, "aliases", None)
    return _alias_keys(tuple(aliases.items())) if aliases else {}


def parse_formula_notes(text: str, graph: Graph | None = None, *,
                        env: dict[str, int] | None = None) -> tuple[sp.Expr, tuple[str, ...]]:
    """:func:`parse_formula`, also returning notes on how ambiguous notation was read;
    ``env`` gives free index letters values (``l``, ``j``, ``i`` of a generic line)."""
    tree = parse_tree(text)  # the prime orders are checked there
    expr, notes = build(tree, text, graph, alias_keys(graph), env)
    budget.check_formula(expr, text)
    return expr, notes


def parse_formula(text: str, graph: Graph | None = None) -> sp.Expr:
    """Parse a formula into a SymPy expression whose names are ``graph``'s symbols.

    Accepts LaTeX (``\\frac``, ``\\cdot``, implicit products, ``w^{(2)}_{kj}``,
    ``\\hat{y}``, ``\\sigma'(z)``, ``e^{-z}``, ``\\sum_{k=1}^{n}``...) and plain text
    (``sigmoid(z1)*(1-sigmoid(z1))*x1``, ``**``).  Decimals become exact rationals.

    Args:
        text: the formula.
        graph: the graph (or network) whose names the formula uses; ``None`` makes every
            name a fresh real symbol in the project's naming scheme.

    Returns:
        The SymPy expression.

    Raises:
        FormulaError: the text is not a formula, uses an unknown name, or exceeds a limit;
            the message gives the column and ``str()`` a caret line.

    >>> parse_formula(r"\\frac{1}{2} (\\hat{y} - y)^2")
    (\\hat{y} - y)**2/2
    """
    return parse_formula_notes(text, graph)[0]
