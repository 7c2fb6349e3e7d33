"""Whole processes: lost output is a failure, a reader that closed the pipe is a quiet end."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import console_script, user_env

WRONG = ["verify", "2-2-1", "--param", "w2_11", "--formula", "(a2_1 - y1) * a1_1"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("argv", [["derive", "2-2-1"], WRONG])
def test_a_full_disk_on_stdout_exits_2_with_one_line(argv: list[str], tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(console_script(*argv), stdout=full, stderr=subprocess.PIPE, text=True,
                              cwd=tmp_path, env=user_env(), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == ["symbackprop: error: cannot write the output: No space left on device"]


@pytest.mark.parametrize(("argv", "earned"), [(["derive", "8-8-8-8"], 0), (WRONG, 1)])
def test_a_reader_that_closes_the_pipe_keeps_the_earned_status(argv: list[str], earned: int, tmp_path: Path) -> None:
    with subprocess.Popen(console_script(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=tmp_path, env=user_env()) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(1)  # the first byte, then hang up, as `| head -c 1` does
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == earned, err
    assert err == ""
