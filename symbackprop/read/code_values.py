"""The values the code reader passes around besides arrays, and reading call arguments.

A call's arguments arrive already read: array terms, numbers known from the code
(:class:`Num`, such as ``n`` or ``x.shape[0]``), ``range(...)`` (:class:`Range`), PyTorch's
(values, indices) pairs (:class:`Pair`), module names (:class:`Module`).  The helpers here
take an argument by position or keyword and say what was expected when it is not there.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from symbackprop.errors import CodeError
from symbackprop.graph.terms import Call, Ref, Term, call

__all__ = ["Module", "Num", "Range", "Pair", "Site", "Handler", "as_term", "bound_of", "dialect_of", "arg",
           "check_kwargs", "as_int", "as_ints", "as_bool", "show", "array_of", "subject", "MISSING"]


@dataclass(frozen=True)
class Module:
    """A module alias (``np``) or one of its functions (``np.exp``); ``builtins`` for ``range``."""

    name: str
    attr: str | None = None


@dataclass(frozen=True)
class Num:
    """A number known when the code is read (``n``, ``1/n``, ``x.shape[0]``), and its term."""

    value: float | int
    term: Term


@dataclass(frozen=True)
class Range:
    """``range(start, stop, step)``: a row of integers, as an index or through ``arange``."""

    start: int
    stop: int
    step: int = 1


@dataclass(frozen=True)
class Pair:
    """PyTorch's ``x.max(dim)``: ``.values`` and ``.indices``."""

    values: Term
    indices: Term
    lenient: bool = False


class Site(Protocol):
    dialect: str
    texts: list[str]
    self_text: str | None
    text: str

    def fail(self, message: str) -> CodeError: ...

    def op(self, name: str, args: list[Term], texts: list[str] | None = None, **attrs: Any) -> Term: ...

    def bound(self, term: Term) -> int | None: ...


def as_term(value: Any) -> Term | None:
    """An argument as an array term, or ``None`` when it is not one."""
    if isinstance(value, Term):
        return value
    if isinstance(value, Num):
        return value.term
    if isinstance(value, Range):
        return call("arange", start=value.start, stop=value.stop, step=value.step)
    if isinstance(value, Pair) and value.lenient:
        return value.values
    return None


def bound_of(term: Term, bounds: dict[str, int]) -> int | None:
    """An exclusive upper bound of an integer array's entries, when it is known."""
    if isinstance(term, Ref):
        return bounds.get(term.name)
    if isinstance(term, Call):
        if term.op == "arange":
            return max(term.attr("stop"), 1)
        if term.op in ("argmax", "argmin"):
            return term.args[0].shape[term.attr("axis") % term.args[0].ndim]
        if term.op in ("index", "reshape", "permute", "broadcast_to"):
            return bound_of(term.args[0], bounds)
    return None


def dialect_of(tree: ast.AST) -> str:
    """``"torch"`` when the code uses torch or F, ``"numpy"`` when it uses np, else ``"either"``."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    if names & {"torch", "F"} or "torch" in imported:
        return "torch"
    if names & {"np", "numpy"} or "numpy" in imported:
        return "numpy"
    return "either"


# ----- arguments
MISSING = object()


def arg(site: Site, args: list[Any], kwargs: dict[str, Any], pos: int, names: tuple[str, ...],
         default: Any = MISSING) -> Any:
    for name in names:
        if name in kwargs:
            return kwargs[name]
    if pos < len(args):
        return args[pos]
    if default is MISSING:
        raise site.fail(f"{site.text}: missing the argument {names[0]!r}")
    return default


def check_kwargs(site: Site, kwargs: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in kwargs:
        if key not in allowed:
            raise site.fail(f"{site.text}: the keyword {key!r} is not read here"
                            + (f"; expected {', '.join(allowed)}" if allowed else ""))


def as_int(site: Site, value: Any, what: str) -> int:
    if isinstance(value, Num) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    raise site.fail(f"{site.text}: {what} must be an integer known from the code, received {show(value)}")


def as_ints(site: Site, value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return value
    if isinstance(value, list):
        out: list[int] = []
        for v in value:
            out.extend(as_ints(site, v, what))
        return tuple(out)
    return (as_int(site, value, what),)


def as_bool(site: Site, value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    raise site.fail(f"{site.text}: {what} must be True or False, received {show(value)}")


def show(value: Any) -> str:
    if isinstance(value, Num):
        return repr(value.value)
    if isinstance(value, Term):
        return f"an array of shape {value.shape}"
    return repr(value)


def array_of(site: Site, value: Any, k: int = 0) -> Term:
    term = as_term(value)
    if term is None:
        what = "a (values, indices) pair; take .values" if isinstance(value, Pair) else show(value)
        raise site.fail(f"{site.text}: expected an array, received {what}")
    return term


def subject(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any],
             names: tuple[str, ...] = ("input", "x", "a")) -> tuple[Term, list[Any], list[str]]:
    """The array a call works on: ``x`` of ``x.f(...)`` or the first argument of ``np.f(x, ...)``."""
    if this is not None:
        return this, args, [site.self_text or "?", *site.texts]
    value = arg(site, args, kwargs, 0, names)
    for name in names:
        kwargs.pop(name, None)
    return array_of(site, value), args[1:], site.texts



Handler = Callable[[Site, "Term | None", list[Any], dict[str, Any]], Any]
