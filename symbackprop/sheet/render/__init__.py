"""Renderers: one module per output format (``latex``, ``markdown``, ``html``; ``svg`` draws the
HTML sheet's picture), each turning a :class:`~symbackprop.sheet.model.Sheet` into text,
registered here by name so the sheet itself knows no format.

A new output format is a module beside these with a ``render_<format>(sheet) -> str``, and
one :func:`~symbackprop.sheet.model.register_format` line below; ``sheet.render(name)`` and
the command line (``--format``, the ``-o`` file suffix) then offer it.
"""

from symbackprop.sheet.model import Format, register_format

from .html import UnknownLatexError, render_html, render_html_fragment
from .latex import render_latex
from .markdown import render_markdown, render_markdown_files

__all__ = ["render_html", "render_html_fragment", "render_latex", "render_markdown", "render_markdown_files",
           "UnknownLatexError"]

register_format(Format("tex", render_latex, suffixes=(".tex",)))
register_format(Format("md", render_markdown, suffixes=(".md", ".markdown"), files=render_markdown_files))
register_format(Format("html", render_html, fragment=render_html_fragment, suffixes=(".html", ".htm")))
