"""Every command line the README shows runs verbatim from the repository root.

The ``symbackprop`` lines run in-process through ``main``, from a scratch directory that
sees the repository's ``examples/`` (so files they write land there, not in the tree);
a line must not end in a usage error (status 2) or print an error.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT

from symbackprop.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Lines that install into a fresh virtual environment: CI runs them (.ci/run), not a test.
INSTALLS = ("python3 -m venv",)
#: Lines other tests run: the stage contracts (tests/test_layout.py).
ELSEWHERE = {"lint-imports": "test_the_stage_contracts_hold"}


def _command_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL):
        lines += [line for line in block.splitlines() if line.strip()]
    for inline in re.findall(r"`(symbackprop [^`]+)`", README):
        lines.append(inline)
    return lines


LINES = _command_lines()


def _argv(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def test_the_readme_shows_command_lines() -> None:
    assert sum(line.startswith("symbackprop ") for line in LINES) >= 12


@pytest.mark.parametrize("line", [line for line in LINES if line.startswith(("symbackprop ", "python -m symbackprop"))])
def test_each_command_line_runs(line: str, tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    argv = _argv(line)
    argv = argv[3:] if argv[0] == "python" else argv[1:]
    try:
        status = main(argv)
    except SystemExit as exc:  # --help
        status = exc.code
    err = capsys.readouterr().err
    # The homework files have one wrong line on purpose; a line marked "# wrong" is wrong too.
    wrong = "# wrong" in line or "--file examples/homework" in line or "mistakes" in line
    assert status == (1 if wrong else 0), (line, err)
    assert "error" not in err, (line, err)


@pytest.mark.parametrize("line", [line for line in LINES if not line.startswith(("symbackprop ", "python -m symbackprop"))])
def test_other_lines_are_run_elsewhere(line: str) -> None:
    program = _argv(line)[0]
    if line.startswith(INSTALLS):
        assert "pip install" in line
        return
    assert program in ELSEWHERE, f"a README command line no test runs: {line}"
    assert ELSEWHERE[program] in (ROOT / "tests" / "test_layout.py").read_text()
