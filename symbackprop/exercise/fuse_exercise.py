"""An exercise of fused formulas: ``exercise SPEC --ask fuse:hprebn..hpreact`` on a program.

The problem sheet shows the forward pass and asks, per span, for ``dFROM`` in one line of
code from ``dTO`` and the forward values; the solution sheet gives each fused formula in
matrix calculus and code with its proofs (:func:`~symbackprop.sheet.fused.fused_subsection`);
the notebook takes each answer as a line of code in a string and checks it when its cell
runs (:func:`~symbackprop.exercise.fuse_check.check_fused`); the key keeps the spec, the
questions and the answers' code.

>>> files = fuse_exercise_files({"program": {"code": "z = x @ W\\nloss = F.cross_entropy(z, y)", "shapes": {
...     "x": [4, 3], "W": [3, 5], "y": {"shape": [4], "integers": 5}}}}, "fuse:z..loss", formats=["md"])
>>> sorted(files)
['key.json', 'problems.md', 'solutions.md']
>>> "dz = (F.softmax(z, dim=1) - F.one_hot(y, num_classes=5)) / 4" in files["solutions.md"]
True
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from symbackprop.derive.fuse import Fused
from symbackprop.derive.programs import Program
from symbackprop.errors import SpecError
from symbackprop.numeric.array_eval import compile_program
from symbackprop.read import load_spec
from symbackprop.sheet import Sheet
from symbackprop.sheet import formats as sheet_formats
from symbackprop.sheet.fused import fused_subsection
from symbackprop.sheet.model import Code, Listing, Paragraph, Section

from .fuse_check import fused_span, program_of
from .notebook import METADATA_KEY, _nbformat

__all__ = ["fuse_exercise_files", "PHRASES"]

#: The words of fused-formula exercises, per language.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "program": "The forward pass", "questions": "Questions", "answers": "Answers",
        "problems": "Problems", "solutions": "Solutions",
        "intro": "Each question names a span FROM..TO of the forward pass above. Write dFROM, the gradient of the "
                 "loss with respect to FROM, in one line of NumPy or PyTorch code: it may read dTO and every "
                 "name of the forward pass, and no other gradient.",
        "ask": "Question {k}. Fuse the span ", "ask.lines": " (the lines {lines}): write ",
        "ask.from": " from ", "room": "Code: ____________________________________________________",
        "nb.intro": "Write each answer as one line of code between the quotes, then run the check cell below it. "
                    "The forward pass is read, never run.",
        "nb.cell": "one line of code, between the quotes",
    },
    "ko": {
        "program": "순전파", "questions": "문제", "answers": "정답", "problems": "문제지", "solutions": "해답지",
        "intro": "각 문제는 위 순전파의 구간 FROM..TO를 가리킵니다. FROM에 대한 손실의 기울기 dFROM을 NumPy "
                 "또는 PyTorch 코드 한 줄로 쓰세요: dTO와 순전파의 모든 이름을 읽을 수 있고, 다른 기울기는 "
                 "읽을 수 없습니다.",
        "ask": "문제 {k}. 구간 ", "ask.lines": " (줄 {lines})을 합치세요: ", "ask.from": "를 다음에서: ",
        "room": "코드: ____________________________________________________",
        "nb.intro": "각 답을 따옴표 사이에 코드 한 줄로 쓰고, 아래의 확인 셀을 실행하세요. 순전파는 읽기만 하고 "
                    "실행하지 않습니다.",
        "nb.cell": "따옴표 사이에 코드 한 줄",
    },
}


def _say(lang: str, key: str, **kw: Any) -> str:
    return PHRASES.get(lang, PHRASES["en"])[key].format(**kw)


def _table(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The spec as a plain table (stored in the key and the notebook)."""
    if isinstance(source, Mapping):
        return json.loads(json.dumps(dict(source)))
    path = Path(str(source))
    text = path.read_bytes().decode("utf-8-sig")
    return json.loads(json.dumps(tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)))


def _source_lines(program: Program) -> tuple[str, ...]:
    return tuple(line.source for line in program.lines)


def _question(program: Program, k: int, name: str, lang: str) -> Paragraph:
    start, end = fused_span(name)
    f = program.fuse(start, end)
    grads = program.grad_names
    return Paragraph((_say(lang, "ask", k=k), Code(f.span), _say(lang, "ask.lines", lines=", ".join(f.lines)),
                      Code(grads[start]), _say(lang, "ask.from"), Code(grads[end]), "."))


