r"""Fused formulas: the backward lines of a span of the forward pass collapsed into one.

A span ``FROM..TO`` is the lines after ``FROM`` up to ``TO`` that depend on ``FROM``.  Its
backward lines take ``dTO`` to ``dFROM`` step by step; :func:`fuse` writes ``dFROM`` as one
formula in ``dTO`` and the forward values.  How it is found: the span's lines are composed
into one term for ``TO`` (:func:`~.fuse_canon.compose`), the operations the code spells out
are named (:func:`~.fuse_canon.canonical`: a mean, a variance with Bessel's correction, a
softmax with the max trick, cross entropy), the gradient of that form is derived with the
array rules, blocks such as batch normalisation's standardisation differentiated whole
(:mod:`.fuse_rules`), and every sub-term a forward line computes is written as that line's
name.  Softmax with cross entropy gives ``(probs − onehot)/n``; the batch-normalisation
block the three-term formula.  Nothing is trusted: :meth:`Fused.proof` proves the formula
equal to the unfused lines symbolically at small shapes (:mod:`.fuse_proof`), and the
numeric stage checks it at the program's numbers.

A span fuses into one formula in ``dTO`` only when every path from ``FROM`` to the loss
passes through ``TO``; otherwise the gradient has a second input, and the error says which.

>>> from symbackprop.read.code import read_program
>>> from symbackprop.derive.array_backward import backward_program
>>> p = read_program("z = x @ W\nm = z.max(1, keepdims=True)\ne = np.exp(z - m)\n"
...                  "s = e / e.sum(1, keepdims=True)\nloss = -np.log(s)[range(n), y].mean()",
...                  {"x": [4, 3], "W": [3, 5], "y": {"shape": [4], "integers": 5}, "n": 4})
>>> f = fuse(p, backward_program(p), "z", "loss")
>>> print(f.code())
dz = (s - np.eye(5)[y]) / n
>>> f.rule, f.lines
('softmax with cross entropy', ('m', 'e', 's', 'loss'))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from symbackprop.errors import SpecError, TooLargeError, closest
from symbackprop.graph.array_code import CodePrinter
from symbackprop.graph.array_latex import LatexTermPrinter, latex_name
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.terms import Call, Const, Grad, Ref, Term, names_in

from .array_backward import BackwardProgram, GradLine
from .array_rules import Context
from .array_simplify import reuse_names, simplify
from .fuse_canon import canonical, compose
from .fuse_rules import fused_gradient, standardized

if TYPE_CHECKING:
    from .fuse_proof import FuseProof

__all__ = ["Fused", "fuse", "fusions", "parse_span", "RULE_WORDS", "MAX_FUSED_SIZE"]

#: The largest fused formula written, in operations (counted as printed: shared parts twice).
MAX_FUSED_SIZE = 400
#: How the fused formula was found, in words, by the block or operation it went through.
RULE_WORDS = {"cross_entropy": "softmax with cross entropy", "log_softmax": "log-softmax", "softmax": "softmax",
              "logsumexp": "log-sum-exp"}
_DISCOVER = frozenset({"cross_entropy", "softmax", "log_softmax", "logsumexp"})


@dataclass(frozen=True, eq=False)
class Fused:
    """``d<start>`` as one formula in ``d<end>``: the span's backward lines collapsed.

    Attributes:
        start, end: the span ``start..end``.
        lines: the forward lines fused (after ``start``, depending on it), in order.
        unfused: the backward lines the formula replaces.
        term: the formula (a term in ``Grad(end)`` and forward names).
        rule: how it was found, in words (``"softmax with cross entropy"``,
            ``"batch normalisation"``, or ``"the lines composed"``).
    """

    program: ArrayProgram = field(repr=False)
    start: str
    end: str
    lines: tuple[str, ...]
    unfused: tuple[GradLine, ...] = field(repr=False)
    term: Term
    rule: str
    counts: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def span(self) -> str:
        return f"{self.start}..{self.end}"

    def latex(self) -> str:
        """``\\overline{start} = ...``."""
        return f"\\overline{{{latex_name(self.start)}}} = {LatexTermPrinter(counts=self.counts).doprint(self.term)}"

    def code(self, dialect: str = "numpy", grad_names: dict[str, str] | None = None) -> str:
        """``d<start> = ...`` in NumPy or PyTorch."""
        names = grad_names or {}
        printer = CodePrinter(dialect=dialect, counts=self.counts, grad_names=names)
        return f"{names.get(self.start, 'd' + self.start)} = {printer.doprint(self.term)}"

    @cached_property
    def proof(self) -> FuseProof:
        """The formula proven equal to the unfused lines, symbolically at small shapes."""
        # Imported here, not above: the proof evaluates over numpy object arrays, and
        # `import symbackprop` (which reaches this module through Program) loads no numpy.
        from .fuse_proof import prove_fused

        return prove_fused(self.program, self.start, self.end, self.lines, self.unfused, self.term)

    def __str__(self) -> str:
        return self.code()


def parse_span(text: str) -> tuple[str, str]:
    """``"FROM..TO"`` as ``(FROM, TO)``.

    Raises:
        SpecError: not two names joined by ``..``.
    """
    parts = text.split("..")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise SpecError(f"--fuse: expected FROM..TO, two names of the program (logits..loss), received {text!r}")
    return parts[0].strip(), parts[1].strip()


def _lineno(program: ArrayProgram, name: str) -> str:
    line = program.line(name)
    return f" (line {line.lineno})" if line is not None and line.lineno else ""


def _depends(program: ArrayProgram, start: str, end: str) -> list[str]:
    """The lines after ``start`` up to ``end`` that depend on ``start``."""
    names = [ln.name for ln in program.lines]
    first = names.index(start) + 1 if start in names else 0
    reached, out = {start}, []
    for line in program.lines[first: names.index(end) + 1]:
        if reached & set(names_in(line.term)):
            reached.add(line.name)
            out.append(line.name)
    return out


def _leak(program: ArrayProgram, start: str, end: str, span: list[str]) -> tuple[str, str] | None:
    """``(name, reader)``: a name of the span (or ``start``) read by a line outside it."""
    inside = set(span)
    for name in [start, *span]:
        if name == end:
            continue
        for reader in program.consumers(name):
            if reader.name not in inside:
                return name, reader.name
    return None


def _check_span(program: ArrayProgram, backward: BackwardProgram, start: str, end: str) -> list[str]:
    where = f"fuse {start}..{end}"
    known = list(program.names)
    for name in (start, end):
        if name not in known:
            raise SpecError(f"{where}: no array named {name!r}{closest(name, known)}")
    if start == end:
        raise SpecError(f"{where}: the span is empty; expected a name, then a later line that depends on it")
    if program.line(end) is None:
        raise SpecError(f"{where}: {end!r} is a leaf; a span ends at a line of the program")
    order = {n: k for k, n in enumerate(known)}
    if order[end] < order[start]:
        raise SpecError(f"{where}: the span runs backwards: {end}{_lineno(program, end)} comes before "
                        f"{start}{_lineno(program, start)}; write {end}..{start}")
    if start not in backward.differentiated:
        raise SpecError(f"{where}: {start!r} has no gradient (it is not a float array that reaches the loss)")
    if end not in backward.differentiated and end != program.loss:
        raise SpecError(f"{where}: {end!r} does not reach the loss, so there is nothing to fuse")
    span = _depends(program, start, end)
    if end not in span:
        raise SpecError(f"{where}: {end} does not depend on {start}")
    leak = _leak(program, start, end, span)
    if leak is not None:
        name, reader = leak
        hint = _closing_end(program, backward, start, end)
        raise SpecError(
            f"{where}: cannot be fused into one formula in d{end}: {name} is also read by {reader}"
            f"{_lineno(program, reader)}, outside the span, so d{start} has a second input, d{reader}"
            + (f"; the span {start}..{hint} takes it in" if hint else ""))
    return span


def _closing_end(program: ArrayProgram, backward: BackwardProgram, start: str, end: str) -> str | None:
    names = [ln.name for ln in program.lines]
    for later in names[names.index(end) + 1:]:
        span = _depends(program, start, later)
        if later in span and (later in backward.differentiated or later == program.loss) and _leak(program, start, later, span) is None:
            return later
    return None


def _size(term: Term) -> int:
    """Operations as printed (a shared sub-term once per use), capped past the limit."""
    memo: dict[int, int] = {}

    def count(t: Term) -> int:
        if id(t) not in memo:
            memo[id(t)] = 1 + sum(count(a) for a in t.args) if isinstance(t, Call) else 1
            memo[id(t)] = min(memo[id(t)], MAX_FUSED_SIZE + 1)
        return memo[id(t)]
    return count(term)


def _counts(program: ArrayProgram) -> dict[int, str]:
    return {int(leaf.value): leaf.name for leaf in program.leaves  # type: ignore[arg-type]
            if leaf.kind == "const" and isinstance(leaf.value, int) and not isinstance(leaf.value, bool)}


def fuse(program: ArrayProgram, backward: BackwardProgram, start: str, end: str) -> Fused:
    """The backward lines of the span ``start..end`` as one formula for ``d<start>``.

    Raises:
        SpecError: an unknown name, an empty or backwards span, a start with no gradient, an
            end that does not depend on it, or a span another line reads from (the message
            names the line, the second input, and a span that would fuse).
        TooLargeError: the fused formula would exceed :data:`MAX_FUSED_SIZE` operations.
    """
    span = _check_span(program, backward, start, end)
    counts = _counts(program)
    context = Context({n: Ref(name, (), "int") for n, name in counts.items()})
    form = canonical(compose(program, end, span), program)
    seed: Term = Const(1.0, (), "float") if end == program.loss else Grad(end, program.shape(end))
    gradient, used = fused_gradient(form, start, seed, context)
    computed = {}
    for name in reversed(span):
        computed.setdefault(canonical(compose(program, name, span), program), name)
    term = simplify(reuse_names(gradient, {t: n for t, n in computed.items() if isinstance(t, Call)}))
    if _size(term) > MAX_FUSED_SIZE:
        raise TooLargeError(f"fuse {start}..{end}: the fused formula would have over {MAX_FUSED_SIZE} operations; "
                            "fuse a shorter span")
    words = [RULE_WORDS.get(u, u) for u in used if u in RULE_WORDS or " " in u]  # blocks say their own words
    rule = " and ".join(words[:1]) if words else "the lines composed"
    inside = set(span) | {start}
    unfused = tuple(gl for gl in backward.lines if gl.via in span and gl.target in inside)
    return Fused(program, start, end, tuple(span), unfused, term, rule, counts)


def _block(form: Term, start: str) -> bool:
    """Whether ``form`` is a named block of ``start`` (a softmax, cross entropy, batch
    normalisation's standardisation) under sums and products with terms not reading it."""
    node = form
    while isinstance(node, Call):
        if standardized(node) is not None and standardized(node)[0] == Ref(start, node.shape):  # type: ignore[index]
            return True
        if node.op in _DISCOVER:
            return isinstance(node.args[0], Ref) and node.args[0].name == start
        inner = [a for a in node.args if start in names_in(a)]
        if node.op not in ("add", "sub", "mul", "neg") or len(inner) != 1:
            return False
        node = inner[0]
    return False


def fusions(program: ArrayProgram, backward: BackwardProgram, *, reach: int = 12) -> list[Fused]:
    """The spans of ``program`` that fuse into a named block (softmax with cross entropy,
    batch normalisation): for each start, the longest such span within ``reach`` lines, and
    none inside another that ends at the same line."""
    names = [ln.name for ln in program.lines]
    found: list[tuple[str, str, list[str]]] = []
    for start in backward.differentiated:
        first = names.index(start) + 1 if start in names else 0
        best = None
        for end in names[first: first + reach]:
            span = _depends(program, start, end)
            if end not in span or (end not in backward.differentiated and end != program.loss) \
                    or _leak(program, start, end, span):
                continue
            if _block(canonical(compose(program, end, span), program), start):
                best = (start, end, span)
        if best is not None:
            found.append(best)
    kept = [f for f in found if not any(o is not f and o[1] == f[1] and f[0] in o[2] for o in found)]
    return [fuse(program, backward, start, end) for start, end, _ in kept]
