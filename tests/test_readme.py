"""Every Python example in the README and the documentation pages runs as printed, and gives
what its comments promise.

A block of ``docs/`` marked ``exec="on"`` (or a ``pycon`` session) runs when the site is built
(markdown-exec, ``mkdocs build --strict`` in ``.ci/run``), its output shown under it, so it is
not run again here; every other ``python`` block of the README and of ``docs/`` is.

A comment after a bare expression promises its value: ``# {x: -4, y: -4, z: 3}`` (compared
with ``==``) or ``# Proof(method='symbolic', holds=True, ...)`` (the type and the named
attributes).  A comment after an assignment that reads as a dict of tuples promises the
shapes of the assigned arrays (``# {"W1": (2, 2), ...}``).  Prose after a ``;`` is ignored.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python([^\n]*)\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)


def _blocks(page: Path) -> list[str]:
    """The page's Python blocks that the site build does not run."""
    return [code for info, code in FENCE.findall(page.read_text(encoding="utf-8")) if 'exec="on"' not in info]


README_BLOCKS = _blocks(README)
BLOCKS = [code for page in PAGES for code in _blocks(page)]

#: Run before a block: the checks its promises are rewritten into.
CHECKS = '''
import numpy as _np

def _promised_value(value, promise):
    assert value == promise, f"README promises {promise!r}, the code gives {value!r}"

def _promised_attributes(value, name, attributes):
    assert type(value).__name__ == name, f"README promises a {name}, the code gives {value!r}"
    for key, want in attributes.items():
        got = getattr(value, key)
        assert got == want, f"README promises {name}.{key} == {want!r}, the code gives {got!r}"

def _promised_shapes(value, shapes):
    got = {key: _np.shape(value[key]) for key in shapes}
    assert got == shapes and set(value) == set(shapes), f"README promises shapes {shapes}, the code gives {got}"
'''


def _comments(code: str) -> dict[int, str]:
    """The comment ending each line, by line number (1-based), up to a ``;`` of prose."""
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = tok.string[1:].split(";")[0].strip()
    return found


def _promise(node: ast.stmt, comment: str, source: str) -> str | None:
    """The checking statement for one promise, or None when the comment is prose."""
    try:
        # "Name(key=value, ...)": the trailing ... elides the rest (not Python after keywords).
        promised = ast.parse(re.sub(r",\s*\.\.\.\s*\)$", ")", comment), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Expr):
        if isinstance(promised, ast.Call) and isinstance(promised.func, ast.Name):
            # Name(key=value, ...): the type and the attributes named, the rest elided.
            attributes = {k.arg: ast.literal_eval(k.value) for k in promised.keywords}
            return f"_promised_attributes({source}, {promised.func.id!r}, {attributes!r})"
        if isinstance(promised, (ast.Dict, ast.Tuple, ast.List, ast.Constant)):
            return f"_promised_value({source}, {comment})"
    shapes = isinstance(promised, ast.Dict) and all(isinstance(v, ast.Tuple) for v in promised.values)
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and shapes:
        target = ast.unparse(node.targets[0])
        return f"{ast.unparse(node)}\n_promised_shapes({target}, {comment})"
    return None


def with_checks(code: str) -> tuple[str, int]:
    """``code`` with each promised line replaced by a check of it, and how many there are."""
    lines = code.splitlines()
    comments = _comments(code)
    checks = 0
    for node in ast.parse(code).body:
        if node.lineno != node.end_lineno or node.lineno not in comments:
            continue
        source = ast.unparse(node.value) if isinstance(node, ast.Expr) else ""
        check = _promise(node, comments[node.lineno], source)
        if check is not None:
            lines[node.lineno - 1] = check
            checks += 1
    return CHECKS + "\n".join(lines) + "\n", checks


def test_the_readme_has_python_examples_and_promises():
    assert len(README_BLOCKS) >= 1 and len(BLOCKS) >= 2
    # prove's Proof and the verdict's mistake at least.
    assert sum(with_checks(code)[1] for code in README_BLOCKS) >= 2


def test_a_block_the_build_runs_is_not_collected(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('```python exec="on"\nprint(1)\n```\n\n```python\nx = 2\n```\n', encoding="utf-8")
    assert _blocks(page) == ["x = 2\n"]


def test_a_broken_promise_is_caught(tmp_path):
    # The README's own line with a wrong value: the rewriting must make it fail.
    code = "import symbackprop as sbp\nsbp.mlp([2, 2, 1]).n_params    # 8\n"
    checked, count = with_checks(code)
    assert count == 1
    result = subprocess.run([sys.executable, "-c", checked], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1 and "README promises 8, the code gives 9" in result.stderr


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{k}" for k in range(len(BLOCKS))])
def test_readme_example_runs_and_keeps_its_promises(code, tmp_path):
    # A fresh interpreter in an empty directory with no PYTHONPATH: the example imports the
    # installed package, as a reader's would, and writes only where it says.
    checked, _ = with_checks(code)
    result = subprocess.run([sys.executable, "-c", checked], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "error"})
    assert result.returncode == 0, result.stderr[-2000:]
