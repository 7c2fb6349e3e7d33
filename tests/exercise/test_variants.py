"""Variants: different numbers (and sizes or activations from the lists given) per variant,
the same files from the same seed, and each variant's answers equal to ``grad --json`` on
its own spec."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from exercise_helpers import MAZUR, grad_json

from symbackprop.exercise import exercise_files


def _files(tmp_path, capsys, *extra: str) -> dict[str, bytes]:
    code, _, err = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_11,b1,delta1_2", "-o", str(tmp_path), *extra)
    assert code == 0, err
    return {p.name: p.read_bytes() for p in tmp_path.iterdir()}


def test_each_variants_answers_are_grad_on_its_own_spec(tmp_path, capsys):
    files = _files(tmp_path / "a", capsys, "--variants", "3", "--seed", "5", "--format", "md")
    assert {"problems-v1.md", "solutions-v3.md", "key.json"} <= set(files)
    key = json.loads(files["key.json"])
    assert [v["variant"] for v in key] == [1, 2, 3]
    numbers = [v["spec"]["values"] for v in key]
    assert len({json.dumps(n, sort_keys=True) for n in numbers}) == 3  # every variant has its own numbers
    for v in key:
        (tmp_path / "spec.json").write_text(json.dumps(v["spec"]))
        grad = grad_json(capsys, tmp_path / "spec.json")
        assert v["answers"]["w2_11"]["value"] == pytest.approx(grad["gradients"]["W2"][0][0], rel=1e-12)
        assert v["answers"]["b^{(1)}"]["value"] == pytest.approx(grad["gradients"]["b1"], rel=1e-12)
        assert v["answers"]["z1_2"]["value"] == pytest.approx(grad["delta"]["delta1"][1], rel=1e-12)
        shown = files[f"solutions-v{v['variant']}.md"].decode()
        assert f"{grad['gradients']['W2'][0][0]:.5g}"[:6] in shown
        assert str(v["spec"]["values"]["W2"][0][0]) in files[f"problems-v{v['variant']}.md"].decode()


def test_the_same_seed_gives_the_same_files_and_another_seed_others(tmp_path, capsys):
    first = _files(tmp_path / "a", capsys, "--variants", "2", "--seed", "1", "--format", "tex")
    again = _files(tmp_path / "b", capsys, "--variants", "2", "--seed", "1", "--format", "tex")
    other = _files(tmp_path / "c", capsys, "--variants", "2", "--seed", "2", "--format", "tex")
    assert first == again
    assert first["problems-v1.tex"] != other["problems-v1.tex"]
    assert first["problems-v1.tex"] != first["problems-v2.tex"]


def test_sizes_and_activations_are_drawn_from_the_lists_given():
    files = exercise_files(MAZUR, "w2_11,W1", variants=6, seed=0, sizes=[[2, 2, 1], [3, 2, 2]],
                           activations=["sigmoid", "tanh"], formats=[])
    specs = [v["spec"] for v in json.loads(files["key.json"])]
    assert {tuple(s["layers"]) for s in specs} == {(2, 2, 1), (3, 2, 2)}
    assert {s["activation"] for s in specs} == {"sigmoid", "tanh"}
    for s in specs:
        assert len(s["values"]["x"]) == s["layers"][0] and len(s["values"]["W2"]) == s["layers"][2]


def test_a_question_missing_from_a_drawn_size_names_the_variant(tmp_path, capsys):
    code, _, err = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_12", "-o", str(tmp_path), "--variants", "4",
                       "--sizes", "2-1-1", "--format", "md")
    assert code == 2 and "variant" in err and "w2_12" in err
    code, _, err = run_cli(capsys, "exercise", MAZUR, "--ask", "w2_11", "-o", str(tmp_path), "--variants", "0")
    assert code == 2 and "--variants" in err
    assert list(tmp_path.iterdir()) == []
