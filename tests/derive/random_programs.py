"""Random valid forward passes in NumPy spelling, for the tests of generated modules.

Each program is a few lines over float leaves of shape (N, D) and smaller, integer indices and
the constant ``n``; every line is one construct, reads arrays made so far or new leaves, and
keeps its domain valid (a log or a square root only of arrays known positive, a division only
by them, a maximum only of arrays whose entries are generically distinct).  The loss reaches
every line through a weighted sum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

N, D = 3, 4


@dataclass
class Arr:
    name: str
    shape: tuple[int, ...]
    positive: bool = False


@dataclass
class RandomProgram:
    code: str
    shapes: dict[str, Any]
    positive: set[str] = field(default_factory=set)


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.arrays: list[Arr] = []
        self.leaves: dict[str, Any] = {"n": N}
        self.positive: set[str] = set()
        self.lines: list[str] = []
        self.read: set[str] = set()

    def leaf(self, shape: tuple[int, ...], positive: bool = False) -> Arr:
        name = f"{'P' if positive else 'A'}{len(self.leaves)}"
        self.leaves[name] = list(shape)
        if positive:
            self.positive.add(name)
        return Arr(name, shape, positive)

    def arg(self, shape: tuple[int, ...] = (N, D), positive: bool = False) -> Arr:
        fits = [a for a in self.arrays if a.shape == shape and (a.positive or not positive)]
        if fits and self.rng.random() < 0.7:
            return self.rng.choice(fits)
        return self.leaf(shape, positive)

    def line(self, text: str, shape: tuple[int, ...], reads: list[Arr], positive: bool = False) -> None:
        name = f"h{len(self.lines)}"
        self.lines.append(f"{name} = {text}")
        self.read.update(a.name for a in reads)
        self.arrays.append(Arr(name, shape, positive))

    def step(self) -> None:
        r = self.rng
        kind = r.choice(["binary", "unary", "matmul", "reduce", "softmax", "gather", "rows", "reshape", "concat",
                         "where", "var", "cross_entropy", "transpose"])
        a = self.arg() if kind not in ("unary", "gather") else Arr("", (N, D))
        if kind == "binary":
            op = r.choice("+-*/")
            other = self.arg(r.choice([(N, D), (D,), (1, D), (N, 1)]), positive=op == "/")
            self.line(f"{a.name} {op} {other.name}", (N, D), [a, other], positive=op in "+*" and a.positive
                      and other.positive)
        elif kind == "unary":
            fn = r.choice(["np.exp({})", "np.tanh({})", "1 / (1 + np.exp(-{}))", "np.maximum({}, 0)", "np.abs({})",
                           "np.log({})", "np.sqrt({})", "{} ** 2"])
            src = self.arg(positive=fn in ("np.log({})", "np.sqrt({})"))
            self.line(fn.format(src.name), (N, D), [src], positive=fn in ("np.exp({})", "1 / (1 + np.exp(-{}))"))
        elif kind == "matmul":
            w = self.arg((D, D))
            self.line(f"{a.name} @ {w.name}", (N, D), [a, w])
        elif kind == "reduce":
            op, axis = r.choice(["sum", "mean", "max"]), r.choice([0, 1])
            keep = r.random() < 0.5
            shape = (1, D) if axis == 0 else (N, 1)
            if not keep:
                shape = (D,) if axis == 0 else (N,)
            self.line(f"{a.name}.{op}(axis={axis}{', keepdims=True' if keep else ''})", shape, [a], a.positive)
        elif kind == "softmax":
            self.line(f"np.exp({a.name}) / np.exp({a.name}).sum(axis=1, keepdims=True)", (N, D), [a], True)
        elif kind == "gather":
            index = f"I{len(self.leaves)}"
            self.leaves[index] = {"shape": [N], "integers": D}
            table = self.arg((D, D))
            self.line(f"{table.name}[{index}]", (N, D), [table])
        elif kind == "rows":
            index = f"I{len(self.leaves)}"
            self.leaves[index] = {"shape": [N], "integers": D}
            self.line(f"{a.name}[range(n), {index}]", (N,), [a], a.positive)
        elif kind == "reshape":
            self.line(f"{a.name}.reshape({D}, {N})", (D, N), [a], a.positive)
        elif kind == "concat":
            b = self.arg((N, 2))
            self.line(f"np.concatenate([{a.name}, {b.name}], axis=1)", (N, D + 2), [a, b])
        elif kind == "where":
            b = self.arg()
            self.line(f"np.where({a.name} > 0, {a.name}, {b.name} * 0.5)", (N, D), [a, b])
        elif kind == "var":
            ddof = r.choice([0, 1])
            self.line(f"{a.name}.var(axis=0, ddof={ddof}, keepdims=True)", (1, D), [a], True)
        elif kind == "cross_entropy":
            index = f"I{len(self.leaves)}"
            self.leaves[index] = {"shape": [N], "integers": D}
            self.line(f"-({a.name} - np.log(np.exp({a.name}).sum(axis=1, keepdims=True)))[range(n), {index}].mean()",
                      (), [a])
        else:
            self.line(f"{a.name}.T", (D, N), [a], a.positive)

    def program(self, length: int) -> RandomProgram:
        for _ in range(length):
            self.step()
        terms = []
        for arr in self.arrays:
            if arr.name in self.read:
                continue
            if arr.shape == ():
                terms.append(arr.name)
            else:
                weight = self.leaf(arr.shape)
                terms.append(f"({arr.name} * {weight.name}).sum()")
        lines = self.lines + [f"loss = {' + '.join(terms)}"]
        return RandomProgram("\n".join(lines), dict(self.leaves), set(self.positive))


def random_program(seed: int, length: int = 5) -> RandomProgram:
    """A random program of ``length`` lines and a loss line, the same for the same seed."""
    return _Writer(random.Random(seed)).program(length)
