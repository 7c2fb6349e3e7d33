"""Sheets of array programs: every section, every format, both languages."""

from __future__ import annotations

import pytest
from conftest import ROOT

from symbackprop.sheet import build_sheet
from symbackprop.sheet.lang import TABLES
from symbackprop.sheet.model import Code, Table

MAKEMORE = str(ROOT / "examples" / "makemore.toml")


@pytest.fixture(scope="module")
def sheet():
    return build_sheet(MAKEMORE)


def test_sections_and_one_subsection_per_forward_line_that_passes_a_gradient(sheet):
    assert [s.anchor for s in sheet.sections] == ["program", "forward", "backward", "fused", "numbers", "check"]
    subs = [s.anchor for s in sheet.section("backward").subsections]
    assert subs[0] == "line-loss" and subs[-1] == "line-emb" and len(subs) == 20


def test_each_backward_row_has_math_code_and_shape(sheet):
    table = next(b for b in sheet.section("line-logits").blocks if isinstance(b, Table))
    codes = [row[1][0].text for row in table.rows]
    assert codes == ["dh = dlogits @ W2.T", "dW2 = h.T @ dlogits", "db2 = dlogits.sum(axis=0)"]
    assert [row[2][0] for row in table.rows] == ["(32, 64)", "(64, 27)", "(27,)"]


def test_the_paths_are_said_where_the_gradient_is_complete(sheet):
    texts = [" ".join(s if isinstance(s, str) else getattr(s, "text", "") for s in b.spans)
             for b in sheet.section("line-counts_sum").blocks if hasattr(b, "spans")]
    assert any("counts" in t and "2 paths" in t for t in texts)


def test_the_stamp_reports_every_entry(sheet):
    stamp = sheet.section("check").blocks[0]
    assert stamp.ok is True and "4,137" in "".join(s for s in stamp.lines[0] if isinstance(s, str))


def test_a_korean_program_sheet_uses_only_korean_phrases():
    ko = build_sheet(MAKEMORE, lang="ko")
    text = ko.render("md")
    for key, phrase in TABLES["en"].items():
        if key.startswith("prog.") and len(phrase) > 12 and "{" not in phrase:
            assert phrase not in text, key
    assert "역전파" in text


def test_every_program_phrase_exists_in_both_languages():
    assert {k for k in TABLES["en"] if k.startswith("prog.")} == {k for k in TABLES["ko"] if k.startswith("prog.")}


@pytest.mark.parametrize("fmt", ["md", "html", "tex"])
def test_renders_with_code_spans(sheet, fmt):
    text = sheet.render(fmt)
    assert ("dW1 = embcat.T @ dhprebn" in text) or (r"dW1~=~embcat.T~@~dhprebn" in text) or (
        r"\texttt{dW1 = embcat.\allowbreak{}T @ dhprebn}" in text)
    assert "Code(" not in text


def test_code_span_escaping():
    from symbackprop.sheet.model import Paragraph, Section, Sheet

    s = Sheet("t", (Section("s", (Paragraph((Code("a | b `c` {d}_e $f"),)),)),))
    assert "<code>a | b `c` {d}_e $f</code>" in s.render("html")
    assert r"\texttt{a | b `c` \{d\}\_\allowbreak{}e \$f}" in s.render("tex")
    assert "``a \\| b `c` {d}_e $f``" in s.render("md")
