"""The words of a sheet: one table of phrases per language (:mod:`.en`, :mod:`.ko`).

Section builders and renderers never write prose themselves; they ask for a phrase by key
and fill in its fields.  A field given :class:`~symbackprop.sheet.model.Math` (or a
:class:`~symbackprop.sheet.model.Link`) stays math in the spans :func:`spans` returns.

>>> from symbackprop.sheet.model import Math
>>> spans("en", "par.bias", name=Math("b"), j=1, l=2)
(Math(latex='b'), ' is the bias of neuron 1 of layer 2.')
>>> say("ko", "sec.summary"), count("en", 1, "path"), count("en", 2, "path")
('모든 기울기 한눈에 보기', '1 path', '2 paths')
>>> spans("ko", "par.bias", name=Math("b"), j=1, l=2)
(Math(latex='b'), '는 2층 뉴런 1의 편향입니다.')
"""

from __future__ import annotations

from string import Formatter

from symbackprop.errors import SpecError

from ..model import Code, Link, Math, Span
from . import en, ko
from .particles import PARTICLES, particle, particle_after_latex

__all__ = ["LANGS", "TABLES", "check_lang", "count", "describe", "listing", "say", "spans", "term"]

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
    return "".join(s if isinstance(s, str) else _text(s) for s in spans(lang, key, **fields))


def _text(span: object) -> str:
    if isinstance(span, Math):
        return span.latex
    if isinstance(span, Code):
        return span.text
    if isinstance(span, Link):
        return "".join(_text(s) if not isinstance(s, str) else s for s in span.text)
    return str(span)


def _particle(value: object, name: str) -> str:
    """The particle ``name`` in the form that follows ``value`` (text, math, or spans)."""
    last = value[-1] if isinstance(value, tuple) and value else value
    if isinstance(last, Link):
        last = last.text[-1] if last.text else ""
    if isinstance(last, Math):
        return particle_after_latex(last.latex, name)
    return particle(_text(last), name)


def spans(lang: str, key: str, **fields: object) -> tuple[Span, ...]:
    """The phrase ``key`` as spans: fields given math (or links) stay math, the rest text."""
    out: list[Span] = []
    text = ""
    for literal, name, spec, _ in Formatter().parse(TABLES[lang][key]):
        text += literal
        if name is None:
            continue
        value = fields[name]
        after = ""
        if spec in PARTICLES:
            after, spec = _particle(value, spec), ""
        if isinstance(value, (Math, Code, Link)):
            if text:
                out.append(text)
            out.append(value)
            text = after
        elif isinstance(value, tuple):  # spans already
            if text:
                out.append(text)
            out.extend(value)
            text = after
        else:
            text += format(value, spec or "") + after
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


def listing(lang: str, items: list[Span] | tuple[Span, ...]) -> tuple[Span, ...]:
    """``x, y and z`` (``x, y 및 z``): items joined by commas, the last by the word for *and*.

    >>> listing("en", ["a", "b", "c"])
    ('a', ', ', 'b', ' and ', 'c')
    """
    out: list[Span] = []
    for k, item in enumerate(items):
        if k:
            out.append(say(lang, "and") if k == len(items) - 1 else ", ")
        out.append(item)
    return tuple(out)


def term(lang: str, kind: str, name: str) -> str:
    """A registry name in ``lang``: ``term("ko", "act", "sigmoid")`` is 시그모이드.  A name
    registered by the user (no phrase for it) is shown as registered."""
    return TABLES[lang].get(f"{kind}.{name}", name)


def describe(lang: str, layers: tuple[int, ...] | list[int], activations: list[str], loss: str) -> str:
    """``2-2-2 sigmoid network, squared loss`` in ``lang`` (as ``Network.describe`` in English).

    >>> describe("ko", [2, 2, 2], ["sigmoid", "sigmoid"], "squared")
    '2-2-2 시그모이드 신경망, 제곱 손실'
    """
    acts = "/".join(term(lang, "act", a) for a in dict.fromkeys(activations))
    return say(lang, "net.describe", layers="-".join(map(str, layers)), acts=acts, loss=term(lang, "loss", loss))
