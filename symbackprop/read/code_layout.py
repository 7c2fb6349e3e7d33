"""Call handlers of the code reader: shapes and axes, joining, constants, masks, numbers.

Each handler takes the call site, the array a method is called on (or ``None``), and the
arguments already read, and returns the term (or a number); :mod:`.code_calls` names them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from symbackprop.graph.terms import Const, Term

from .code_math import axis_of
from .code_values import Num, Range, Site, arg, array_of, as_int, as_ints, as_term, subject

__all__ = ["reshape", "flatten", "unsqueeze", "squeeze", "transpose", "swapaxes", "permute", "matrix_t", "join",
           "like", "filled", "eye", "triangle", "range_of", "arange", "where", "masked_fill", "builtin_float",
           "builtin_len", "size", "numel", "int_of", "refuse"]


# ----- layout
def _dim(site: Site, value: Any, ndim: int, whose: str) -> int:
    """One axis of an array of ``ndim`` axes (negative counts from the end), as 0..ndim-1."""
    k = value if isinstance(value, int) and not isinstance(value, bool) else as_int(site, value, "an axis")
    if not -ndim <= k < ndim:
        raise site.fail(f"{site.text}: axis {k} is out of range for {whose}, which has {ndim} axes")
    return k % ndim


def _shape_args(site: Site, rest: list[Any], kwargs: dict[str, Any]) -> tuple[int, ...]:
    if "shape" in kwargs or "size" in kwargs:
        rest = [kwargs.get("shape", kwargs.get("size"))]
    if len(rest) == 1 and isinstance(rest[0], (tuple, list)):
        rest = list(rest[0])
    return tuple(as_int(site, r, "a size") if not isinstance(r, int) else r for r in rest)


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


def reshape(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    if this is None and rest:
        rest = [rest[0]]
    shape = _resolve(site, _shape_args(site, rest, kwargs), math.prod(x.shape))
    return site.op("reshape", [x], texts[:1], shape=shape)


def flatten(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    if x.ndim == 0:
        return site.op("reshape", [x], texts[:1], shape=(1,))
    start = _dim(site, arg(site, rest, kwargs, 0, ("start_dim",), Num(0, Const(0, (), "int"))), x.ndim, texts[0])
    end = _dim(site, arg(site, rest, kwargs, 1, ("end_dim",), Num(-1, Const(-1, (), "int"))), x.ndim, texts[0])
    shape = (*x.shape[:start], math.prod(x.shape[start:end + 1]), *x.shape[end + 1:])
    return site.op("reshape", [x], texts[:1], shape=shape)


def unsqueeze(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    k = as_int(site, arg(site, rest, kwargs, 0, ("dim", "axis")), "dim")
    if not -x.ndim - 1 <= k <= x.ndim:
        raise site.fail(f"{site.text}: dim {k} is out of range for {x.ndim + 1} axes")
    k %= x.ndim + 1
    return site.op("reshape", [x], texts[:1], shape=(*x.shape[:k], 1, *x.shape[k:]))


def squeeze(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    value = arg(site, rest, kwargs, 0, ("dim", "axis"), None)
    axes = range(x.ndim) if value is None else \
        [_dim(site, a, max(x.ndim, 1), texts[0]) for a in as_ints(site, value, "dim")]
    shape = tuple(n for k, n in enumerate(x.shape) if not (k in axes and n == 1))
    return site.op("reshape", [x], texts[:1], shape=shape)


def transpose(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    axes = [a for r in rest for a in as_ints(site, r, "an axis")] if rest else []
    if "axes" in kwargs:
        axes = list(as_ints(site, kwargs["axes"], "an axis"))
    axes = [_dim(site, k, x.ndim, texts[0]) for k in axes]
    if not axes:
        perm = tuple(reversed(range(x.ndim)))
    elif len(axes) == 2 and (site.dialect == "torch" or x.ndim != 2 or this is not None and site.dialect != "numpy"):
        a, b = axes
        order = list(range(x.ndim))
        order[a], order[b] = order[b], order[a]
        perm = tuple(order)
    else:
        perm = tuple(axes)
    return site.op("permute", [x], texts[:1], perm=perm)


def swapaxes(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    a = _dim(site, arg(site, rest, kwargs, 0, ("axis1", "dim0")), x.ndim, texts[0])
    b = _dim(site, arg(site, rest, kwargs, 1, ("axis2", "dim1")), x.ndim, texts[0])
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return site.op("permute", [x], texts[:1], perm=tuple(order))


def permute(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    perm = tuple(_dim(site, a, x.ndim, texts[0]) for r in rest for a in as_ints(site, r, "an axis"))
    return site.op("permute", [x], texts[:1], perm=perm)


def matrix_t(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, texts = subject(site, this, args, kwargs)
    if x.ndim > 2:
        raise site.fail(f"{site.text}: .t() takes at most two axes; {texts[0]} has {x.ndim}")
    return site.op("permute", [x], texts[:1], perm=tuple(reversed(range(x.ndim))))


def join(stack: bool) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        items = arg(site, args, kwargs, 0, ("tensors", "arrays"))
        if not isinstance(items, list) or not items:
            raise site.fail(f"{site.text}: expected a list of arrays, as in torch.cat([a, b], dim=1)")
        terms = [array_of(site, v) for v in items]
        axis = axis_of(site, args[1:], kwargs)
        if axis is not None and len(axis) != 1:
            raise site.fail(f"{site.text}: give one axis to join along")
        k = 0 if axis is None else axis[0]
        if stack:
            k = _dim(site, k, terms[0].ndim + 1, "the stacked result")
            terms = [site.op("reshape", [t], [f"[{i}]"], shape=(*t.shape[:k], 1, *t.shape[k:]))
                     for i, t in enumerate(terms)]
        return site.op("concat", terms, [f"item {i}" for i in range(len(terms))], axis=k)
    return handler


# ----- constants and masks
def like(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, _, texts = subject(site, this, args, kwargs)
        return site.op(op, [x], texts[:1])
    return handler


def filled(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        kwargs.pop("dtype", None)
        shape = _shape_args(site, list(args), kwargs)
        if any(n < 1 for n in shape):
            raise site.fail(f"{site.text}: sizes must be positive")
        return site.op(op, [], [], shape=shape)
    return handler


def eye(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    k = as_int(site, arg(site, args, kwargs, 0, ("n", "N")), "the size")
    if k < 1:
        raise site.fail(f"{site.text}: the size must be positive")
    return site.op("eye", [], [], shape=(k, k))


def triangle(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, _, texts = subject(site, this, args, kwargs)
        return site.op(op, [x], texts[:1])
    return handler


def range_of(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Range:
    nums = [as_int(site, a, "a bound") for a in args]
    if len(nums) == 1:
        nums = [0, nums[0]]
    if len(nums) not in (2, 3) or (len(nums) == 3 and nums[2] == 0):
        raise site.fail(f"{site.text}: expected range(stop), range(start, stop) or range(start, stop, step)")
    r = Range(*nums)
    if len(range(r.start, r.stop, r.step)) < 1:
        raise site.fail(f"{site.text} is empty")
    return r


def arange(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return as_term(range_of(site, this, args, kwargs))


def where(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    cond, a, b = (array_of(site, arg(site, args, kwargs, k, names)) for k, names in
                  enumerate((("condition",), ("input", "x"), ("other", "y"))))
    return site.op("where", [cond, a, b], site.texts[:3])


def masked_fill(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    mask = array_of(site, arg(site, rest, kwargs, 0, ("mask",)))
    value = array_of(site, arg(site, rest, kwargs, 1, ("value",)))
    return site.op("where", [mask, value, x], [texts[1], texts[2] if len(texts) > 2 else "value", texts[0]])


# ----- numbers
def builtin_float(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], str) and args[0].strip().lower() in ("inf", "-inf", "+inf"):
        v = float(args[0].strip().lower())
        return Num(v, Const(v, (), "float"))
    if len(args) == 1 and isinstance(args[0], Num):
        return Num(float(args[0].value), args[0].term)
    raise site.fail(f"{site.text}: float() takes a number or 'inf'/'-inf' here")


def builtin_len(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x = array_of(site, arg(site, args, kwargs, 0, ("obj",)))
    if not x.shape:
        raise site.fail(f"{site.text}: a number has no length")
    return Num(x.shape[0], Const(x.shape[0], (), "int"))


def size(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    assert this is not None
    if not args:
        return tuple(this.shape)
    k = as_int(site, args[0], "dim")
    if not -this.ndim <= k < this.ndim:
        raise site.fail(f"{site.text}: dim {k} is out of range for {this.ndim} axes")
    return Num(this.shape[k], Const(this.shape[k], (), "int"))


def numel(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    assert this is not None
    n = math.prod(this.shape)
    return Num(n, Const(n, (), "int"))


def int_of(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if len(args) == 1 and isinstance(args[0], Num):
        return Num(int(args[0].value), Const(int(args[0].value), (), "int"))
    raise site.fail(f"{site.text}: int() takes a number here")


def refuse(why: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        raise site.fail(f"{site.text}: {why}")
    return handler

