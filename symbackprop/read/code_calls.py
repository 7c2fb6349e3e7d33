"""The calls and methods the code reader understands, NumPy and PyTorch spellings alike.

Two tables map a spelling onto the operations of :mod:`symbackprop.graph.array_ops`:
:data:`CALLS`, keyed by ``(module, name)`` (``("np", "exp")``; module ``"*"`` for any of
numpy, torch, ``F``), and :data:`METHODS`, keyed by method name (``x.sum(...)``).  A handler
receives the call site, the array a method is called on (or ``None``), and the arguments
already read.  Where the two libraries differ, the code's dialect decides: ``x.var(0)``
divides by n − 1 in PyTorch and by n in NumPy, and ``x.max(1)`` is a (values, indices) pair
in PyTorch; code that names neither library must say which (``ddof=``, ``unbiased=``).

>>> sorted(k for k in METHODS if k.startswith("s"))
['sigmoid', 'sign', 'size', 'softmax', 'sqrt', 'square', 'squeeze', 'std', 'sum', 'swapaxes']
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from symbackprop.errors import CodeError
from symbackprop.graph.terms import Call, Const, Ref, Term, call

__all__ = ["CALLS", "METHODS", "CONSTANTS", "Module", "Num", "Pair", "Range", "as_term", "bound_of",
           "dialect_of"]


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
_MISSING = object()


def _arg(site: Site, args: list[Any], kwargs: dict[str, Any], pos: int, names: tuple[str, ...],
         default: Any = _MISSING) -> Any:
    for name in names:
        if name in kwargs:
            return kwargs[name]
    if pos < len(args):
        return args[pos]
    if default is _MISSING:
        raise site.fail(f"{site.text}: missing the argument {names[0]!r}")
    return default


def _check_kwargs(site: Site, kwargs: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in kwargs:
        if key not in allowed:
            raise site.fail(f"{site.text}: the keyword {key!r} is not read here"
                            + (f"; expected {', '.join(allowed)}" if allowed else ""))


def _int(site: Site, value: Any, what: str) -> int:
    if isinstance(value, Num) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    raise site.fail(f"{site.text}: {what} must be an integer known from the code, received {_show(value)}")


def _ints(site: Site, value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return value
    if isinstance(value, list):
        out: list[int] = []
        for v in value:
            out.extend(_ints(site, v, what))
        return tuple(out)
    return (_int(site, value, what),)


def _bool(site: Site, value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    raise site.fail(f"{site.text}: {what} must be True or False, received {_show(value)}")


def _show(value: Any) -> str:
    if isinstance(value, Num):
        return repr(value.value)
    if isinstance(value, Term):
        return f"an array of shape {value.shape}"
    return repr(value)


def _array(site: Site, value: Any, k: int = 0) -> Term:
    term = as_term(value)
    if term is None:
        what = "a (values, indices) pair; take .values" if isinstance(value, Pair) else _show(value)
        raise site.fail(f"{site.text}: expected an array, received {what}")
    return term


def _subject(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any],
             names: tuple[str, ...] = ("input", "x", "a")) -> tuple[Term, list[Any], list[str]]:
    """The array a call works on: ``x`` of ``x.f(...)`` or the first argument of ``np.f(x, ...)``."""
    if this is not None:
        return this, args, [site.self_text or "?", *site.texts]
    value = _arg(site, args, kwargs, 0, names)
    for name in names:
        kwargs.pop(name, None)
    return _array(site, value), args[1:], site.texts


# ----- elementwise
def _unary(op: str, number: Callable[[float], float] | None = None) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if this is None and number is not None and args and isinstance(args[0], Num) and not kwargs:
            try:
                value = number(float(args[0].value))
            except (ValueError, OverflowError):
                raise site.fail(f"{site.text} is not a real number") from None
            return Num(value, call(op, args[0].term))
        x, rest, texts = _subject(site, this, args, kwargs)
        _check_kwargs(site, kwargs, ())
        if rest:
            raise site.fail(f"{site.text}: expected one array, received {len(rest) + 1} arguments")
        return site.op(op, [x], texts[:1])
    return handler


def _binary(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if this is not None:
            other = _arg(site, args, kwargs, 0, ("other", "exponent", "b"))
            return site.op(op, [this, _array(site, other)], [site.self_text or "?", *site.texts])
        a, b = _arg(site, args, kwargs, 0, ("input", "x1", "a")), _arg(site, args, kwargs, 1, ("other", "x2", "b", "exponent"))
        return site.op(op, [_array(site, a), _array(site, b)], site.texts)
    return handler


def _clamp(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    low = kwargs.get("min", rest[0] if rest else None)
    high = kwargs.get("max", rest[1] if len(rest) > 1 else None)
    if low is None and high is None:
        raise site.fail(f"{site.text}: give min= or max=")
    out = x
    if low is not None:
        out = site.op("maximum", [out, _array(site, low)], [texts[0], "min"])
    if high is not None:
        out = site.op("minimum", [out, _array(site, high)], [texts[0], "max"])
    return out


def _square(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, texts = _subject(site, this, args, kwargs)
    return site.op("pow", [x, Const(2, (), "int")], [texts[0], "2"])


def _rsqrt(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, texts = _subject(site, this, args, kwargs)
    return site.op("pow", [x, Const(-0.5, (), "float")], [texts[0], "-0.5"])


def _identity(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, _ = _subject(site, this, args, kwargs)
    return x


def _to_float(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, texts = _subject(site, this, args, kwargs)
    return x if x.dtype == "float" else site.op("float", [x], texts[:1])


# ----- reductions
def _axis(site: Site, args: list[Any], kwargs: dict[str, Any]) -> Any:
    value = _arg(site, args, kwargs, 0, ("axis", "dim"), None)
    if value is None:
        return None
    return _ints(site, value, "the axis")


def _keep(site: Site, args: list[Any], kwargs: dict[str, Any], pos: int = 1) -> bool:
    return _bool(site, _arg(site, args, kwargs, pos, ("keepdims", "keepdim"), False), "keepdim")


def _reduce(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, rest, texts = _subject(site, this, args, kwargs)
        if op in ("max", "min") and this is None and rest and isinstance(as_term(rest[0]), Term) \
                and not isinstance(rest[0], Num) and as_term(rest[0]).shape != ():  # type: ignore[union-attr]
            return site.op("maximum" if op == "max" else "minimum", [x, _array(site, rest[0])], texts)
        _check_kwargs(site, kwargs, ("axis", "dim", "keepdims", "keepdim", "ddof", "unbiased", "correction", "dtype"))
        axis = _axis(site, rest, kwargs)
        keep = _keep(site, rest, kwargs)
        attrs: dict[str, Any] = {"axis": axis, "keepdims": keep}
        if op in ("var", "std"):
            attrs["ddof"] = _ddof(site, kwargs, rest)
        values = site.op(op, [x], texts[:1], **attrs)
        if op in ("max", "min") and axis is not None and len(axis) == 1 and site.dialect != "numpy" \
                and not {"axis", "keepdims"} & set(kwargs):
            indices = site.op("argmax" if op == "max" else "argmin", [x], texts[:1], axis=axis[0], keepdims=keep)
            return Pair(values, indices, lenient=site.dialect == "either")
        return values
    return handler


def _ddof(site: Site, kwargs: dict[str, Any], rest: list[Any]) -> int:
    """Bessel's correction: explicit, or the dialect's default (torch n − 1, numpy n)."""
    if "ddof" in kwargs or "correction" in kwargs:
        return _int(site, kwargs.get("ddof", kwargs.get("correction")), "ddof")
    if "unbiased" in kwargs:
        return 1 if _bool(site, kwargs["unbiased"], "unbiased") else 0
    torch_words = {"dim", "keepdim"} & set(kwargs)
    numpy_words = {"axis", "keepdims"} & set(kwargs)
    if site.dialect == "torch" or (torch_words and not numpy_words):
        return 1
    if site.dialect == "numpy" or numpy_words:
        return 0
    raise site.fail(f"{site.text}: PyTorch divides a variance by n − 1 and NumPy by n; the code names "
                    "neither library, so write ddof=0 or ddof=1 (or unbiased=True/False)")


def _argreduce(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, rest, texts = _subject(site, this, args, kwargs)
        axis = _axis(site, rest, kwargs)
        if axis is None or len(axis) != 1:
            raise site.fail(f"{site.text}: give the one axis to take the {op} along")
        return site.op(op, [x], texts[:1], axis=axis[0], keepdims=_keep(site, rest, kwargs))
    return handler


def _along(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, rest, texts = _subject(site, this, args, kwargs)
        _check_kwargs(site, kwargs, ("dim", "axis", "dtype"))
        axis = _axis(site, rest, kwargs)
        if axis is None or len(axis) != 1:
            raise site.fail(f"{site.text}: give the axis ({'dim' if site.dialect != 'numpy' else 'axis'}=...) "
                            f"that {op} normalises along")
        return site.op(op, [x], texts[:1], axis=axis[0])
    return handler


def _logsumexp(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    return site.op("logsumexp", [x], texts[:1], axis=_axis(site, rest, kwargs), keepdims=_keep(site, rest, kwargs))


def _cross_entropy(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    _check_kwargs(site, kwargs, ("input", "target", "reduction"))
    logits = _array(site, _arg(site, args, kwargs, 0, ("input",)))
    target = _array(site, _arg(site, args, kwargs, 1, ("target",)))
    reduction = kwargs.get("reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise site.fail(f"{site.text}: reduction must be 'mean' or 'sum', received {reduction!r}")
    bound = site.bound(target)
    if bound is not None and logits.ndim == 2 and bound > logits.shape[1]:
        raise site.fail(f"{site.text}: the targets {site.texts[1]} go up to {bound - 1}, and {site.texts[0]} "
                        f"has {logits.shape[1]} classes")
    return site.op("cross_entropy", [logits, target], site.texts[:2], reduction=reduction)


def _one_hot(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs, ("tensor", "input"))
    classes = _arg(site, rest, kwargs, 0, ("num_classes",), None)
    k = _int(site, classes, "num_classes") if classes is not None else site.bound(x)
    if k is None:
        raise site.fail(f"{site.text}: give num_classes=...; the largest class is not known from the code")
    return site.op("one_hot", [x], texts[:1], classes=k)


# ----- layout
def _shape_args(site: Site, rest: list[Any], kwargs: dict[str, Any]) -> tuple[int, ...]:
    if "shape" in kwargs or "size" in kwargs:
        rest = [kwargs.get("shape", kwargs.get("size"))]
    if len(rest) == 1 and isinstance(rest[0], (tuple, list)):
        rest = list(rest[0])
    return tuple(_int(site, r, "a size") if not isinstance(r, int) else r for r in rest)


def _resolve(site: Site, shape: tuple[int, ...], size: int) -> tuple[int, ...]:
    free = [k for k, n in enumerate(shape) if n == -1]
    if len(free) > 1 or any(n < -1 or n == 0 for n in shape):
        raise site.fail(f"{site.text}: sizes must be positive, with at most one -1")
    if free:
        known = math.prod(n for n in shape if n != -1)
        if size % known:
            raise site.fail(f"{site.text}: {size} entries cannot be viewed as {shape}")
        shape = tuple(size // known if n == -1 else n for n in shape)
    return shape


def _reshape(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    if this is None and rest:
        rest = [rest[0]]
    shape = _resolve(site, _shape_args(site, rest, kwargs), math.prod(x.shape))
    return site.op("reshape", [x], texts[:1], shape=shape)


def _flatten(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    start = _int(site, _arg(site, rest, kwargs, 0, ("start_dim",), Num(0, Const(0, (), "int"))), "start_dim")
    end = _int(site, _arg(site, rest, kwargs, 1, ("end_dim",), Num(-1, Const(-1, (), "int"))), "end_dim")
    if x.ndim == 0:
        return site.op("reshape", [x], texts[:1], shape=(1,))
    start, end = start % x.ndim, end % x.ndim
    shape = (*x.shape[:start], math.prod(x.shape[start:end + 1]), *x.shape[end + 1:])
    return site.op("reshape", [x], texts[:1], shape=shape)


def _unsqueeze(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    k = _int(site, _arg(site, rest, kwargs, 0, ("dim", "axis")), "dim")
    if not -x.ndim - 1 <= k <= x.ndim:
        raise site.fail(f"{site.text}: dim {k} is out of range for {x.ndim + 1} axes")
    k %= x.ndim + 1
    return site.op("reshape", [x], texts[:1], shape=(*x.shape[:k], 1, *x.shape[k:]))


def _squeeze(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    value = _arg(site, rest, kwargs, 0, ("dim", "axis"), None)
    axes = range(x.ndim) if value is None else [a % max(x.ndim, 1) for a in _ints(site, value, "dim")]
    shape = tuple(n for k, n in enumerate(x.shape) if not (k in axes and n == 1))
    return site.op("reshape", [x], texts[:1], shape=shape)


def _transpose(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    axes = [a for r in rest for a in _ints(site, r, "an axis")] if rest else []
    if "axes" in kwargs:
        axes = list(_ints(site, kwargs["axes"], "an axis"))
    if not axes:
        perm = tuple(reversed(range(x.ndim)))
    elif len(axes) == 2 and (site.dialect == "torch" or x.ndim != 2 or this is not None and site.dialect != "numpy"):
        a, b = (k % x.ndim for k in axes)
        order = list(range(x.ndim))
        order[a], order[b] = order[b], order[a]
        perm = tuple(order)
    else:
        perm = tuple(k % x.ndim for k in axes)
    return site.op("permute", [x], texts[:1], perm=perm)


def _swapaxes(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    a = _int(site, _arg(site, rest, kwargs, 0, ("axis1", "dim0")), "an axis") % max(x.ndim, 1)
    b = _int(site, _arg(site, rest, kwargs, 1, ("axis2", "dim1")), "an axis") % max(x.ndim, 1)
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return site.op("permute", [x], texts[:1], perm=tuple(order))


def _permute(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    perm = tuple(a % max(x.ndim, 1) for r in rest for a in _ints(site, r, "an axis"))
    return site.op("permute", [x], texts[:1], perm=perm)


def _matrix_t(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, texts = _subject(site, this, args, kwargs)
    if x.ndim > 2:
        raise site.fail(f"{site.text}: .t() takes at most two axes; {texts[0]} has {x.ndim}")
    return site.op("permute", [x], texts[:1], perm=tuple(reversed(range(x.ndim))))


def _join(stack: bool) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        items = _arg(site, args, kwargs, 0, ("tensors", "arrays"))
        if not isinstance(items, list) or not items:
            raise site.fail(f"{site.text}: expected a list of arrays, as in torch.cat([a, b], dim=1)")
        terms = [_array(site, v) for v in items]
        axis = _axis(site, args[1:], kwargs)
        k = 0 if axis is None else axis[0]
        if stack:
            nd = terms[0].ndim + 1
            k %= nd
            terms = [site.op("reshape", [t], [f"[{i}]"], shape=(*t.shape[:k], 1, *t.shape[k:]))
                     for i, t in enumerate(terms)]
        return site.op("concat", terms, [f"item {i}" for i in range(len(terms))], axis=k)
    return handler


# ----- constants and masks
def _like(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, _, texts = _subject(site, this, args, kwargs)
        return site.op(op, [x], texts[:1])
    return handler


def _filled(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        kwargs.pop("dtype", None)
        shape = _shape_args(site, list(args), kwargs)
        if any(n < 1 for n in shape):
            raise site.fail(f"{site.text}: sizes must be positive")
        return site.op(op, [], [], shape=shape)
    return handler


def _eye(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    k = _int(site, _arg(site, args, kwargs, 0, ("n", "N")), "the size")
    if k < 1:
        raise site.fail(f"{site.text}: the size must be positive")
    return site.op("eye", [], [], shape=(k, k))


def _triangle(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, _, texts = _subject(site, this, args, kwargs)
        return site.op(op, [x], texts[:1])
    return handler


def _range(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Range:
    nums = [_int(site, a, "a bound") for a in args]
    if len(nums) == 1:
        nums = [0, nums[0]]
    if len(nums) not in (2, 3) or (len(nums) == 3 and nums[2] == 0):
        raise site.fail(f"{site.text}: expected range(stop), range(start, stop) or range(start, stop, step)")
    r = Range(*nums)
    if len(range(r.start, r.stop, r.step)) < 1:
        raise site.fail(f"{site.text} is empty")
    return r


def _arange(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return as_term(_range(site, this, args, kwargs))


def _where(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    cond, a, b = (_array(site, _arg(site, args, kwargs, k, names)) for k, names in
                  enumerate((("condition",), ("input", "x"), ("other", "y"))))
    return site.op("where", [cond, a, b], site.texts[:3])


def _masked_fill(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = _subject(site, this, args, kwargs)
    mask = _array(site, _arg(site, rest, kwargs, 0, ("mask",)))
    value = _array(site, _arg(site, rest, kwargs, 1, ("value",)))
    return site.op("where", [mask, value, x], [texts[1], texts[2] if len(texts) > 2 else "value", texts[0]])


# ----- numbers
def _builtin_float(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], str) and args[0].strip().lower() in ("inf", "-inf", "+inf"):
        v = float(args[0].strip().lower())
        return Num(v, Const(v, (), "float"))
    if len(args) == 1 and isinstance(args[0], Num):
        return Num(float(args[0].value), args[0].term)
    raise site.fail(f"{site.text}: float() takes a number or 'inf'/'-inf' here")


def _builtin_len(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x = _array(site, _arg(site, args, kwargs, 0, ("obj",)))
    if not x.shape:
        raise site.fail(f"{site.text}: a number has no length")
    return Num(x.shape[0], Const(x.shape[0], (), "int"))


def _size(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    assert this is not None
    if not args:
        return tuple(this.shape)
    k = _int(site, args[0], "dim")
    if not -this.ndim <= k < this.ndim:
        raise site.fail(f"{site.text}: dim {k} is out of range for {this.ndim} axes")
    return Num(this.shape[k], Const(this.shape[k], (), "int"))


def _numel(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    assert this is not None
    n = math.prod(this.shape)
    return Num(n, Const(n, (), "int"))


def _int_of(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], Num):
        return Num(int(args[0].value), Const(int(args[0].value), (), "int"))
    raise site.fail(f"{site.text}: int() takes a number here")


def _refuse(why: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        raise site.fail(f"{site.text}: {why}")
    return handler


Handler = Callable[[Site, "Term | None", list[Any], dict[str, Any]], Any]

_UNARY_NUMBERS: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh, "abs": abs,
}
#: Functions, methods and math both: the array operation each spelling means.
_SHARED: dict[str, Handler] = {
    **{name: _unary(name, _UNARY_NUMBERS.get(name)) for name in ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "sign")},
    "maximum": _binary("maximum"), "minimum": _binary("minimum"), "pow": _binary("pow"),
    "power": _binary("pow"), "matmul": _binary("matmul"), "mm": _binary("matmul"), "dot": _binary("matmul"),
    "clamp": _clamp, "clip": _clamp, "square": _square, "rsqrt": _rsqrt,
    "sum": _reduce("sum"), "mean": _reduce("mean"), "max": _reduce("max"), "min": _reduce("min"),
    "amax": _reduce("max"), "amin": _reduce("min"), "var": _reduce("var"), "std": _reduce("std"),
    "argmax": _argreduce("argmax"), "argmin": _argreduce("argmin"), "logsumexp": _logsumexp,
    "softmax": _along("softmax"), "log_softmax": _along("log_softmax"),
    "reshape": _reshape, "flatten": _flatten, "transpose": _transpose, "swapaxes": _swapaxes,
    "permute": _permute, "unsqueeze": _unsqueeze, "squeeze": _squeeze, "expand_dims": _unsqueeze,
    "zeros_like": _like("zeros_like"), "ones_like": _like("ones_like"),
    "tril": _triangle("tril"), "triu": _triangle("triu"), "where": _where,
    "detach": _refuse("no gradient flows through .detach(), so the derivation would not be the program's; "
                      "remove it"),
}

#: ``x.method(...)``.
METHODS: dict[str, Handler] = {
    **{k: v for k, v in _SHARED.items() if k not in ("maximum", "minimum", "where", "zeros_like", "ones_like",
                                                      "dot", "expand_dims")},
    "view": _reshape, "t": _matrix_t, "masked_fill": _masked_fill, "clone": _identity, "float": _to_float,
    "double": _to_float, "size": _size, "numel": _numel,
}

#: ``module.function(...)`` and builtins; ``"*"`` matches np, torch and F.
CALLS: dict[tuple[str, str], Handler] = {
    **{("*", k): v for k, v in _SHARED.items()},
    ("*", "concatenate"): _join(False), ("*", "cat"): _join(False), ("*", "stack"): _join(True),
    ("*", "zeros"): _filled("zeros"), ("*", "ones"): _filled("ones"), ("*", "eye"): _eye,
    ("*", "arange"): _arange, ("*", "one_hot"): _one_hot, ("*", "cross_entropy"): _cross_entropy,
    ("*", "masked_fill"): _masked_fill,
    ("builtins", "range"): _range, ("builtins", "float"): _builtin_float, ("builtins", "len"): _builtin_len,
    ("builtins", "int"): _int_of, ("builtins", "abs"): _unary("abs", abs),
    ("math", "sqrt"): _unary("sqrt", math.sqrt), ("math", "exp"): _unary("exp", math.exp),
    ("math", "log"): _unary("log", math.log),
}
for _k in list(CALLS):
    if _k[0] == "*" and _k[1] in ("exp", "log", "sqrt", "tanh"):
        CALLS["math", _k[1]] = _unary(_k[1], _UNARY_NUMBERS[_k[1]])

#: Named numbers: ``np.inf``, ``math.pi``...
CONSTANTS: dict[tuple[str, str], Num] = {
    (module, name): Num(value, Const(value, (), "float"))
    for module in ("np", "torch", "math")
    for name, value in (("inf", math.inf), ("pi", math.pi), ("e", math.e))
}
