"""The sheet of an array program: its lines with their shapes, the backward pass line by line
in matrix calculus and in code side by side, worked numbers, and the check.

For each forward line, output first: what it contributes to the gradient of each of its
inputs, where a sum in the forward pass becomes a broadcast in the backward pass (and a
broadcast a sum), and, for a name read by several lines, the paths it reaches the loss by.
Numbers are the spec's ``[values]`` or drawn from a seed, and the sheet says which; the
stamp reports central differences on every entry of every float leaf.

>>> from symbackprop.derive.programs import program
>>> p = program("h = np.tanh(x @ W + b)\\nloss = (h ** 2).mean()", shapes={"x": [4, 3], "W": [3, 2], "b": [2]})
>>> sheet = program_sheet(p)
>>> [s.anchor for s in sheet.sections]
['program', 'forward', 'backward', 'numbers', 'check']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from symbackprop.derive.backward_code import statement
from symbackprop.derive.programs import Note, Program
from symbackprop.graph.array_latex import latex_name
from symbackprop.graph.array_ops import shape_text
from symbackprop.numeric.array_check import check_program
from symbackprop.numeric.array_eval import compile_program

from .fused import fused_section
from .lang import check_lang, count, listing, say, spans
from .model import Code, Math, Paragraph, Section, Sheet, Span, Stamp, Table
from .numbers import number_latex

__all__ = ["program_sheet", "SHOWN_ENTRIES"]

#: Arrays with at most this many entries are shown whole; larger ones by a few entries.
SHOWN_ENTRIES = 8


def _code(program: Program, dialect: str) -> dict[str, list[str]]:
    """Each backward line's code, by (forward line, position), in ``dialect``."""
    printer = program.code_printer(dialect)
    return {f"{gl.via}:{k}": statement(gl, printer, program.forward, program.backward)
            for via, group in program.backward.by_forward_line.items() for k, gl in enumerate(group)}


def _about(program: Program, lang: str) -> Section:
    forward = program.forward
    floats = forward.float_leaves
    ints = [leaf for leaf in forward.leaves if leaf.kind == "int"]
    consts = [leaf for leaf in forward.leaves if leaf.kind == "const"]
    para = Paragraph(spans(lang, "prog.about", lines=count(lang, len(forward.lines), "line"),
                           floats=count(lang, len(floats), "float_array"), numbers=f"{forward.parameter_count:,}",
                           ints=count(lang, len(ints), "int_array"), consts=count(lang, len(consts), "constant"),
                           loss=Math(latex_name(forward.loss))))
    rows = []
    for leaf in forward.leaves:
        if leaf.kind == "float":
            kind = say(lang, "prog.kind.float")
        elif leaf.kind == "data":
            kind = say(lang, "prog.kind.data")
        elif leaf.kind == "int":
            kind = say(lang, "prog.kind.int", bound=leaf.bound)
        else:
            kind = say(lang, "prog.kind.const", value=leaf.value)
        rows.append(((Code(leaf.name),), (kind,), (shape_text(leaf.shape),)))
    head = tuple((say(lang, k),) for k in ("prog.head.name", "prog.head.kind", "prog.head.shape"))
    return Section(say(lang, "prog.sec.program"), (para, Table(head, tuple(rows))), anchor="program")


def _forward(program: Program, lang: str) -> Section:
    rows = []
    for line in program.lines:
        left, right = program.forward_latex(line)
        rows.append(((str(line.lineno),), (Code(line.source),), (Math(f"{left} {right}"),), (shape_text(line.shape),)))
    head = tuple((say(lang, k),) for k in ("prog.head.line", "prog.head.code", "prog.head.math", "prog.head.shape"))
    intro = Paragraph(spans(lang, "prog.forward.intro"))
    return Section(say(lang, "prog.sec.forward"), (intro, Table(head, tuple(rows), (0.08, 0.38, 0.40, 0.14))),
                   anchor="forward")


def _backward(program: Program, lang: str, dialect: str) -> Section:
    legend = Paragraph(spans(lang, "prog.backward.legend", bar=Math(r"\overline{X}"), odot=Math(r"\odot"),
                             ones=Math(r"\mathbf{1}")))
    codes = _code(program, dialect)
    subs = []
    head = tuple((say(lang, k),) for k in ("prog.head.math", "prog.head.code", "prog.head.shape"))
    for line in reversed(program.lines):
        group = program.backward.by_forward_line.get(line.name, ())
        if not group:
            continue
        blocks: list[Any] = [Paragraph(_note(note, lang)) for note in program.notes(line.name)]
        for gl in group:
            vias = program.backward.vias(gl.target)
            if len(vias) > 1 and vias[-1] == line.name:  # said where the gradient is complete
                blocks.append(Paragraph(spans(lang, "prog.paths", name=Code(gl.target), n=len(vias),
                                              lines=listing(lang, [Code(v) for v in reversed(vias)]))))
        rows = []
        for k, gl in enumerate(group):
            left, right = program.backward_latex(gl)
            code_text = "; ".join(codes[f"{line.name}:{k}"])
            rows.append(((Math(f"{left} {right}"),), (Code(code_text),), (program.shape_text(gl.target),)))
        blocks.append(Table(head, tuple(rows), (0.52, 0.36, 0.12)))
        title: tuple[Span, ...] = (say(lang, "prog.line", n=line.lineno) + " ", Code(line.source))
        subs.append(Section(title, tuple(blocks), anchor=f"line-{line.name}"))
    intro = Paragraph(spans(lang, "prog.backward.intro", n=len(program.backward.lines)))
    return Section(say(lang, "prog.sec.backward"), (intro, legend), tuple(subs), anchor="backward")


