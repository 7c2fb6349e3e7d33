"""Levels of detail, textbook order, the summary table and its links, checked against an
independent numpy backpropagation of the classic 2-2-2 example."""

from __future__ import annotations

import re

import numpy as np
import pytest

import symbackprop as sbp
from symbackprop.errors import SpecError
from symbackprop.sheet import build_sheet
from symbackprop.sheet.model import Equation, Link, Math, Table

# The classic hand-worked example, written out here rather than read from the spec.
X = np.array([0.05, 0.10])
Y = np.array([0.01, 0.99])
W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
B1 = np.array([0.35, 0.35])
W2 = np.array([[0.40, 0.45], [0.50, 0.55]])
B2 = np.array([0.60, 0.60])
ETA = 0.5


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _loss(w1, b1, w2, b2):
    a2 = _sig(w2 @ _sig(w1 @ X + b1) + b2)
    return 0.5 * np.sum((a2 - Y) ** 2)


def _numpy_gradients():
    """Hand-written backpropagation (the textbook's matrix recursion), not the library's."""
    a1 = _sig(W1 @ X + B1)
    a2 = _sig(W2 @ a1 + B2)
    d2 = (a2 - Y) * a2 * (1 - a2)
    d1 = (W2.T @ d2) * a1 * (1 - a1)
    return {"W1": np.outer(d1, X), "b1": d1, "W2": np.outer(d2, a1), "b2": d2}


def _float(spans) -> float:
    (m,) = [s for s in spans if isinstance(s, Math)]
    return float(m.latex)


@pytest.fixture(scope="module")
def worked():
    return build_sheet(sbp.EXAMPLE)


def test_levels_of_detail_choose_what_is_worked_in_full(worked):
    assert [s.anchor for s in worked.section("gradients").subsections] == ["w2_11", "w1_11"]
    summary = build_sheet(sbp.EXAMPLE, detail="summary")
    assert [s.anchor for s in summary.sections] == ["network", "summary"]
    assert not any(s.subsections for s in summary.sections)
    picked = build_sheet(sbp.EXAMPLE, params=["b1_2", "w1_21", "w2_12"])
    assert [s.anchor for s in picked.section("gradients").subsections] == ["w2_12", "w1_21", "b1_2"]
    with pytest.raises(SpecError, match=r"detail: expected 'summary', 'worked', 'full', received 'some'"):
        build_sheet(sbp.EXAMPLE, detail="some")


def test_error_signals_are_listed_output_layer_first_in_index_order(worked):
    rows = [left for b in worked.section("deltas").blocks if isinstance(b, Equation) for left, _ in b.rows if left]
    listed = [r for r in rows if re.fullmatch(r"\\delta\^\{\(\d\)\}_\{\d\}", r)]
    assert listed[-4:] == [r"\delta^{(2)}_{1}", r"\delta^{(2)}_{2}", r"\delta^{(1)}_{1}", r"\delta^{(1)}_{2}"]


def test_summary_table_matches_numpy_backpropagation(worked):
    (table,) = [b for b in worked.section("summary").blocks if isinstance(b, Table)]
    assert len(table.rows) == 12
    grads = _numpy_gradients()
    params = {"W1": W1, "b1": B1, "W2": W2, "b2": B2}
    names = []
    for row in table.rows:
        name = row[0][0].text[0].latex if isinstance(row[0][0], Link) else row[0][0].latex
        kind, layer, idx = re.fullmatch(r"([wb])\^\{\((\d)\)\}_\{(\d+)\}", name).groups()
        names.append(f"{kind}{layer}_{idx}")
        key = ("W" if kind == "w" else "b") + layer
        index = (int(idx[0]) - 1, int(idx[1]) - 1) if kind == "w" else int(idx) - 1
        assert _float(row[2]) == pytest.approx(grads[key][index], rel=1e-8), name
        assert _float(row[3]) == pytest.approx(params[key][index] - ETA * grads[key][index], rel=1e-8), name
    assert names == ["w2_11", "w2_12", "w2_21", "w2_22", "b2_1", "b2_2",
                     "w1_11", "w1_12", "w1_21", "w1_22", "b1_1", "b1_2"]
    # The published hand calculation's numbers, as the table prints them.
    assert table.rows[0][3][0].latex == "0.35891648" and table.rows[6][3][0].latex == "0.149780716"
    # Only the two worked parameters link to a section.
    assert [k for k, row in enumerate(table.rows) if isinstance(row[0][0], Link)] == [0, 6]


def test_loss_after_one_step_is_recomputed_with_every_parameter_updated(worked):
    g = _numpy_gradients()
    after = _loss(W1 - ETA * g["W1"], B1 - ETA * g["b1"], W2 - ETA * g["W2"], B2 - ETA * g["b2"])
    # The reference route is right: with the biases held fixed, as the published example
    # does, it lands within 2e-7 of the published 0.291027924 (whose 7th significant digit
    # is a slip: the exact value is 0.291027774, see test_after_step.py).
    assert _loss(W1 - ETA * g["W1"], B1, W2 - ETA * g["W2"], B2) == pytest.approx(0.291027924, abs=1e-6)
    text = " ".join(s.latex if isinstance(s, Math) else str(s)
                    for b in worked.section("summary").blocks if hasattr(b, "spans") for s in b.spans)
    assert "L = 0.298371109" in text
    printed = float(re.search(r"falls from .*? to\s+(0\.\d+)", text).group(1))
    assert printed == pytest.approx(after, abs=1e-9) and abs(printed - 0.291027924) > 1e-3


@pytest.mark.parametrize("fmt", ["html", "md", "tex"])
def test_every_link_has_a_target(worked, fmt):
    text = worked.render(fmt)
    pattern = {
        "html": (r'href="#([^"]+)"', r'id="([^"]+)"'),
        "md": (r"\]\(#([^)]+)\)", r'<a id="([^"]+)"></a>'),
        "tex": (r"\\hyperlink\{([^}]+)\}", r"\\hypertarget\{([^}]+)\}"),
    }[fmt]
    links, targets = set(re.findall(pattern[0], text)), set(re.findall(pattern[1], text))
    assert links and links <= targets, links - targets
    # The summary table links each worked parameter; the contents link every section.
    assert len(re.findall(pattern[0], text)) >= 2 + len(worked.sections)
    # A link to a missing section is caught.
    assert not {"nowhere"} <= targets


def test_cli_detail_option(tmp_path, capsys):
    from symbackprop.cli import main

    assert main(["sheet", "--detail", "summary"]) == 0
    out = capsys.readouterr().out
    assert "## Every gradient at a glance" in out and "## Forward pass" not in out
    with pytest.raises(SystemExit) as exc:
        main(["sheet", "--detail", "most"])
    assert exc.value.code == 2
