r"""The problem sheet and the solution sheet of one exercise, as sheet values.

Both start from :func:`symbackprop.sheet.build_sheet`: the problem keeps the network, its
picture and the forward pass with its numbers, then asks each question with room to answer;
the solution puts the answers (formula and number) first, then the worked derivations of
exactly the scalar parameters asked, the δs and the vector form.

>>> from symbackprop.read import EXAMPLE
>>> from symbackprop.exercise.questions import read_questions
>>> from symbackprop.read import load_spec
>>> qs = read_questions(load_spec(EXAMPLE).network, "w2_11")
>>> [s.anchor for s in problem_sheet(EXAMPLE, qs).sections]
['network', 'forward', 'questions']
>>> solution_sheet(EXAMPLE, qs).sections[1].anchor
'answers'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import sympy as sp

from symbackprop.graph.printing import latex
from symbackprop.read import load_spec
from symbackprop.sheet import Sheet, build_sheet
from symbackprop.sheet.model import Equation, Math, Paragraph, Section

from .questions import Question, solve

__all__ = ["PHRASES", "problem_sheet", "solution_sheet"]

#: The exercise's own words, per language of the sheets (``--lang``).
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "questions": "Questions",
        "answers": "Answers",
        "intro": "Use the network and the numbers above. Give each formula in the network's names "
                 "(or in vector form where a whole layer is asked); the solutions also give its value at these "
                 "numbers, to check a hand calculation against.",
        "q.scalar": "Question {k}. Find the formula for ",
        "q.delta": "Question {k}. Find the error signal ",
        "q.layer": "Question {k}. In vector form, find ",
        "q.end": ".",
        "room": "Formula: ______________________________________________________________",
        "numbers": "The numbers of the picture (the weight from neuron i to neuron j stands in row j, column i):",
        "problems": "Problems",
        "solutions": "Solutions",
    },
    "ko": {
        "questions": "문제",
        "answers": "정답",
        "intro": "위의 신경망과 수치를 사용하세요. 각 식을 신경망의 이름으로 (층 전체를 묻는 경우 벡터 형태로) 쓰세요. "
                 "해답지에는 이 수치에서의 값도 있어, 손 계산을 맞춰 볼 수 있습니다.",
        "q.scalar": "문제 {k}. 다음의 식을 구하세요: ",
        "q.delta": "문제 {k}. 다음 오차 신호를 구하세요: ",
        "q.layer": "문제 {k}. 벡터 형태로 구하세요: ",
        "q.end": "",
        "room": "식: ______________________________________________________________",
        "numbers": "그림의 수치 (뉴런 i에서 뉴런 j로 가는 가중치는 j행 i열에 있습니다):",
        "problems": "문제지",
        "solutions": "해답지",
    },
}


def _say(lang: str, key: str, **kw: Any) -> str:
    return PHRASES.get(lang, PHRASES["en"])[key].format(**kw)


def _number(value: Any) -> str:
    if isinstance(value, list):
        rows = value if value and isinstance(value[0], list) else [[v] for v in value]
        return latex(sp.Matrix([[sp.Float(v, 6) for v in row] for row in rows]))
    return latex(sp.Float(value, 6))


def _with_numbers(section: Section, loaded: Any, lang: str) -> Section:
    """The network section with every weight and bias (and the sample) written out as
    matrices under the picture, in the network's names."""
    values = loaded.values
    if values is None or not values.params:
        return section
    rows = []
    for name, array in values.params.items():
        kind, layer = name[0], name[1:]
        symbol = rf"W^{{({layer})}}" if kind == "W" else rf"\mathbf{{b}}^{{({layer})}}"
        rows.append((symbol, "= " + _number([list(r) for r in array] if kind == "W" else list(array))))
    for symbol, sample in ((r"\mathbf{x}", values.x), (r"\mathbf{y}", values.y)):
        if sample is not None:
            rows.append((symbol, "= " + _number(list(sample[0]))))
    extra = (Paragraph((_say(lang, "numbers"),)), Equation(tuple(rows)))
    return replace(section, blocks=(*section.blocks, *extra))


def problem_sheet(spec: str | Mapping[str, Any], questions: Sequence[Question], *, lang: str = "en") -> Sheet:
    """The network, its picture and numbers, then each question with room for the answer.

    Raises:
        SpecError: the spec cannot be read or has no numbers.
    """
    loaded = load_spec(spec)  # type: ignore[arg-type]
    base = build_sheet(loaded, params=[loaded.network.params[0]], detail="full", lang=lang)
    kept = [_with_numbers(s, loaded, lang) if s.anchor == "network" else s
            for s in base.sections if s.anchor in ("network", "forward")]
    blocks: list[Any] = [Paragraph((_say(lang, "intro"),))]
    for k, q in enumerate(questions, start=1):
        blocks.append(Paragraph((_say(lang, f"q.{q.kind}", k=k), Math(q.label), _say(lang, "q.end"))))
        blocks.append(Paragraph((_say(lang, "room"),)))
    ask = Section(_say(lang, "questions"), tuple(blocks), anchor="questions")
    return replace(base, title=f"{base.title}: {_say(lang, 'problems')}", sections=(*kept, ask))


def solution_sheet(spec: str | Mapping[str, Any], questions: Sequence[Question], *, lang: str = "en") -> Sheet:
    """The answers first (formula and value of each question), then the derivations.

    Raises:
        SpecError: the spec cannot be read or has no numbers.
    """
    loaded = load_spec(spec)  # type: ignore[arg-type]
    scalars = [q.symbol for q in questions if q.kind == "scalar"]
    base = build_sheet(loaded, params=scalars or None, detail="full" if scalars else "worked", lang=lang)
    blocks: list[Any] = []
    for k, q in enumerate(questions, start=1):
        answer = solve(loaded, q)
        blocks.append(Paragraph((_say(lang, f"q.{q.kind}", k=k), Math(q.label), _say(lang, "q.end"))))
        rows = [(q.label, f"= {answer.formula}")]
        if answer.entries and answer.entries != answer.formula:
            rows.append(("", f"= {answer.entries}"))
        blocks.append(Equation((*rows, ("", f"= {_number(answer.value)}"))))
    answers = Section(_say(lang, "answers"), tuple(blocks), anchor="answers")
    rest = [s for s in base.sections if s.anchor != "cost"]
    sections = (*rest[:1], answers, *rest[1:])
    return replace(base, title=f"{base.title}: {_say(lang, 'solutions')}", sections=sections)
