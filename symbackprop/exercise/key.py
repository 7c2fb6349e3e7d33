"""The teacher's key (``key.json``, written with an exercise): read whole and checked before
any student is marked, so that a mistake in it is the teacher's, reported once, and not every
student's ``unreadable`` row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from symbackprop.errors import SpecError, SymbackpropError
from symbackprop.read import budget, load_spec
from symbackprop.read.files import read_text
from symbackprop.read.limits import MAX_NOTEBOOK_BYTES, check_text

from .code_check import code_questions, is_code_question
from .fuse_check import fused_span, is_fused_question, program_of
from .questions import read_questions

__all__ = ["read_key"]


def _json(text: str, field: str, source: str) -> Any:
    """JSON refused past the nesting and digit limits before the parser recurses or converts."""
    check_text(text, source, ".json", what=field)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{field}: not JSON: {exc.msg} at line {exc.lineno}") from None
    except (ValueError, RecursionError) as exc:  # what the checks above should already refuse
        raise SpecError(f"{field}: not JSON this tool reads: {exc}") from None


def _check_variant_entry(entry: object, where: str) -> None:
    if not isinstance(entry, dict) or not {"spec", "questions"} <= set(entry):
        raise SpecError(f"{where}: expected a table with 'spec' and 'questions', as an exercise writes")
    variant = entry.get("variant")
    if variant is not None and (isinstance(variant, bool) or not isinstance(variant, int)):
        raise SpecError(f"{where}.variant: expected an integer or null, received {type(variant).__name__}")
    questions = entry["questions"]
    if not isinstance(questions, list) or not questions or not all(isinstance(q, str) for q in questions):
        raise SpecError(f"{where}.questions: expected a non-empty list of names, received {type(questions).__name__}")
    if len(questions) > budget.MAX_QUESTIONS:
        raise SpecError(f"{where}.questions: {len(questions):,} questions; expected at most {budget.MAX_QUESTIONS}")
    if not isinstance(entry["spec"], (dict, str)):
        raise SpecError(f"{where}.spec: expected a table, received {type(entry['spec']).__name__}")


def read_key(path: str | Path) -> dict[int | None, dict[str, Any]]:
    """The teacher's key by variant, every variant's spec and questions checked.

    Raises:
        SpecError: the key cannot be read, is not a key written by ``exercise``, or a
            variant's spec or question does not hold (the teacher's mistake, found before
            any student is marked).
    """
    name = str(path)
    data = _json(read_text(path, limit=MAX_NOTEBOOK_BYTES, field="--key"), "--key", name)
    if not isinstance(data, list) or not data:
        raise SpecError(f"--key: {name!r} is not the key.json an exercise writes (expected a list of variants)")
    key: dict[int | None, dict[str, Any]] = {}
    for k, entry in enumerate(data):
        _check_variant_entry(entry, f"--key[{k}]")
        if entry.get("variant") in key:
            raise SpecError(f"--key[{k}].variant: variant {entry.get('variant')!r} appears twice")
        try:
            asked = _asked(load_spec(entry["spec"]), list(entry["questions"]))
        except SymbackpropError as exc:
            raise SpecError(f"--key[{k}]: {str(exc).splitlines()[0]}") from None
        if asked != list(entry["questions"]):
            raise SpecError(f"--key[{k}].questions: expected the names an exercise writes ({', '.join(asked)}), "
                            f"received {', '.join(entry['questions'])}")
        key[entry.get("variant")] = entry
    return key


def _asked(spec: Any, questions: list[str]) -> list[str]:
    """The names the questions read as, each by its own reader: a fused formula
    (``fuse:FROM..TO``, whose span must fuse), code (``dW2``) or a formula."""
    fused = [q for q in questions if is_fused_question(q)]
    for q in fused:
        program_of(spec).fuse(*fused_span(q))
    rest = [q for q in questions if not is_fused_question(q)]
    names: list[str] = []
    if rest:
        ask = ",".join(rest)
        code = is_code_question(spec, rest[0])
        names = [q.name for q in (code_questions(spec, ask) if code else read_questions(spec.network, ask))]
    read = iter(names)
    return [q if is_fused_question(q) else next(read, q) for q in questions]
