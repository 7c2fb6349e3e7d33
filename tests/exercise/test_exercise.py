"""``symbackprop exercise``: problem and solution sheets for exactly the questions asked, numbers
that agree with ``grad --json``, no answer on the problem sheet, one-line errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from conftest import run_cli
from exercise_helpers import MAZUR, grad_json

PDFLATEX = shutil.which("pdflatex")


def test_the_solutions_answer_exactly_the_questions_with_grads_numbers(tmp_path, capsys):
    code, _, err = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_11,w1_11,delta1,W2,z1_2", "-o", str(tmp_path),
                       "--format", "md,html")
    assert code == 0, err
    key = json.loads((tmp_path / "key.json").read_text())
    assert len(key) == 1 and key[0]["questions"] == ["w2_11", "w1_11", r"\delta^{(1)}", "W^{(2)}", "z1_2"]
    grad = grad_json(capsys, MAZUR)  # the numeric backend: an independent route to the numbers
    answers = key[0]["answers"]
    assert answers["w2_11"]["value"] == pytest.approx(grad["gradients"]["W2"][0][0], rel=1e-12)
    assert answers["w1_11"]["value"] == pytest.approx(grad["gradients"]["W1"][0][0], rel=1e-12)
    assert answers[r"\delta^{(1)}"]["value"] == pytest.approx(grad["delta"]["delta1"], rel=1e-12)
    assert answers["W^{(2)}"]["value"] == [pytest.approx(r, rel=1e-12) for r in grad["gradients"]["W2"]]
    assert answers["z1_2"]["value"] == pytest.approx(grad["delta"]["delta1"][1], rel=1e-12)
    solutions = (tmp_path / "solutions.md").read_text()
    problems = (tmp_path / "problems.md").read_text()
    # The solution shows each number; the problem sheet none of them, but the spec's own.
    for shown in ("0.082167", "0.000438568", "0.00877135", "-0.0227402", "0.00995426"):
        assert shown in solutions and shown not in problems
    assert "0.15" in problems and problems.count("Question ") == 5
    # The worked derivations are those of the scalar parameters asked, and only those.
    assert sorted(re.findall(r'<a id="(w\d_\d\d|b\d_\d)"></a>', solutions)) == ["w1_11", "w2_11"]
    assert "Questions" in (tmp_path / "problems.html").read_text()


def test_layer_asks_one_weight_per_layer_and_korean_sheets(tmp_path, capsys):
    code, _, err = run_cli(capsys, "exercise", "2-3-2-1", "--ask", "layer", "-o", str(tmp_path), "--format", "md,ipynb",
                       "--lang", "ko", "--seed", "3")
    assert code == 0, err
    key = json.loads((tmp_path / "key.json").read_text())
    assert key[0]["questions"] == ["w3_11", "w2_11", "w1_11"]
    assert "values" in key[0]["spec"]  # a spec without numbers gets drawn ones
    assert "문제 1" in (tmp_path / "problems.md").read_text()
    notebook = json.loads((tmp_path / "exercise.ipynb").read_text())
    assert "문제 1" in "".join(notebook["cells"][4]["source"])


@pytest.mark.parametrize(("ask", "says"), [
    ("w3_11", "did you mean 'w2_11'"),
    ("x1", "'x1' is an input"),
    ("W7", "W^{(7)}"),
    ("", "expected names"),
])
def test_a_question_naming_nothing_is_one_line_and_exit_2(tmp_path, capsys, ask, says):
    code, out, err = run_cli(capsys, "exercise", MAZUR, "--ask", ask, "-o", str(tmp_path / "out"))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err and "--ask" in err
    assert not (tmp_path / "out").exists()  # nothing written


def test_custom_graphs_and_unknown_formats_are_refused(tmp_path, capsys):
    code, _, err = run_cli(capsys, "exercise", "examples/graph.toml", "--ask", "w1", "-o", str(tmp_path))
    assert code == 2 and "layered network" in err
    code, _, err = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_11", "--format", "pdf", "-o", str(tmp_path))
    assert code == 2 and "'pdf'" in err and list(tmp_path.iterdir()) == []


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
def test_problem_and_solution_sheets_compile_without_overfull_boxes(tmp_path, capsys):
    code, _, _ = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_11,delta1,W2", "-o", str(tmp_path), "--format", "tex")
    assert code == 0
    for name in ("problems", "solutions"):
        proc = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                               f"{name}.tex"], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        log = (tmp_path / f"{name}.log").read_text(encoding="latin-1")
        assert proc.returncode == 0, log[-2000:]
        assert "Overfull \\hbox" not in log, re.findall(r"Overfull.*", log)[:3]


def test_every_answer_in_the_key_reads_back_as_correct(tmp_path, capsys):
    from symbackprop.read import load_spec
    from symbackprop.verify import verify

    code, _, _ = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_11,b1_2,z1_1,W1,b2,delta1,delta2", "-o", str(tmp_path),
                     "--format", "md")
    assert code == 0
    key = json.loads((tmp_path / "key.json").read_text())[0]
    for name, answer in key["answers"].items():
        formula = answer["formula"].split(" = ")[-1]  # a δ's rule and its expansion: the last form
        assert verify(load_spec(key["spec"]), name, formula).status == "correct", (name, formula)
    # The vector form, not only the entries, answers a layer question.
    assert key["answers"]["W^{(1)}"]["formula"] == r"\boldsymbol{\delta}^{(1)} \mathbf{x}^{\top}"


CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)

_MEASURE = """<script>
(function () {
  var maths = Array.prototype.slice.call(document.querySelectorAll('math'));
  var empty = maths.filter(function (m) { var r = m.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); });
  var raw = document.body.innerText.match(/\\\\[A-Za-z]+/g) || [];
  var out = document.createElement('pre');
  out.id = 'sbp-result';
  out.textContent = JSON.stringify({count: maths.length, empty: empty.length, raw: raw,
                                    wide: document.documentElement.scrollWidth > window.innerWidth + 1});
  document.body.appendChild(out);
})();
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_problem_and_solution_pages_lay_out_in_chromium(tmp_path, capsys):
    code, _, _ = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_11,delta1,W2", "-o", str(tmp_path), "--format", "html")
    assert code == 0
    for name in ("problems", "solutions"):
        page = (tmp_path / f"{name}.html").read_text()
        probe = tmp_path / f"{name}-probe.html"
        probe.write_text(page.replace("</body>", _MEASURE + "\n</body>"))
        proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
                               "--window-size=1100,1800", "--dump-dom", probe.as_uri()],
                              capture_output=True, text=True, timeout=120, check=False)
        found = re.search(r'<pre id="sbp-result">(.*?)</pre>', proc.stdout, re.DOTALL)
        assert found, proc.stderr[-2000:]
        result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
        assert result["count"] == page.count("<math ") and result["count"] > 5
        assert (result["empty"], result["raw"], result["wide"]) == (0, [], False), (name, result)
