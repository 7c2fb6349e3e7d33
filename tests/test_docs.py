"""The documentation site's sources hold together: every public name has its reference entry,
every page outside ``docs/guide/`` has its place in the menu, and every page the menu names
exists. (The site itself is built in strict mode by ``.ci/run``, which runs every example.)
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

import symbackprop

DOCS = ROOT / "docs"
MKDOCS = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def _documented(api: str) -> set[str]:
    """The names with a ``::: symbackprop...NAME`` entry on the API page (the last dotted part)."""
    return {target.rsplit(".", 1)[1] for target in re.findall(r"^::: (symbackprop\.[\w.]+)$", api, flags=re.MULTILINE)}


def _nav_pages(config: str) -> set[str]:
    """The pages named in the ``nav`` of ``mkdocs.yml`` (``- Title: path.md`` or ``- path.md``)."""
    nav = config.split("\nnav:\n", 1)[1]
    return set(re.findall(r"^\s+- (?:[^:\n]+: )?([\w./-]+\.md)$", nav, flags=re.MULTILINE))


def test_every_public_name_has_a_reference_entry() -> None:
    api = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    assert sorted(set(symbackprop.__all__) - _documented(api)) == []


def test_a_missing_reference_entry_is_caught() -> None:
    api = "::: symbackprop.mlp\n\n::: symbackprop.derive.backprop.derive\n"
    assert _documented(api) == {"mlp", "derive"}
    assert {"mlp", "derive", "verify"} - _documented(api) == {"verify"}


def test_every_page_outside_the_guide_is_in_the_menu_and_every_menu_page_exists() -> None:
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    nav = _nav_pages(MKDOCS)
    assert sorted(nav - pages) == [], "named in mkdocs.yml's nav but missing from docs/"
    unlisted = sorted(p for p in pages - nav if not p.startswith("guide/"))
    assert unlisted == [], "pages in docs/ that the menu does not list"
    assert "guide/index.md" in nav


def test_the_menu_reader_sees_both_forms() -> None:
    config = "site_name: x\nnav:\n  - Home: index.md\n  - Guide:\n      - guide/index.md\n      - A page: guide/a.md\n"
    assert _nav_pages(config) == {"index.md", "guide/index.md", "guide/a.md"}


def test_pages_added_to_the_guide_do_not_fail_a_strict_build() -> None:
    # Pages not in the menu are reported at "info" level, which --strict does not count.
    assert re.search(r"^validation:\n(?:  .*\n)*  omitted_files: info$", MKDOCS, flags=re.MULTILINE)
    assert re.search(r"^not_in_nav: \|\n  /guide/\*\.md$", MKDOCS, flags=re.MULTILINE)


def test_the_build_needs_no_network() -> None:
    # Material would otherwise fetch its fonts; no plugin that downloads (social cards, privacy).
    assert re.search(r"^  font: false", MKDOCS, flags=re.MULTILINE)
    plugins = MKDOCS.split("\nplugins:\n", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"^  - ([\w-]+)", plugins, flags=re.MULTILINE)) == {"search", "markdown-exec", "mkdocstrings"}
