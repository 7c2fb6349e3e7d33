"""Korean done properly: every phrase from the table (titles, the network's description,
activation and loss names, the stamp's detail), particles chosen by how the word before
them is read aloud, and no English left in a Korean sheet outside math and code."""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter

import pytest

import symbackprop as sbp
from symbackprop.exercise.questions import read_questions
from symbackprop.exercise.sheets import problem_sheet, solution_sheet
from symbackprop.graph.activations import activation_names
from symbackprop.graph.losses import loss_names
from symbackprop.sheet import build_sheet
from symbackprop.sheet.lang import TABLES, spans
from symbackprop.sheet.lang.particles import particle, particle_after_latex
from symbackprop.sheet.model import Math

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Latin words a Korean sheet may hold: names of tools and code a reader types as written.
ALLOWED = {"SymPy", "sympy.diff", "fdiff", "float64", "NumPy", "Python", "symbackprop", "symbackprop.prove",
           "graph", "grad", "params", "HTML", "LaTeX", "max", "Mazur"}
FALLBACKS = ("은(는)", "이(가)", "을(를)", "과(와)", "으로(로)")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9.\-_]*[A-Za-z0-9]")


def _literal(text: str) -> str:
    return "".join(literal for literal, *_ in Formatter().parse(text))


def test_every_phrase_key_is_in_both_languages_and_korean_ones_hold_no_english():
    en, ko = TABLES["en"], TABLES["ko"]
    assert en.keys() == ko.keys()
    for key in en:
        assert not re.search(r"[\uac00-\ud7a3]", en[key]), key
        words = set(LATIN.findall(_literal(ko[key])))
        assert words <= ALLOWED, (key, words - ALLOWED)


#: The registry as the library ships it, read when this module is collected: other tests
#: register activations of their own, which the table cannot know (they show as registered).
BUILT_IN = (tuple(activation_names()), tuple(loss_names()))


def test_every_registered_activation_and_loss_has_a_name_in_every_language():
    activations, losses = BUILT_IN
    assert "sigmoid" in activations and "squared" in losses
    for table in TABLES.values():
        for name in activations:
            assert "act." + name in table, name
        for name in losses:
            assert "loss." + name in table, name
    assert TABLES["en"]["act.sigmoid"] == "sigmoid" and TABLES["ko"]["loss.squared"] == "제곱"


@pytest.mark.parametrize(("word", "name", "form"), [
    ("손실", "은", "은"), ("노드", "은", "는"), ("값", "을", "을"), ("오차", "을", "를"),
    ("출력", "으로", "으로"), ("노드", "으로", "로"), ("0.5", "으로", "로"), ("3", "으로", "으로"),
    ("층", "과", "과"), ("편향", "이", "이"), ("가중치", "이", "가"),
    ("L", "을", "을"), ("w", "을", "를"), ("x", "이", "가"), ("12", "은", "는"), ("10", "은", "은"),
])
def test_particle_follows_the_last_syllable_read_aloud(word, name, form):
    assert particle(word, name) == form


@pytest.mark.parametrize(("latex", "name", "form"), [
    (r"\sigma", "이", "가"), (r"\delta^{(2)}_{1}", "은", "은"), (r"w^{(1)}_{12}", "을", "를"),
    (r"\frac{\partial L}{\partial w}", "은", "은"),  # "w 분의 L": L (엘) is heard last
    (r"\eta = 0.5", "으로", "로"), (r"L", "이", "이"), (r"\theta", "을", "를"),
])
def test_particle_after_math_follows_how_the_symbol_is_read(latex, name, form):
    assert particle_after_latex(latex, name) == form


def test_only_an_unreadable_word_gets_both_forms():
    assert particle("", "은") == "은(는)" and particle_after_latex(r"\square", "이") == "이(가)"
    assert spans("ko", "par.bias", name=Math("L"), j=1, l=2)[1].startswith("은 ")
    assert spans("ko", "par.bias", name=Math("b"), j=1, l=2)[1].startswith("는 ")


def _korean_sheets():
    yield "EXAMPLE", build_sheet(sbp.EXAMPLE, lang="ko")
    for name in ("mazur.toml", "graph.toml", "xor.toml", "mazur_notation.toml"):
        yield name, build_sheet(EXAMPLES / name, lang="ko", detail="full" if name == "graph.toml" else "worked")
    qs = read_questions(sbp.load_spec(sbp.EXAMPLE).network, "w2_11,delta1,W2")
    yield "problems", problem_sheet(sbp.EXAMPLE, qs, lang="ko")
    yield "solutions", solution_sheet(sbp.EXAMPLE, qs, lang="ko")


def _words_outside_math(html: str) -> set[str]:
    for pattern in (r"<style.*?</style>", r"<math.*?</math>", r"<code.*?</code>", r"<pre.*?</pre>"):
        html = re.sub(pattern, " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return set(LATIN.findall(re.sub(r"(?<![A-Za-z0-9])\d+(\.\d+)?(e[-+]?\d+)?", " ", text)))


@pytest.fixture(scope="module")
def korean():
    return [(name, sheet, sheet.render("html"), sheet.render("md")) for name, sheet in _korean_sheets()]


def test_korean_sheets_hold_no_english_outside_math_and_code(korean):
    for name, sheet, html, _ in korean:
        assert sheet.title and re.search(r"[\uac00-\ud7a3]", sheet.title), (name, sheet.title)
        leaked = _words_outside_math(html) - ALLOWED
        assert not leaked, (name, sorted(leaked))


def test_korean_sheets_use_no_fallback_particles(korean):
    for name, _, _, md in korean:
        assert not [f for f in FALLBACKS if f in md], name
    md = dict((n, m) for n, _, _, m in korean)["EXAMPLE"]
    assert "손실은 $L = 0.298371109$에서" in md and "2-2-2 시그모이드 신경망, 제곱 손실" in md


def test_the_english_check_catches_a_planted_english_phrase(korean, monkeypatch):
    monkeypatch.setitem(TABLES["ko"], "sec.summary", "Every gradient at a glance")
    leaked = _words_outside_math(build_sheet(sbp.EXAMPLE, lang="ko", detail="summary").render("html")) - ALLOWED
    assert {"Every", "gradient", "glance"} <= leaked


def test_english_sheets_are_unchanged_by_the_phrase_table():
    sheet = build_sheet(sbp.EXAMPLE, detail="summary")
    assert sheet.title == sbp.EXAMPLE["title"]
    assert "The network is a 2-2-2 sigmoid network, squared loss, with 12 parameters." in sheet.render("md")
