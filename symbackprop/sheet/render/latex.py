"""A sheet as a complete LaTeX document that compiles with ``pdflatex``.

Only ``amsmath``, ``amssymb``, ``color``, ``graphicx`` and ``hyperref`` are used (all in a basic TeX
installation, texlive-latex-base); the pictures are drawn with LaTeX's own ``picture``
environment (``\\qbezier`` draws straight lines of any slope).

>>> from symbackprop.sheet.model import Sheet, Section, Paragraph, Math
>>> tex = render_latex(Sheet("T", (Section("S", (Paragraph(("a_b ", Math("x_1"))),)),)))
>>> "a\\\\_b $x_1$" in tex and tex.rstrip().endswith("\\\\end{document}")
True
"""

from __future__ import annotations

from symbackprop.read.text import visible
from symbackprop.sheet.lang import say
from symbackprop.sheet.layout import NET_GAP_Y, circuit_layout, network_layout
from symbackprop.sheet.linebreak import visual_width
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

__all__ = ["render_latex", "escape_text"]

_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "…": r"\ldots{}", "—": "---", "–": "--", "×": r"$\times$", "→": r"$\to$", "≤": r"$\le$",
    "δ": r"$\delta$", "η": r"$\eta$", "σ": r"$\sigma$", "∂": r"$\partial$", "Σ": r"$\Sigma$",
    "✓": r"$\checkmark$", "·": r"$\cdot$", "θ": r"$\theta$", "−": r"$-$", "‖": r"$\|$",
}

_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\usepackage{color,graphicx}
\usepackage[hidelinks]{hyperref}
% Wider text block without extra packages: derivations are long lines.
\addtolength{\textwidth}{4cm}
\addtolength{\oddsidemargin}{-2cm}
\addtolength{\evensidemargin}{-2cm}
\addtolength{\textheight}{3cm}
\addtolength{\topmargin}{-1.5cm}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5ex}
% A handout: displays closer to their text than the class's defaults.
\AtBeginDocument{\setlength{\abovedisplayskip}{5pt plus 2pt minus 2pt}%
\setlength{\belowdisplayskip}{5pt plus 2pt minus 2pt}\setlength{\jot}{2pt}}
"""


def escape_text(text: str) -> str:
    """Plain text made safe for LaTeX (special characters and a few symbols)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in visible(text))  # a control character would stop pdflatex


def _target(anchor: str) -> str:
    # hyperref's names are safest without TeX's special characters.
    return "sbp:" + "".join(ch if ch.isalnum() else "-" for ch in anchor)


def _span(s: Span) -> str:
    if isinstance(s, Math):
        return f"${s.latex}$"
    if isinstance(s, Link):
        return rf"\hyperlink{{{_target(s.anchor)}}}{{{_spans(s.text)}}}"
    if isinstance(s, Code):
        return r"\texttt{%s}" % escape_code(s.text)
    return escape_text(s)


def escape_code(text: str, *, keep_spaces: bool = False) -> str:
    """Code made safe for ``\\texttt``: TeX's special characters, ASCII only, and with
    ``keep_spaces`` every space kept (indentation) rather than a place to break the line;
    without it, a line may also break after a dot before a name, an underscore, an opening
    bracket or a comma (``dembcat.reshape(emb.shape)`` in a narrow table column)."""
    if keep_spaces:
        return "".join({**_CODE_ESCAPES, " ": "~"}.get(ch, ch) if ch.isascii() else "?" for ch in text)
    out = []
    for k, ch in enumerate(text):
        out.append(_CODE_ESCAPES.get(ch, ch) if ch.isascii() else "?")
        if ch in "_([," or ch == "." and text[k + 1:k + 2].isalpha():  # not inside a number
            out.append(r"\allowbreak{}")
    return "".join(out)


_CODE_ESCAPES = {**{k: v for k, v in _ESCAPES.items() if len(k) == 1 and k.isascii()},
                 "-": "-{}", "*": "*{}", "<": r"\textless{}", ">": r"\textgreater{}", "'": r"\textquotesingle{}"}


def _listing(b: Listing) -> str:
    # Escaped fixed-width lines rather than verbatim, which cannot sit in every place a block can.
    body = r" \\" + "\n"
    lines = body.join(r"\texttt{%s}" % escape_code(line, keep_spaces=True) if line else r"\mbox{}"
                      for line in b.lines)
    return "\\begin{quote}\\small\n" + lines + "\n\\end{quote}"


