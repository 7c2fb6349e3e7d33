"""Round trip: every derivative line a sheet prints reads back and verifies.

The lines are taken from the sheet value itself (the rows its renderers print): scalar
chains and their factors, δ lines, the generic-index lines (``\\delta^{(l)}_j a^{(l-1)}_i``),
the vector form and the batch form.  A line printed as a chain ``δ = A = B`` is read as
``δ = A`` and ``δ = B``.  A planted change to a printed line is caught, so the walk cannot
pass by reading nothing.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symbackprop as sbp
from symbackprop.sheet.build import build_sheet
from symbackprop.sheet.model import Equation
from symbackprop.verify import verify

ELEMENTWISE = ["sigmoid", "tanh", "relu", "softplus", "identity"]
_DERIVATIVE = (r"\delta", r"\boldsymbol{\delta}", r"\Delta", r"\frac{\partial L}", r"\frac{\partial \bar{L}}", r"\nabla")


@st.composite
def networks(draw: st.DrawFn):
    depth = draw(st.integers(1, 2))
    layers = [draw(st.integers(1, 3)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(ELEMENTWISE)) for _ in range(depth)]
    loss = draw(st.sampled_from(["squared", "mse", "cross_entropy", "binary_cross_entropy"]))
    if loss == "cross_entropy":
        acts[-1] = "softmax" if layers[-1] > 1 else "sigmoid"
    elif loss == "binary_cross_entropy":
        acts[-1] = "sigmoid"
    return sbp.mlp(layers, activation=acts, loss=loss, bias=draw(st.booleans()))


def _blocks(section):
    yield from section.blocks
    for s in section.subsections:
        yield from _blocks(s)


def _rows(net) -> list[list[str]]:
    """The sheet's equation rows ``[left, right]``, a formula broken over rows joined again."""
    sheet = build_sheet(net, detail="full")
    rows: list[list[str]] = []
    for section in sheet.sections:
        for block in _blocks(section):
            if not isinstance(block, Equation):
                continue
            for k, (left, right) in enumerate(block.rows):
                if left or not k:  # a block may open with a bare display (the paths' terms): no equation
                    rows.append([left, right])
                else:
                    rows[-1][1] += " " + right  # a long formula broken over rows of its block
    return rows


def derivative_lines(net) -> list[tuple[str, bool]]:
    """``(equation, printed under the constraint Σ y = 1)`` for each derivative row of the sheet."""
    out = []
    for left, right in _rows(net):
        if not left.startswith(_DERIVATIVE) or not right.startswith("="):
            continue
        constrained = r"\text{(using" in right
        for part in right.split(r" \quad \text{")[0].split(" = "):  # the note "(using Σ y = 1)" is no formula
            out.append((f"{left} = {part.lstrip('= ').strip()}", constrained))
    return out


def _expected(v, constrained: bool) -> bool:
    if constrained or v.status == "correct_under_constraint":
        return v.status in ("correct", "correct_under_constraint")
    return v.status in ("correct", "correct_almost_everywhere")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_every_derivative_line_of_a_sheet_reads_back_and_verifies(net) -> None:
    lines = derivative_lines(net)
    kinds = {"generic": 0, "vector": 0, "batch": 0}
    for eq, constrained in lines:
        v = verify(net, None, eq, points=3)
        assert _expected(v, constrained), (eq, str(v))
        kinds["generic"] += "^{(l)}" in eq
        kinds["vector"] += r"\boldsymbol{\delta}" in eq
        kinds["batch"] += r"\Delta" in eq
    assert all(kinds.values()), kinds


def test_the_walk_reads_every_kind_of_line_and_catches_a_changed_one() -> None:
    net = sbp.mlp([2, 3, 2])
    lines = [eq for eq, _ in derivative_lines(net)]
    for needle in (r"\delta^{(l)}_j\, a^{(l-1)}_i", r"\frac{1}{m} \Delta^{(1)} X^{\top}", r"\nabla_{\mathbf{a}^{(2)}} L",
                   r"\sum_{k=1}^{2} w^{(2)}_{kj}", r"\frac{\partial L}{\partial a^{(2)}_{1}}"):
        assert any(needle in eq for eq in lines), needle
    # a chain as printed reads whole, each right side judged
    chain = r"\boldsymbol{\delta}^{(1)} = " + next(r for left, r in _rows(net) if left == r"\boldsymbol{\delta}^{(1)}")[2:]
    assert chain.count(" = ") == 2 and verify(net, None, chain).status == "correct"
    generic = next(eq for eq in lines if r"a^{(l-1)}_i" in eq)
    assert verify(net, None, generic).status == "correct"
    assert verify(net, None, generic.replace(r"a^{(l-1)}_i", r"a^{(l-1)}_j")).status == "wrong"
    batch = next(eq for eq in lines if r"\Delta^{(1)} X^{\top}" in eq)
    assert verify(net, None, batch.replace(r"\frac{1}{m} ", "")).status == "wrong"
