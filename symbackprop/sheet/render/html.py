"""A sheet as one self-contained HTML file: MathML math, inline SVG pictures, no JavaScript.

Math is converted by latex2mathml, which passes LaTeX it does not know through as text
(``<mi>\\foo</mi>``) instead of failing; every formula's MathML is therefore checked and
an :class:`UnknownLatexError` names the command and the formula.  The page loads nothing
from the network and reads well on screen and in print.

>>> from symbackprop.sheet.model import Sheet, Section, Equation
>>> page = render_html(Sheet("T", (Section("S", (Equation((("a", "= b"),)),)),)))
>>> page.startswith("<!DOCTYPE html>") and "<script" not in page and "<mtable" in page
True
>>> mathml(r"\\foo + 1")
Traceback (most recent call last):
...
symbackprop.sheet.render.html.UnknownLatexError: LaTeX command \\foo is not supported by the MathML converter (in formula: \\foo + 1)
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

from symbackprop.errors import SymbackpropError
from symbackprop.read.text import visible
from symbackprop.sheet.model import (
    Block,
    Circuit,
    Equation,
    Fold,
    Code,
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

from .svg import circuit_svg, picture_svg


def escape(text: str, quote: bool = True) -> str:
    """HTML-escaped user text, control characters and bidirectional overrides made visible."""
    return html.escape(visible(text), quote)

__all__ = ["render_html", "render_html_fragment", "mathml", "UnknownLatexError", "raw_latex_in"]


class UnknownLatexError(SymbackpropError):
    """A formula uses LaTeX the MathML converter passed through unconverted."""


# Text content of a MathML token that is still LaTeX: a backslash command, or an
# alignment '&' that the converter did not turn into a table cell.
_RAW = re.compile(r"<(mi|mo|mn|mtext|ms)\b[^>]*>([^<]*?(\\[A-Za-z]+|\\.|&(?![#a-zA-Z0-9]+;))[^<]*)</\1>")


def raw_latex_in(markup: str) -> list[str]:
    """Pieces of LaTeX left unconverted in MathML markup (empty when clean)."""
    return [m.group(3) for m in _RAW.finditer(markup)]


# The converter writes every \left( \right) as a stretchy fence, which Chromium sets with
# space inside (``σ ( 0.37 )``); TeX sets a function's parentheses tight.  A fence that
# holds nothing taller than a subscript need not stretch, so it becomes a plain one.  And
# \ln comes out as a bare <mi> glued to its neighbour (``y lna``); TeX puts a thin space
# before it.
_FENCE = re.compile(r'<mo stretchy="true" fence="true" form="(prefix|postfix)">')
_TALL = re.compile(r"<(mfrac|munderover|munder|mover|mtable|msqrt|mroot)\b")
_FUNCTION = re.compile(r"<mi>(ln|log|exp|sin|cos|tan|tanh|max|min)</mi>")
_PLAIN_FENCE = '<mo stretchy="false">'


def _tight_fences(markup: str) -> str:
    pieces = _FENCE.split(markup)
    # split() gives text, form, text, form, ...: pair each prefix with its postfix.
    tags = [f'<mo stretchy="true" fence="true" form="{form}">' for form in pieces[1::2]]
    texts = pieces[0::2]
    stack: list[int] = []
    for k, form in enumerate(pieces[1::2]):
        if form == "prefix":
            stack.append(k)
        elif stack:
            opened = stack.pop()
            inner = "".join(texts[opened + 1:k + 1])
            if not _TALL.search(inner):
                tags[opened] = tags[k] = _PLAIN_FENCE
    return texts[0] + "".join(tag + text for tag, text in zip(tags, texts[1:]))


# TeX sets a minus (or plus) after an opening bracket, a relation or another operator as a
# sign, tight to its number: (-0.038), = -2.  MathML infers an operator's form only from
# its place in its row, so the converter's ``( <mo>−</mo> 0.038 )`` was set as a binary
# minus with space on both sides; such an operator is marked a prefix, as TeX reads it.
_SIGN_AFTER = re.compile(r"(<mo\b[^>]*>(?!&#x00029;|&#x0005D;|&#x0007D;|&#x0007C;)[^<]*</mo>)"
                         r"<mo>(&#x02212;|&#x0002B;)</mo>")
# A prime written σ' comes out as a superscript <mi>′</mi>; the prime glyph is already raised,
# so raised again it reads as an accent (σ´).  It follows its letter instead, as in σ′.
_PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)<mi>&#x02032;</mi></msup>")


def _signs_and_primes(markup: str) -> str:
    markup = _PRIME.sub(r'<mrow>\1<mo form="postfix" lspace="0em" rspace="0em">&#x02032;</mo></mrow>', markup)
    while True:  # twice in a row (= - -1) needs a second pass
        marked = _SIGN_AFTER.sub(r'\1<mo form="prefix" lspace="0em" rspace="0em">\2</mo>', markup)
        if marked == markup:
            return markup
        markup = marked


def _tidy(markup: str) -> str:
    markup = _signs_and_primes(_tight_fences(markup))
    return _FUNCTION.sub(lambda m: f'<mspace width="0.1667em"></mspace><mi>{m.group(1)}</mi><mo>&#x02061;</mo>',
                         markup)


def mathml(latex: str, *, display: bool = False) -> str:
    """MathML of one formula.

    Raises:
        UnknownLatexError: the converter left a LaTeX command (or a bare ``&``) as text.
    """
    try:
        markup = convert(latex, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises assorted exceptions on malformed input
        raise UnknownLatexError(f"formula could not be converted to MathML ({exc}): {latex}") from None
    raw = raw_latex_in(markup)
    if raw:
        raise UnknownLatexError(
            f"LaTeX command {raw[0]} is not supported by the MathML converter (in formula: {latex})"
        )
    return _tidy(markup)


_PARTS_CSS = """
.sbp { --ink: #1b1b1b; --muted: #666; --line: #c8c8c8; --on: #1565c0; --focus: #e65100; --ok: #2e7d32; --bad: #c62828; color: var(--ink); }
.sbp .eq { overflow-x: auto; margin: 0.6rem 0; }
.sbp math[display="block"] { margin: 0.3rem 0; }
/* MathML Core ignores columnalign; align* rows align on their relation through CSS. */
.sbp mtd { padding: 0.12em 0; }
.sbp mtd[columnalign="right"] { text-align: right; padding-right: 0.15em; }
.sbp mtd[columnalign="left"] { text-align: left; }
.sbp table.data { border-collapse: collapse; margin: 0.8rem 0; }
.sbp pre.code { background: #f6f8fa; padding: 0.5rem 0.8rem; overflow-x: auto; font-size: 0.9em; }
.sbp code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.sbp table.data th, .sbp table.data td { border-bottom: 1px solid var(--line); padding: 0.25rem 0.8rem; text-align: left; }
.sbp figure { margin: 1rem 0; text-align: center; }
.sbp figcaption { color: var(--muted); font-size: 0.9rem; }
.sbp svg.network { max-width: 100%; height: auto; }
.sbp svg .edge { stroke: var(--line); stroke-width: 1; }
.sbp svg .edge.on { stroke: var(--on); stroke-width: 2.5; }
.sbp svg .edge.focus { stroke: var(--focus); stroke-width: 4; }
.sbp svg .neuron { fill: #fff; stroke: var(--ink); stroke-width: 1.2; }
.sbp svg .neuron.on { fill: #e3f2fd; stroke: var(--on); stroke-width: 2; }
.sbp svg .neuron.focus { fill: #ffe0b2; stroke: var(--focus); stroke-width: 3; }
.sbp svg text { font-family: Georgia, serif; font-size: 13px; text-anchor: middle; }
.sbp svg text.head { fill: var(--muted); }
.sbp svg tspan.sub { font-size: 9px; }
.sbp svg .edge.bias { stroke-dasharray: 1.5 3; } /* dotted, as the LaTeX picture draws them */
.sbp svg .bias-unit { fill: #f6f6f6; stroke: var(--muted); stroke-width: 1.2; }
.sbp svg .bias-unit.focus { fill: #ffe0b2; stroke: var(--focus); stroke-width: 3; }
.sbp svg text.focus-label { fill: var(--focus); font-size: 14px; font-style: italic; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.sbp svg text.label { font-style: italic; }
.sbp svg.circuit { max-width: 100%; height: auto; }
.sbp svg .wire { stroke: var(--ink); stroke-width: 1.2; fill: none; }
.sbp svg .gate { fill: #fffde7; stroke: var(--ink); stroke-width: 1.4; }
.sbp svg text.op { font-size: 16px; font-weight: bold; }
.sbp svg text.name { font-size: 10px; fill: var(--muted); font-style: italic; }
.sbp svg text.leaf { font-style: italic; font-size: 15px; }
.sbp svg text.val { fill: var(--ok); font-size: 12px; }
.sbp svg text.val, .sbp svg text.grad { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.sbp svg .box { fill: #fff; stroke: var(--ink); stroke-width: 1.2; }
.sbp svg text.grad { fill: var(--bad); font-size: 12px; }
.sbp .stamp { border-left: 4px solid var(--muted); background: #f6f6f6; padding: 0.5rem 0.9rem; margin: 1rem 0; }
.sbp .stamp.ok { border-color: var(--ok); }
.sbp .stamp.bad { border-color: var(--bad); }
.sbp .stamp p { margin: 0.2rem 0; }
.sbp .stamp details { color: var(--muted); font-size: 0.9rem; }
"""

# Whole-page rules: only in the standalone file, never injected into a notebook.
_PAGE_CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.8rem; border-bottom: 2px solid #1b1b1b; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #c8c8c8; }
h3 { margin-top: 2rem; }
nav > ol { columns: 2; }
nav > ol > li { break-inside: avoid; }
nav ol ol { display: flex; flex-wrap: wrap; gap: 0 1.2em; padding-left: 1.2em; list-style: none; break-inside: avoid; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  nav { display: none; }
  .sbp .eq { overflow: visible; }
  h2, h3 { break-after: avoid; }
  figure, .stamp, .eq, table.data { break-inside: avoid; }
  .sbp .stamp { background: none; }
}
"""


def _span(s: Span) -> str:
    if isinstance(s, Math):
        return mathml(s.latex)
    if isinstance(s, Link):
        return f'<a href="#{escape(s.anchor)}">{_spans(s.text)}</a>'
    if isinstance(s, Code):
        return f"<code>{escape(s.text)}</code>"
    return escape(s)


def _listing(b: Listing) -> str:
    return f'<pre class="code"><code>{escape(chr(10).join(b.lines))}</code></pre>'



def _spans(spans: tuple[Span, ...]) -> str:
    return "".join(_span(s) for s in spans)


def _equation(eq: Equation) -> str:
    if len(eq.rows) == 1 and not eq.rows[0][1]:
        latex = eq.rows[0][0]
    else:
        latex = "\\begin{align*}" + " \\\\ ".join(f"{left} &{right}" for left, right in eq.rows) + "\\end{align*}"
    return f'<div class="eq">{mathml(latex, display=True)}</div>'


def _table(t: Table) -> str:
    head = "".join(f"<th>{_spans(h)}</th>" for h in t.header)
    rows = "".join("<tr>" + "".join(f"<td>{_spans(c)}</td>" for c in row) + "</tr>" for row in t.rows)
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _stamp(s: Stamp) -> str:
    cls, sign = {True: ("ok", "✓ "), False: ("bad", "✗ "), None: ("", "")}[s.ok]
    mark = escape(sign + s.mark)
    lines = "".join(f"<p>{_spans(line)}</p>" for line in s.lines)
    if s.detail:
        folded = "".join(f"<p>{_spans(line)}</p>" for line in s.detail)
        lines += f"<details><summary>{escape(s.more)}</summary>{folded}</details>"
    return f'<div class="stamp {cls}"><p><strong>{mark}</strong></p>{lines}</div>'


def _block(b: Block) -> str:
    if isinstance(b, Paragraph):
        return f"<p>{_spans(b.spans)}</p>"
    if isinstance(b, Equation):
        return _equation(b)
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Listing):
        return _listing(b)
    if isinstance(b, Picture):
        return f"<figure>{picture_svg(b)}<figcaption>{escape(b.caption)}</figcaption></figure>"
    if isinstance(b, Circuit):
        return f"<figure>{circuit_svg(b)}<figcaption>{escape(b.caption)}</figcaption></figure>"
    if isinstance(b, Stamp):
        return _stamp(b)
    if isinstance(b, Fold):
        inner = "\n".join(_block(x) for x in b.blocks)
        return f'<details class="fold"><summary>{_spans(b.summary)}</summary>\n{inner}\n</details>'
    raise TypeError(f"block: expected a sheet block, received {type(b).__name__}")


def _section(s: Section, depth: int) -> str:
    tag = f"h{min(depth + 2, 6)}"
    anchor = f' id="{escape(s.anchor)}"' if s.anchor else ""
    parts = [f"<section{anchor}><{tag}>{_spans(s.title_spans)}</{tag}>"]
    parts += [_block(b) for b in s.blocks]
    parts += [_section(sub, depth + 1) for sub in s.subsections]
    parts.append("</section>")
    return "\n".join(parts)


def _nav_items(sections: tuple[Section, ...]) -> str:
    items = []
    for s in sections:
        if not s.anchor:
            continue
        inner = _nav_items(s.subsections)
        items.append(f'<li><a href="#{escape(s.anchor)}">{_spans(s.title_spans)}</a>'
                     + (f"<ol>{inner}</ol>" if inner else "") + "</li>")
    return "".join(items)


def _nav(sheet: Sheet) -> str:
    return f"<nav><ol>{_nav_items(sheet.sections)}</ol></nav>"


def _author(sheet: Sheet) -> str:
    return f'<p class="author">{escape(sheet.author)}</p>\n' if sheet.author else ""


def render_html_fragment(sheet: Sheet) -> str:
    """The sheet as an HTML fragment with its own styles (for Jupyter's ``_repr_html_``)."""
    body = "\n".join(_section(s, 0) for s in sheet.sections)
    return f'<div class="sbp"><style>{_PARTS_CSS}</style><h2>{escape(sheet.title)}</h2>\n{body}</div>'


def render_html(sheet: Sheet) -> str:
    """The complete, self-contained HTML page of ``sheet``.

    Raises:
        UnknownLatexError: a formula uses LaTeX that cannot be shown as MathML.
    """
    body = "\n".join(_section(s, 0) for s in sheet.sections)
    return (
        f"<!DOCTYPE html>\n<html lang=\"{escape(sheet.lang)}\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + (f"<meta name=\"author\" content=\"{escape(sheet.author)}\">\n" if sheet.author else "")
        + f"<title>{escape(sheet.title)}</title>\n<style>{_PAGE_CSS}{_PARTS_CSS}</style>\n</head>\n"
        f"<body class=\"sbp\">\n<h1>{escape(sheet.title)}</h1>\n{_author(sheet)}{_nav(sheet)}\n{body}\n</body>\n</html>\n"
    )