def _sheet(program: Program, title: str, names: Sequence[str], fused: Sequence[Fused] | None, lang: str,
           arrays: Mapping[str, Any] | None) -> Sheet:
    forward = Section(_say(lang, "program"), (Listing(_source_lines(program)),), anchor="program")
    blocks: list[Any] = [Paragraph((_say(lang, "intro"),))]
    for k, name in enumerate(names, start=1):
        blocks.append(_question(program, k, name, lang))
        if fused is None:
            blocks.append(Paragraph((_say(lang, "room"),)))
    sections = [forward, Section(_say(lang, "questions"), tuple(blocks), anchor="questions")]
    if fused is not None and arrays is not None:
        dialect = "torch" if "torch" in program.forward.code or "F." in program.forward.code else "numpy"
        subs = tuple(fused_subsection(program, f, arrays, dialect, lang) for f in fused)
        sections.append(Section(_say(lang, "answers"), (), subs, anchor="answers"))
    which = "solutions" if fused is not None else "problems"
    return Sheet(f"{title}: {_say(lang, which)}", tuple(sections), lang=lang)


def _render(sheet: Sheet, fmt: str, name: str) -> dict[str, str]:
    found = next(f for f in sheet_formats() if f.name == fmt)
    if found.files is None:
        return {name: sheet.render(fmt)}
    text, beside = found.files(sheet, name)
    return {name: text, **beside}


def _notebook(table: Mapping[str, Any], program: Program, names: Sequence[str], title: str, lang: str) -> str:
    nbf = _nbformat()
    nb = nbf.v4.new_notebook()
    nb.metadata[METADATA_KEY] = {"spec": dict(table), "questions": list(names), "variant": None}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    code = "\n".join(_source_lines(program))
    cells = [nbf.v4.new_markdown_cell(f"# {title}\n\n{_say(lang, 'nb.intro')}\n\n```python\n{code}\n```"),
             nbf.v4.new_code_cell("import json\nfrom symbackprop.exercise.fuse_check import check_fused\n\n"
                                  f"SPEC = json.loads({json.dumps(dict(table), ensure_ascii=False)!r})")]
    for k, name in enumerate(names, start=1):
        question = _question(program, k, name, lang)
        text = "".join(s if isinstance(s, str) else f"`{s.text}`" for s in question.spans)  # type: ignore[union-attr]
        cells.append(nbf.v4.new_markdown_cell(f"**{text}**"))
        answer = nbf.v4.new_code_cell(f'answer_{k} = r""  # {_say(lang, "nb.cell")}')
        answer.metadata.update({"tags": ["answer"], METADATA_KEY: {"question": name}})
        cells.append(answer)
        cells.append(nbf.v4.new_code_cell(f"print(check_fused(SPEC, {name!r}, answer_{k}))"))
    nb.cells = cells
    nbf.validate(nb)
    return nbf.writes(nb)


def fuse_exercise_files(source: str | Path | Mapping[str, Any], ask: str, *, variants: int | None = None,
                        lang: str = "en", formats: Sequence[str] = ("html", "ipynb"), seed: int = 0) -> dict[str, str]:
    """``{file name: text}`` of an exercise of fused formulas on a ``[program]`` spec.

    Raises:
        SpecError: not a program, a question that is not ``fuse:FROM..TO``, a span that does
            not fuse (the message says why), variants asked, or an unknown format.
    """
    if variants is not None:
        raise SpecError("--variants: an exercise of fused formulas has one version (the program's shapes)")
    names = list(dict.fromkeys(n.strip() for n in ask.split(",") if n.strip()))
    if not names:
        raise SpecError("--ask: expected fuse:FROM..TO questions, received none")
    program = program_of(source)
    fused = [program.fuse(*fused_span(name)) for name in names]
    table = _table(source)
    title = load_spec(table).title
    numbers = compile_program(program.forward, program.backward)
    arrays = numbers.arrays_from() if program.values is not None else numbers.draw(seed)
    known = [f.name for f in sheet_formats()] + ["ipynb"]
    files: dict[str, str] = {}
    for fmt in formats:
        if fmt not in known:
            raise SpecError(f"--format: expected some of {', '.join(known)}, received {fmt!r}")
        if fmt == "ipynb":
            files["exercise.ipynb"] = _notebook(table, program, names, title, lang)
            continue
        files.update(_render(_sheet(program, title, names, None, lang, None), fmt, f"problems.{fmt}"))
        files.update(_render(_sheet(program, title, names, fused, lang, arrays), fmt, f"solutions.{fmt}"))
    answers = {name: {"code": f.code("numpy", program.grad_names), "latex": f.latex(), "rule": f.rule}
               for name, f in zip(names, fused)}
    key = [{"variant": None, "spec": table, "questions": names, "answers": answers}]
    files["key.json"] = json.dumps(key, ensure_ascii=False, indent=1) + "\n"
    return files

