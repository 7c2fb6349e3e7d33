"""The formula grammar's parser tables, shipped as JSON so that no run has to build them.

Building lark's LALR tables for ``grammar.lark`` takes about 0.1 s, a quarter of a whole
``symbackprop verify`` run.  The tables are a pure function of the grammar and of lark's
version, so ``grammar_tables.json`` holds them (plain data: no pickle, nothing executable)
with the grammar's SHA-256 and the lark version that made them.  When either differs (an
edited grammar, another lark), :func:`load` returns ``None`` and the parser is built from the
grammar as before.  Regenerate after editing the grammar (``tests/read/test_tables.py``
fails until then)::

    python -c "from symbackprop.read.tables import write; write()"

>>> tables = load(grammar_text())
>>> tables is None or set(tables) == {"data", "memo"}
True
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

__all__ = ["OPTIONS", "TABLES", "build", "grammar_text", "load", "serialize", "write"]

#: How the parser is configured; part of what the tables depend on.
OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True}
#: The shipped tables, beside the grammar.
TABLES = "grammar_tables.json"


def grammar_text() -> str:
    return resources.files(__package__).joinpath("grammar.lark").read_text("utf-8")


def _key(grammar: str) -> dict[str, str]:
    digest = hashlib.sha256((grammar + json.dumps(OPTIONS, sort_keys=True)).encode("utf-8")).hexdigest()
    return {"grammar_sha256": digest, "lark": lark.__version__}


def build(grammar: str) -> lark.Lark:
    """The parser built from the grammar (what happens when no current tables are shipped)."""
    return lark.Lark(grammar, **OPTIONS)


def serialize(parser: lark.Lark) -> dict[str, Any]:
    """lark's own serialization of ``parser`` (``{"data": ..., "memo": ...}``, plain data)."""
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    return {"data": data, "memo": memo}


# JSON has no tuples and only string keys; lark's tables use both, so they are tagged.
def _encode(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"__items__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    return value


def _decode(obj: dict[str, Any]) -> Any:
    if "__tuple__" in obj and len(obj) == 1:
        return tuple(obj["__tuple__"])
    if "__items__" in obj and len(obj) == 1:
        return dict(obj["__items__"])  # keys came back as ints and tuples already
    return obj


def load(grammar: str, path: Path | None = None) -> dict[str, Any] | None:
    """The shipped tables when they were made from ``grammar`` by this lark, else ``None``."""
    try:
        text = (path.read_text("utf-8") if path is not None
                else resources.files(__package__).joinpath(TABLES).read_text("utf-8"))
    except OSError:
        return None
    stored = json.loads(text, object_hook=_decode)
    if stored.get("key") != _key(grammar):
        return None
    return stored["tables"]


def write(path: Path | None = None) -> Path:
    """Build the parser from ``grammar.lark`` and write its tables (the generator of the file)."""
    grammar = grammar_text()
    target = path or Path(__file__).with_name(TABLES)
    payload = {"key": _key(grammar), "tables": _encode(serialize(build(grammar)))}
    target.write_text(json.dumps(payload, separators=(",", ":")) + "\n", encoding="utf-8")
    return target
