"""Files a user names are opened only when regular and read with the limit applied while
reading: a link to /dev/zero is refused after limit + 1 bytes, a FIFO without waiting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli

from symbackprop.errors import DataError, SpecError
from symbackprop.read import files
from symbackprop.read.limits import MAX_HOMEWORK_LINES

needs_dev_zero = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")


def _counting_reads(monkeypatch) -> list[int]:
    got = [0]
    real = os.read

    def counted(fd: int, n: int) -> bytes:
        chunk = real(fd, n)
        got[0] += len(chunk)
        return chunk

    monkeypatch.setattr(files.os, "read", counted)
    return got


@needs_dev_zero
def test_a_link_to_dev_zero_is_refused_before_any_byte_is_read(tmp_path: Path, monkeypatch) -> None:
    link = tmp_path / "spec.toml"
    link.symlink_to("/dev/zero")
    got = _counting_reads(monkeypatch)
    with pytest.raises(SpecError, match="character device, not a regular file"):
        files.read_text(link, limit=1000, field="spec")
    assert got == [0]


def test_a_growing_file_is_cut_at_the_limit_while_reading(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 10_000_000)
    got = _counting_reads(monkeypatch)
    with pytest.raises(DataError, match="over 1,000 bytes"):
        files.read_bytes(path, limit=1000, field="data", error=DataError)
    assert got[0] == 1001  # counted while reading, not the whole file


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.json"
    os.mkfifo(fifo)  # no writer: a blocking open would wait forever
    with pytest.raises(SpecError, match="pipe"):
        files.read_text(fifo, limit=1000, field="spec")


@needs_dev_zero
@pytest.mark.parametrize("command", [
    ["derive", "{link}.toml"],
    ["verify", "2-2-1", "--file", "{link}.txt"],
    ["train", "examples/xor.toml", "--data", "{link}.csv", "--epochs", "1", "--learning-rate", "1"],
    ["sheet", "{link}.json"],
])
def test_every_command_refuses_a_device_in_one_line(command: list[str], tmp_path: Path, capsys, monkeypatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    for suffix in (".toml", ".txt", ".csv", ".json"):
        (tmp_path / f"zero{suffix}").symlink_to("/dev/zero")
    argv = [a.replace("{link}", str(tmp_path / "zero")) for a in command]
    status, _, err = run_cli(capsys, *argv)
    assert status == 2 and "not a regular file" in err and len(err.splitlines()) == 1, err


def test_a_homework_file_over_the_line_limit_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "hw.txt"
    path.write_text("w2_11: (a2_1 - y1) * a1_1\n" * (MAX_HOMEWORK_LINES + 1))
    status, out, err = run_cli(capsys, "verify", "2-2-1", "--file", str(path))
    assert status == 2 and f"{MAX_HOMEWORK_LINES + 1:,} lines" in err and out == ""