def _spans(spans: tuple[Span, ...]) -> str:
    return "".join(_span(s) for s in spans)


def _equation(eq: Equation) -> str:
    rows = [f"{left} &{right}" if right else f"{left}" for left, right in eq.rows]
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _table(t: Table) -> str:
    cols = ("".join(r"p{\dimexpr %.3f\linewidth-2\tabcolsep\relax}" % w for w in t.widths) if t.widths
            else "l" * len(t.header))
    lines = [f"\\begin{{tabular}}{{{cols}}}", "\\hline",
             " & ".join(r"\textbf{%s}" % _spans(h) for h in t.header) + r" \\", "\\hline"]
    lines += [" & ".join(_spans(c) for c in row) + r" \\" for row in t.rows]
    lines += ["\\hline", "\\end{tabular}"]
    return "\\begin{center}\n" + "\n".join(lines) + "\n\\end{center}"


#: The pictures' px (of their shared layout) in mm, and the widest a network picture is drawn:
#: TeX draws every slanted line as a row of dots, and a larger picture of a wide network
#: (216 lines) ran out of TeX's memory.
_NET_MM, _NET_MAX_MM = 0.24, 120.0


def _picture(p: Picture) -> str:
    """The network in a ``picture`` environment, from the same layout as the SVG
    (:func:`~symbackprop.sheet.layout.network_layout`, scaled to mm): labelled neurons, bias
    units holding 1, thick lines and filled neurons on paths, the parameter's connection
    labelled above it."""
    lay = network_layout(p, visual_width(p.focus_label) * 8 if p.focus_label else 0.0)
    scale = min(_NET_MM, _NET_MAX_MM / lay.width)
    height = lay.height * scale
    # LaTeX's filled discs (a highlighted neuron) stop at 15pt: the circles keep to that size.
    radius = min(lay.radius * scale, 2.6)

    def x_(x: float) -> float:
        return x * scale

    def y_(y: float) -> float:
        return height - y * scale

    xs, pos = lay.xs, lay.ys
    out = [r"\begin{center}", r"\setlength{\unitlength}{1mm}",
           rf"\begin{{picture}}({x_(lay.width):.0f},{height:.0f})"]
    for l in range(1, len(p.layers)):
        for j in p.shown[l]:
            for i in pos[l - 1]:
                edge = (l, j, i)
                # As in the SVG: the parameter's own connection thickest, its paths thick,
                # the rest hairlines; a bias unit's connections dotted.
                out.append(r"\linethickness{1.6pt}" if edge == p.focus else
                           r"\linethickness{0.9pt}" if edge in p.highlight_edges else r"\thinlines")
                x1, y1 = x_(xs[l - 1]) + radius, y_(pos[l - 1][i])
                x2, y2 = x_(xs[l]) - radius, y_(pos[l][j])
                dots = f"[{int(1.4 * ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5)}]" if i == 0 else ""
                out.append(rf"\qbezier{dots}({x1:.1f},{y1:.1f})({(x1 + x2) / 2:.1f},{(y1 + y2) / 2:.1f})({x2:.1f},{y2:.1f})")
    out.append(r"\thinlines")
    if lay.label is not None:
        tx, ty = lay.label
        # The layout's baseline, less a subscript's depth, is the label's bottom; a white
        # ground hides the other connections behind it, its own stays clear below.
        out.append(rf"\put({x_(tx):.1f},{y_(ty + 7):.1f}){{\makebox(0,0)[b]{{\setlength{{\fboxsep}}{{0.6pt}}"
                   rf"\colorbox{{white}}{{\footnotesize ${p.focus_label}$}}}}}}")
    for v in lay.values:  # as in the SVG: on its connection, a white ground hiding the line
        out.append(rf"\put({x_(v.x):.1f},{y_(v.y):.1f}){{\makebox(0,0){{\setlength{{\fboxsep}}{{0.4pt}}"
                   rf"\colorbox{{white}}{{\scriptsize {v.shown.replace('-', '$-$')}}}}}}}")
    for l, shown in enumerate(p.shown):
        x = x_(xs[l])
        for k, idx in enumerate(shown):
            y = y_(pos[l][idx])
            if (l, idx) in p.highlight_nodes:
                out.append(rf"\put({x:.1f},{y:.1f}){{\color[gray]{{0.8}}\circle*{{{2 * radius - 0.4:.1f}}}}}")
            out.append(rf"\put({x:.1f},{y:.1f}){{\circle{{{2 * radius:.1f}}}}}")
            label = f"x_{{{idx}}}" if l == 0 else f"a^{{({l})}}_{{{idx}}}"
            out.append(rf"\put({x:.1f},{y:.1f}){{\makebox(0,0){{\scriptsize ${label}$}}}}")
            if k and shown[k - 1] != idx - 1:
                out.append(rf"\put({x:.1f},{y_(pos[l][idx] - NET_GAP_Y / 2):.1f}){{\makebox(0,0){{$\vdots$}}}}")
        if 0 in pos[l]:
            y, half = y_(pos[l][0]), 12 * scale
            out.append(rf"\put({x - half:.1f},{y - half:.1f}){{\framebox({2 * half:.1f},{2 * half:.1f}){{\scriptsize 1}}}}")
        label = escape_text(p.heads[l]) if l < len(p.heads) else f"({p.layers[l]})"
        out.append(rf"\put({x:.1f},{y_(16):.1f}){{\makebox(0,0){{\small {label}}}}}")
    out += [r"\end{picture}", r"\end{center}", r"\begin{center}\small " + escape_text(p.caption) + r"\end{center}"]
    return "\n".join(out)


