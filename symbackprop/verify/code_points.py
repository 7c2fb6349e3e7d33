"""What a backward cell is checked against: the program, and the numbers it is run at.

A ``[program]`` spec is its own program; a layered network becomes one through
:func:`~symbackprop.graph.layered_program.layered_program` (``X``, ``Y``, ``Z1``, ``A1``,
``W1``, ``b1``... with the ``m`` examples as rows).  At each point the forward pass is
evaluated and the derived backward pass gives the true gradient of every name; the points
are the spec's ``[values]`` when it has them (for a layered network, a batch of at least two
rows: with one row a missing sum over the batch would go unseen) and numbers drawn from the
seed: normal weights and inputs, targets the loss can reach (one-hot rows for cross entropy,
in (0, 1) otherwise), integer arrays uniform in their range.

>>> setting = code_setting("2-3-2", batch=4)
>>> [ln.name for ln in setting.program.lines]
['Z1', 'A1', 'Z2', 'A2', 'loss']
>>> p = setting.points(seed=0, count=2)
>>> [pt.label for pt in p], p[0].truth["W2"].shape
(['numbers drawn with seed 0', 'numbers drawn with seed 1'], (2, 3))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from symbackprop.derive.programs import Program
from symbackprop.errors import SpecError
from symbackprop.graph import Network
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.layered_program import layered_program
from symbackprop.numeric.array_eval import ProgramNumbers, compile_program
from symbackprop.read import Spec, load_spec

__all__ = ["Point", "CodeSetting", "code_setting", "MAX_BATCH"]

#: The largest batch drawn for a layered network (``--batch``).
MAX_BATCH = 10_000


@dataclass(frozen=True)
class Point:
    """Numbers to run a cell at: every forward value and every true gradient.

    Attributes:
        label: where the numbers come from, in words.
        forward: every name of the program (leaves, lines, constants) by name.
        truth: the gradient of the loss with respect to every differentiated name.
    """

    label: str
    forward: Mapping[str, Any]
    truth: Mapping[str, np.ndarray] = field(repr=False)

    def gradient(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The true gradient of ``name``; zeros where no gradient reaches it."""
        value = self.truth.get(name)
        return np.zeros(shape) if value is None else value


@dataclass(frozen=True)
class CodeSetting:
    """The program a cell is checked against, its numbers, and what was chosen on the way."""

    program: Program
    network: Network | None = None
    notes: tuple[str, ...] = ()

    @cached_property
    def numbers(self) -> ProgramNumbers:
        return compile_program(self.program.forward, self.program.backward)

    @property
    def differentiated(self) -> tuple[str, ...]:
        return self.program.backward.differentiated

    def point(self, arrays: Mapping[str, np.ndarray], label: str) -> Point:
        forward = self.numbers.forward(arrays)
        truth = dict(self.numbers.gradients(forward))
        truth[self.program.loss] = np.asarray(1.0)
        return Point(label, forward, truth)

    def draw(self, seed: int) -> dict[str, np.ndarray]:
        """Numbers from ``seed`` (targets the network's loss can reach)."""
        arrays = self.numbers.draw(seed)
        net = self.network
        if net is not None and "Y" in arrays:
            rng = np.random.default_rng([seed, 1])
            m, k = arrays["Y"].shape
            arrays["Y"] = (np.eye(k)[rng.integers(0, k, m)] if net.loss.name == "cross_entropy"
                           else rng.uniform(0.05, 0.95, (m, k)))
        return arrays

    def points(self, seed: int = 0, count: int = 1) -> list[Point]:
        """The spec's values first (when it has them), then numbers drawn from ``seed``, ``seed + 1``..."""
        out = []
        if self.program.values is not None:
            out.append(self.point(self.numbers.arrays_from(), "the spec's values"))
        k = 0
        while len(out) < count:
            out.append(self.point(self.draw(seed + k), f"numbers drawn with seed {seed + k}"))
            k += 1
        return out


def code_setting(spec: Spec | str | Mapping[str, Any] | ArrayProgram | Program | Network, *,
                 batch: int = 4) -> CodeSetting:
    """The program a backward cell for ``spec`` is checked against.

    Args:
        spec: a spec (loaded, a file, a table, ``"2-3-2"``), a program or a layered network.
        batch: the examples ``m`` of a layered network when the spec gives no batch of its own.

    Raises:
        SpecError: a custom ``[graph]`` (its gradients are checked as formulas), or a batch
            that is not a positive number up to :data:`MAX_BATCH`.
    """
    if isinstance(spec, Program):
        return CodeSetting(spec)
    if isinstance(spec, ArrayProgram):
        return CodeSetting(Program(spec))
    net = spec if isinstance(spec, Network) else None
    values = None
    if net is None:
        loaded = spec if isinstance(spec, Spec) else load_spec(spec)  # type: ignore[arg-type]
        if loaded.is_program:
            return CodeSetting(Program(loaded.network))
        if not isinstance(loaded.network, Network):
            raise SpecError("spec: a backward cell is checked against a [program] or a layered network; a custom "
                            "[graph]'s gradients are checked as formulas (verify --formula)")
        net, values = loaded.network, loaded.values
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
        raise SpecError(f"--batch: expected a number of examples from 1 to {MAX_BATCH:,}, received {batch!r}")
    notes = []
    table = None
    if values is not None and values.x is not None and len(values.x) >= 2 and all(
            f"{w}{l}" in values.params for l in range(1, len(net.layers)) for w in "Wb" if w == "W" or net.b[l]):
        table = {"X": [list(r) for r in values.x], **{k: _lists(v) for k, v in values.params.items()}}
        if values.y is not None:
            table["Y"] = [list(r) for r in values.y]
    elif values is not None:
        notes.append(f"the spec's values are not a batch of two or more rows, so a batch of {batch} was drawn "
                     "(with one row a missing sum over the batch would go unseen)")
    program = layered_program(net, batch=batch, values=table)
    return CodeSetting(Program(program), net, tuple(notes))


def _lists(value: Any) -> Any:
    return [_lists(v) for v in value] if isinstance(value, tuple) else value
