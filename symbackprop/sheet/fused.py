"""The sheet section of a program's fused formulas: each span's backward lines as one, proven.

For every span the program fuses into a named block (:attr:`Program.fusions
<symbackprop.derive.programs.Program.fusions>`: softmax with cross entropy, batch
normalisation), a subsection gives the lines it replaces, the formula in matrix calculus and
in code, the lines whose gradient vanishes, and two stamps: the symbolic proof at small
shapes and the check at the sheet's numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from symbackprop.derive.fuse import Fused
from symbackprop.derive.programs import Program
from symbackprop.graph.array_latex import latex_name
from symbackprop.numeric.array_fuse import check_fused

from .lang import count, listing, say, spans, term
from .model import Code, Equation, Listing, Math, Paragraph, Section, Span, Stamp

__all__ = ["fused_section", "fused_subsection"]



#: A fused formula's code is broken into lines of at most this many characters (inside its
#: brackets, where Python allows it) so that a page sets it.
WIDTH = 72


def _wrapped(text: str) -> tuple[str, ...]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= WIDTH:
            lines[-1] += " " + word
        else:
            lines.append(word if not lines else "    " + word)
    return tuple(lines)


def _shapes(fused: Fused) -> str:
    return ", ".join(f"{k} {'×'.join(map(str, s)) or '()'}" for k, s in fused.proof.shapes.items())


def fused_subsection(program: Program, fused: Fused, arrays: Mapping[str, Any], code: str = "numpy",
                     lang: str = "en") -> Section:
    """One fused formula: the lines it replaces, the formula and its code, its two stamps."""
    blocks: list[Any] = [Paragraph(spans(lang, "prog.fused.lines", span=Code(fused.span), n=count(lang, len(fused.lines), "line"),
                                         m=count(lang, len(fused.unfused), "line"), start=Math(rf"\overline{{{latex_name(fused.start)}}}"),
                                         end=Math(rf"\overline{{{latex_name(fused.end)}}}"), rule=term(lang, "rule", fused.rule)))]
    left, _, right = fused.latex().partition(" = ")
    blocks.append(Equation(((left, "= " + right),)))
    blocks.append(Listing(_wrapped(fused.code(code, program.grad_names))))
    proof = fused.proof
    if proof.vanishing:
        blocks.append(Paragraph(spans(lang, "prog.fused.vanish", names=listing(
            lang, [Code("d" + n) for n in proof.vanishing]))))
    check = check_fused(fused, arrays)
    lines: list[tuple[Span, ...]] = []
    detail: list[tuple[Span, ...]] = []
    if proof.ok is None:
        lines.append(spans(lang, "prog.fused.unproven", reason=proof.reason))
    elif proof.ok:
        lines.append(spans(lang, "prog.fused.proof", entries=proof.entries))
        detail.append(spans(lang, "prog.fused.proof.detail", shapes=_shapes(fused)))
    else:
        lines.append(spans(lang, "prog.fused.disproof", shapes=_shapes(fused)))
    lines.append(spans(lang, "prog.fused.check" if check.ok else "prog.fused.miss", entries=f"{check.entries:,}",
                       worst=f"{check.max_abs_error:.1e}"))
    detail.append(spans(lang, "prog.fused.check.detail", worst=f"{check.max_abs_error:.1e}",
                        rtol=f"{check.rtol:g}", atol=f"{check.atol:g}"))
    ok = proof.ok is not False and check.ok
    blocks.append(Stamp(ok, tuple(lines), tuple(detail), mark=say(lang, "prog.check.ok" if ok else "prog.fused.bad"),
                        more=say(lang, "prog.check.more")))
    title: tuple[Span, ...] = (Code(fused.span), f": {term(lang, 'rule', fused.rule)}")
    return Section(title, tuple(blocks), anchor=f"fuse-{fused.start}")


def fused_section(program: Program, arrays: Mapping[str, Any], code: str = "numpy", lang: str = "en") -> Section | None:
    """The section of the program's fused formulas, or ``None`` when it has none."""
    found = program.fusions
    if not found:
        return None
    subs = tuple(fused_subsection(program, f, arrays, code, lang) for f in found)
    intro = Paragraph(spans(lang, "prog.fused.intro", command=Code("symbackprop derive SPEC --fuse FROM..TO")))
    return Section(say(lang, "prog.sec.fused"), (intro,), subs, anchor="fused")
