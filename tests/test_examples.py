"""The example files run as their own header comments say, with the results they promise."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from symbackprop.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _commands(path: Path) -> list[list[str]]:
    out = []
    for line in path.read_text().splitlines():
        text = line.lstrip("# ").strip()
        if text.startswith("symbackprop "):
            out.append(shlex.split(text)[1:])
    return out


@pytest.mark.parametrize("name", ["mazur.toml", "xor.toml", "graph.toml", "homework.txt"])
def test_every_example_command_runs(name, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(EXAMPLES.parent)
    commands = _commands(EXAMPLES / name)
    assert commands, f"{name} documents no command"
    for argv in commands:
        argv = [str(tmp_path / a) if a.endswith(".html") else a for a in argv]
        status = main(argv)
        # The homework has one planted mistake, so verify exits 1 and names it.
        expected = 1 if name == "homework.txt" else 0
        assert status == expected, (argv, capsys.readouterr())
    out = capsys.readouterr().out
    if name == "homework.txt":
        assert "4 of 5 correct, 1 wrong" in out and "Missing the activation-derivative factor" in out
    if name == "xor.toml":
        final = float(out.splitlines()[1].split()[-4])  # "loss A after epoch 1, B after epoch N"
        assert final < 0.01
    if name == "graph.toml":
        assert r"\frac{\partial f}{\partial x}" in out and "correct" in out
