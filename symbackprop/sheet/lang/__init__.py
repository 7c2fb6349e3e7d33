"""The words of a sheet: one table of phrases per language (:mod:`.en`, :mod:`.ko`).

Section builders and renderers never write prose themselves; they ask for a phrase by key
and fill in its fields.  A field given :class:`~symbackprop.sheet.model.Math` (or a
:class:`~symbackprop.sheet.model.Link`) stays math in the spans :func:`spans` returns.

>>> from symbackprop.sheet.model import Math
>>> spans("en", "par.bias", name=Math("b"), j=1, l=2)
(Math(latex='b'), ' is the bias of neuron 1 of layer 2.')
>>> say("ko", "sec.summary"), count("en", 1, "path"), count("en", 2, "path")
('모든 기울기 한눈에 보기', '1 path', '2 paths')
"""

from __future__ import annotations

from string import Formatter

from symbackprop.errors import SpecError

from ..model import Code, Link, Math, Span
from . import en, ko

__all__ = ["LANGS", "TABLES", "check_lang", "count", "say", "spans"]

#: Every language's phrase table, by code.
TABLES: dict[str, dict[str, str]] = {"en": en.PHRASES, "ko": ko.PHRASES}
#: The language codes a sheet can be written in.
LANGS = tuple(TABLES)


def check_lang(lang: str) -> str:
    """``lang`` if it is a known language code.

    Raises:
        SpecError: an unknown code, naming the known ones.
    """
    if lang not in TABLES:
        raise SpecError(f"lang: expected {' or '.join(map(repr, LANGS))}, received {lang!r}")
    return lang


def say(lang: str, key: str, **fields: object) -> str:
    """The phrase ``key`` of ``lang`` with its fields filled in as text."""
    return TABLES[lang][key].format(**fields)


def spans(lang: str, key: str, **fields: object) -> tuple[Span, ...]:
    """The phrase ``key`` as spans: fields given math (or links) stay math, the rest text."""
    out: list[Span] = []
    text = ""
    for literal, name, spec, _ in Formatter().parse(TABLES[lang][key]):
        text += literal
        if name is None:
            continue
        value = fields[name]
        if isinstance(value, (Math, Code, Link)):
            if text:
                out.append(text)
            out.append(value)
            text = ""
        elif isinstance(value, tuple):  # spans already
            if text:
                out.append(text)
            out.extend(value)
            text = ""
        else:
            text += format(value, spec or "")
    if text:
        out.append(text)
    return tuple(out)


def count(lang: str, n: int, noun: str) -> str:
    """``1 path``, ``2 paths``, ``5,898 parameters`` (``경로 2개`` in Korean, which counts
    with the counter 개 after the noun)."""
    one, many = TABLES[lang]["n." + noun].split("|")
    if lang == "ko":
        return f"{one} {n:,}개"
    return f"{n:,} {one if n == 1 else many}"
