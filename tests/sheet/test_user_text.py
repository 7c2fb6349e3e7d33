"""Text from a spec (a title with ESC, BEL, a right-to-left override, a lone surrogate) is
made visible and then escaped for each output format: no raw control character reaches a
.tex, .html or .md file, and the LaTeX still compiles."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run_cli

TITLE = "evil \x1b[31mred\x07 \u202e <b>title</b> \\end{document} \ud800"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@pytest.mark.parametrize("fmt", ["md", "html", "tex"])
def test_a_hostile_title_is_escaped_for_each_format(fmt: str, tmp_path: Path, capsys) -> None:
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"layers": [2, 1], "title": TITLE}))  # JSON can carry all of them
    out = tmp_path / f"sheet.{fmt}"
    status, _, err = run_cli(capsys, "sheet", str(spec), "-o", str(out))
    assert status == 0, err
    text = out.read_text(encoding="utf-8", errors="surrogateescape")
    assert not RAW.findall(text), sorted(set(RAW.findall(text)))
    assert "x1b" in text and "u202e" in text and "ud800" in text  # shown, not dropped
    assert "<b>title</b>" not in text or fmt == "tex"  # HTML escapes it; in TeX it is plain text
    if fmt == "tex" and shutil.which("pdflatex"):
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", out.name],
                              cwd=tmp_path, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:]
