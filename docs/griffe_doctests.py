"""A Griffe extension for the API pages: a docstring's bare ``>>>`` examples shown as code.

The docstrings keep their runnable examples as doctests (pytest runs them), often after the
sections rather than under an ``Examples:`` heading; Markdown would run such lines together
as prose (and read ``net.W[1][0]`` as a link). Each run of lines starting with ``>>>``, with
the output lines after it, is fenced as a ``pycon`` block before the docstring is parsed.
"""

from __future__ import annotations

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with each bare doctest run fenced.

    >>> fence_doctests("Sum.\\n\\n>>> 1 + 1\\n2").splitlines()
    ['Sum.', '', '```pycon', '>>> 1 + 1', '2', '```']
    """
    out: list[str] = []
    lines = text.splitlines()
    in_fence = False
    k = 0
    while k < len(lines):
        line = lines[k]
        stripped = line.lstrip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        if in_fence or not stripped.startswith(">>>"):
            out.append(line)
            k += 1
            continue
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}```pycon")
        while k < len(lines) and lines[k].strip():
            out.append(lines[k])
            k += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fences every docstring's bare doctests as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: object) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
