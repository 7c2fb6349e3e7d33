"""The backward program of an array program: for each forward line, output first, the
gradient of every input of that line.

Reverse accumulation over lines, as a student does it by hand: the loss line first (its
gradient is 1), then each earlier line, its contribution to every float input it reads
derived through its expression by the rules of :mod:`.array_rules` and tidied by
:mod:`.array_simplify`.  A name read by several lines gets one term per line; the first
assigns ``dX``, the later ones add to it (``dX +=``), and :meth:`BackwardProgram.paths`
says in words along which lines a name reaches the loss.

>>> from symbackprop.read.code import read_program
>>> p = read_program("h = np.tanh(x @ W)\\nloss = (h ** 2).sum()",
...                  {"x": {"shape": [4, 3], "gradient": False}, "W": [3, 2]})
>>> for line in backward_program(p).lines:
...     print(line.code)
dh = (2 * h)
dW = (permute(x, perm=(1, 0)) @ ((1 - (h**2)) * dh))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from symbackprop.graph.array_program import ArrayProgram, Line
from symbackprop.graph.terms import Call, Const, Grad, Ref, Term, call, names_in

from .array_rules import Context, vjp_args
from .array_simplify import reuse_names, simplify

__all__ = ["GradLine", "BackwardProgram", "backward_program", "line_gradients"]


@dataclass(frozen=True)
class GradLine:
    """``d<target> = term`` (or ``+=`` when ``accumulate``), derived from forward line ``via``.

    Attributes:
        target: the forward name whose gradient this is (or adds to).
        term: the contribution, of ``target``'s shape.
        accumulate: whether an earlier backward line (a later forward line) already gave
            ``target`` a contribution.
        via: the name of the forward line the contribution flows back through.
    """

    target: str
    term: Term
    accumulate: bool
    via: str

    @property
    def code(self) -> str:
        """A plain one-line rendering (the code printers give the real thing)."""
        return f"d{self.target} {'+=' if self.accumulate else '='} {self.term}"


@dataclass(frozen=True, eq=False)
class BackwardProgram:
    """The derived backward pass of :attr:`program`, one :class:`GradLine` per (line, input).

    Attributes:
        program: the forward program.
        lines: the backward lines, in the order they run.
        differentiated: the names that get a gradient line (float, depending on a float
            leaf, reaching the loss; the loss's own gradient is 1), in forward order.
    """

    program: ArrayProgram
    lines: tuple[GradLine, ...]
    differentiated: tuple[str, ...]

    @cached_property
    def by_forward_line(self) -> dict[str, tuple[GradLine, ...]]:
        """The backward lines grouped by the forward line they come from."""
        out: dict[str, list[GradLine]] = {}
        for line in self.lines:
            out.setdefault(line.via, []).append(line)
        return {k: tuple(v) for k, v in out.items()}

    def contributions(self, name: str) -> tuple[GradLine, ...]:
        """The backward lines adding to ``d<name>``, in order."""
        return tuple(line for line in self.lines if line.target == name)

    def vias(self, name: str) -> tuple[str, ...]:
        """The forward lines through which ``name`` reaches the loss, in backward order."""
        return tuple(line.via for line in self.contributions(name))

    def paths(self, name: str) -> str | None:
        """In words, the lines through which ``name`` reaches the loss, when there are several."""
        vias = [line.via for line in self.contributions(name)]
        if len(vias) < 2:
            return None
        words = {2: "two", 3: "three", 4: "four", 5: "five"}
        count = words.get(len(vias), str(len(vias)))
        through = ", ".join(vias[:-1]) + " and through " + vias[-1] if len(vias) > 2 else f"{vias[0]} and through {vias[1]}"
        return f"{name} reaches the loss along {count} paths: through {through}"


def line_gradients(line: Line, seed: Term, wanted: set[str], context: Context | None = None) -> dict[str, Term]:
    """The gradient of the loss with respect to every name in ``wanted`` that ``line`` reads,
    given ``seed``, the gradient with respect to the line's value; one term per name (the
    uses of a name within one line are added)."""
    found: dict[str, list[Term]] = {}
    stack: list[tuple[Term, Term, bool]] = [(line.term, seed, True)]
    while stack:
        node, g, root = stack.pop()
        if isinstance(node, Ref):
            if node.name in wanted:
                found.setdefault(node.name, []).append(g)
            continue
        if not isinstance(node, Call) or not _carries(node, wanted):
            continue
        ans = Ref(line.name, line.shape, line.term.dtype) if root else node
        for arg, grad in zip(node.args, vjp_args(ans, g, node, context)):
            if grad is not None:
                stack.append((arg, grad, False))
    order = [name for name in names_in(line.term) if name in found]
    out = {}
    for name in order:
        parts = found[name]
        total = parts[0]
        for extra in parts[1:]:
            total = call("add", total, extra)
        out[name] = simplify(total)
    return out


def _carries(node: Term, wanted: set[str]) -> bool:
    return node.dtype == "float" or any(n in wanted for n in names_in(node))


def _differentiated(program: ArrayProgram) -> list[str]:
    """Float names that depend on a float leaf and reach the loss."""
    depends = {leaf.name for leaf in program.float_leaves}
    for line in program.lines:
        if line.term.dtype == "float" and any(n in depends for n in names_in(line.term)):
            depends.add(line.name)
    reach = {program.loss}
    for line in reversed(program.upto(program.loss)):
        if line.name in reach:
            reach.update(names_in(line.term))
    return [n for n in program.names if n in depends and n in reach]


def backward_program(program: ArrayProgram) -> BackwardProgram:
    """Derive the backward pass of ``program``.

    Returns:
        The :class:`BackwardProgram`: for each forward line from the loss back, the
        gradient of each of its float inputs.
    """
    wanted = set(_differentiated(program))
    counts: dict[int, Term] = {n: Ref(name, (), "int") for n, name in program.counts.items()}
    context = Context(counts)
    computed = {line.term: line.name for line in program.upto(program.loss) if isinstance(line.term, Call)}
    seen: set[str] = set()
    out: list[GradLine] = []
    for line in reversed(program.upto(program.loss)):
        # A line read only where no gradient flows (zeros_like(h), h > 0, an argmax) has no dh.
        if line.name not in wanted or (line.name != program.loss and line.name not in seen):
            continue
        seed: Term = Const(1.0, (), "float") if line.name == program.loss else Grad(line.name, line.shape)
        for name, term in line_gradients(line, seed, wanted, context).items():
            out.append(GradLine(name, reuse_names(term, computed), name in seen, line.name))
            seen.add(name)
    return BackwardProgram(program, tuple(out), tuple(n for n in program.names if n in seen))
