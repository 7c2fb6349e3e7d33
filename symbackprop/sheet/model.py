"""The derivation sheet as a value: sections of blocks, independent of any output format.

Math is held as LaTeX strings produced by :mod:`symbackprop.graph.printing` (every output format
shows math from LaTeX: pdflatex directly, Markdown through MathJax/KaTeX, HTML through
latex2mathml); prose is plain text.  The value knows no output format: renderers
(:mod:`symbackprop.sheet.render`, one module per format) walk this tree, never import each
other, and are found by name in the registry below (:func:`register_format`).

>>> s = Sheet("Demo", sections=(Section("Loss", (Paragraph(("The loss is ", Math("L"), ".")),)),))
>>> [type(b).__name__ for b in s.sections[0].blocks]
['Paragraph']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "Math",
    "Code",
    "Link",
    "Listing",
    "Span",
    "Paragraph",
    "Equation",
    "Table",
    "Picture",
    "Circuit",
    "CircuitNode",
    "Stamp",
    "Fold",
    "Block",
    "Section",
    "Sheet",
    "Format",
    "register_format",
    "formats",
]


@dataclass(frozen=True)
class Math:
    """Inline math, as LaTeX (``w^{(1)}_{11}``); ``text`` is the same as plain text
    (``∂L/∂w1_11``) for places that set no math, such as a PDF's bookmarks."""

    latex: str
    text: str = field(default="", repr=False)


@dataclass(frozen=True)
class Code:
    """Inline code, set in a fixed-width font (``dW1 = embcat.T @ dhprebn``)."""

    text: str


@dataclass(frozen=True)
class Link:
    """Text that leads to the section with ``anchor`` (a parameter's worked derivation)."""

    text: tuple[str | Math, ...]
    anchor: str


#: A piece of running text: plain text (``str``), inline :class:`Math` or :class:`Code`, or a
#: :class:`Link`.
Span = str | Math | Code | Link


@dataclass(frozen=True)
class Paragraph:
    """Running text: plain strings and inline math, in order."""

    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Equation:
    """Display math of one or more aligned rows.

    Each row is ``(left, right)``; ``right`` starts with its relation (``"= a - y"``), so
    rows align on it.  A row with an empty ``left`` continues the row above.
    """

    rows: tuple[tuple[str, str], ...]

    @property
    def single(self) -> str:
        """The whole equation as one LaTeX line (for single-row display)."""
        return " ".join(part for row in self.rows for part in row if part)


@dataclass(frozen=True)
class Table:
    """A table of cells, each a tuple of spans.  ``widths``, when given, are the columns'
    shares of the line (formats that set a page wrap long cells to them)."""

    header: tuple[tuple[Span, ...], ...]
    rows: tuple[tuple[tuple[Span, ...], ...], ...]
    widths: tuple[float, ...] = ()


@dataclass(frozen=True)
class Listing:
    """Lines of code shown as written (a program, generated code)."""

    lines: tuple[str, ...]
    language: str = "python"


@dataclass(frozen=True)
class Picture:
    """A layered network drawn as neurons and connections.

    Attributes:
        layers: neurons per layer, input first.
        shown: per layer, the 1-based neuron indices drawn (large layers are elided).
        highlight_nodes: ``(layer, index)`` of neurons on a highlighted path.
        highlight_edges: ``(layer, j, i)``: the connection from neuron ``i`` of layer
            ``layer-1`` to neuron ``j`` of ``layer``, on a highlighted path.
        focus: the parameter's own connection ``(layer, j, i)`` or, for a bias,
            ``(layer, j, 0)`` (from the bias unit of layer ``layer-1``); ``None`` for an
            overview picture.
        caption: one sentence describing what is highlighted.
        bias: per layer after the input, whether it has biases: a bias unit (the constant
            1) is drawn in the layer before it.
        focus_label: the focused parameter's name as LaTeX, written on its connection,
            with its value (``w^{(1)}_{11} = 0.15``) when the sheet has numbers.
        heads: the heading of every column (``input (2)``), in the sheet's language.
        elsewhere: what a format that cannot draw it says instead, after the caption.
        edge_values: ``((layer, j, i), value)`` for connections written with their number
            (the weight, or from a bias unit the bias), as plain text: the problem as a
            textbook draws it.  Drawn only when every one of them fits (see
            :func:`~symbackprop.sheet.layout.network_layout`).
    """

    layers: tuple[int, ...]
    shown: tuple[tuple[int, ...], ...]
    highlight_nodes: frozenset[tuple[int, int]] = frozenset()
    highlight_edges: frozenset[tuple[int, int, int]] = frozenset()
    focus: tuple[int, int, int] | None = None
    caption: str = ""
    bias: tuple[bool, ...] = ()
    focus_label: str = ""
    heads: tuple[str, ...] = ()
    elsewhere: str = ""
    edge_values: tuple[tuple[tuple[int, int, int], str], ...] = ()


@dataclass(frozen=True)
class CircuitNode:
    """One box of a circuit: a leaf or a node, where it stands, and its numbers.

    ``name`` is LaTeX (``q``), ``text`` the same name as plain text for pictures that set
    no math; ``value`` is its forward value and ``gradient`` ∂output/∂it, both as text;
    ``op`` is a node's operation as its gate shows it (``+``, ``×``, ``exp``, ``σ``), empty
    for a leaf.
    """

    name: str
    text: str
    value: str
    gradient: str
    column: int
    row: int
    op: str = ""


