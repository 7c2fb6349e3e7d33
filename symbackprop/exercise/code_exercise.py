r"""An exercise of code questions: write ``dW2``, ``dhprebn``... for a program or a layered network.

The problem sheet shows the program (its names, kinds and shapes) and the forward pass line
by line, then asks for the lines that compute each gradient; the solution sheet gives the
derived lines as code, in the program's own library, before the backward pass worked in
full (:func:`~symbackprop.sheet.program.program_sheet`).  The notebook shows the forward
pass and takes each answer as lines of code in a string (``answer_1 = r\"\"\"...\"\"\"``),
checked when its cell runs by :func:`~symbackprop.exercise.code_check.check_code` with
``hint`` feedback; it keeps the spec and the questions, never the answers.

>>> files = code_exercise_files("2-3-2", "dW2,dZ1", formats=["md"])
>>> sorted(files)
['key.json', 'problems.md', 'solutions.md']
>>> "dW2 = dZ2.T @ A1" in files["solutions.md"]
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from symbackprop.derive.backward_code import statement
from symbackprop.derive.programs import Program
from symbackprop.errors import SpecError
from symbackprop.graph import Network
from symbackprop.read import load_spec, split_names
from symbackprop.sheet import Sheet
from symbackprop.sheet.model import Code, Listing, Paragraph, Section
from symbackprop.sheet.program import program_sheet
from symbackprop.verify.code_points import code_setting

from .code_check import CodeQuestion, code_questions, is_code_question
from .notebook import METADATA_KEY, _nbformat
from .variants import read_table, variant_tables

__all__ = ["PHRASES", "code_asked", "code_exercise_files", "derived_lines"]

#: The words of code exercises, per language.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "questions": "Questions", "answers": "Answers", "problems": "Problems", "solutions": "Solutions",
        "intro": "Write the lines of NumPy or PyTorch code that compute each gradient asked. dX is the gradient "
                 "of the loss with respect to X; your lines may read every name of the forward pass and the "
                 "gradients of the names after it.",
        "ask": "Question {k}. Write the code of ", "of": ", the gradient of the loss with respect to ",
        "shape": " (shape {shape}).", "room": "Code: ____________________________________________________",
        "answer": "Question {k}: ",
        "nb.intro": "Write each answer as lines of NumPy or PyTorch code between the triple quotes, then run the "
                    "check cell below it. The forward pass is read, never run: its names and the other gradients "
                    "are there for your lines to use.",
        "nb.forward": "The forward pass ({program}):", "nb.cell": "your lines of code, between the quotes",
    },
    "ko": {
        "questions": "문제", "answers": "정답", "problems": "문제지", "solutions": "해답지",
        "intro": "물어본 각 기울기를 계산하는 NumPy 또는 PyTorch 코드를 쓰세요. dX는 X에 대한 손실의 기울기입니다. "
                 "순전파의 모든 이름과 그 뒤 이름들의 기울기를 읽을 수 있습니다.",
        "ask": "문제 {k}. 다음의 코드를 쓰세요: ", "of": ", 손실의 기울기 (대상: ", "shape": ", 모양 {shape}).",
        "room": "코드: ____________________________________________________", "answer": "문제 {k}: ",
        "nb.intro": "각 답을 세 따옴표 사이에 NumPy 또는 PyTorch 코드로 쓰고, 아래의 확인 셀을 실행하세요. "
                    "순전파는 읽기만 하고 실행하지 않습니다.",
        "nb.forward": "순전파 ({program}):", "nb.cell": "따옴표 사이에 코드를 쓰세요",
    },
}


def _say(lang: str, key: str, **kw: Any) -> str:
    return PHRASES.get(lang, PHRASES["en"])[key].format(**kw)


def code_asked(source: object, ask: str) -> bool:
    """Whether ``ask`` asks for code: on a ``[program]`` always; on a layered network when it
    names gradient variables (``dW2``, ``dZ1``).

    Raises:
        SpecError: a layered network asked for formulas and code at once.
    """
    loaded = load_spec(source)  # type: ignore[arg-type]
    if loaded.is_program:
        return True
    if not isinstance(loaded.network, Network):
        return False
    kinds = {is_code_question(loaded, name) for name in split_names(ask) if name != "layer"}
    if kinds == {True, False}:
        raise SpecError("--ask: ask for formulas (W2, delta1, w2_11) or for code (dW2, dZ1) in one exercise, not both")
    return kinds == {True}


def _dialect(program: Program) -> str:
    return "torch" if any(word in program.forward.code for word in ("torch", "F.")) else "numpy"


def derived_lines(program: Program, q: CodeQuestion, dialect: str) -> tuple[str, ...]:
    """The derived code of ``q``'s gradient: one statement per path to the loss."""
    printer = program.code_printer(dialect)
    out: list[str] = []
    for gl in program.backward.contributions(q.target):
        out += statement(gl, printer, program.forward, program.backward)
    return tuple(out)


def _asked(program: Program, questions: Sequence[CodeQuestion], lang: str) -> Section:
    blocks: list[Any] = [Paragraph((_say(lang, "intro"),))]
    for k, q in enumerate(questions, start=1):
        blocks.append(Paragraph((_say(lang, "ask", k=k), Code(q.name), _say(lang, "of"), Code(q.target),
                                 _say(lang, "shape", shape=program.shape_text(q.target)))))
        blocks.append(Paragraph((_say(lang, "room"),)))
    return Section(_say(lang, "questions"), tuple(blocks), anchor="questions")


