r"""The class table as it is written: a total per student, and cells no spreadsheet runs.

A student's answer is text they chose; opened in a spreadsheet, a cell starting with ``=``
(``=HYPERLINK(…)``), ``+``, ``-`` or ``@`` is a formula.  Each such cell gets one leading
``'``, which spreadsheets read as "this is text" and :func:`unescape_cell` removes, so
Python's ``csv`` module still gives every answer back exactly.

>>> from symbackprop.exercise.marking import Mark
>>> rows = [Mark("ann", 1, "w2_11", "correct", answer="-a_1"), Mark("ann", 1, "W2", "wrong", answer="=1+1")]
>>> [(r["answer"], r["total"]) for r in csv_rows(rows)]
[("'-a_1", '1/2'), ("'=1+1", '1/2')]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .marking import Mark

__all__ = ["MAX_CELL", "csv_rows", "spreadsheet_safe", "totals", "unescape_cell"]


def totals(rows: Sequence[Mark]) -> dict[str, str]:
    """Per student, ``correct/asked`` over their question rows (``correct_almost_everywhere``
    and ``correct_under_constraint`` count as correct); ``0/0`` for a file that could not be
    read at all."""
    right: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    for r in rows:
        asked[r.student] += 0
        if r.is_question:
            asked[r.student] += 1
            right[r.student] += r.status.startswith("correct")
    return {s: f"{right[s]}/{asked[s]}" for s in asked}


#: What a spreadsheet reads as the start of a formula (OWASP's list, and the full-width
#: forms some locales accept); a cell starting with a quote is escaped too, so that removing
#: one leading quote always gives the text back.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "'", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would read it as a formula.

    >>> spreadsheet_safe('=HYPERLINK("http://x", "click")')
    '\\'=HYPERLINK("http://x", "click")'
    >>> spreadsheet_safe("-(y_1 - a_1)"), spreadsheet_safe("a_1")
    ("'-(y_1 - a_1)", 'a_1')
    >>> original = "'quoted"
    >>> unescape_cell(spreadsheet_safe(original)) == original
    True
    """
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def unescape_cell(cell: str) -> str:
    """The text of a cell written by :func:`spreadsheet_safe` (one leading ``'`` removed)."""
    return cell[1:] if cell.startswith("'") else cell


#: Longest cell written: a spreadsheet cell holds at most 32,767 characters and Python's csv
#: module reads at most 131,072 by default; a longer answer is over the formula limit anyway.
MAX_CELL = 32_000


def _cell(text: str) -> str:
    if len(text) > MAX_CELL:
        text = f"{text[:MAX_CELL]} … ({len(text):,} characters)"
    return spreadsheet_safe(text)


def csv_rows(rows: Sequence[Mark]) -> list[dict[str, str]]:
    """The rows as the CSV holds them: the student's total added, every cell spreadsheet-safe
    (see :func:`spreadsheet_safe`) and at most :data:`MAX_CELL` characters."""
    total = totals(rows)
    return [{k: _cell(v) for k, v in {**r.row(), "total": total[r.student]}.items()} for r in rows]
