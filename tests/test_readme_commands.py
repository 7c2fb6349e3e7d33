"""Every command line the README and the documentation pages show runs verbatim from the repository root.

The lines are collected from ``README.md`` and every ``docs/**/*.md``: each ``bash`` block, and
each inline `` `symbackprop ...` ``. A block marked ``exec="on"`` is run when the site is built
(``mkdocs build --strict`` in ``.ci/run``: markdown-exec fails the build when it exits with
another status than the block states), so it is not run again here; every other line is.

The ``symbackprop`` lines run in-process through ``main``, from a scratch directory under
pytest's ``tmp_path`` that sees the repository's ``examples/`` (so files they write land
there, not in the tree); a line must not end in a usage error (status 2) or print an error.
The lines of one ``bash`` block run in order in one scratch directory, so a line may read
what an earlier line of its block wrote (``mark class`` after ``exercise … -o class``), and no
line names a fixed path outside the working directory.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

from symbackprop.cli import main

#: The pages whose command lines are collected: the README, then the site's pages.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: Lines that install into a fresh virtual environment: CI runs them (.ci/run), not a test.
INSTALLS = ("python3 -m venv",)
#: Lines other checks run, by program: where, and what there shows it.
ELSEWHERE = {
    "lint-imports": ("tests/test_layout.py", "test_the_stage_contracts_hold"),
    # The README's site build line: .ci/run takes it from the README and runs it as written.
    "pip": (".ci/run", "mkdocs build --strict"),
}
CLI_LINES = ("symbackprop ", "python -m symbackprop")
FENCE = re.compile(r"^```bash([^\n]*)\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Block:
    page: str
    lines: tuple[str, ...]
    executed_by_build: bool


def _blocks(page: Path, root: Path = ROOT) -> list[Block]:
    """The command lines of one page, a block per ``bash`` fence (an inline command is a block alone)."""
    text = page.read_text(encoding="utf-8")
    name = page.relative_to(root).as_posix()
    blocks = [Block(name, tuple(line for line in body.splitlines() if line.strip()), 'exec="on"' in info)
              for info, body in FENCE.findall(text)]
    prose = FENCE.sub("", text)
    prose = re.sub(r"^```.*?^```", "", prose, flags=re.DOTALL | re.MULTILINE)  # other code blocks
    blocks += [Block(name, (" ".join(inline.split()),), False)
               for inline in re.findall(r"`(symbackprop [^`]+)`", prose)]
    return blocks


BLOCKS = [block for page in PAGES for block in _blocks(page)]
LINES = [(block.page, line) for block in BLOCKS for line in block.lines]
RUN_HERE = [block for block in BLOCKS if not block.executed_by_build]


def _argv(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def test_the_pages_show_command_lines() -> None:
    readme = [line for page, line in LINES if page == "README.md"]
    assert sum(line.startswith("symbackprop ") for line in readme) >= 4
    assert sum(line.startswith("symbackprop ") for _, line in LINES) >= 40
    # The first tutorial's commands are run by the build, with their output shown.
    assert any(b.executed_by_build and b.page == "docs/tutorials/first-sheet.md" for b in BLOCKS)


def test_blocks_are_collected_with_their_marks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('Text `symbackprop sheet` and\n\n```bash exec="on"\nsymbackprop derive 2-2-2\n```\n\n'
                    "```bash\nsymbackprop grad 2-2-1\n\nsymbackprop check 2-2-1\n```\n\n"
                    "```python\nx = '`symbackprop nothing`'\n```\n", encoding="utf-8")
    found = [(b.lines, b.executed_by_build) for b in _blocks(page, tmp_path)]
    assert found == [(("symbackprop derive 2-2-2",), True),
                     (("symbackprop grad 2-2-1", "symbackprop check 2-2-1"), False),
                     (("symbackprop sheet",), False)]


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


@pytest.mark.parametrize("block", [b for b in RUN_HERE if any(line.startswith(CLI_LINES) for line in b.lines)],
                         ids=lambda b: f"{b.page}:{b.lines[0][:60]}")
def test_each_command_line_runs(block: Block, tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    for line in block.lines:
        if line.startswith(CLI_LINES):
            _run_line(line, capsys)


@pytest.mark.parametrize("page, line", LINES)
def test_no_line_writes_to_a_fixed_path(page: str, line: str) -> None:
    # A command shown in the docs, run by a test, by the site build or by a reader twice, must
    # not touch a shared folder such as /tmp/class: every path is relative to the working directory.
    assert not re.search(r"(^|[\s=\"'])(/|~)\S", line), (page, line)


def test_marking_reads_what_the_exercise_line_before_it_wrote() -> None:
    block = next(b.lines for b in RUN_HERE if any(line.startswith("symbackprop mark ") for line in b.lines))
    mark = next(line for line in block if line.startswith("symbackprop mark "))
    folder = _argv(mark)[2]
    assert any(f"-o {folder} " in line for line in block[:block.index(mark)]), block


@pytest.mark.parametrize("page, line", [(b.page, line) for b in RUN_HERE for line in b.lines
                                        if not line.startswith(CLI_LINES)])
def test_other_lines_are_run_elsewhere(page: str, line: str) -> None:
    program = _argv(line)[0]
    if line.startswith(INSTALLS):
        assert "pip install" in line and page == "README.md"
        return
    assert program in ELSEWHERE, f"a command line no test runs: {page}: {line}"
    where, shown_by = ELSEWHERE[program]
    assert shown_by in (ROOT / where).read_text(encoding="utf-8"), (page, line)
