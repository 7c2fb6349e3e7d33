"""What a user installs is what the tests test.

``.ci/run`` runs the README's two lines as written: ``pip install .`` into ``.venv`` inside
the checkout, then ``pytest`` from the repository root with ``SYMBACKPROP_TEST_INSTALLED=1``;
these tests then fail unless the package under test is the copy in that environment's
site-packages and it holds every module and data file of the source tree (a wheel without
``grammar.lark`` fails here by name).  The
command runs the way users call it: the console script, and ``python -m symbackprop`` from a
directory that is not the source tree.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ROOT, console_script, user_env

import symbackprop

#: CI installs a built wheel and sets this: an editable or source-tree import is then a failure.
REQUIRE_INSTALLED = os.environ.get("SYMBACKPROP_TEST_INSTALLED") == "1"

GOOD_FORMULA = "(a2_1 - y1) * a2_1 * (1 - a2_1) * a1_1"


def _installed_copy() -> importlib.metadata.Distribution:
    """The installed distribution; skips (fails under CI) when it is an editable install."""
    # Not the metadata a build leaves in the checkout (symbackprop.egg-info), which is visible
    # whenever the checkout is on sys.path (doctests of an editable install put it there).
    found = [d for d in importlib.metadata.distributions(name="symbackprop")
             if Path(d.locate_file("")).resolve() != ROOT]
    assert found, "symbackprop is not installed (pip install . from the repository root)"
    dist = found[0]
    direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
    if direct_url.get("dir_info", {}).get("editable", False):
        message = "installed editable (pip install -e): the source tree is the installed copy"
        if REQUIRE_INSTALLED:
            pytest.fail(f"{message}, although SYMBACKPROP_TEST_INSTALLED=1 asks for a built wheel")
        pytest.skip(message)
    return dist


def _source_files() -> dict[str, Path]:
    package = ROOT / "symbackprop"
    return {p.relative_to(ROOT).as_posix(): p for p in package.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}


def test_the_package_under_test_is_the_installed_copy() -> None:
    dist = _installed_copy()
    installed = Path(dist.locate_file("symbackprop/__init__.py")).resolve()
    imported = Path(symbackprop.__file__).resolve()
    assert imported == installed, (
        f"the tests import {imported}, not the installed {installed}; run `pytest` (python -m "
        "pytest puts the working directory, the source tree, first on sys.path)")
    assert _is_installed_copy(imported, _site_packages(), ROOT), (imported, _site_packages())


def _site_packages() -> set[Path]:
    """The running interpreter's install directories (purelib and platlib)."""
    paths = sysconfig.get_paths()
    return {Path(paths[key]).resolve() for key in ("purelib", "platlib")}


def _is_installed_copy(package_init: Path, site_packages: set[Path], root: Path) -> bool:
    """Whether ``package_init`` is the installed copy: inside an install directory of the
    interpreter, wherever that environment lives (the README makes it ``.venv`` inside the
    checkout), and not the source tree's own ``symbackprop/``."""
    return package_init.parent.parent in site_packages and package_init.parent != root / "symbackprop"


def test_an_environment_inside_the_checkout_holds_an_installed_copy(tmp_path: Path) -> None:
    # The README's own commands put the environment in .venv under the checkout; the copy
    # there is installed, the source tree is not (the check used to refuse both).
    checkout = tmp_path / "clone"
    site = checkout / ".venv" / "lib" / "python3.11" / "site-packages"
    assert _is_installed_copy(site / "symbackprop" / "__init__.py", {site}, checkout)
    assert not _is_installed_copy(checkout / "symbackprop" / "__init__.py", {site}, checkout)
    assert not _is_installed_copy(checkout / "symbackprop" / "__init__.py", {checkout}, checkout)
    assert not _is_installed_copy(tmp_path / "elsewhere" / "symbackprop" / "__init__.py", {site}, checkout)


def test_the_wheel_holds_every_module_and_data_file_of_the_source_tree() -> None:
    dist = _installed_copy()
    shipped = {f.as_posix(): f for f in dist.files or ()
               if f.parts[0] == "symbackprop" and "__pycache__" not in f.parts}
    source = _source_files()
    assert "symbackprop/read/grammar.lark" in source and "symbackprop/py.typed" in source
    assert sorted(set(source) - set(shipped)) == [], "missing from the installed package"
    stale = [name for name, path in source.items()
             if Path(dist.locate_file(shipped[name])).read_bytes() != path.read_bytes()]
    assert stale == [], "the installed copy differs from the source tree: reinstall (pip install .)"


def test_the_grammar_is_a_resource_of_the_package_under_test() -> None:
    grammar = importlib.resources.files("symbackprop.read").joinpath("grammar.lark")
    assert grammar.is_file() and "formula" in grammar.read_text(encoding="utf-8")


def test_the_console_script_verifies_a_formula(tmp_path: Path) -> None:
    # Parsing needs the grammar; verifying needs every stage before it.
    proc = subprocess.run(console_script("verify", "2-2-1", "--param", "w2_11", "--formula", GOOD_FORMULA),
                          cwd=tmp_path, env=user_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "correct" in proc.stdout and proc.stderr == ""


def test_python_dash_m_symbackprop_outside_the_source_tree(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "symbackprop", "verify", "2-2-1", "--param", "w2_11",
                           "--formula", "(a2_1 - y1) * a1_1"],
                          cwd=tmp_path, env=user_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr  # wrong: the σ′ factor is missing
    assert "wrong" in proc.stdout
