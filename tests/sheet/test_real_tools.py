"""The sheets in the real tools: the .tex through pdflatex, the HTML in headless Chromium.

Skipped (with the reason) only when the tool is not installed; ``.ci/run`` installs both.
A screenshot of the HTML sheet is saved to ``test-artifacts/`` for a human to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT

import symbackprop as sbp
from symbackprop.sheet import build_sheet

ARTIFACTS = ROOT / "test-artifacts"
PDFLATEX = shutil.which("pdflatex")
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)

# CI sets this so that a missing tool fails the run instead of silently skipping.
REQUIRED = os.environ.get("SYMBACKPROP_REQUIRE_TOOLS") == "1"

needs_pdflatex = pytest.mark.skipif(PDFLATEX is None and not REQUIRED,
                                    reason="pdflatex is not installed (CI installs texlive-latex-base)")
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not REQUIRED,
                                    reason="chromium is not installed (CI installs the chromium package)")


def test_required_tools_are_present():
    if not REQUIRED:
        pytest.skip("SYMBACKPROP_REQUIRE_TOOLS is not set (only CI requires the tools)")
    assert PDFLATEX is not None, "pdflatex missing although SYMBACKPROP_REQUIRE_TOOLS=1"
    assert CHROMIUM is not None, "chromium missing although SYMBACKPROP_REQUIRE_TOOLS=1"


def _pdflatex(tex: str, folder: Path) -> tuple[int, str]:
    (folder / "sheet.tex").write_text(tex, encoding="utf-8")
    proc = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "sheet.tex"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    log = (folder / "sheet.log").read_text(encoding="latin-1") if (folder / "sheet.log").exists() else ""
    return proc.returncode, log


@needs_pdflatex
def test_example_tex_compiles_cleanly(tmp_path):
    code, log = _pdflatex(build_sheet(sbp.EXAMPLE).render("tex"), tmp_path)
    assert code == 0, log[-3000:]
    assert (tmp_path / "sheet.pdf").stat().st_size > 10_000
    assert "Undefined control sequence" not in log
    pages = int(re.search(r"Output written on sheet\.pdf \((\d+) pages", log).group(1))
    assert pages > 5
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull.*", log)[:3]
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(tmp_path / "sheet.pdf", ARTIFACTS / "sheet-2-2-2.pdf")


@needs_pdflatex
def test_large_network_tex_compiles(tmp_path):
    sheet = build_sheet("16-64-64-10", params=["w1_1_1", "b3_10"])
    code, log = _pdflatex(sheet.render("tex"), tmp_path)
    assert code == 0, log[-3000:]


@needs_pdflatex
def test_pdflatex_check_can_fail(tmp_path):
    # The harness must notice a broken document, or its passing means nothing.
    broken = build_sheet(sbp.EXAMPLE, params=["b2_1"]).render("tex").replace(
        "\\end{document}", "$\\undefinedcommand$\n\\end{document}")
    code, log = _pdflatex(broken, tmp_path)
    assert code != 0 and "Undefined control sequence" in log


_MEASURE = """<script>
(function () {
  var maths = Array.prototype.slice.call(document.querySelectorAll('math'));
  var empty = [];
  maths.forEach(function (m, k) {
    var r = m.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) empty.push(k);
  });
  var raw = document.body.innerText.match(/\\\\[A-Za-z]+/g) || [];
  // Proof that MathML is laid out as math, not as a line of text: a fraction's
  // numerator sits above its denominator.
  var stacked = null, fr = document.querySelector('mfrac');
  if (fr && fr.children.length === 2) {
    stacked = fr.children[0].getBoundingClientRect().bottom <= fr.children[1].getBoundingClientRect().top + 1;
  }
  var out = document.createElement('pre');
  out.id = 'sbp-result';
  out.textContent = JSON.stringify({count: maths.length, empty: empty, raw: raw, stacked: stacked});
  document.body.appendChild(out);
})();
</script>"""


def _chromium(*args: str) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="sbp-chromium-")
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _measure(page: str, folder: Path) -> dict:
    """Load a copy of ``page`` with a measuring script and read its verdict from the DOM."""
    probe = folder / "probe.html"
    probe.write_text(page.replace("</body>", _MEASURE + "\n</body>"), encoding="utf-8")
    proc = _chromium("--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="sbp-result">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"no result in the dumped DOM; chromium said: {proc.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@needs_chromium
def test_html_sheet_lays_out_every_formula_in_chromium(tmp_path):
    page = build_sheet(sbp.EXAMPLE).render("html")
    result = _measure(page, tmp_path)
    assert result["count"] == page.count("<math ") and result["count"] > 100
    assert result["empty"] == [], f"math elements without layout: {result['empty'][:10]}"
    assert result["raw"] == [], f"raw LaTeX on the page: {result['raw'][:10]}"
    assert result["stacked"] is True
    ARTIFACTS.mkdir(exist_ok=True)
    html = tmp_path / "sheet.html"
    html.write_text(page, encoding="utf-8")
    shot = ARTIFACTS / "sheet-2-2-2.png"
    shot.unlink(missing_ok=True)
    proc = _chromium("--window-size=1100,1800", "--hide-scrollbars", f"--screenshot={shot}", html.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000, proc.stderr[-2000:]
    shutil.copy(html, ARTIFACTS / "sheet-2-2-2.html")


@needs_chromium
def test_chromium_measurement_can_fail(tmp_path):
    page = ("<!DOCTYPE html><html><body><p>ok <math><mi>x</mi></math></p>"
            "<p><math></math></p><p>left over: \\frac{a}{b}</p></body></html>")
    result = _measure(page, tmp_path)
    assert result["count"] == 2
    assert result["empty"] == [1]
    assert result["raw"] == ["\\frac"]
