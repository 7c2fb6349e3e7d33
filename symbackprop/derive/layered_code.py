"""Which equation of a layered network's vector form each line of its backward code computes.

A layered network's program (:func:`~symbackprop.graph.layered_program.layered_program`)
keeps examples in rows (``Z1 = X @ W1.T + b1``); the sheet's vector section keeps them in
columns, with the batch loss ``L̄`` the mean (or sum) over the ``m`` examples.  So ``dZ2``
holds ``(Δ⁽²⁾)ᵀ/m``, ``dA1`` the part ``((W⁽²⁾)ᵀΔ⁽²⁾)ᵀ/m`` of ``Δ⁽¹⁾``, and ``dW2``,
``db2`` are ``∂L̄/∂W⁽²⁾`` and ``∂L̄/∂b⁽²⁾`` themselves.  :func:`equation_of` says which
equation a gradient belongs to, :func:`layered_cite` how a code comment cites it.

>>> from symbackprop.graph.network import mlp
>>> cite = layered_cite(mlp([2, 3, 1]), depth=2)
>>> [cite(name) for name in ("Z2", "A1", "W1", "b2", "X")]
['vector: (Δ⁽²⁾)ᵀ/m', 'vector: ((W⁽²⁾)ᵀΔ⁽²⁾)ᵀ/m, within Δ⁽¹⁾', 'vector: ∂L̄/∂W⁽¹⁾', 'vector: ∂L̄/∂b⁽²⁾', 'vector: (∂L̄/∂X)ᵀ = (W⁽¹⁾)ᵀΔ⁽¹⁾/m']
"""

from __future__ import annotations

import re
from collections.abc import Callable

from symbackprop.graph.layered_program import layered_program
from symbackprop.graph.network import Network

from .backward_code import statement
from .module_code import check_language, program_module
from .programs import Program
from .vector import vector_form

__all__ = ["equation_of", "layered_cite", "layered_module", "vector_code_rows", "layered_batch", "superscript",
           "LAYERED_ABOUT"]

#: What the comments of a layered network's module point to.
LAYERED_ABOUT = ("A backward line's comment names the equation of the vector section of the network's sheet "
                 "(#vector) that it computes, in the sheet's layout (one column per example: the code's "
                 "rows transposed), and gives its shape.")

_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
_NAME = re.compile(r"^(Z|A|W|b)([1-9][0-9]*)$")


def superscript(layer: int) -> str:
    """``⁽²⁾``: a layer as the sheet writes it, in Unicode."""
    return f"({layer})".translate(_SUPERSCRIPT)


def equation_of(name: str, depth: int) -> tuple[str, int] | None:
    """``("delta", l)`` for ``Z{l}`` and ``A{l}`` (their gradients make ``Δ⁽ˡ⁾``), ``("W", l)``,
    ``("b", l)``, ``("X", 1)``; ``None`` for a name no equation computes."""
    if name == "X":
        return ("X", 1)
    found = _NAME.match(name)
    if found is None or not 1 <= int(found.group(2)) <= depth:
        return None
    kind, layer = found.group(1), int(found.group(2))
    return ("delta" if kind in ("Z", "A") else kind, layer)


def layered_cite(net: Network, depth: int | None = None) -> Callable[[str], str]:
    """How a code comment cites the vector-form equation the gradient of a name computes."""
    depth = depth if depth is not None else len(net.layers) - 1
    over = "/m" if net.reduction == "mean" else ""

    def cite(name: str) -> str:
        found = equation_of(name, depth)
        if found is None:
            return "vector"
        kind, l = found
        sup = superscript(l)
        if kind == "W":
            return f"vector: ∂L̄/∂W{sup}"
        if kind == "b":
            return f"vector: ∂L̄/∂b{sup}"
        if kind == "X":
            return f"vector: (∂L̄/∂X)ᵀ = (W{sup})ᵀΔ{sup}{over}"
        if name.startswith("Z"):
            return f"vector: (Δ{sup})ᵀ{over}"
        if l == depth:
            return f"vector: (∇_A{sup} L)ᵀ{over}, within Δ{sup}"
        nxt = superscript(l + 1)
        return f"vector: ((W{nxt})ᵀΔ{nxt})ᵀ{over}, within Δ{sup}"
    return cite


def layered_module(net: Network, language: str = "numpy", *, command: str | None = None) -> str:
    """The forward and backward code of a layered network on a batch of any size, as a module
    (:func:`~symbackprop.derive.module_code.program_module`), each backward line citing the
    vector-form equation it computes.

    Raises:
        GraphError: an activation or loss with no array form.
        SpecError: a language not offered.
    """
    check_language(language)
    program = Program(layered_program(net, batch=layered_batch(net)))
    cite = layered_cite(net)
    return program_module(program, language, title=f"A {net.describe()}", command=command,
                          cite=lambda gl: cite(gl.target), about=LAYERED_ABOUT, spec_sizes=False)


def vector_code_rows(net: Network, language: str = "numpy") -> list[tuple[str, list[str]]]:
    """The vector form's batch equations of the backward pass, each with the code lines that
    compute it (:func:`equation_of`), in the sheet's order: ``(LaTeX, [statements])``.  The
    last row is ``(∂L̄/∂X)ᵀ``, which the code computes and the sheet's equations do not."""
    check_language(language)
    form = vector_form(net)
    depth = len(net.layers) - 1
    mean = r"\frac{1}{m} " if form.reduction == "mean" else ""
    equations: dict[tuple[str, int], str] = {}
    for line in form.latex_lines(batch=True)[len(form.latex_lines(batch=False)):]:
        left = line.split(" = ")[0]
        for l in range(1, depth + 1):
            for key, name in ((("delta", l), r"\Delta^{(%d)}" % l),
                              (("W", l), r"\frac{\partial \bar{L}}{\partial W^{(%d)}}" % l),
                              (("b", l), r"\frac{\partial \bar{L}}{\partial \mathbf{b}^{(%d)}}" % l)):
                if left == name:
                    equations[key] = line
    equations[("X", 1)] = (r"\left(\frac{\partial \bar{L}}{\partial X}\right)^{\top} = %s\left(W^{(1)}\right)^{\top} "
                           r"\Delta^{(1)}" % mean)
    program = Program(layered_program(net, batch=layered_batch(net)))
    printer = program.code_printer(language)
    code: dict[tuple[str, int], list[str]] = {}
    for gl in program.backward.lines:
        key = equation_of(gl.target, depth)
        if key is not None:
            code.setdefault(key, []).extend(statement(gl, printer, program.forward, program.backward))
    return [(equations[key], code[key]) for key in equations if key in code]


def layered_batch(net: Network) -> int:
    """A batch size unlike every layer size, so that sizes print as ``m`` only where they are the batch."""
    # Any batch size will do; one unlike every layer size keeps m apart from them in print.
    return next(k for k in range(2, 2 + len(net.layers) + 1) if k not in net.layers)
