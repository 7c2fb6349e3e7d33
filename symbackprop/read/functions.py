"""Functions in formulas: the table of names, and applying them (with primes for derivatives).

``\\sigma``/``sigmoid``, ``\\tanh``, ``\\ln``, ``H`` (the step with ``H(0) = 0``),
``\\theta``/``Heaviside`` (SymPy's, ½ at 0 unless given), ``\\max(0, z)`` (ReLU),
``\\operatorname{softmax}_{k}``, and ``f``/``g``/``\\phi`` for "the activation of the layer of
the argument".  A prime differentiates: ``f'(z^{(1)}_1)`` is layer 1's activation derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import lark
import sympy as sp

from symbackprop.errors import FormulaError
from symbackprop.graph.functions import leaky_relu, relu, sigmoid, softmax, softplus, step
from symbackprop.graph.graph import Graph

from .limits import checked_int

__all__ = ["FUNCTION_NAMES", "LAYER_FUNCTIONS", "Head", "Partial", "FunctionApplier"]


def _heaviside(x: sp.Expr, h0: sp.Expr | None = None) -> sp.Expr:
    # SymPy's own reading: \theta(z) and Heaviside(z) are ½ at 0 unless a value is given.
    return sp.Heaviside(x) if h0 is None else sp.Heaviside(x, h0)


def _step(x: sp.Expr, h0: sp.Expr | None = None) -> sp.Expr:
    # H(z) is the project's step, H(0) = 0, as printed for ReLU derivatives.
    return step(x) if h0 is None else sp.Heaviside(x, h0)


def _identity(x: sp.Expr) -> sp.Expr:
    return x


def _log(x: sp.Expr) -> sp.Expr:
    return sp.log(x)


# name -> (callable, allowed argument counts)
_TABLE: dict[str, tuple[Callable[..., sp.Expr], tuple[int, ...]]] = {
    "sigmoid": (sigmoid, (1,)), "sigma": (sigmoid, (1,)),
    "relu": (relu, (1,)), "ReLU": (relu, (1,)),
    "leaky_relu": (leaky_relu, (1, 2)), "LeakyReLU": (leaky_relu, (1, 2)),
    "softplus": (softplus, (1,)),
    "tanh": (sp.tanh, (1,)), "exp": (sp.exp, (1,)),
    "log": (_log, (1,)), "ln": (_log, (1,)),
    "sqrt": (sp.sqrt, (1,)),
    "id": (_identity, (1,)), "identity": (_identity, (1,)),  # the identity activation, as sheets print it
    "sign": (sp.sign, (1,)), "sgn": (sp.sign, (1,)), "abs": (sp.Abs, (1,)),
    "H": (_step, (1, 2)), "Heaviside": (_heaviside, (1, 2)), "theta": (_heaviside, (1, 2)),
}
#: Names read as "the activation of the layer of the argument" (and, primed, its derivative).
_LAYER_FUNCTIONS = ("f", "g", "phi", "varphi")
#: Also Bishop's ``h``, as ``h'``: the layer's activation function, whatever it is.
LAYER_FUNCTIONS = frozenset(_LAYER_FUNCTIONS) | {"h"}
#: Every function name the parser knows.
FUNCTION_NAMES = frozenset(_TABLE) | {"softmax", "max", "min", *_LAYER_FUNCTIONS}


@dataclass(frozen=True)
class Head:
    """A function name waiting for its argument."""

    name: str
    primes: int
    sub: str | None
    power: sp.Expr | None
    pos: int


@dataclass(frozen=True)
class Partial:
    """``coeff · head(?)``: a product whose last factor is a function awaiting its argument."""

    coeff: sp.Expr
    head: Head


class FunctionApplier:
    """Applies function heads to arguments; mixed into the formula builder, which provides
    ``fail``, ``power``, ``checked``, ``graph`` and ``notes``."""

    graph: Graph | None
    notes: list[str]

    def fail(self, message: str, node: lark.Tree | lark.Token | int | None) -> FormulaError:  # pragma: no cover
        raise NotImplementedError

    def power(self, base: sp.Expr, exponent: sp.Expr, node: lark.Tree) -> sp.Expr:  # pragma: no cover
        raise NotImplementedError

    def checked(self, value: sp.Expr, node: lark.Tree) -> sp.Expr:  # pragma: no cover
        raise NotImplementedError

    def apply(self, head: Head, args: list[sp.Expr], node: lark.Tree) -> sp.Expr:
        result = self._apply(head, args, node)
        if head.power is not None:
            result = self.power(result, head.power, node)
        return self.checked(result, node)

    def _apply(self, head: Head, args: list[sp.Expr], node: lark.Tree) -> sp.Expr:
        name = head.name
        if name in LAYER_FUNCTIONS or (name == "sigma" and head.primes and self._layer_z(args)):
            return self._layer_activation(head, args, node)
        if name == "softmax":
            return self._softmax(head, args, node)
        if name in ("max", "min"):
            if len(args) < 2:
                raise self.fail(f"\\{name} takes at least 2 arguments, received {len(args)}", node)
            if name == "max" and len(args) == 2 and 0 in args and not head.primes:
                return relu(args[1] if args[0] == 0 else args[0])
            return self._derive((sp.Max if name == "max" else sp.Min)(*args), head, node)
        func, arities = _TABLE[name]
        if len(args) not in arities:
            want = " or ".join(map(str, arities))
            raise self.fail(f"{name} takes {want} argument(s), received {len(args)}", node)
        if name in ("log", "ln") and head.sub is not None:
            base = self.sub_number(head.sub, node)
            return self._derive_unary(lambda u: sp.log(u) / sp.log(base), args[0], head, node)
        if head.primes:
            if len(args) != 1:
                raise self.fail(f"{name}' takes 1 argument, received {len(args)}", node)
            return self._derive_unary(func, args[0], head, node)
        try:
            return func(*args)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise self.fail(f"{name}: {exc}", node) from None

    def _derive_unary(self, func: Callable[[sp.Expr], sp.Expr], arg: sp.Expr, head: Head, node: lark.Tree) -> sp.Expr:
        u = sp.Dummy("u", real=True)
        body = func(u)
        if head.primes:
            body = sp.diff(body, u, head.primes)
        return body.xreplace({u: arg})

    def _derive(self, value: sp.Expr, head: Head, node: lark.Tree) -> sp.Expr:
        if head.primes:
            raise self.fail(f"{head.name}' is not supported; write its derivative out", node)
        return value

    def sub_number(self, sub: str, node: lark.Tree) -> int:
        if not sub.strip().isdigit():
            raise self.fail(f"expected a number as subscript, received {sub!r}", node)
        return checked_int(sub, "subscript", FormulaError)

    def _softmax(self, head: Head, args: list[sp.Expr], node: lark.Tree) -> sp.Expr:
        if head.sub is not None:
            k: sp.Expr = sp.Integer(self.sub_number(head.sub, node))
            zs = args
        else:
            if len(args) < 2 or not args[0].is_Integer:
                raise self.fail("softmax needs its index: softmax_{k}(z_1, ..., z_n) or softmax(k, z_1, ...)", node)
            k, zs = args[0], args[1:]
        if not 1 <= int(k) <= len(zs):
            raise self.fail(f"softmax index must be in 1..{len(zs)}, received {k}", node)
        value = softmax(k, *zs)
        if head.primes:
            raise self.fail("softmax' is a matrix; write a_k(\\delta_{kj} - a_j) out instead", node)
        return value

    def _layer_z(self, args: list[sp.Expr]) -> bool:
        g = self.graph
        return (
            len(args) == 1 and g is not None and hasattr(g, "activations")
            and isinstance(args[0], sp.Symbol) and g.is_node(args[0]) and g.node_of(args[0]).role == "z"
        )

    def _layer_activation(self, head: Head, args: list[sp.Expr], node: lark.Tree) -> sp.Expr:
        written = {"phi": "\\phi", "varphi": "\\varphi", "sigma": "\\sigma"}.get(head.name, head.name)
        if not self._layer_z(args):
            raise self.fail(
                f"{written}(...) means the activation of a layer: its argument must be a "
                "pre-activation z^{(l)}_j of the network", node
            )
        nd = self.graph.node_of(args[0])  # type: ignore[union-attr]
        act = self.graph.activations[nd.layer - 1]  # type: ignore[union-attr]
        if not act.elementwise:
            raise self.fail(
                f"layer {nd.layer} uses {act.name}, which couples its neurons; write "
                f"{act.derivative_latex} out instead of {written}'", node
            )
        if head.name == "sigma" and act.name != "sigmoid":
            self.notes.append(
                f"read \\sigma'({args[0].name}) as the derivative of layer {nd.layer}'s "
                f"activation ({act.name})"
            )
        return self._derive_unary(lambda u: act.layer((u,))[0], args[0], head, node)