#: The text block's width in mm (A4 at 10pt with the preamble's 4 cm added), less a margin.
_LINE_MM = 155.0


_PX_MM = 0.25  # the layout's px in mm: a 600px circuit is 150mm wide


def _number(text: str) -> str:
    return text.replace("-", "$-$")


def _circuit(c: Circuit) -> str:
    """A circuit in a ``picture``, from the same layout as the SVG: gates (thick frames)
    with their operation and name, thin boxes for leaves, on every wire the value above (green) and the
    gradient below (red), rounded to fit as in the SVG."""
    lay = circuit_layout(c)
    height = lay.height * _PX_MM

    def at(x: float, y: float) -> str:
        return f"({x * _PX_MM:.1f},{height - y * _PX_MM:.1f})"

    # A wide graph is wider than the page: the whole picture, text too, is scaled to fit.
    wide = lay.width * _PX_MM > _LINE_MM
    out = [r"\begin{center}", r"\setlength{\unitlength}{1mm}",
           (r"\resizebox{\linewidth}{!}{" if wide else "") + rf"\begin{{picture}}({lay.width * _PX_MM:.0f},{height:.0f})"]
    for w in lay.wires:
        for (x1, y1), (x2, y2) in zip(w.points, w.points[1:]):
            out.append(rf"\qbezier{at(x1, y1)}{at((x1 + x2) / 2, (y1 + y2) / 2)}{at(x2, y2)}")
        out.append(rf"\put{at(w.label_x, w.label_y - 1.5)}{{\makebox(0,0)[b]{{\scriptsize\color[rgb]{{0.18,0.49,0.2}}{_number(w.value[0])}}}}}")
        if w.gradient[0]:
            out.append(rf"\put{at(w.label_x, w.label_y + 2.5)}{{\makebox(0,0)[t]{{\scriptsize\color[rgb]{{0.78,0.16,0.16}}{_number(w.gradient[0])}}}}}")
    for n, b in zip(c.nodes, lay.boxes):
        corner = at(b.x - b.w / 2, b.y + b.h / 2)
        size = f"({b.w * _PX_MM:.1f},{b.h * _PX_MM:.1f})"
        if n.op:
            # A gate's frame drawn thick (LaTeX's own \oval breaks at this size without pict2e).
            out.append(rf"\thicklines\put{corner}{{\framebox{size}{{}}}}\thinlines")
            out.append(rf"\put{at(b.x, b.y - 3)}{{\makebox(0,0){{\small\bfseries {escape_text(n.op)}}}}}")
            out.append(rf"\put{at(b.x, b.y + 11)}{{\makebox(0,0){{\tiny ${n.name}$}}}}")
        else:
            out.append(rf"\put{corner}{{\framebox{size}{{$ {n.name} $}}}}")
    out += [r"\end{picture}" + ("}" if wide else ""), r"\end{center}", r"\begin{center}\small " + escape_text(c.caption) + r"\end{center}"]
    return "\n".join(out)


