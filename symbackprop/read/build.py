"""Build a SymPy expression from a formula's parse tree, node by node, with explicit constructors.

Nothing here turns text into code: numbers go through :class:`fractions.Fraction`, names
through :class:`~symbackprop.read.names.Scope`, functions through a table.  Products of a
bare function name and a factor (``\\ln a``, ``\\log{\\left(a\\right)}``) apply the function.
A name followed by brackets is a call only when the name is a function and not a symbol
of the graph, so ``a(1-a)`` is a product.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

import lark
import sympy as sp

from symbackprop.errors import FormulaError
from symbackprop.graph import Graph

from .functions import FUNCTION_NAMES, LAYER_FUNCTIONS, FunctionApplier, Head, Partial
from .marks import MarkReader
from .sums import MAX_SUM_RANGE, SumReader
from .limits import MAX_STEPS, checked_int
from .names import NameParts, Scope, alias_key, split_name

__all__ = ["build", "written_name", "FUNCTION_NAMES", "MAX_STEPS", "MAX_SUM_RANGE"]

_MAX_DIGITS = 40
_MAX_BITS = 100_000
_MAX_EXPONENT = 1_000
_CONSTANTS = {"e": sp.E, "pi": sp.pi}
_SUMS = frozenset({"add", "sub"})
_PRODUCTS = frozenset({"mul", "div"})


class _Builder(FunctionApplier, MarkReader, SumReader):
    def __init__(self, text: str, graph: Graph | None, aliases: Mapping[str, sp.Symbol] | None = None,
                 *, native: bool = False) -> None:
        self.text = text
        self.aliases = dict(aliases or {})
        # A [notation] table's letters (a → z, h → a^{(1)}, ...), applied at once to every name
        # read; ``native`` reads the project's own letters (its expected formulas).
        self.letters: Mapping[str, tuple[str, int | None]] = {} if native else getattr(graph, "letters", {})
        self.scope = Scope(graph)
        self.graph = graph
        self.steps = 0
        self.notes: list[str] = []

    # ----- errors and guards
    def fail(self, message: str, node: lark.Tree | lark.Token | int | None) -> FormulaError:
        if isinstance(node, int):
            pos = node
        elif isinstance(node, lark.Token):
            pos = node.start_pos
        elif isinstance(node, lark.Tree) and not node.meta.empty:
            pos = node.meta.start_pos
        else:
            pos = None
        return FormulaError(message, self.text, pos + 1 if pos is not None else None)

    def checked(self, value: sp.Expr, node: lark.Tree) -> sp.Expr:
        if value.is_Rational and value.p.bit_length() + value.q.bit_length() > _MAX_BITS:
            raise self.fail(f"number too large (over {_MAX_BITS:,} bits)", node)
        if value.has(sp.zoo, sp.nan, sp.oo, sp.S.NegativeInfinity):
            raise self.fail("the formula is undefined here (division by zero?)", node)
        return value

    # ----- entry
    def expr(self, node: lark.Tree | lark.Token, env: Mapping[str, int]) -> sp.Expr:
        value = self.value(node, env)
        if isinstance(value, Head):
            raise self.fail(f"function '{value.name}' needs an argument", value.pos)
        if isinstance(value, Partial):
            raise self.fail(f"function '{value.head.name}' needs an argument", value.head.pos)
        return value

    def value(self, node: lark.Tree | lark.Token, env: Mapping[str, int]) -> sp.Expr | Head | Partial:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.fail(f"formula expands to too many terms (over {MAX_STEPS:,} steps)", node)
        if isinstance(node, lark.Token):  # a bare NAME/CMD in a superscript
            return self.name_value(node, [], env, node)
        method = getattr(self, "_" + node.data, None)
        if method is None:  # pragma: no cover - every grammar rule has a method
            raise self.fail(f"unsupported construct {node.data!r}", node)
        return method(node, env)

    # ----- arithmetic
    def _number(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        text = str(node.children[0])
        if len(text) > _MAX_DIGITS:
            raise self.fail(f"number too long: expected at most {_MAX_DIGITS} digits", node)
        q = Fraction(text)
        return sp.Rational(q.numerator, q.denominator)

    def _paren(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr | Head | Partial:
        # \{ ... \} keeps its named brace tokens; the expression is the middle child.
        inner = node.children[1] if len(node.children) == 3 else node.children[0]
        return self.value(inner, env)

    _group = _paren

    def _neg(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        return -self.expr(node.children[-1], env)

    def _spine(self, node: lark.Tree, kinds: frozenset[str]) -> tuple[lark.Tree | lark.Token, list[lark.Tree]]:
        """The leftmost operand and the operations of a left-associated chain (a + b - c ...).

        Walked iteratively and combined at once: a printed sum of thousands of terms is
        neither deep recursion nor thousands of re-flattened SymPy sums.
        """
        ops: list[lark.Tree] = []
        cur: lark.Tree | lark.Token = node
        while isinstance(cur, lark.Tree) and cur.data in kinds:
            ops.append(cur)
            cur = cur.children[0]
        ops.reverse()
        return cur, ops

    def _add(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        first, ops = self._spine(node, _SUMS)
        terms = [self.expr(first, env)]
        for op in ops:
            term = self.expr(op.children[-1], env)
            terms.append(term if op.data == "add" else -term)
        return self.checked(sp.Add(*terms), node)

    _sub = _add

    def _mul(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr | Partial:
        first, ops = self._spine(node, _PRODUCTS)
        factors: list[sp.Expr] = []
        pending: Head | None = None
        value = self.value(first, env)
        if isinstance(value, Head):
            pending = value
        elif isinstance(value, Partial):
            factors, pending = [value.coeff], value.head
        else:
            factors = [value]
        for op in ops:
            right = op.children[-1]
            implicit = op.data == "mul" and len(op.children) == 2
            b = self.value(right, env)
            if isinstance(b, Partial):
                raise self.fail(f"function '{b.head.name}' needs an argument", b.head.pos)
            if pending is not None:
                if not implicit or isinstance(b, Head):
                    raise self.fail(f"function '{pending.name}' needs an argument", pending.pos)
                factors.append(self.apply(pending, [b], right))
                pending = None
            elif isinstance(b, Head):
                if not implicit:
                    raise self.fail(f"function '{b.name}' needs an argument", b.pos)
                pending = b
            elif op.data == "div":
                if b == 0:
                    raise self.fail("division by zero", right)
                factors.append(sp.Pow(b, -1))
            else:
                factors.append(b)
        product = self.checked(sp.Mul(*factors), node)
        return product if pending is None else Partial(product, pending)

    _div = _mul

    def _hadamard(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:  # of scalars: a product
        return self.checked(self.expr(node.children[0], env) * self.expr(node.children[-1], env), node)

    def _transpose(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:  # of a scalar: itself
        return self.expr(node.children[0], env)

    def _frac(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        local = self._leibniz(node, env)
        if local is not None:
            return local
        num = self.expr(node.children[1], env)
        den = self.expr(node.children[2], env)
        if den == 0:
            raise self.fail("division by zero in \\frac", node.children[2])
        return self.checked(num / den, node)

    def _sqrt(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        if len(node.children) == 3:
            return self.power(self.expr(node.children[2], env), 1 / self.expr(node.children[1], env), node)
        return self.power(self.expr(node.children[1], env), sp.S.Half, node)

    def _pow(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr:
        base = self.expr(node.children[0], env)
        exponent = self.expr(node.children[-1], env)
        return self.power(base, exponent, node)

    def power(self, base: sp.Expr, exponent: sp.Expr, node: lark.Tree) -> sp.Expr:
        if exponent.is_Rational and abs(exponent.p) > _MAX_EXPONENT and base != sp.E:
            raise self.fail(f"exponent too large: expected at most {_MAX_EXPONENT}", node)
        if base.is_Rational and exponent.is_Rational:
            bits = base.p.bit_length() + base.q.bit_length()
            if bits * abs(exponent.p) > _MAX_BITS:
                raise self.fail(f"number too large (over {_MAX_BITS:,} bits)", node)
        if base == 0 and exponent.is_negative:
            raise self.fail("division by zero (0 to a negative power)", node)
        return self.checked(sp.Pow(base, exponent), node)

    # ----- names and calls
    def _name(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr | Head:
        return self.name_value(node.children[0], node.children[1:], env, node)

    def _bare(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr | Head:
        return self.name_value(node.children[0], [], env, node)

    def name_parts(self, base: lark.Token, scripts: list[lark.Tree],
                   env: Mapping[str, int]) -> tuple[NameParts, list[lark.Tree]]:
        """The name's parts and its superscripts that are powers, not layers."""
        head, command, layer, subs, powers = self.written(base, scripts, env)
        whole = head in FUNCTION_NAMES or self.scope.has(head)
        return split_name(head, command, layer, subs, whole=whole), powers

    def written(self, base: lark.Token, scripts: list[lark.Tree], env: Mapping[str, int], *,
                rename: bool = True) -> tuple[str, bool, int | None, list[str], list[lark.Tree]]:
        """A name as written: head, whether a command, layer, subscripts, power superscripts.

        With ``rename``, the head is read through the graph's letters (``a`` may be the
        pre-activation ``z``); a letter that names a whole layer supplies that layer.
        """
        text = str(base)
        if base.type == "HAT":
            head, command = "yhat", False
        elif base.type == "OPNAME":
            head, command = re.sub(r"^\\[a-z]+\s*\{\s*|\s*\}$", "", text), False
        elif base.type == "CMD":
            head, command = text[1:], True
        elif base.type == "BOLD":  # \mathbf{W}: the typeface says "vector", the name is W
            inner = re.sub(r"^\\[a-z]+\s*\{\s*|\s*\}$", "", text)
            head, command = inner.lstrip("\\"), inner.startswith("\\")
        else:
            head, command = text, False
        layer: int | None = None
        scripts = list(scripts)
        if rename and self.letters and base.type == "NAME" and "_" in head and head.split("_", 1)[0] in self.letters:
            head, rest = head.split("_", 1)  # t_k: the letter t, renamed, and its index
            scripts.insert(0, lark.Tree("sub", [lark.Token("SUBARG", "{" + rest + "}")]))
        as_written = ("\\" if command else "") + head
        renamed = self.letters.get(as_written) if rename and self.letters else None
        whole: int | None = None  # the layer a whole-layer name (d2l's o for z^{(2)}) stands for
        if renamed is not None:
            head, whole = renamed
            command = head == "delta"
        subs: list[str] = []
        powers: list[lark.Tree] = []
        for s in scripts:
            if s.data in ("layer_t", "layer_prime"):  # W^{(2)T}: the layer here; the matrix reader transposes it
                layer = checked_int(re.findall(r"\d+", str(s.children[0]))[0], "layer", FormulaError)
                continue
            if s.data == "sub":
                raw = str(s.children[0])
                subs.append(raw[1:-1] if raw.startswith("{") else raw)
                continue
            found = self.layer_of(s.children[0], env)
            if found is not None and layer is None and not powers and head not in _CONSTANTS:
                layer = found
            else:
                powers.append(s.children[0])
        if layer is None:
            layer = whole
        elif rename and self.letters and f"{as_written}^{{({layer})}}" in self.letters:
            head, layer = self.letters[f"{as_written}^{{({layer})}}"]  # h^{(1)} named as a whole layer
            command = head == "delta"
        return head, command, layer, subs, powers

    @staticmethod
    def layer_of(sup: lark.Tree, env: Mapping[str, int]) -> int | None:
        """``2`` for a superscript ``{(2)}`` (or ``{(l)}`` with ``l`` bound), else ``None``."""
        if sup.data != "group" or not isinstance(sup.children[0], lark.Tree):
            return None
        inner = sup.children[0]
        if inner.data != "paren" or not isinstance(inner.children[0], lark.Tree):
            return None
        core = inner.children[0]
        if core.data == "number" and str(core.children[0]).isdigit():
            return checked_int(str(core.children[0]), "layer", FormulaError)
        if core.data == "name" and len(core.children) == 1 and str(core.children[0]) in env:
            return env[str(core.children[0])]
        if core.data in ("add", "sub") and len(core.children) == 2:  # (l-1), (l+1) with l bound
            name, number = core.children
            if (isinstance(name, lark.Tree) and name.data == "name" and len(name.children) == 1
                    and str(name.children[0]) in env and isinstance(number, lark.Tree) and number.data == "number"
                    and str(number.children[0]).isdigit()):
                step = checked_int(str(number.children[0]), "layer", FormulaError)
                return env[str(name.children[0])] + (step if core.data == "add" else -step)
        return None

    def name_value(
        self, base: lark.Token, scripts: list[lark.Tree], env: Mapping[str, int], node: lark.Tree | lark.Token
    ) -> sp.Expr | Head:
        parts, powers = self.name_parts(base, scripts, env)
        if len(powers) > 1:
            raise self.fail("double superscript: write the power with braces, {x^{a}}^{b}", node)
        exponent = self.expr(powers[0], env) if powers else None
        aliased = self.alias(base, scripts, env) if self.aliases else None
        if aliased is not None:
            return aliased if exponent is None else self.power(aliased, exponent, node)
        literal = self.scope.has(parts.base) if not parts.pieces else False
        if parts.base in LAYER_FUNCTIONS and parts.layer is not None and not parts.pieces and not literal:
            # g^{[1]}, g^{[1]'}: the layer's activation; the argument's layer decides which one
            return Head(parts.base, 0, None, exponent, base.start_pos)
        if parts.kind is None and parts.layer is None and not literal:
            if base.type != "NAME" or not parts.pieces:
                if str(base) in env and not scripts:
                    return sp.Integer(env[str(base)])
            if parts.base in FUNCTION_NAMES and not self.scope.has(parts.base):
                pos = base.start_pos
                return Head(parts.base, 0, parts.raw_sub, exponent, pos)
            if parts.base in _CONSTANTS and not parts.pieces and not self.scope.has(parts.base):
                value = _CONSTANTS[parts.base]
                return value if exponent is None else self.power(value, exponent, node)
        found = self.scope.kronecker(parts, env)
        if found is None:
            found = self.scope.resolve(parts, env)
        if isinstance(found, str):
            raise self.fail(found, node)
        return found if exponent is None else self.power(found, exponent, node)

    def alias(self, base: lark.Token, scripts: list[lark.Tree], env: Mapping[str, int]) -> sp.Symbol | None:
        """The symbol an alias of the spec's ``[notation]`` table stands for, if this is one."""
        head, command, layer, subs, _ = self.written(base, scripts, env, rename=False)
        return self.aliases.get(alias_key(split_name(head, command, layer, subs), env))

    def call_head(self, node: lark.Tree, env: Mapping[str, int]) -> tuple[sp.Expr | Head, int]:
        """The value of a call's name and its primes (``f'``, ``f^{\\prime}``, ``g^{[1]'}``).

        Bishop's ``h'`` is the layer's activation derivative when ``h`` names nothing else.
        """
        name = node.children[0]
        primes = sum(1 for c in node.children if isinstance(c, lark.Token) and c.type == "PRIME")
        primes += sum(str(s.children[0]).count("'") + str(s.children[0]).count("prime")
                      for s in name.children[1:] if isinstance(s, lark.Tree) and s.data == "layer_prime")
        base = name.children[0]
        if primes and str(base) == "h" and not self.aliases and not self.scope.has("h") and "h" not in self.letters:
            if all(isinstance(s, lark.Tree) and s.data in ("layer_prime", "sup") for s in name.children[1:]):
                return Head("h", 0, None, None, base.start_pos), primes
        return self.value(name, env), primes

    def _call(self, node: lark.Tree, env: Mapping[str, int]) -> sp.Expr | Head:
        name = node.children[0]
        args_tree = node.children[-1] if isinstance(node.children[-1], lark.Tree) and node.children[-1].data == "args" else None
        head, primes = self.call_head(node, env)
        if isinstance(head, Head):
            head = Head(head.name, primes, head.sub, head.power, head.pos)
            if args_tree is None:
                return head
            args = [self.expr(a, env) for a in args_tree.children]
            return self.apply(head, args, node)
        written = self.text[name.meta.start_pos:name.meta.end_pos]
        if primes:
            raise self.fail(f"'{written}' is not a function, so it has no derivative {written}'", node)
        assert args_tree is not None
        if len(args_tree.children) != 1:
            raise self.fail(f"'{written}' is not a function; it cannot take {len(args_tree.children)} arguments", node)
        return self.checked(head * self.expr(args_tree.children[0], env), node)


