"""Exercises asking for fused formulas: ``exercise --ask fuse:hprebn..hpreact`` on a program,
the notebook that checks a line of code, and marking it."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, run_cli
from exercise_helpers import fill

from symbackprop.errors import SpecError
from symbackprop.exercise import exercise_files
from symbackprop.exercise.fuse_check import check_fused
from symbackprop.exercise.marking import mark_texts

MAKEMORE = str(ROOT / "examples" / "makemore.toml")
ASK = "fuse:hprebn..hpreact,fuse:logits..loss"
RIGHT_BN = "dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))"
NO_BESSEL = "dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - bnraw*(dhpreact*bnraw).sum(0))"
RIGHT_CE = "dlogits = F.softmax(logits, 1); dlogits[range(n), Yb] -= 1; dlogits /= n"  # not one line


def test_problems_ask_and_solutions_answer_with_the_proofs():
    files = exercise_files(MAKEMORE, ASK, formats=["md"])
    assert sorted(files) == ["key.json", "problems.md", "solutions.md"]
    problems, solutions = files["problems.md"], files["solutions.md"]
    assert "Question 1. Fuse the span `hprebn..hpreact`" in problems and "write `dhprebn` from `dhpreact`" in problems
    assert "n / (n - 1)" not in problems and "Proven equal" not in problems
    assert "dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0)" in solutions  # PyTorch, as the code
    assert solutions.count("✓ **Verified.**") == 2
    key = json.loads(files["key.json"])[0]
    assert key["questions"] == ["fuse:hprebn..hpreact", "fuse:logits..loss"]
    assert key["answers"]["fuse:logits..loss"]["code"] == "dlogits = (probs - np.eye(27)[Yb]) / n"
    # The key's own answers pass the check.
    for q, answer in key["answers"].items():
        assert check_fused(MAKEMORE, q, answer["code"]).status == "correct"


@pytest.mark.parametrize("answer, status, words", [
    (RIGHT_BN, "correct", "equals the fused formula"),
    (NO_BESSEL, "wrong", "dhprebn differs from the gradient of hprebn at entry"),
    ("dhprebn = bnvar_inv * dbnraw", "wrong", "reads dbnraw: a fused formula takes dhpreact"),
    ("dlogits = dhpreact", "wrong", "assigns dlogits; the question asks for dhprebn"),
    ("dhprebn = bngain * (n*dhpreact", "unreadable", "not Python"),
    (RIGHT_CE, "unreadable", ""),
    ("   ", "unanswered", "no answer yet"),
])
def test_answers_get_the_verdict_they_earn(answer, status, words):
    f = check_fused(MAKEMORE, "fuse:hprebn..hpreact", answer)
    assert f.status == status and words in f.message
    assert "n / (n - 1)" not in f.message  # the formula is never shown


def test_the_executed_notebook_checks_lines_of_code_and_mark_reads_them(tmp_path, capsys):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    status, _, err = run_cli(capsys, "exercise", MAKEMORE, "--ask", ASK, "-o", str(tmp_path), "--format", "ipynb")
    assert status == 0, err
    text = (tmp_path / "exercise.ipynb").read_text()
    assert "n/(n-1)" not in text and "probs - " not in text  # the answers are not in the notebook
    filled = fill(json.loads(text), {"fuse:hprebn..hpreact": NO_BESSEL,
                                     "fuse:logits..loss": "dlogits = (probs - F.one_hot(Yb, 27)) / n"})
    nb = nbformat.reads(json.dumps(filled), as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    shown = ["".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells
             if cell.cell_type == "code" and cell.source.startswith("print(check_fused")]
    assert shown[0].startswith("fuse:hprebn..hpreact: wrong") and shown[1].startswith("fuse:logits..loss: correct")
    key = {None: json.loads((tmp_path / "key.json").read_text())[0]}
    rows = mark_texts({"ada": nbformat.writes(nb)}, key)
    assert [(r.question, r.status) for r in rows] == [("fuse:hprebn..hpreact", "wrong"), ("fuse:logits..loss", "correct")]


@pytest.mark.parametrize("source, ask, kwargs, message", [
    ("2-2-1", "fuse:Z1..loss", {}, "fuse:FROM..TO asks about a [program]"),
    (MAKEMORE, "fuse:hprebn..bnvar_inv", {}, "bndiff is also read by bnraw"),
    (MAKEMORE, "fuse:logits", {}, "--fuse: expected FROM..TO"),
    (MAKEMORE, "fuse:logits..loss", {"variants": 2}, "--variants: an exercise of fused formulas has one version"),
])
def test_questions_that_cannot_be_asked_are_the_teachers_error(source, ask, kwargs, message):
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        exercise_files(source, ask, formats=["md"], **kwargs)


def test_the_cli_refuses_a_bad_span_in_one_line_and_writes_nothing(tmp_path, capsys):
    status, out, err = run_cli(capsys, "exercise", MAKEMORE, "--ask", "fuse:loss..logits", "-o", str(tmp_path / "x"))
    assert status == 2 and out == "" and err.count("\n") == 1 and "runs backwards" in err
    assert not (tmp_path / "x").exists()
