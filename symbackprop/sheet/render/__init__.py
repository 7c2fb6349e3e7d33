"""Renderers: one module per output format (``latex``, ``markdown``, ``html``; ``svg`` draws the
HTML sheet's picture), each turning a :class:`~symbackprop.sheet.model.Sheet` into text,
registered here by name so the sheet itself knows no format.

A new output format is a module beside these with a ``render_<format>(sheet) -> str``, and
one :func:`~symbackprop.sheet.model.register_format` line below; ``sheet.render(name)`` and
the command line (``--format``, the ``-o`` file suffix) then offer it.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from symbackprop._lazy import lazy_exports
from symbackprop.sheet.model import Format, register_format

# A renderer's module (the HTML one brings the MathML converter) loads when a sheet is
# first rendered in its format: a Markdown sheet does not pay for HTML.
__getattr__, __dir__ = lazy_exports(__name__, {
    "render_html": ".html", "render_html_fragment": ".html", "UnknownLatexError": ".html",
    "render_latex": ".latex", "render_markdown": ".markdown", "render_markdown_files": ".markdown",
}, globals())

if TYPE_CHECKING:
    from .html import UnknownLatexError, render_html, render_html_fragment
    from .latex import render_latex
    from .markdown import render_markdown, render_markdown_files

__all__ = ["render_html", "render_html_fragment", "render_latex", "render_markdown", "render_markdown_files",
           "UnknownLatexError"]


def _on_use(name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return __getattr__(name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


register_format(Format("tex", _on_use("render_latex"), suffixes=(".tex",)))
register_format(Format("md", _on_use("render_markdown"), suffixes=(".md", ".markdown"),
                       files=_on_use("render_markdown_files")))
register_format(Format("html", _on_use("render_html"), fragment=_on_use("render_html_fragment"),
                       suffixes=(".html", ".htm")))