def _answers(program: Program, questions: Sequence[CodeQuestion], lang: str, dialect: str) -> Section:
    blocks: list[Any] = []
    for k, q in enumerate(questions, start=1):
        blocks.append(Paragraph((_say(lang, "answer", k=k), Code(q.name))))
        blocks.append(Listing(derived_lines(program, q, dialect)))
    return Section(_say(lang, "answers"), tuple(blocks), anchor="answers")


def _sheets(program: Program, questions: Sequence[CodeQuestion], lang: str, seed: int) -> tuple[Sheet, Sheet]:
    dialect = _dialect(program)
    base = program_sheet(program, lang=lang, seed=seed, code=dialect)
    by = {s.anchor: s for s in base.sections}
    problems = replace(base, title=f"{base.title}: {_say(lang, 'problems')}",
                       sections=(by["program"], by["forward"], _asked(program, questions, lang)))
    solutions = replace(base, title=f"{base.title}: {_say(lang, 'solutions')}",
                        sections=(by["program"], _answers(program, questions, lang, dialect), by["forward"],
                                  by["backward"]))
    return problems, solutions


def _notebook(table: Mapping[str, Any], program: Program, questions: Sequence[CodeQuestion], variant: int | None,
              lang: str) -> str:
    nbf = _nbformat()
    nb = nbf.v4.new_notebook()
    nb.metadata[METADATA_KEY] = {"spec": dict(table), "questions": [q.name for q in questions], "variant": variant}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    forward = "\n".join(line.source for line in program.lines)
    shapes = "\n".join(f"- `{leaf.name}`: {leaf.kind}, shape {tuple(leaf.shape)}" for leaf in program.forward.leaves)
    cells = [
        nbf.v4.new_markdown_cell(f"# {program.title}\n\n{_say(lang, 'nb.intro')}\n\n"
                                 f"{_say(lang, 'nb.forward', program=program.describe())}\n\n```python\n{forward}\n```"
                                 f"\n\n{shapes}"),
        nbf.v4.new_code_cell("import json\nfrom symbackprop.exercise import check_code\n\n"
                             f"SPEC = json.loads({json.dumps(dict(table), ensure_ascii=False)!r})"),
    ]
    for k, q in enumerate(questions, start=1):
        cells.append(nbf.v4.new_markdown_cell(f"**{_say(lang, 'ask', k=k)}`{q.name}`{_say(lang, 'of')}`{q.target}`"
                                              f"{_say(lang, 'shape', shape=program.shape_text(q.target))}**"))
        answer = nbf.v4.new_code_cell(f'answer_{k} = r"""\n\n"""  # {_say(lang, "nb.cell")}')
        answer.metadata.update({"tags": ["answer"], METADATA_KEY: {"question": q.name}})
        cells.append(answer)
        cells.append(nbf.v4.new_code_cell(f"check_code(SPEC, {q.name!r}, answer_{k})"))
    nb.cells = cells
    nbf.validate(nb)
    return nbf.writes(nb)


def code_exercise_files(source: str | Path | Mapping[str, Any], ask: str, *, variants: int | None = None,
                        seed: int = 0, sizes: Sequence[Sequence[int]] | None = None,
                        activations: Sequence[str] | None = None, lang: str = "en",
                        formats: Sequence[str] = ("html", "ipynb"), render: Any = None) -> dict[str, str]:
    """``{file name: text}`` of a code exercise (see :func:`~symbackprop.exercise.build.exercise_files`).

    Raises:
        SpecError: a question that is not a gradient of the program, or variants of a
            ``[program]`` (its code is the same for every student).
    """
    table = read_table(source, programs=True)
    if variants is not None and "program" in table:
        raise SpecError("--variants: a [program]'s code exercise has one version; its code is the same for every "
                        "student")
    if variants is None and (sizes or activations):
        raise SpecError("--sizes and --activations draw variants; give --variants N with them")
    tables = [table] if variants is None else variant_tables(table, variants, seed=seed, sizes=sizes,
                                                             activations=activations)
    suffixes = [""] if variants is None else [f"-v{k}" for k in range(1, variants + 1)]
    files: dict[str, str] = {}
    key = []
    for k, (t, suffix) in enumerate(zip(tables, suffixes), start=1):
        loaded = load_spec(t)
        program = code_setting(loaded).program
        try:
            questions = code_questions(loaded, ask)
        except SpecError as exc:
            raise SpecError(f"variant {k} ({loaded.title}): {exc}" if variants else str(exc)) from None
        dialect = _dialect(program)
        key.append({"variant": k if variants else None, "spec": t, "questions": [q.name for q in questions],
                    "answers": {q.name: {"code": list(derived_lines(program, q, dialect))} for q in questions}})
        problems, solutions = _sheets(program, questions, lang, seed)
        for fmt in formats:
            if fmt == "ipynb":
                files[f"exercise{suffix}.ipynb"] = _notebook(t, program, questions, k if variants else None, lang)
                continue
            files.update(render(problems, fmt, f"problems{suffix}.{fmt}") if render else
                         {f"problems{suffix}.{fmt}": problems.render(fmt)})
            files.update(render(solutions, fmt, f"solutions{suffix}.{fmt}") if render else
                         {f"solutions{suffix}.{fmt}": solutions.render(fmt)})
    files["key.json"] = json.dumps(key, ensure_ascii=False, indent=1) + "\n"
    return files
