"""``symbackprop sheet``: defaults, formats, atomic writes and one-line errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import console_script, run_cli, user_env


def test_no_arguments_prints_the_example_with_numbers(capsys):
    code, out, err = run_cli(capsys, "sheet", "--params", "w2_11")
    assert code == 0 and err == ""
    assert out.startswith("# A 2-2-2 sigmoid network, worked by hand")
    assert "0.35891648" in out  # the worked update of the built-in numbers


def test_format_from_extension_and_flag(capsys, tmp_path):
    for name, head in (("s.html", "<!DOCTYPE html>"), ("s.tex", "\\documentclass"), ("s.md", "# ")):
        code, out, err = run_cli(capsys, "sheet", "--params", "b2_1", "-o", str(tmp_path / name))
        assert code == 0 and out == "" and f"wrote {tmp_path / name}" in err
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(head)
        umask = os.umask(0)
        os.umask(umask)
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    code, out, _ = run_cli(capsys, "sheet", "--params", "b2_1", "--format", "tex")
    assert code == 0 and out.startswith("\\documentclass")
    code, _, err = run_cli(capsys, "sheet", "-o", str(tmp_path / "s.pdf"))
    assert code == 2 and "cannot tell the format" in err and err.count("\n") == 1


def test_spec_shorthand_and_no_expand(capsys):
    code, out, _ = run_cli(capsys, "sheet", "2-1-1", "--params", "w1_11", "--no-expand")
    assert code == 0 and "Expanded form not requested." in out and "With the numbers" not in out


def test_unknown_params_list_the_valid_names(capsys):
    code, out, err = run_cli(capsys, "sheet", "--params", "w1_11,w7_11")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "unknown parameter 'w7_11'" in err and "valid names: w1_11, w1_12" in err


@pytest.mark.parametrize("where", ["missing-dir", "is-dir"])
def test_bad_output_paths_fail_in_one_line_and_leave_nothing(capsys, tmp_path, where):
    target = tmp_path / "nope" / "s.html" if where == "missing-dir" else tmp_path / "d.html"
    if where == "is-dir":
        target.mkdir()
    code, out, err = run_cli(capsys, "sheet", "-o", str(target), "--params", "b2_1")
    assert code == 2 and err.count("\n") == 1 and err.startswith("symbackprop: error: --output:")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ([] if where == "missing-dir" else ["d.html"])


def test_write_is_whole_or_nothing(capsys, tmp_path, monkeypatch):
    target = tmp_path / "s.md"
    target.write_text("old contents\n")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, _, err = run_cli(capsys, "sheet", "-o", str(target), "--params", "b2_1")
    assert code == 2 and "No space left on device" in err
    assert target.read_text() == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.md"]  # no temporary file left


def test_output_through_a_symlink_keeps_the_link(capsys, tmp_path):
    # The atomic rename replaced the link itself with a regular file: the user's link was
    # lost and the file it pointed to left stale.
    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    code, _, _ = run_cli(capsys, "sheet", "2-2-1", "--params", "b2_1", "-o", str(link))
    assert code == 0 and link.is_symlink() and target.read_text().startswith("# A 2-2-1")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_output_to_a_pipe_or_device_writes_into_it(capsys, tmp_path):
    # -o /dev/stdout (or /dev/null) renamed a temporary file over the device: as root it
    # replaced /dev/stdout for the whole system. A named pipe stands in for the device.
    import threading

    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    code, _, _ = run_cli(capsys, "sheet", "2-2-1", "--params", "b2_1", "-o", str(fifo))
    reader.join(timeout=30)
    assert code == 0 and received and received[0].startswith("# A 2-2-1")
    assert not fifo.is_file() and fifo.exists()


def _without_permission_overrides() -> list[str]:
    """A command prefix under which file permissions apply, also to root (CI runs as root).

    Root writes read-only files through the capabilities CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH; dropped from the bounding set, the command cannot regain them, and
    a file of mode 0444 is as read-only to it as to any user.  (A separate user such as
    nobody would also need read access to this interpreter, which root's home often denies.)
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        if os.environ.get("SYMBACKPROP_REQUIRE_TOOLS") == "1":
            pytest.fail("setpriv (util-linux) is missing although SYMBACKPROP_REQUIRE_TOOLS=1")
        pytest.skip("running as root without setpriv (util-linux): permissions cannot be tested")
    drop = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [("file", "is not writable"), ("directory", "cannot create a file in")],
)
def test_unwritable_output_as_a_user_without_write_permission(tmp_path, kind, message):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "s.md"
    if kind == "file":
        target.write_text("old contents\n")
        target.chmod(0o444)
    else:
        folder.chmod(0o555)
    prefix = _without_permission_overrides()
    # The premise: this process really may not write there.
    probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(target)!r}, 'a')"],
                           cwd=tmp_path, env=user_env(), capture_output=True, text=True, timeout=60)
    assert probe.returncode == 1 and "PermissionError" in probe.stderr, probe.stderr
    proc = subprocess.run([*prefix, *console_script("sheet", "2-2-1", "--params", "b2_1", "-o", str(target))],
                          cwd=tmp_path, env=user_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == (["s.md"] if kind == "file" else [])
    if kind == "file":
        assert target.read_text() == "old contents\n"
    folder.chmod(0o755)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc, a directory no one can create files in")
def test_unwritable_directory(capsys):
    code, out, err = run_cli(capsys, "sheet", "-o", "/proc/sheet.md", "--params", "b2_1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--output: cannot create a file in '/proc'" in err


def test_console_entry_point_runs_as_a_process(tmp_path):
    out = tmp_path / "sheet.html"
    # python -m from outside the source tree, which would otherwise shadow the installed copy.
    proc = subprocess.run([sys.executable, "-m", "symbackprop", "sheet", "-o", str(out)],
                          cwd=tmp_path, env=user_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 10_000 and "Traceback" not in proc.stderr
