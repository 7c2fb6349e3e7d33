"""Limits on reading what people write: spec size, nesting depth, duplicate keys, integers.

Every check here runs before a parser sees the text, so no input can reach a recursion
limit, Python's 4,300-digit integer-conversion limit or a silent "last key wins".

>>> checked_int("12", "layers[0]")
12
>>> checked_int("9" * 50, "layers[1]")
Traceback (most recent call last):
    ...
symbackprop.errors.SpecError: layers[1]: expected an integer of at most 12 digits, received one of 50 digits
>>> load_table('{"layers": [2, 2], "layers": [2, 1]}', ".json", "net.json")
Traceback (most recent call last):
    ...
symbackprop.errors.SpecError: spec: 'net.json' gives the key 'layers' twice (line 1)
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from typing import Any

from symbackprop.errors import SpecError
from symbackprop.graph.limits import MAX_INT_DIGITS

__all__ = ["MAX_DATA_BYTES", "MAX_STEPS", "MAX_HOMEWORK_BYTES", "MAX_HOMEWORK_LINES", "MAX_INT_DIGITS", "MAX_NOTEBOOK_BYTES",
           "MAX_SPEC_BYTES", "MAX_SPEC_DEPTH", "check_text", "checked_int", "load_table"]

#: Largest spec file read (bytes): a spec with numbers for a 200×200 layer is about 800 kB.
MAX_SPEC_BYTES = 1_000_000
#: Deepest nesting of tables and lists in a spec (a batch of rows needs 3).
MAX_SPEC_DEPTH = 32
#: Largest homework file (``verify --file``, a ``.txt`` handed in to ``mark``) and most lines
#: in it: a verdict takes up to a few hundredths of a second, so 500 lines stay within seconds.
MAX_HOMEWORK_BYTES = 1_000_000
MAX_HOMEWORK_LINES = 500
#: Largest notebook or ``key.json`` read by ``mark`` (a notebook with plots is a few MB).
MAX_NOTEBOOK_BYTES = 20_000_000
#: Largest CSV read by ``train --data`` (4 million cells of 25 characters).
MAX_DATA_BYTES = 100_000_000

_DIGITS = re.compile(r"[0-9][0-9_]*")
#: Most parse-tree visits per formula (sums multiply their body); bounds the work.
MAX_STEPS = 100_000


def checked_int(text: str, field: str, error: type[Exception] = SpecError) -> int:
    """``int(text)`` for a run of decimal digits, refused beyond :data:`MAX_INT_DIGITS`.

    The one conversion of integers written by a user (sizes, indices, subscripts), so a
    5,000-digit index is a clear error, not Python's conversion limit.

    Raises:
        SpecError (or ``error``): not digits, or too many of them; the message names ``field``.
    """
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit():
        raise error(f"{field}: expected an integer, received {text[:40]!r}")
    if len(digits.lstrip("0")) > MAX_INT_DIGITS:
        raise error(f"{field}: expected an integer of at most {MAX_INT_DIGITS} digits, "
                    f"received one of {len(digits)} digits")
    return int(digits)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def check_text(text: str, source: str, suffix: str, *, what: str = "spec") -> None:
    """Refuse a spec (or other JSON: ``what`` names it) nested deeper than
    :data:`MAX_SPEC_DEPTH` or holding an overlong number.

    A linear scan that skips strings (and TOML comments), so brackets inside a node's
    formula do not count; it runs before ``json``/``tomllib``, which recurse per level.
    """
    depth, k, n = 0, 0, len(text)
    toml = suffix == ".toml"
    while k < n:
        ch = text[k]
        if ch == '"' or (toml and ch == "'"):
            triple = toml and text.startswith(ch * 3, k)
            close = ch * 3 if triple else ch
            k += len(close)
            while k < n and not text.startswith(close, k):
                if text[k] == "\\" and ch == '"':
                    k += 1
                elif text[k] == "\n" and not triple:
                    break  # the parser reports the unterminated string
                k += 1
            k += len(close)
            continue
        if toml and ch == "#":
            end = text.find("\n", k)
            k = n if end < 0 else end
            continue
        if ch in "[{":
            depth += 1
            if depth > MAX_SPEC_DEPTH:
                raise SpecError(f"{what}: {source!r} is nested deeper than {MAX_SPEC_DEPTH} levels "
                                f"(line {_line(text, k)})")
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch.isdigit():
            m = _DIGITS.match(text, k)
            assert m is not None
            if len(m[0].replace("_", "").lstrip("0")) > 400:
                # Python refuses int() of more than 4,300 digits; no float64 needs 400.
                raise SpecError(f"{what}: {source!r} has a number of {len(m[0]):,} digits "
                                f"(line {_line(text, k)}); expected at most 400")
            k = m.end()
            continue
        k += 1


def _json_object(text: str, source: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                pos = text.find(json.dumps(key))
                where = f" (line {_line(text, pos)})" if pos >= 0 else ""
                raise SpecError(f"spec: {source!r} gives the key {key!r} twice{where}")
            out[key] = value
        return out
    return hook


def load_table(text: str, suffix: str, source: str) -> Any:
    """The table of a TOML or JSON spec after :func:`check_text`; duplicate keys refused.

    Raises:
        SpecError: too deep, a number too long, a duplicate key, or a syntax error.
    """
    check_text(text, source, suffix)
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        return json.loads(text, object_pairs_hook=_json_object(text, source))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec: {source!r} is not valid TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"spec: {source!r} is not valid JSON: {exc.msg} at line {exc.lineno} "
                        f"column {exc.colno}") from None

