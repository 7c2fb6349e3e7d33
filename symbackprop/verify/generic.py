r"""Lines with free index letters, as a sheet prints them: ``∂L/∂w^{(l)}_{ji} = δ^{(l)}_j a^{(l-1)}_i``.

The left side names a layered network's quantity with letters for its layer and indices; the
line is claimed for every value of them.  Each letter runs over what it indexes (``l`` over
the layers that have the quantity, ``j`` over layer l's neurons, ``i`` over layer l−1's), and
every instance is verified as if written with numbers.  The verdict is the first wrong
instance's, or the last instance's when all hold, with a note saying how many were checked.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.read.equation import split_equation
>>> from symbackprop.verify import verify
>>> v = verify_generic(mlp([2, 3, 2]), split_equation(
...     r"\frac{\partial L}{\partial w^{(l)}_{ji}} = \delta^{(l)}_j a^{(l-1)}_i"), verify)
>>> v.status, v.notes[-1]
('correct', 'a line for every l, j, i: all 12 instances checked')
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator

import lark

from symbackprop.errors import FormulaError
from symbackprop.graph import Graph
from symbackprop.read.build import build
from symbackprop.read.equation import Equation
from symbackprop.read.parser import alias_keys, parse_formula_notes, parse_tree

from .verdict import Verdict

__all__ = ["free_letters", "verify_generic", "MAX_INSTANCES"]

#: Most instances of a generic line checked (each is a whole verdict).
MAX_INSTANCES = 60
_KINDS = {"w": 2, "b": 1, "delta": 1, "z": 1, "a": 1}


def _letter(node: object) -> str | None:
    """``l`` of the superscript ``{(l)}``."""
    if not (isinstance(node, lark.Tree) and node.data == "sup"):
        return None
    t = node.children[0]
    for data in ("group", "paren"):
        if not (isinstance(t, lark.Tree) and t.data == data and len(t.children) == 1):
            return None
        t = t.children[0]
    if isinstance(t, lark.Tree) and t.data == "name" and len(t.children) == 1 and len(str(t.children[0])) == 1:
        return str(t.children[0])
    return None


def free_letters(graph: Graph, eq: Equation) -> tuple[str, str | None, tuple[str, ...]] | None:
    """``(kind, layer letter, index letters)`` of a left side with free letters, else ``None``."""
    if getattr(graph, "layers", None) is None or eq.target is None:
        return None
    try:
        tree = parse_tree(eq.target)
    except FormulaError:
        return None
    if not (isinstance(tree, lark.Tree) and tree.data == "name"):
        return None
    head = str(tree.children[0]).lstrip("\\")
    if head not in _KINDS:
        return None
    layer = None
    letters: list[str] = []
    for s in tree.children[1:]:
        if isinstance(s, lark.Tree) and s.data == "sub":
            raw = str(s.children[0]).strip("{}").replace(",", "")
            if raw.isalpha():
                letters += list(raw)
            elif not raw.isdigit():
                return None
        elif _letter(s) is not None:
            layer = _letter(s)
    if layer is None and not letters:
        return None
    if letters and len(letters) != _KINDS[head]:
        return None
    return head, layer, tuple(letters)


def _bindings(graph: Graph, kind: str, layer: str | None, letters: tuple[str, ...],
              fixed: int | None) -> Iterator[dict[str, int]]:
    sizes = graph.layers  # type: ignore[attr-defined]
    layers = range(1, len(sizes)) if layer is not None else [fixed]
    for l in layers:
        if l is None:
            return
        ranges = [range(1, sizes[l] + 1), range(1, sizes[l - 1] + 1)][:len(letters)]
        for values in itertools.product(*ranges):
            yield {**({layer: l} if layer is not None else {}), **dict(zip(letters, values))}


def _fixed_layer(eq: Equation, graph: Graph) -> int | None:
    tree = parse_tree(eq.target)  # type: ignore[arg-type]
    for s in tree.children[1:]:
        found = _layer_number(s)
        if found is not None:
            return found
    return None


def _layer_number(s: object) -> int | None:
    if isinstance(s, lark.Tree) and s.data == "sup":
        t = s.children[0]
        while isinstance(t, lark.Tree) and t.data in ("group", "paren") and len(t.children) == 1:
            t = t.children[0]
        if isinstance(t, lark.Tree) and t.data == "number" and str(t.children[0]).isdigit():
            return int(str(t.children[0]))
    return None


def verify_generic(graph: Graph, eq: Equation, check: Callable[..., Verdict], **kw: object) -> Verdict:
    """Verify every instance of a line with free index letters, each with ``check``
    (the scalar verifier, given the instance's parameter and formula).

    Raises:
        FormulaError: not such a line, or more than :data:`MAX_INSTANCES` instances.
    """
    found = free_letters(graph, eq)
    if found is None:
        raise FormulaError("expected a left side with letters for its layer or indices, like w^{(l)}_{ji}", eq.text)
    kind, layer, letters = found
    envs = list(_bindings(graph, kind, layer, letters, None if layer else _fixed_layer(eq, graph)))
    if not envs:
        raise FormulaError("no layer of this network has what the left side names", eq.text)
    if len(envs) > MAX_INSTANCES:
        raise FormulaError(f"a line for every {', '.join(([layer] if layer else []) + list(letters))} has "
                           f"{len(envs):,} instances here; at most {MAX_INSTANCES} are checked — write one "
                           "instance with numbers", eq.text)
    aliases = alias_keys(graph)
    tree = parse_tree(eq.target)  # type: ignore[arg-type]
    verdict: Verdict | None = None
    for env in envs:
        try:
            param, _ = build(tree, eq.target, graph, aliases, env)  # type: ignore[arg-type]
            formula, _ = parse_formula_notes(eq.rhs, graph, env=env)
        except FormulaError as exc:
            column = None if exc.column is None else exc.column + eq.offset
            raise FormulaError(exc.message, eq.text, column) from None
        verdict = check(graph, param, formula, **kw)
        shown = ", ".join(f"{k} = {v}" for k, v in env.items())
        if not verdict.ok:
            return dataclasses.replace(verdict, text=eq.text, notes=verdict.notes + (
                f"a line for every {', '.join(env)}: wrong at {shown}",))
    assert verdict is not None
    return dataclasses.replace(verdict, text=eq.text, notes=verdict.notes + (
        f"a line for every {', '.join(envs[0])}: all {len(envs)} instances checked",))