def _note(note: Note, lang: str) -> tuple[Span, ...]:
    axes = _axes_phrase(note, lang)
    if note.kind == "sum":
        return spans(lang, "prog.note.sum", op=say(lang, "prog.op." + note.name), axes=axes)
    if note.kind == "broadcast":
        return spans(lang, "prog.note.broadcast", name=Code(note.name), axes=axes)
    return spans(lang, "prog.note.gather", name=Code(note.name))


def _axes_phrase(note: Note, lang: str) -> str:
    if len(note.axes) == note.ndim and note.ndim > 1:
        return say(lang, "prog.axes.all")
    if len(note.axes) == 1:
        return say(lang, "prog.axes.one", k=note.axes[0])
    return say(lang, "prog.axes.many", ks=", ".join(str(a) for a in note.axes))



def _entries(value: Any) -> str:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size <= SHOWN_ENTRIES:
        return "[" + ", ".join(f"{v:.6g}" for v in arr.reshape(-1)) + "]" if arr.ndim else f"{float(arr):.9g}"
    flat = arr.reshape(-1)
    return "[" + ", ".join(f"{v:.3g}" for v in flat[:3]) + ", …]"  # one line of a table column


def _numbers(program: Program, arrays: Mapping[str, Any], source: str, lang: str) -> Section:
    numbers = compile_program(program.forward, program.backward)
    env = numbers.forward(arrays)
    grads = numbers.gradients(env)
    loss = float(env[program.loss])
    intro = Paragraph(spans(lang, "prog.numbers.intro", source=source,
                            loss=Math(f"{latex_name(program.loss)} = {number_latex(loss)}")))
    rows = []
    for name in program.forward.names:
        if program.forward.dtype(name) != "float" and program.forward.leaf(name) is None:
            continue
        leaf = program.forward.leaf(name)
        if leaf is not None and leaf.kind == "const":
            continue
        value = env[name]
        grad = grads.get(name)
        norm = f"{float(np.linalg.norm(np.asarray(grad))):.4g}" if grad is not None else "–"
        rows.append(((Code(name),), (shape_text(program.forward.shape(name)),), (_entries(value),),
                     (_entries(grad) if grad is not None else "–",), (norm,)))
    head = tuple((say(lang, k),) for k in ("prog.head.name", "prog.head.shape", "prog.head.value",
                                              "prog.head.gradient", "prog.head.norm"))
    table = Table(head, tuple(rows), (0.15, 0.10, 0.30, 0.30, 0.15))
    return Section(say(lang, "prog.sec.numbers"), (intro, table), anchor="numbers")


def _check(program: Program, arrays: Mapping[str, Any], lang: str) -> Section:
    report = check_program(program, arrays)
    worst = max(report.rows, key=lambda r: r.abs_err, default=None)
    lines: tuple[tuple[Span, ...], ...] = (
        spans(lang, "prog.check.line", entries=f"{report.entries:,}", leaves=count(lang, len(report.rows), "float_array")),
    )
    detail = (spans(lang, "prog.check.detail", eps=f"{report.eps:g}", atol=f"{report.atol:g}", rtol=f"{report.rtol:g}",
                    worst=f"{worst.abs_err:.2e}" if worst else "0"),)
    mark = say(lang, "prog.check.ok" if report.ok else "prog.check.bad")
    stamp = Stamp(report.ok, lines, detail, mark=mark, more=say(lang, "prog.check.more"))
    blocks: list[Any] = [stamp]
    if not report.ok:
        blocks.append(Paragraph((report.summary(),)))
    return Section(say(lang, "prog.sec.check"), tuple(blocks), anchor="check")


def program_sheet(program: Program, *, lang: str = "en", seed: int = 0, code: str = "numpy",
                  title: str | None = None) -> Sheet:
    """The sheet of ``program``: lines and shapes, the backward pass in matrix calculus and
    ``code`` (``"numpy"`` or ``"torch"``) side by side, worked numbers, the check.

    Numbers are the program's ``[values]``, else drawn from ``seed``.

    Raises:
        SpecError: an unknown language or code dialect.
        NumericalError: the loss is not finite at these numbers (the line is named).
    """
    check_lang(lang)
    program.code_printer(code)  # refuses an unknown dialect before any work
    numbers = compile_program(program.forward, program.backward)
    if program.values is not None:
        arrays, source = numbers.arrays_from(), say(lang, "prog.values.spec")
    else:
        arrays, source = numbers.draw(seed), say(lang, "prog.values.seed", seed=seed)
    fused = fused_section(program, arrays, code, lang)
    sections = (_about(program, lang), _forward(program, lang), _backward(program, lang, code),
                *([fused] if fused is not None else []), _numbers(program, arrays, source, lang),
                _check(program, arrays, lang))
    return Sheet(title or program.title, sections, lang=lang)