@dataclass(frozen=True)
class Circuit:
    """A computation graph drawn as a circuit, as CS231n draws f = (x + y) z: each box a
    leaf or node with its forward value, each wire ``(from, to, gradient)`` carrying the
    gradient that flows back along it (indices into ``nodes``)."""

    nodes: tuple[CircuitNode, ...]
    wires: tuple[tuple[int, int, str], ...]
    caption: str = ""
    elsewhere: str = ""


@dataclass(frozen=True)
class Stamp:
    """How a result was verified: ``ok`` is ``True`` (confirmed), ``False`` (refuted) or
    ``None`` (not checked on this sheet); ``lines`` say by which routes in plain words,
    ``detail`` the technical particulars (folded away: ``<details>`` in HTML, a footnote
    in LaTeX); ``mark`` is the verdict in words (``Verified.``), ``more`` the label of the
    folded detail."""

    ok: bool | None
    lines: tuple[tuple[Span, ...], ...]
    detail: tuple[tuple[Span, ...], ...] = ()
    mark: str = ""
    more: str = ""


@dataclass(frozen=True)
class Fold:
    """Blocks shown on request: folded away on screen (HTML's ``<details>``, opened by
    ``summary``), and on paper and in Markdown replaced by ``pointer``, which says where to
    find them (a sheet of more detail)."""

    summary: tuple[Span, ...]
    blocks: tuple[Block, ...]
    pointer: tuple[Span, ...]


Block = Paragraph | Equation | Table | Listing | Picture | Circuit | Stamp | Fold


@dataclass(frozen=True)
class Section:
    """A titled section: blocks, then subsections (one level deeper)."""

    title: tuple[Span, ...] | str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()
    anchor: str = ""

    @property
    def title_spans(self) -> tuple[Span, ...]:
        return (self.title,) if isinstance(self.title, str) else self.title


@dataclass(frozen=True)
class Sheet:
    """A whole derivation sheet.

    Attributes:
        title: the document title.
        sections: top-level sections, in reading order.
        omitted: sentences naming what was left out (large networks, ``--no-expand``).
        lang: the language of its prose (``"en"``, ``"ko"``), for the renderers' own words.
        author: the line under the title (a teacher's name, a course); none when empty.
    """

    title: str
    sections: tuple[Section, ...] = ()
    omitted: tuple[str, ...] = field(default=())
    lang: str = "en"
    author: str = ""

    def render(self, fmt: str) -> str:
        """The sheet as text in a registered format: ``"tex"``, ``"md"`` or ``"html"``.

        Raises:
            ValueError: an unknown format.
        """
        return _format(fmt).render(self)

    # Jupyter picks the richest of these it can show.
    def _repr_html_(self) -> str:
        html = _format("html")
        return (html.fragment or html.render)(self)

    def _repr_markdown_(self) -> str:
        return self.render("md")

    def __repr__(self) -> str:
        return f"<Sheet {self.title!r}: {len(self.sections)} sections>"

    def section(self, anchor: str) -> Section:
        """The section or subsection with this anchor (``"loss"``, ``"w2_11"``).

        Raises:
            KeyError: no section has that anchor.
        """
        stack = list(reversed(self.sections))
        while stack:
            s = stack.pop()
            if s.anchor == anchor:
                return s
            stack.extend(reversed(s.subsections))
        raise KeyError(f"no section {anchor!r} in this sheet")

    def walk(self) -> list[Block]:
        """Every block, depth first, folded ones too (for tests and checks)."""
        out: list[Block] = []

        def visit(s: Section) -> None:
            for b in s.blocks:
                out.append(b)
                if isinstance(b, Fold):
                    out.extend(b.blocks)
            for sub in s.subsections:
                visit(sub)

        for s in self.sections:
            visit(s)
        return out


@dataclass(frozen=True)
class Format:
    """An output format of sheets.

    Attributes:
        name: what :meth:`Sheet.render` is asked for (``"html"``).
        render: the whole document as text.
        fragment: the same without the document around it (for Jupyter), if it differs.
        suffixes: file name endings that mean this format (``".html"``, ``".htm"``).
        files: for a format whose pictures live in files of their own (Markdown): the
            document to be saved under a given name, and ``{file name: text}`` beside it.
    """

    name: str
    render: Callable[[Sheet], str]
    fragment: Callable[[Sheet], str] | None = None
    suffixes: tuple[str, ...] = ()
    files: Callable[[Sheet, str], tuple[str, dict[str, str]]] | None = None


_FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> None:
    """Make ``fmt`` available to :meth:`Sheet.render` under ``fmt.name`` (replacing any)."""
    _FORMATS[fmt.name] = fmt


def formats() -> tuple[Format, ...]:
    """The registered formats, in the order they were registered."""
    return tuple(_FORMATS.values())


def _format(name: str) -> Format:
    found = _FORMATS.get(name)
    if found is None:
        names = [repr(n) for n in _FORMATS]
        expected = " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
        raise ValueError(f"format: expected {expected}, received {name!r}")
    return found
