"""Outputs are written whole or not at all: a signal or an error while ``exercise`` writes its
hundred files leaves the destination as it was; a signal right after the temporary file is
made leaves nothing behind; output names up to the file system's limit are writable, longer
ones are one line."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from conftest import run_cli

import symbackprop.cli.sheet as sheet_cli
from symbackprop.exercise import build
from symbackprop.errors import SymbackpropError


class _Interrupted(dict):
    """Files whose iteration while being written is cut after ``after`` of them."""

    def __init__(self, files: dict[str, str], after: int, how: str) -> None:
        super().__init__(files)
        self.after, self.how = after, how

    def items(self):  # type: ignore[override]
        for k, pair in enumerate(super().items()):
            if k == self.after:
                if self.how == "signal":
                    os.kill(os.getpid(), signal.SIGTERM)
                else:
                    raise SymbackpropError("--output: cannot write: No space left on device")
            yield pair


@pytest.mark.parametrize("how", ["signal", "error"])
@pytest.mark.parametrize("existing", [False, True])
def test_an_exercise_cut_short_leaves_its_folder_as_it_was(tmp_path: Path, capsys, monkeypatch, how: str,
                                                            existing: bool) -> None:
    made = build.exercise_files  # what the command imports when it runs
    monkeypatch.setattr(build, "exercise_files", lambda *a, **k: _Interrupted(made(*a, **k), 5, how))
    out = tmp_path / "class"
    if existing:
        out.mkdir()
        (out / "notes.txt").write_text("the teacher's notes\n")
    status, _, err = run_cli(capsys, "exercise", "2-2-1", "--ask", "w2_11", "-o", str(out), "--variants", "4",
                             "--format", "md")
    assert status == (128 + signal.SIGTERM if how == "signal" else 2), err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["class"] if existing else [])
    if existing:
        assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_an_exercise_arrives_whole_with_its_key(tmp_path: Path, capsys) -> None:
    out = tmp_path / "a" / "class"
    status, _, err = run_cli(capsys, "exercise", "2-2-1", "--ask", "w2_11", "-o", str(out), "--variants", "3",
                             "--format", "md")
    assert status == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert "key.json" in names and len([n for n in names if n.endswith(".md")]) == 6
    assert not [n for n in names if n.startswith(".")]
    assert sorted(p.name for p in out.parent.iterdir()) == ["class"]  # no temporary folder left
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_signal_right_after_the_temporary_file_is_made_leaves_nothing(tmp_path: Path, capsys, monkeypatch) -> None:
    real = sheet_cli.tempfile.mkstemp

    def made_then_killed(*args, **kwargs):
        found = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # delivered before the caller has kept the name
        return found

    monkeypatch.setattr(sheet_cli.tempfile, "mkstemp", made_then_killed)
    status, _, err = run_cli(capsys, "sheet", "2-1", "-o", str(tmp_path / "s.md"))
    assert status == 128 + signal.SIGTERM, err
    assert list(tmp_path.iterdir()) == []


def test_an_output_name_of_250_bytes_is_written_and_a_longer_one_is_one_line(tmp_path: Path, capsys) -> None:
    name = "s" * 245 + ".html"  # 250 bytes: the file system takes 255
    status, _, err = run_cli(capsys, "sheet", "2-1", "-o", str(tmp_path / name))
    assert status == 0, err
    assert [p.name for p in tmp_path.iterdir()] == [name]
    status, _, err = run_cli(capsys, "sheet", "2-1", "-o", str(tmp_path / ("t" * 300 + ".html")))
    assert status == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "name too long" in err.lower()
