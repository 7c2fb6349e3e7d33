r"""The correct vector form of a layered network's gradient, in the frame a formula was read in.

One example in the column layout is the sheet's own vector form; a batch (m examples as
columns, Ng's notation) is the sheet's batch lines; the row layout (W is n_in × n_out,
examples are rows, ``X W + b``) transposes every product, so ``∂J/∂W = (1/m) Xᵀ Δ`` there.
The output layer's error signal is elementwise in the layer's own quantities, so one text
serves both layouts.

>>> from symbackprop.graph.network import mlp
>>> from symbackprop.verify.matrix import Frame
>>> expected_latex(mlp([2, 3, 2]), ("w", 1), Frame((2, 3, 2), 5, rows=True))
'\\frac{1}{m} X^{\\top} \\Delta^{(1)}'
"""

from __future__ import annotations

from symbackprop.derive.vector import vector_form
from symbackprop.errors import GraphError
from symbackprop.graph import Network
from symbackprop.read.matrix import node_text

from .matrix import Frame

__all__ = ["expected_latex", "target_text"]


def target_text(key: tuple[str, int | None]) -> str:
    """How a verdict names what is differentiated: ``W⁽²⁾``, ``δ⁽¹⁾``, ``dZ⁽¹⁾``."""
    return node_text("leaf", key)


def _sheet_line(net: Network, head: str, batch: bool) -> str:
    for line in vector_form(net).latex_lines(batch=batch):
        if line.startswith(head):
            return line[len(head):].split(r" \quad ")[0]  # not the note after it, "(using Σ y = 1)"
    raise GraphError(f"no vector form for {head.strip(' =')} in this network")  # pragma: no cover


def _t(tex: str) -> str:
    return rf"\left({tex}\right)^{{\top}}" if " " in tex or "^{(" in tex else rf"{tex}^{{\top}}"


def expected_latex(net: Network, key: tuple[str, int | None], frame: Frame | None = None) -> str:
    """The correct formula for ``∂L/∂key`` (``∂J/∂key`` for W and b of a batch), in LaTeX."""
    frame = frame or Frame(tuple(net.layers))
    kind, layer = key
    L = len(net.layers) - 1
    batch = bool(frame.batch)
    sup = f"^{{({layer})}}"
    if batch:
        d, prev = rf"\Delta{sup}", ("X" if layer == 1 else rf"A^{{({(layer or 1) - 1})}}")
        z, mean = rf"Z{sup}", r"\frac{1}{m} "
    else:
        d = rf"\boldsymbol{{\delta}}{sup}"
        prev = r"\mathbf{x}" if layer == 1 else rf"\mathbf{{a}}^{{({(layer or 1) - 1})}}"
        z, mean = rf"\mathbf{{z}}{sup}", ""
    if kind in ("a", "dA") and layer == L:
        if batch:
            return rf"\nabla_{{A^{{({L})}}}} L"
        return _sheet_line(net, rf"\nabla_{{\mathbf{{a}}^{{({L})}}}} L = ", False)
    if kind in ("a", "x", "dA"):
        nxt = 1 if kind == "x" else (layer or 0) + 1
        dn = rf"\Delta^{{({nxt})}}" if batch else rf"\boldsymbol{{\delta}}^{{({nxt})}}"
        w = rf"W^{{({nxt})}}"
        return rf"{dn} {_t(w)}" if frame.rows else rf"{_t(w)} {dn}"
    if kind == "w":
        return rf"{mean}{_t(prev)} {d}" if frame.rows else rf"{mean}{d} {_t(prev)}"
    if kind == "b":
        if not batch:
            return d
        return rf"{mean}\mathbf{{1}}_m^{{\top}} {d}" if frame.rows else rf"{mean}{d} \mathbf{{1}}_m"
    # an error signal: δ⁽ˡ⁾, or dZ⁽ˡ⁾ = Δ⁽ˡ⁾ for a batch
    if layer == L:
        head = (r"\Delta" if batch else r"\boldsymbol{\delta}") + sup + " = "
        return _sheet_line(net, head, batch).split(" = ")[-1]
    if not frame.rows:
        head = (r"\Delta" if batch else r"\boldsymbol{\delta}") + sup + " = "
        return _sheet_line(net, head, batch).split(" = ")[0]
    nxt = (layer or 0) + 1
    dn = rf"\Delta^{{({nxt})}}" if batch else rf"\boldsymbol{{\delta}}^{{({nxt})}}"
    return rf"{dn} {_t(f'W^{{({nxt})}}')} \odot f'\left({z}\right)"
