"""docs/guide/20-notation.md: its command lines run from the repository root, its Python runs."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from symbackprop.cli import main

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide" / "20-notation.md"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def _commands() -> list[str]:
    return [line for block in _blocks("bash") for line in block.splitlines() if line.startswith("symbackprop ")]


@pytest.mark.parametrize("line", _commands())
def test_each_command_of_the_guide_runs(line, monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    status = main(shlex.split(line, comments=True)[1:])
    out = capsys.readouterr().out
    # the homework has its one planted mistake; the hint demonstration is a wrong answer
    wrong = "homework_ng" in line or "--feedback hint" in line
    assert status == (1 if wrong else 0), (line, out)
    if "homework_ng" in line:
        assert "5 of 6 correct, 1 wrong" in out and "factor m" in out
    if "--feedback hint" in line:
        assert "correct:" not in out and "δ⁽²⁾(a⁽¹⁾)ᵀ" not in out


def test_the_guide_has_commands_and_python() -> None:
    assert len(_commands()) >= 10 and len(_blocks("python")) >= 2


@pytest.mark.parametrize("code", _blocks("python"))
def test_each_python_block_of_the_guide_runs(code, tmp_path) -> None:
    # as a reader runs it: a fresh interpreter, in a scratch folder
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
