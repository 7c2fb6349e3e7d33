"""Call handlers of the code reader: elementwise functions, reductions, normalisations.

Each handler takes the call site, the array a method is called on (or ``None``), and the
arguments already read, and returns the term; the tables of :mod:`.code_calls` name them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symbackprop.graph.terms import Const, Term, call

from .code_values import Num, Pair, Site, arg, array_of, as_bool, as_int, as_ints, as_term, check_kwargs, subject

__all__ = ["unary", "binary", "leaky_relu", "clamp", "square", "rsqrt", "identity", "to_float", "reduce",
           "argreduce", "along", "logsumexp", "cross_entropy", "one_hot", "axis_of", "keep_of"]


# ----- elementwise
def unary(op: str, number: Callable[[float], float] | None = None) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if this is None and number is not None and args and isinstance(args[0], Num) and not kwargs:
            try:
                value = number(float(args[0].value))
            except (ValueError, OverflowError):
                raise site.fail(f"{site.text} is not a real number") from None
            return Num(value, call(op, args[0].term))
        x, rest, texts = subject(site, this, args, kwargs)
        check_kwargs(site, kwargs, ())
        if rest:
            raise site.fail(f"{site.text}: expected one array, received {len(rest) + 1} arguments")
        return site.op(op, [x], texts[:1])
    return handler


def binary(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if this is not None:
            other = arg(site, args, kwargs, 0, ("other", "exponent", "b"))
            return site.op(op, [this, array_of(site, other)], [site.self_text or "?", *site.texts])
        a, b = arg(site, args, kwargs, 0, ("input", "x1", "a")), arg(site, args, kwargs, 1, ("other", "x2", "b", "exponent"))
        return site.op(op, [array_of(site, a), array_of(site, b)], site.texts)
    return handler


def leaky_relu(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    slope = arg(site, rest, kwargs, 0, ("negative_slope",), None)
    if slope is not None and (not isinstance(slope, Num) or slope.value != 0.01):
        raise site.fail(f"{site.text}: a negative slope other than 0.01 is not read; write "
                        "torch.where(x > 0, x, slope * x)")
    return site.op("leaky_relu", [x], texts[:1])


def clamp(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    low = kwargs.get("min", rest[0] if rest else None)
    high = kwargs.get("max", rest[1] if len(rest) > 1 else None)
    if low is None and high is None:
        raise site.fail(f"{site.text}: give min= or max=")
    out = x
    if low is not None:
        out = site.op("maximum", [out, array_of(site, low)], [texts[0], "min"])
    if high is not None:
        out = site.op("minimum", [out, array_of(site, high)], [texts[0], "max"])
    return out


def square(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, texts = subject(site, this, args, kwargs)
    return site.op("pow", [x, Const(2, (), "int")], [texts[0], "2"])


def rsqrt(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, texts = subject(site, this, args, kwargs)
    return site.op("pow", [x, Const(-0.5, (), "float")], [texts[0], "-0.5"])


def identity(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, _ = subject(site, this, args, kwargs)
    return x


def to_float(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, _, texts = subject(site, this, args, kwargs)
    return x if x.dtype == "float" else site.op("float", [x], texts[:1])


# ----- reductions
def axis_of(site: Site, args: list[Any], kwargs: dict[str, Any]) -> Any:
    value = arg(site, args, kwargs, 0, ("axis", "dim"), None)
    if value is None:
        return None
    return as_ints(site, value, "the axis")


def keep_of(site: Site, args: list[Any], kwargs: dict[str, Any], pos: int = 1) -> bool:
    return as_bool(site, arg(site, args, kwargs, pos, ("keepdims", "keepdim"), False), "keepdim")


def reduce(op: str, pair: bool = True) -> Callable[..., Any]:
    """``pair``: PyTorch's ``max``/``min`` over one dim give (values, indices); ``amax`` does not."""
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, rest, texts = subject(site, this, args, kwargs)
        if op in ("max", "min") and this is None and rest and isinstance(as_term(rest[0]), Term) \
                and not isinstance(rest[0], Num) and as_term(rest[0]).shape != ():  # type: ignore[union-attr]
            return site.op("maximum" if op == "max" else "minimum", [x, array_of(site, rest[0])], texts)
        check_kwargs(site, kwargs, ("axis", "dim", "keepdims", "keepdim", "ddof", "unbiased", "correction", "dtype"))
        axis = axis_of(site, rest, kwargs)
        keep = keep_of(site, rest, kwargs)
        attrs: dict[str, Any] = {"axis": axis, "keepdims": keep}
        if op in ("var", "std"):
            attrs["ddof"] = ddof(site, kwargs, rest)
        values = site.op(op, [x], texts[:1], **attrs)
        if pair and op in ("max", "min") and axis is not None and len(axis) == 1 and site.dialect != "numpy" \
                and not {"axis", "keepdims"} & set(kwargs):
            indices = site.op("argmax" if op == "max" else "argmin", [x], texts[:1], axis=axis[0], keepdims=keep)
            return Pair(values, indices, lenient=site.dialect == "either")
        return values
    return handler


