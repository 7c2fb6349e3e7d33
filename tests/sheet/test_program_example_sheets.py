"""The program examples' worked sheets, written by the command line, in the real tools.

Each example's sheet is written as Markdown, HTML and LaTeX by ``symbackprop sheet -o``;
pdflatex sets the .tex without an error, an undefined command or an overfull box, and
headless Chromium lays out every formula of the HTML.  Skipped only where a tool is not
installed (CI sets SYMBACKPROP_REQUIRE_TOOLS=1 and installs both).
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, run_cli
from test_real_tools import ARTIFACTS, _measure, _pdflatex, needs_chromium, needs_pdflatex

from symbackprop.derive.programs import Program
from symbackprop.read import load_spec

EXAMPLES = ["makemore", "layernorm", "residual", "attention", "rnn", "conv1d"]


def _sheet(name: str, suffix: str, folder, capsys) -> str:
    out = folder / f"{name}.{suffix}"
    code, _, err = run_cli(capsys, "sheet", str(ROOT / "examples" / f"{name}.toml"), "-o", str(out))
    assert code == 0, err
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_markdown_sheet_holds_every_line_forward_and_back(name, tmp_path, capsys):
    text = _sheet(name, "md", tmp_path, capsys)
    p = Program(load_spec(ROOT / "examples" / f"{name}.toml").network)
    for line in p.lines:
        assert line.source in text  # the forward table, as written
        if line.name in p.backward.by_forward_line:  # a section of the backward pass per line
            assert f"Line {line.lineno}:" in text
    for statement in p.code_lines("numpy"):
        # Markdown escapes a table's pipes; the statements have none.
        assert statement in text, statement
    assert "nan" not in text.lower().replace("nanum", "")


@needs_pdflatex
@pytest.mark.parametrize("name", EXAMPLES)
def test_pdflatex_sets_the_sheet_cleanly(name, tmp_path, capsys):
    code, log = _pdflatex(_sheet(name, "tex", tmp_path, capsys), tmp_path)
    assert code == 0, log[-3000:]
    assert "Undefined control sequence" not in log
    assert re.findall(r"Overfull \\[hv]box.*", log) == []
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"program-{name}.pdf").write_bytes((tmp_path / "sheet.pdf").read_bytes())


@needs_chromium
@pytest.mark.parametrize("name", EXAMPLES)
def test_chromium_lays_out_every_formula_of_the_sheet(name, tmp_path, capsys):
    page = _sheet(name, "html", tmp_path, capsys)
    result = _measure(page, tmp_path)
    assert result["count"] == page.count("<math ") and result["count"] > 10
    assert result["empty"] == [], f"math elements without layout: {result['empty'][:10]}"
    assert result["raw"] == [], f"raw LaTeX on the page: {result['raw'][:10]}"
