"""Two languages: one phrase table per language, the same sheet in English and Korean, and
the Korean sheet in the real tools (Chromium with a Korean font; pdflatex with kotex where
it is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from string import Formatter

import pytest
from test_real_tools import REQUIRED, _measure, _pdflatex, needs_chromium

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.sheet import build_sheet
from symbackprop.sheet.lang import TABLES
from symbackprop.sheet.model import Equation, Math, Paragraph, Table

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_every_language_has_every_phrase_with_the_same_fields():
    en = TABLES["en"]
    for lang, table in TABLES.items():
        assert table.keys() == en.keys(), (lang, table.keys() ^ en.keys())
        for key, text in en.items():
            assert _fields(table[key]) == _fields(text), (lang, key)
            if key.startswith("n."):
                assert table[key].count("|") == 1, (lang, key)


def test_a_missing_phrase_is_caught(monkeypatch):
    # Plant: drop one Korean phrase; the parity check above must see it, and so must a sheet.
    monkeypatch.delitem(TABLES["ko"], "sec.summary")
    assert TABLES["ko"].keys() != TABLES["en"].keys()
    with pytest.raises(KeyError):
        build_sheet(sbp.EXAMPLE, lang="ko")


def _prose(sheet) -> list[str]:
    out = [s.title if isinstance(s.title, str) else "".join(x for x in s.title if isinstance(x, str))
           for s in sheet.sections]
    for b in sheet.walk():
        if isinstance(b, Paragraph):
            out.append("".join(x for x in b.spans if isinstance(x, str)))
        if isinstance(b, Table):
            out += ["".join(x for x in cell if isinstance(x, str)) for cell in b.header]
    return [p for p in out if p.strip()]


def _english_phrases() -> list[str]:
    """Runs of three or more English words from the English table."""
    found = []
    for text in TABLES["en"].values():
        for literal, *_ in Formatter().parse(text):
            found += [m.strip() for m in re.findall(r"(?:[A-Za-z]+[ ,]+){2,}[A-Za-z]+", literal)]
    return found


@pytest.mark.parametrize("source", [sbp.EXAMPLE, "examples/graph.toml"])
def test_korean_sheet_is_korean_and_its_math_is_the_english_sheets(source, monkeypatch):
    from conftest import ROOT

    monkeypatch.chdir(ROOT)
    en, ko = build_sheet(source, lang="en"), build_sheet(source, lang="ko")
    assert ko.lang == "ko" and '<html lang="ko">' in ko.render("html")
    prose = _prose(ko)
    assert all(HANGUL.search(p) for p in prose if re.search(r"[A-Za-z]{3}", p) and "sigmoid" not in p), \
        [p for p in prose if not HANGUL.search(p)][:5]
    md = ko.render("md")
    leaked = [p for p in _english_phrases() if p in md]
    assert leaked == [], leaked[:5]
    # The same derivation: every formula (outside \text) is identical in both languages.
    def formulas(sheet):
        rows = [r for b in sheet.walk() if isinstance(b, Equation) for r in b.rows]
        return [tuple(re.sub(r"\\text\{[^}]*\}", "", part) for part in row) for row in rows]
    assert formulas(en) == formulas(ko)
    assert [s.anchor for s in en.sections] == [s.anchor for s in ko.sections]


def test_unknown_language_is_refused(capsys):
    with pytest.raises(SpecError, match=r"lang: expected 'en' or 'ko', received 'fr'"):
        build_sheet(sbp.EXAMPLE, lang="fr")
    with pytest.raises(SystemExit) as exc:
        main(["sheet", "--lang", "fr"])
    assert exc.value.code == 2
    assert main(["sheet", "--lang", "ko", "--detail", "summary"]) == 0
    assert "## 모든 기울기 한눈에 보기" in capsys.readouterr().out


def _korean_font() -> bool:
    fc = shutil.which("fc-list")
    return bool(fc and subprocess.run([fc, ":lang=ko"], capture_output=True, text=True, check=False).stdout.strip())


@needs_chromium
def test_korean_html_lays_out_in_chromium(tmp_path):
    if not _korean_font():
        assert not REQUIRED, "no Korean font although SYMBACKPROP_REQUIRE_TOOLS=1 (CI installs fonts-nanum)"
        pytest.skip("no Korean font installed (CI installs fonts-nanum)")
    page = build_sheet(sbp.EXAMPLE, lang="ko").render("html")
    result = _measure(page, tmp_path)
    assert result["count"] == page.count("<math ") and result["empty"] == [] and result["raw"] == []


def test_korean_latex_uses_kotex_and_compiles_where_it_is_installed(tmp_path):
    tex = build_sheet(sbp.EXAMPLE, lang="ko", detail="summary").render("tex")
    assert "\\usepackage{kotex}" in tex and "\\usepackage{kotex}" not in build_sheet(
        sbp.EXAMPLE, detail="summary").render("tex")
    kpsewhich = shutil.which("kpsewhich")
    found = kpsewhich and subprocess.run([kpsewhich, "kotex.sty"], capture_output=True, text=True, check=False).stdout.strip()
    if not found:
        pytest.skip("kotex is not installed (texlive-lang-korean; too large for the CI budget)")
    code, log = _pdflatex(tex, tmp_path)
    assert code == 0, log[-2000:]
    assert "Overfull \\hbox" not in log


def test_every_language_renders_every_level():
    # English at every level is rendered in test_typography.py.
    for lang in set(TABLES) - {"en"}:
        for level in ("summary", "worked", "full"):
            sheet = build_sheet(sbp.EXAMPLE, detail=level, lang=lang)
            for fmt in ("md", "html", "tex"):
                assert sheet.render(fmt)
    assert all(isinstance(s, (Math, str)) for s in build_sheet(sbp.EXAMPLE, lang="ko").walk()[0].spans)
