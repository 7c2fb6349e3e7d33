"""Build-time set-up for the documentation site (a MkDocs hook, named in mkdocs.yml).

The code blocks marked ``exec="on"`` run while the site is built (markdown-exec), and their
shown output is the output they give. They run in a scratch folder that sees the repository's
``examples/``, so a command written as a reader types it from the repository root
(``symbackprop sheet examples/mazur.toml -o net.md``) works, and whatever it writes lands in
the scratch folder, not in the checkout. The scratch folder is removed when the build ends.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

_state: dict[str, str] = {}


def on_config(config):
    root = Path(config.config_file_path).resolve().parent
    scratch = Path(tempfile.mkdtemp(prefix="symbackprop-docs-"))
    (scratch / "examples").symlink_to(root / "examples")
    _state.update(scratch=str(scratch), cwd=os.getcwd())
    # The ``symbackprop`` of the environment that runs the build, even when it is not activated.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    # Help texts wrap at one width whatever terminal runs the build.
    os.environ["COLUMNS"] = "100"
    os.chdir(scratch)
    return config


def _clean_up() -> None:
    if "scratch" in _state:
        os.chdir(_state["cwd"])
        shutil.rmtree(_state.pop("scratch"), ignore_errors=True)


def on_post_build(config):
    _clean_up()


def on_build_error(error):
    _clean_up()


def on_shutdown():
    _clean_up()