def _stamp(s: Stamp) -> str:
    mark = (r"$\checkmark$ " if s.ok else "") + r"\textbf{" + escape_text(s.mark) + "}"
    # A footnote inside a box is lost, so the box carries the mark and the text follows it.
    note = r"\footnotemark" if s.detail else ""
    box = r"\medskip\noindent\fbox{\parbox{\dimexpr\linewidth-2\fboxsep-2\fboxrule}{" + mark + " " + \
        r" \\ ".join(_spans(line) for line in s.lines) + note + "}}"
    if s.detail:
        box += "\n\\footnotetext{" + " ".join(_spans(line) for line in s.detail) + "}"
    return box + "\n\\medskip"


def _block(b: Block) -> str:
    if isinstance(b, Paragraph):
        return _spans(b.spans)
    if isinstance(b, Equation):
        return _equation(b)
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Listing):
        return _listing(b)
    if isinstance(b, Picture):
        return _picture(b)
    if isinstance(b, Circuit):
        return _circuit(b)
    if isinstance(b, Stamp):
        return _stamp(b)
    if isinstance(b, Fold):
        return _spans(b.pointer)  # paper cannot unfold: it says where to find what is folded
    raise TypeError(f"block: expected a sheet block, received {type(b).__name__}")


# A PDF string (a bookmark) holds text only: TeX's special characters written as text.
_PDF_ESCAPES = {"\\": r"\textbackslash{}", "#": r"\#", "%": r"\%", "$": r"\$", "&": r"\&", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _pdf_text(text: str) -> str:
    return "".join(_PDF_ESCAPES.get(ch, ch) for ch in visible(text))


def _title_span(s: Span) -> str:
    """A span of a heading: math and code given a plain-text form for the PDF's bookmarks
    (``\\texorpdfstring``), which cannot hold math (hyperref drops it with a warning)."""
    if isinstance(s, Math):
        return r"\texorpdfstring{%s}{%s}" % (_span(s), _pdf_text(s.text or s.latex))
    if isinstance(s, Code):
        return r"\texorpdfstring{%s}{%s}" % (_span(s), _pdf_text(s.text))
    if isinstance(s, Link):
        return _title(s.text)
    typeset = escape_text(s)
    return r"\texorpdfstring{%s}{%s}" % (typeset, _pdf_text(s)) if "$" in typeset else typeset


def _title(spans: tuple[Span, ...]) -> str:
    return "".join(_title_span(s) for s in spans)


def _section(s: Section, depth: int) -> str:
    command = ["section", "subsection", "subsubsection"][min(depth, 2)]
    target = rf"\hypertarget{{{_target(s.anchor)}}}{{}}" if s.anchor else ""
    parts = [f"\\{command}{{{_title(s.title_spans)}}}{target}"]
    parts += [_block(b) for b in s.blocks]
    parts += [_section(sub, depth + 1) for sub in s.subsections]
    return "\n\n".join(parts)


def _contents(sheet: Sheet) -> str:
    """A compact, linked list of the sections (one pdflatex run, unlike \\tableofcontents)."""
    entries = []
    for k, s in enumerate(sheet.sections, 1):
        if not s.anchor:
            continue
        subs = [_span(Link(sub.title_spans, sub.anchor)) for sub in s.subsections if sub.anchor]
        entries.append(f"{k}~" + _span(Link(s.title_spans, s.anchor)) + (" (" + ", ".join(subs) + ")" if subs else ""))
    if not entries:
        return ""
    # \sloppy: the entries are short unbreakable links, so a line may stretch rather than overflow.
    return (r"{\sloppy\noindent\textbf{" + escape_text(say(sheet.lang, "contents")) + "} "
            + r" \textperiodcentered\ ".join(entries) + "\\par}\n\n")


def render_latex(sheet: Sheet) -> str:
    """The complete ``.tex`` document of ``sheet``."""
    body = "\n\n".join(_section(s, 0) for s in sheet.sections)
    # Korean needs kotex (texlive-lang-korean), which must then be installed.
    preamble = _PREAMBLE + ("\\usepackage{kotex}\n" if sheet.lang == "ko" else "")
    return (
        preamble
        # An author, or an empty one: \maketitle warns "No \author given" without it.
        + f"\\title{{{_title((sheet.title,))}}}\n\\author{{{escape_text(sheet.author)}}}\n\\date{{}}\n"
        + "\\hypersetup{pdftitle={" + _pdf_text(sheet.title) + "}, pdfauthor={" + _pdf_text(sheet.author) + "}}\n\\begin{document}\n\\maketitle\n\n"
        + _contents(sheet)
        + body
        + "\n\n\\end{document}\n"
    )
