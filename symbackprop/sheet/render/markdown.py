"""A sheet as Markdown with ``$...$`` and ``$$...$$`` math (GitHub, Jupyter, Notion).

Display math is a ``$$`` block on lines of its own, holding an ``aligned`` environment,
which GitHub's and Jupyter's MathJax both render.  Markdown has no pictures without
files, so the network picture becomes its caption (the HTML and LaTeX sheets draw it).

>>> from symbackprop.sheet.model import Sheet, Section, Paragraph, Math
>>> print(render_markdown(Sheet("T", (Section("S", (Paragraph(("a*b ", Math("x_1"))),)),))))
# T
<BLANKLINE>
## S
<BLANKLINE>
a\\*b $x_1$
<BLANKLINE>
"""

from __future__ import annotations

from symbackprop.sheet.model import (
    Block,
    Circuit,
    Equation,
    Link,
    Math,
    Paragraph,
    Picture,
    Section,
    Sheet,
    Span,
    Stamp,
    Table,
)

__all__ = ["render_markdown", "escape_markdown"]

_SPECIAL = set("\\`*_[]<>#|$")


def escape_markdown(text: str) -> str:
    """Plain text with Markdown's active characters backslash-escaped."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def _span(s: Span) -> str:
    if isinstance(s, Math):
        # Inline math must not touch spaces inside its dollars for GitHub to see it as math.
        return f"${s.latex.strip()}$"
    if isinstance(s, Link):
        return f"[{_spans(s.text)}](#{s.anchor})"
    return escape_markdown(s)


def _spans(spans: tuple[Span, ...]) -> str:
    return "".join(_span(s) for s in spans)


def _equation(eq: Equation) -> str:
    if len(eq.rows) == 1:
        body = eq.single
    else:
        rows = [f"{left} &{right}" for left, right in eq.rows]
        body = "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
    return "$$\n" + body + "\n$$"


def _table(t: Table) -> str:
    lines = ["| " + " | ".join(_spans(h) for h in t.header) + " |",
             "|" + "---|" * len(t.header)]
    lines += ["| " + " | ".join(_spans(c) for c in row) + " |" for row in t.rows]
    return "\n".join(lines)


def _stamp(s: Stamp) -> str:
    mark = {True: "✓ **Verified.**", False: "✗ **NOT VERIFIED.**", None: "**Not checked.**"}[s.ok]
    lines = [mark] + [_spans(line) for line in s.lines] + ["*" + _spans(line).rstrip() + "*" for line in s.detail]
    return "\n".join("> " + line + ("  " if k < len(lines) - 1 else "") for k, line in enumerate(lines))


def _block(b: Block) -> str:
    if isinstance(b, Paragraph):
        return _spans(b.spans)
    if isinstance(b, Equation):
        return _equation(b)
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Picture):
        return "*" + escape_markdown(b.caption + " (The picture is drawn in the HTML and LaTeX sheets.)") + "*"
    if isinstance(b, Circuit):
        return "*" + escape_markdown(b.caption + " (The circuit is drawn in the HTML and LaTeX sheets.)") + "*"
    if isinstance(b, Stamp):
        return _stamp(b)
    raise TypeError(f"block: expected a sheet block, received {type(b).__name__}")


def _section(s: Section, depth: int) -> str:
    # An explicit anchor: renderers differ in the ids they derive from a heading's text.
    target = f'<a id="{s.anchor}"></a>\n\n' if s.anchor else ""
    parts = [target + "#" * min(depth + 2, 6) + " " + _spans(s.title_spans)]
    parts += [_block(b) for b in s.blocks]
    parts += [_section(sub, depth + 1) for sub in s.subsections]
    return "\n\n".join(parts)


def _contents(sections: tuple[Section, ...], depth: int = 0) -> list[str]:
    lines = []
    for s in sections:
        if s.anchor:
            lines.append("  " * depth + f"- [{_spans(s.title_spans)}](#{s.anchor})")
            lines += _contents(s.subsections, depth + 1)
    return lines


def render_markdown(sheet: Sheet) -> str:
    """The Markdown text of ``sheet``."""
    body = "\n\n".join(_section(s, 0) for s in sheet.sections)
    contents = "\n".join(_contents(sheet.sections))
    return f"# {escape_markdown(sheet.title)}\n\n" + (contents + "\n\n" if contents else "") + f"{body}\n"
