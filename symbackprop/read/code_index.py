"""Indexing in the code reader: ``C[Xb]``, ``x[range(n), Y]``, ``x[:, 1:3]``, ``x[..., None]``.

Each position of a subscript becomes an item of the ``index`` operation: a slice, one
integer, a new axis, or an integer array (a gather).  Integer arrays whose largest entry is
known from the spec (``Xb`` with ``integers = 27``, ``range(n)``, an ``argmax``) are checked
against the axis they index when the code is read; the others when numbers are given.
Boolean masks are refused: the shape they give depends on the numbers.
"""

from __future__ import annotations

import ast
from typing import Any

from symbackprop.graph.terms import Term

from .code_values import Num, Range, Site, as_term

__all__ = ["index_term"]


def _position(site: Site, node: ast.expr) -> Any:
    reader = site.reader  # type: ignore[attr-defined]
    if isinstance(node, ast.Constant) and node.value is None:
        return ("new",)
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return ("ellipsis",)
    if isinstance(node, ast.Slice):
        parts = []
        for part in (node.lower, node.upper, node.step):
            if part is None:
                parts.append(None)
                continue
            value = reader.expr(part)
            if not isinstance(value, Num) or not isinstance(value.value, int):
                raise reader.fail(part, f"{reader.text(part)}: a slice bound must be an integer known from the code")
            parts.append(value.value)
        if parts[2] == 0:
            raise reader.fail(node, "a slice step cannot be zero")
        if parts[2] is not None and parts[2] < 0:
            raise reader.fail(node, "a negative slice step is not read (PyTorch refuses it too); use flip")
        return ("slice", *parts)
    value = reader.expr(node)
    if isinstance(value, Num):
        if not isinstance(value.value, int):
            raise reader.fail(node, f"{reader.text(node)}: an index must be an integer, received {value.value!r}")
        return ("int", value.value)
    if isinstance(value, list):
        raise reader.fail(node, f"{reader.text(node)}: a list of indices is not read; write range(...) or name an "
                                "integer array in program.shapes")
    term = as_term(value)
    if term is None:
        raise reader.fail(node, f"{reader.text(node)} cannot index an array")
    if term.dtype == "bool":
        raise reader.fail(node, f"{reader.text(node)} is a mask; indexing by a mask gives a shape known only from "
                                "the numbers: use where(mask, x, 0) instead")
    if term.dtype == "float":
        raise reader.fail(node, f"{reader.text(node)} holds floats and cannot index an array: indices must be integers")
    return ("array", term, value if isinstance(value, Range) else None, node)


def index_term(site: Site, base: Term, node: ast.expr) -> Term:
    """The ``index`` term of ``base[node]``."""
    reader = site.reader  # type: ignore[attr-defined]
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    positions = [_position(site, p) for p in parts]
    if sum(1 for p in positions if p[0] == "ellipsis") > 1:
        raise site.fail(f"{site.text}: at most one ... in an index")
    used = sum(1 for p in positions if p[0] not in ("new", "ellipsis"))
    if used > base.ndim:
        raise site.fail(f"{site.text}: {site.texts[0]} has {base.ndim} axes, and {used} are indexed")
    items: list[tuple[Any, ...]] = []
    arrays: list[Term] = []
    axis = 0
    for p in positions:
        if p[0] == "ellipsis":
            for _ in range(base.ndim - used):
                items.append(("slice", None, None, None))
                axis += 1
            continue
        if p[0] == "array":
            term, rng, where = p[1], p[2], p[3]
            size = base.shape[axis]
            top = (max(rng.start, rng.stop - 1) if rng.step > 0 else rng.start) + 1 if isinstance(rng, Range) \
                else site.bound(term)
            low = min(rng.start, rng.stop) if isinstance(rng, Range) else 0
            if top is not None and (top > size or low < -size):
                raise reader.fail(where, f"{reader.text(where)} goes up to {top - 1}, and axis {axis} of "
                                         f"{site.texts[0]} has {size} entries (shape {base.shape})")
            arrays.append(term)
            items.append(("array", len(arrays)))
        else:
            items.append(p)
        if p[0] != "new":
            axis += 1
    if not arrays and all(it == ("slice", None, None, None) for it in items) and len(items) == base.ndim:
        return base
    return site.op("index", [base, *arrays], [site.texts[0], *(reader.text(p) for p in parts)],
                   items=tuple(items))
