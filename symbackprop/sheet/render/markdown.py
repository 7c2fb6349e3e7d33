"""A sheet as Markdown with ``$...$`` and ``$$...$$`` math (GitHub, Jupyter, Notion).

Display math is a ``$$`` block on lines of its own, holding an ``aligned`` environment,
which GitHub's and Jupyter's MathJax both render.  Markdown has no pictures without
files, so in text the network picture becomes its caption; written to a file, every picture
becomes an SVG file beside it (:func:`render_markdown_files`).

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

from collections.abc import Callable

from symbackprop.read.text import visible
from symbackprop.sheet.model import (
    Block,
    Circuit,
    Code,
    Equation,
    Fold,
    Link,
    Listing,
    Math,
    Paragraph,
    Picture,
    Section,
    Sheet,
    Span,
    Stamp,
    Table,
)

from .svg import circuit_svg, picture_svg, standalone

__all__ = ["render_markdown", "render_markdown_files", "escape_markdown"]

_SPECIAL = set("\\`*_[]<>#|$")


def escape_markdown(text: str) -> str:
    """Plain text with Markdown's active characters backslash-escaped."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in visible(text))


def _span(s: Span) -> str:
    if isinstance(s, Math):
        # Inline math must not touch spaces inside its dollars for GitHub to see it as math.
        return f"${s.latex.strip()}$"
    if isinstance(s, Link):
        return f"[{_spans(s.text)}](#{s.anchor})"
    if isinstance(s, Code):
        return _code_span(s.text)
    return escape_markdown(s)


def _longest_run(text: str, ch: str = "`") -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == ch else 0
        longest = max(longest, run)
    return longest


def _code_span(text: str) -> str:
    # Delimited by more backticks than any run inside; "|" would end a table cell.
    fence = "`" * (_longest_run(text) + 1)
    body = text.replace("|", "\\|")
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _listing(b: Listing) -> str:
    body = "\n".join(b.lines)
    fence = "`" * max(3, _longest_run(body) + 1)
    return f"{fence}{b.language}\n{body}\n{fence}"


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
    mark = {True: "✓ ", False: "✗ ", None: ""}[s.ok] + f"**{escape_markdown(s.mark)}**"
    lines = [mark] + [_spans(line) for line in s.lines] + ["*" + _spans(line).rstrip() + "*" for line in s.detail]
    return "\n".join("> " + line + ("  " if k < len(lines) - 1 else "") for k, line in enumerate(lines))


#: Turns a picture into Markdown: its caption only, or a link to a file written beside.
Figure = Callable[[Picture | Circuit], str]


def _caption_only(b: Picture | Circuit) -> str:
    return "*" + escape_markdown(b.caption + b.elsewhere) + "*"


def _block(b: Block, figure: Figure) -> str:
    if isinstance(b, Paragraph):
        return _spans(b.spans)
    if isinstance(b, Equation):
        return _equation(b)
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Listing):
        return _listing(b)
    if isinstance(b, (Picture, Circuit)):
        return figure(b)
    if isinstance(b, Stamp):
        return _stamp(b)
    if isinstance(b, Fold):
        return _spans(b.pointer)  # Markdown viewers differ in what they unfold; a pointer reads alike in all
    raise TypeError(f"block: expected a sheet block, received {type(b).__name__}")


def _section(s: Section, depth: int, figure: Figure) -> str:
    # An explicit anchor: renderers differ in the ids they derive from a heading's text.
    target = f'<a id="{s.anchor}"></a>\n\n' if s.anchor else ""
    parts = [target + "#" * min(depth + 2, 6) + " " + _spans(s.title_spans)]
    parts += [_block(b, figure) for b in s.blocks]
    parts += [_section(sub, depth + 1, figure) for sub in s.subsections]
    return "\n\n".join(parts)


def _contents(sections: tuple[Section, ...], depth: int = 0) -> list[str]:
    lines = []
    for s in sections:
        if s.anchor:
            lines.append("  " * depth + f"- [{_spans(s.title_spans)}](#{s.anchor})")
            lines += _contents(s.subsections, depth + 1)
    return lines


def _render(sheet: Sheet, figure: Figure) -> str:
    body = "\n\n".join(_section(s, 0, figure) for s in sheet.sections)
    contents = "\n".join(_contents(sheet.sections))
    author = f"{escape_markdown(sheet.author)}\n\n" if sheet.author else ""
    return f"# {escape_markdown(sheet.title)}\n\n" + author + (contents + "\n\n" if contents else "") + f"{body}\n"


def render_markdown(sheet: Sheet) -> str:
    """The Markdown text of ``sheet``; pictures are named by their captions (a file has
    nowhere to put them: :func:`render_markdown_files` writes them beside it)."""
    return _render(sheet, _caption_only)


def render_markdown_files(sheet: Sheet, name: str) -> tuple[str, dict[str, str]]:
    """The Markdown of ``sheet`` to be saved as ``name``, with every picture as an SVG file
    beside it (``sheet.md`` links ``sheet-1.svg``, ...).

    Returns:
        The Markdown text, and ``{file name: SVG text}`` of the pictures it links.

    >>> import symbackprop as sbp
    >>> from symbackprop.sheet import build_sheet
    >>> text, files = render_markdown_files(build_sheet(sbp.EXAMPLE, detail="summary"), "net.md")
    >>> list(files), "![The network: inputs on the left, outputs on the right. Every connection" in text
    (['net-1.svg'], True)
    """
    stem = name.rsplit(".", 1)[0] if "." in name else name
    files: dict[str, str] = {}

    def figure(b: Picture | Circuit) -> str:
        file = f"{stem}-{len(files) + 1}.svg"
        files[file] = standalone(picture_svg(b) if isinstance(b, Picture) else circuit_svg(b))
        return f"![{escape_markdown(b.caption)}]({file})"

    return _render(sheet, figure), files
