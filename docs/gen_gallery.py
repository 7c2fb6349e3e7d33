"""The gallery: a sheet of every spec in ``examples/``, made while the site is built (a MkDocs hook).

Each ``examples/*.toml`` goes through ``symbackprop sheet`` (the command line, as a reader runs
it) into an HTML file that the gallery page embeds; when ``pdflatex`` is on the PATH the LaTeX
sheet is compiled too and linked as a PDF, and otherwise the page says that the PDFs were
left out. The sheets are added to the site's files, so a link to one that was not made fails a
strict build. A spec whose sheet cannot be made fails the build: the gallery shows what the
package does today.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs.structure.files import File

MARKER = "<!-- gallery -->"
#: Sheets made beyond one per spec: (name, spec, extra arguments, description).
EXTRA = [("mazur-ko", "mazur", ["--lang", "ko"], "The 2-2-2 example in Korean (`--lang ko`)")]
_made: list[dict[str, str]] = []
_notes: list[str] = []
_folders: list[Path] = []


def _title(spec: Path) -> str:
    """The spec's first comment line, its own one-line description."""
    for line in spec.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return spec.stem


def _sheet(spec: Path, out: Path, extra: list[str]) -> None:
    # The installed command, through the interpreter running the build.
    command = [sys.executable, "-m", "symbackprop", "sheet", str(spec), *extra, "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"gallery: {' '.join(command[2:])} failed: {done.stderr.strip()}")


def _pdf(tex: Path) -> bool:
    """Compile ``tex`` beside itself; False (and a note) when pdflatex fails."""
    for _ in range(2):  # twice, for the contents and the cross-references
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                              cwd=tex.parent, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _notes.append(f"`{tex.stem}`: pdflatex failed, so its PDF is not linked")
            return False
    return True


def on_files(files, config):
    root = Path(config.config_file_path).resolve().parent
    out = Path(tempfile.mkdtemp(prefix="symbackprop-gallery-"))
    _folders.append(out)
    pdflatex = shutil.which("pdflatex") is not None
    kotex = pdflatex and subprocess.run(["kpsewhich", "kotex.sty"], capture_output=True).returncode == 0
    _made.clear()
    _notes.clear()
    examples = root / "examples"
    made = [(spec.stem, spec, [], _title(spec)) for spec in sorted(examples.glob("*.toml"))]
    made += [(name, examples / f"{stem}.toml", extra, title) for name, stem, extra, title in EXTRA]
    for name, spec, extra, title in made:
        html = out / f"{name}.html"
        _sheet(spec, html, extra)
        entry = {"name": name, "spec": spec.name, "title": title, "html": f"sheets/{name}.html"}
        files.append(File.generated(config, f"gallery/{entry['html']}", abs_src_path=str(html)))
        # A Korean .tex loads kotex, which only texlive-lang-korean brings.
        if pdflatex and ("ko" not in extra or kotex):
            tex = out / f"{name}.tex"
            _sheet(spec, tex, extra)
            if _pdf(tex):
                entry["pdf"] = f"sheets/{name}.pdf"
                files.append(File.generated(config, f"gallery/{entry['pdf']}",
                                            abs_src_path=str(tex.with_suffix(".pdf"))))
        elif pdflatex:
            _notes.append(f"`{name}`: kotex (texlive-lang-korean) is not installed, so its PDF is not made")
        _made.append(entry)
    if not pdflatex:
        _notes.append("`pdflatex` was not found when this site was built, so the PDFs are not linked; "
                      "build the site where it is installed (Debian: `texlive-latex-base "
                      "texlive-latex-recommended`) to get them")
    return files


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    parts = []
    for entry in _made:
        links = f"[open the HTML sheet]({entry['html']})"
        if "pdf" in entry:
            links += f" · [PDF]({entry['pdf']})"
        parts.append(f"## {entry['name']}\n\n{entry['title']} (`examples/{entry['spec']}`). {links}\n\n"
                     f'<iframe src="{entry["html"]}" title="{entry["name"]} sheet" loading="lazy" '
                     f'style="width: 100%; height: 36em; border: 1px solid #ccc;"></iframe>\n')
    notes = "".join(f"!!! note\n    {note}.\n\n" for note in _notes)
    return markdown.replace(MARKER, notes + "\n".join(parts))


def on_post_build(config):
    # The sheets have been copied into the site by now.
    while _folders:
        shutil.rmtree(_folders.pop(), ignore_errors=True)
