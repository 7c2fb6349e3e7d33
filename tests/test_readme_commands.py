"""Every command line the README shows runs verbatim from the repository root.

The ``symbackprop`` lines run in-process through ``main``, from a scratch directory that
sees the repository's ``examples/`` (so files they write land there, not in the tree);
a line must not end in a usage error (status 2) or print an error.  The lines of one
``bash`` block run in order in one scratch directory, so a line may read what an earlier
line of its block wrote (``mark class`` after ``exercise … -o class``), and no line names
a fixed path outside the working directory.
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


def _command_blocks() -> list[list[str]]:
    """The command lines, one list per ``bash`` block (an inline command is a block alone)."""
    blocks = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL):
        blocks.append([line for line in block.splitlines() if line.strip()])
    for inline in re.findall(r"`(symbackprop [^`]+)`", README):
        blocks.append([inline])
    return blocks


BLOCKS = _command_blocks()
LINES = [line for block in BLOCKS for line in block]
CLI_LINES = ("symbackprop ", "python -m symbackprop")


def _argv(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def test_the_readme_shows_command_lines() -> None:
    assert sum(line.startswith("symbackprop ") for line in LINES) >= 12


def _run_line(line: str, capsys) -> None:
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


@pytest.mark.parametrize("block", [b for b in BLOCKS if any(line.startswith(CLI_LINES) for line in b)],
                         ids=lambda b: b[0][:60])
def test_each_command_line_runs(block: list[str], tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    for line in block:
        if line.startswith(CLI_LINES):
            _run_line(line, capsys)


@pytest.mark.parametrize("line", LINES)
def test_no_line_writes_to_a_fixed_path(line: str) -> None:
    # A README command run by a test (or by a reader twice) must not touch a shared folder
    # such as /tmp/class: every path is relative to the working directory.
    assert not re.search(r"(^|[\s=\"'])(/|~)\S", line), line


def test_marking_reads_what_the_exercise_line_before_it_wrote() -> None:
    block = next(b for b in BLOCKS if any(line.startswith("symbackprop mark ") for line in b))
    mark = next(line for line in block if line.startswith("symbackprop mark "))
    folder = _argv(mark)[2]
    assert any(f"-o {folder} " in line for line in block[:block.index(mark)]), block


@pytest.mark.parametrize("line", [line for line in LINES if not line.startswith(("symbackprop ", "python -m symbackprop"))])
def test_other_lines_are_run_elsewhere(line: str) -> None:
    program = _argv(line)[0]
    if line.startswith(INSTALLS):
        assert "pip install" in line
        return
    assert program in ELSEWHERE, f"a README command line no test runs: {line}"
    assert ELSEWHERE[program] in (ROOT / "tests" / "test_layout.py").read_text()
