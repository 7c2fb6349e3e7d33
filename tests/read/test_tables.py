"""The shipped parser tables: current for the grammar, and a parser equal to one built from it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import lark
import pytest

from symbackprop.read import tables
from symbackprop.read.parser import _lark

SNIPPETS = (
    "a^{(2)}_1", "w^{(1)}_{12}", "x_2", "y_1", r"\delta^{(2)}_1", r"\hat{y}", "z1_1", "a2_1", "1", "0.5",
    "+", "-", "*", "/", "^", "**", "(", ")", "{", "}", "[", "]", ",", "'", r"\frac{", r"\sum_{k=1}^{n}",
    r"\sigma(", r"\sigma'(", r"\cdot", r"\times", r"\left(", r"\right)", r"\ln", r"\exp(", "e^{", r"\max(0,",
    "H(", "sigmoid(", r"\sqrt{", "_", "f'(", r"\tanh", " ", "$", "@",
)


def _outcome(parser: lark.Lark, text: str) -> object:
    try:
        return parser.parse(text)
    except lark.exceptions.UnexpectedInput as exc:
        return (type(exc).__name__, getattr(exc, "pos_in_stream", None),
                sorted(getattr(exc, "expected", None) or ()), str(getattr(exc, "token", "")))


def _corpus(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(SNIPPETS) for _ in range(rng.randint(1, 9))) for _ in range(count)]


def test_the_shipped_tables_are_those_of_the_grammar() -> None:
    grammar = tables.grammar_text()
    stored = json.loads(Path(tables.__file__).with_name(tables.TABLES).read_text("utf-8"))
    # Fails after an edit of grammar.lark until the tables are regenerated (see tables.py).
    assert stored["key"]["grammar_sha256"] == tables._key(grammar)["grammar_sha256"]
    if stored["key"]["lark"] == lark.__version__:
        assert tables.load(grammar) is not None


def _mismatches(stored: dict, texts: list[str]) -> int:
    loaded, built = lark.Lark.load(stored), tables.build(tables.grammar_text())
    outcomes = [(_outcome(loaded, t), _outcome(built, t)) for t in texts]
    assert 20 < sum(not isinstance(a, tuple) for a, _ in outcomes) < len(texts) - 20  # parses and refusals
    return sum(a != b for a, b in outcomes)


TEXTS = _corpus(400, seed=5) + [r"\frac{1}{2}\left(\hat{y}-y_1\right)^{2}", r"(a2_1 - y1) * a1_1"]


def test_tables_parse_exactly_like_a_parser_built_from_the_grammar(tmp_path: Path) -> None:
    path = tables.write(tmp_path / "t.json")  # this lark's tables, whatever made the shipped ones
    assert _mismatches(tables.load(tables.grammar_text(), path), TEXTS) == 0


def test_the_comparison_catches_one_wrong_table_entry(tmp_path: Path) -> None:
    stored = tables.load(tables.grammar_text(), tables.write(tmp_path / "t.json"))
    table = stored["data"]["parser"]["parser"]
    index = {name: k for k, name in table["tokens"].items()}
    # Planted: at the start of a formula, '(' is shifted as if it were a number.
    start = table["states"][table["start_states"]["start"]]
    start[index["LPAR"]] = start[index["NUMBER"]]
    assert _mismatches(stored, TEXTS) > 0


def test_tables_of_another_grammar_are_not_used(tmp_path: Path) -> None:
    path = tables.write(tmp_path / "t.json")
    grammar = tables.grammar_text()
    assert tables.load(grammar, path) is not None
    assert tables.load(grammar.replace("?", "", 1), path) is None  # planted: one rule edited
    stale = json.loads(path.read_text("utf-8"))
    stale["key"]["lark"] = "0.0"
    path.write_text(json.dumps(stale))
    assert tables.load(grammar, path) is None
    assert tables.load(grammar, tmp_path / "missing.json") is None


def test_the_parser_in_use_comes_from_the_shipped_tables_when_current() -> None:
    grammar = tables.grammar_text()
    if tables.load(grammar) is None:
        pytest.skip(f"the shipped tables were made by another lark than {lark.__version__}")
    assert _lark().source_path == "<deserialized>"  # lark's mark of a loaded parser


def test_the_module_example_runs() -> None:
    import doctest

    result = doctest.testmod(tables)
    assert result.attempted > 0 and result.failed == 0