def ddof(site: Site, kwargs: dict[str, Any], rest: list[Any]) -> int:
    """Bessel's correction: explicit, or the dialect's default (torch n − 1, numpy n)."""
    if "ddof" in kwargs or "correction" in kwargs:
        return as_int(site, kwargs.get("ddof", kwargs.get("correction")), "ddof")
    if "unbiased" in kwargs:
        return 1 if as_bool(site, kwargs["unbiased"], "unbiased") else 0
    torch_words = {"dim", "keepdim"} & set(kwargs)
    numpy_words = {"axis", "keepdims"} & set(kwargs)
    if site.dialect == "torch" or (torch_words and not numpy_words):
        return 1
    if site.dialect == "numpy" or numpy_words:
        return 0
    raise site.fail(f"{site.text}: PyTorch divides a variance by n − 1 and NumPy by n; the code names "
                    "neither library, so write ddof=0 or ddof=1 (or unbiased=True/False)")


def argreduce(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, rest, texts = subject(site, this, args, kwargs)
        axis = axis_of(site, rest, kwargs)
        if axis is None or len(axis) != 1:
            raise site.fail(f"{site.text}: give the one axis to take the {op} along")
        return site.op(op, [x], texts[:1], axis=axis[0], keepdims=keep_of(site, rest, kwargs))
    return handler


def along(op: str) -> Callable[..., Any]:
    def handler(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x, rest, texts = subject(site, this, args, kwargs)
        check_kwargs(site, kwargs, ("dim", "axis", "dtype"))
        axis = axis_of(site, rest, kwargs)
        if axis is None or len(axis) != 1:
            raise site.fail(f"{site.text}: give the axis ({'dim' if site.dialect != 'numpy' else 'axis'}=...) "
                            f"that {op} normalises along")
        return site.op(op, [x], texts[:1], axis=axis[0])
    return handler


def logsumexp(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs)
    return site.op("logsumexp", [x], texts[:1], axis=axis_of(site, rest, kwargs), keepdims=keep_of(site, rest, kwargs))


def cross_entropy(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    check_kwargs(site, kwargs, ("input", "target", "reduction"))
    logits = array_of(site, arg(site, args, kwargs, 0, ("input",)))
    target = array_of(site, arg(site, args, kwargs, 1, ("target",)))
    reduction = kwargs.get("reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise site.fail(f"{site.text}: reduction must be 'mean' or 'sum', received {reduction!r}")
    bound = site.bound(target)
    if bound is not None and logits.ndim == 2 and bound > logits.shape[1]:
        raise site.fail(f"{site.text}: the targets {site.texts[1]} go up to {bound - 1}, and {site.texts[0]} "
                        f"has {logits.shape[1]} classes")
    return site.op("cross_entropy", [logits, target], site.texts[:2], reduction=reduction)


def one_hot(site: Site, this: Term | None, args: list[Any], kwargs: dict[str, Any]) -> Any:
    x, rest, texts = subject(site, this, args, kwargs, ("tensor", "input"))
    classes = arg(site, rest, kwargs, 0, ("num_classes",), None)
    k = as_int(site, classes, "num_classes") if classes is not None else site.bound(x)
    if k is None:
        raise site.fail(f"{site.text}: give num_classes=...; the largest class is not known from the code")
    return site.op("one_hot", [x], texts[:1], classes=k)

