"""Stage 5b, derivation sheets: a format-free value, and one renderer per output format.

:func:`build_sheet` (:mod:`.build`) assembles a :class:`Sheet` (:mod:`.model`) from section
builders (:mod:`.params`, :mod:`.numbers`, :mod:`.summary`, :mod:`.cost`, :mod:`.picture`,
:mod:`.circuit`, :mod:`.vector`, sharing a :mod:`.context`; the textbook order and the levels
of detail in :mod:`.order`; long rows broken by :mod:`.linebreak`; every word of prose from a
phrase table per language in :mod:`.lang`).  The sheet knows no format: :mod:`.render` holds
one module per format (LaTeX, Markdown, HTML with MathML and SVG) and registers each by
name, so ``sheet.render("html")`` finds it.

Exports: ``build_sheet``, ``Sheet``, ``UnknownLatexError``; the format registry
``Format``, ``register_format``, ``formats``.

>>> from symbackprop.sheet import build_sheet
>>> build_sheet("2-2-1", params=["w2_11"]).render("md").startswith("# ")
True
"""

from typing import TYPE_CHECKING

from symbackprop._lazy import lazy_exports

from . import render  # noqa: F401 - importing the renderers' registry registers the formats
from .build import build_sheet
from .model import Format, Sheet, formats, register_format

__getattr__, __dir__ = lazy_exports(__name__, {"UnknownLatexError": ".render"}, globals())

if TYPE_CHECKING:
    from .render import UnknownLatexError

__all__ = ["build_sheet", "Sheet", "Format", "formats", "register_format", "UnknownLatexError"]