def build(
    tree: lark.Tree, text: str, graph: Graph | None, aliases: Mapping[str, sp.Symbol] | None = None,
    env: Mapping[str, int] | None = None,
) -> tuple[sp.Expr, tuple[str, ...]]:
    """The SymPy expression of a parse tree, and notes on ambiguous notation it resolved.

    ``aliases`` maps :func:`alias_key` spellings to the symbols they stand for; ``env``
    gives index letters their values (``{"l": 2, "j": 1}`` for ``\\delta^{(l)}_j``).
    """
    builder = _Builder(text, graph, aliases)
    try:
        value = builder.expr(tree, dict(env or {}))
    except RecursionError:  # pragma: no cover - the depth limit prevents it
        raise FormulaError("formula nested too deeply", text) from None
    return value, tuple(builder.notes)


def written_name(tree: lark.Tree, text: str) -> str | None:
    """The :func:`~.names.alias_key` of a formula that is one name and nothing else, else ``None``.

    >>> from symbackprop.read.parser import parse_tree
    >>> written_name(parse_tree("out_{o1}"), "out_{o1}"), written_name(parse_tree("2 w"), "2 w")
    ('out_{o1}', None)
    """
    while isinstance(tree, lark.Tree) and tree.data in ("group", "paren") and len(tree.children) == 1:
        tree = tree.children[0]
    if not isinstance(tree, lark.Tree) or tree.data != "name":
        return None
    builder = _Builder(text, None)
    head, command, layer, subs, powers = builder.written(tree.children[0], list(tree.children[1:]), {})
    if powers:
        return None
    return alias_key(split_name(head, command, layer, subs))
