"""Random valid forward passes, written twice: in NumPy and in PyTorch spelling.

A :class:`Generator` writes a program line by line from a source of choices (hypothesis
data, or ``random.Random``): each line is one construct of the issue's subset, reading the
arrays made so far or new leaves, and the loss reaches every line.  It keeps the domains
valid (a log or a square root only of arrays known positive, a division only by them) and
keeps ties away from where their convention would decide (a max reduction or an argmax
only of arrays whose entries are generically distinct, a std only where the spread is not
zero), so that a disagreement with PyTorch is a real one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

N = 3  # rows (the batch); the code names it n
D = 4  # columns

#: Every construct the generator writes, by name; a test asserts each one is made.
CONSTRUCTS = (
    "add", "sub", "mul", "div", "matmul", "transpose", "pow", "neg", "exp", "log", "tanh", "sigmoid", "relu",
    "maximum", "sqrt", "abs", "sum", "mean", "max", "min", "var", "std", "indices", "view", "gather", "gather_rows",
    "slice", "softmax", "log_softmax", "cross_entropy", "one_hot", "cat", "like", "where", "masked_fill",
)


@dataclass
class Arr:
    """An array of the program: its name, shape and what is known of its entries."""

    name: str
    shape: tuple[int, ...]
    positive: bool = False  # every entry > 0 (bounded away from 0)
    generic: bool = True    # entries generically distinct (no structural ties)
    kind: str = "float"
    bound: int = 0          # for integer arrays: entries in [0, bound)


@dataclass
class Program:
    """The two spellings, the shapes table and what was used."""

    numpy_code: str
    torch_code: str
    shapes: dict[str, Any]
    positive: set[str]
    constructs: list[str]
    torch_lines: list[str] = field(default_factory=list)

    def numbers(self, seed: int) -> dict[str, np.ndarray]:
        """Numbers for every leaf: positive leaves in [1/2, 3/2), others normal, integers in range."""
        rng = np.random.default_rng(seed)
        out = {}
        for name, spec in self.shapes.items():
            if isinstance(spec, dict):
                out[name] = rng.integers(0, spec["integers"], spec["shape"])
            elif isinstance(spec, list):
                out[name] = rng.uniform(0.5, 1.5, spec) if name in self.positive else rng.normal(0, 0.7, spec)
        return out


class Generator:
    """Writes one random program from ``pick(options) -> option``."""

    def __init__(self, pick: Callable[[Sequence[Any]], Any]) -> None:
        self.pick = pick
        self.arrays: list[Arr] = []
        self.leaves: list[Arr] = []
        self.used: set[str] = set()
        self.lines: list[tuple[str, str, str]] = []
        self.constructs: list[str] = []

    # ----- arrays
    def leaf(self, shape: tuple[int, ...], positive: bool = False) -> Arr:
        arr = Arr(f"{'P' if positive else 'A'}{len(self.leaves)}", shape, positive)
        self.leaves.append(arr)
        return arr

    def int_leaf(self, shape: tuple[int, ...], bound: int) -> Arr:
        arr = Arr(f"I{len(self.leaves)}", shape, kind="int", bound=bound, generic=False)
        self.leaves.append(arr)
        return arr

    def arg(self, shape: tuple[int, ...] | None = None, *, positive: bool = False, generic: bool = False,
            ndim: int = 2) -> Arr:
        """An array made so far that fits, or (half the time, or when none fits) a new leaf."""
        fits = [a for a in self.arrays if a.kind == "float" and (a.shape == shape if shape is not None
                                                                 else len(a.shape) == ndim)
                and (a.positive or not positive) and (a.generic or not generic)]
        if fits and self.pick([True, True, False]):
            return self.pick(fits)
        return self.leaf(shape if shape is not None else (N, D), positive)

    def fresh(self, arr: Arr) -> bool:
        """A leaf nothing has read yet: its entries are independent of everything made so far."""
        return arr in self.leaves and arr.name not in self.used

    def line(self, construct: str, numpy_code: str, torch_code: str, shape: tuple[int, ...], *, positive: bool = False,
             generic: bool = True, kind: str = "float", bound: int = 0, reads: Sequence[Arr] = ()) -> Arr:
        name = f"h{len(self.lines)}"
        self.lines.append((name, numpy_code, torch_code))
        self.used.update(a.name for a in reads)
        arr = Arr(name, shape, positive, generic, kind, bound)
        self.arrays.append(arr)
        self.constructs.append(construct)
        return arr

    # ----- the program
    def program(self, length: int, first: str | None = None) -> Program:
        for k in range(length):
            construct = first if k == 0 and first else self.pick(CONSTRUCTS)
            getattr(self, "_" + construct)(construct)
        terms = []
        for arr in self.arrays:
            if arr.kind != "float" or arr.name in self.used:
                continue
            if arr.shape == ():
                terms.append(arr.name)
            else:
                weight = self.leaf(arr.shape)
                terms.append(f"({arr.name} * {weight.name}).sum()")
        numpy_lines = ["import numpy as np"] + [f"{n} = {c}" for n, c, _ in self.lines] + [f"loss = {' + '.join(terms)}"]
        torch_body = [f"{n} = {c}" for n, _, c in self.lines] + [f"loss = {' + '.join(terms)}"]
        torch_lines = ["import torch", "import torch.nn.functional as F"] + torch_body
        shapes: dict[str, Any] = {"n": N}  # a constant: the code may leave it unused
        for leaf in self.leaves:
            shapes[leaf.name] = {"shape": list(leaf.shape), "integers": leaf.bound} if leaf.kind == "int" \
                else list(leaf.shape)
        return Program("\n".join(numpy_lines), "\n".join(torch_lines), shapes,
                       {leaf.name for leaf in self.leaves if leaf.positive}, self.constructs, torch_body)

    # ----- constructs: each writes one line (two for an argmax then its use)
    def _arith(self, construct: str, op: str) -> None:
        a = self.arg()
        r, c = a.shape
        pattern = self.pick(["same", "row", "row1", "column", "scalar", "number"])
        shape = {"same": (r, c), "row": (c,), "row1": (1, c), "column": (r, 1), "scalar": ()}.get(pattern)
        if op == "/":
            if pattern == "number":
                self.line(construct, f"{a.name} / 4", f"{a.name} / 4", a.shape, generic=a.generic, reads=[a])
                return
            b = self.arg(shape, positive=True) if shape != (r, c) else self.arg((r, c), positive=True)
            left, right = (a, b) if not (a.positive and self.pick([True, False])) else (b, a)
            text = f"{left.name} / {right.name}"
            self.line(construct, text, text, (r, c), generic=a.generic and self.fresh(b), reads=[a, b])
            return
        b = None if pattern == "number" else self.arg(shape)
        other = "2.5" if b is None else b.name
        text = f"{a.name} {op} {other}" if self.pick([True, False]) else f"{other} {op} {a.name}"
        reads = [a] if b is None else [a, b]
        positive = op in "+*" and all(x.positive for x in reads)
        # a + b is generic only where b cannot cancel a's spread (b = -a would tie every entry)
        generic = a.generic and (b is None or self.fresh(b))
        self.line(construct, text, text, (r, c), positive=positive, generic=generic, reads=reads)

    def _add(self, c: str) -> None:
        self._arith(c, "+")

    def _sub(self, c: str) -> None:
        self._arith(c, "-")

    def _mul(self, c: str) -> None:
        self._arith(c, "*")

    def _div(self, c: str) -> None:
        self._arith(c, "/")

    def _matmul(self, construct: str) -> None:
        a = self.arg()
        w = self.arg((a.shape[1], self.pick([2, 3, D])))
        numpy_code = self.pick([f"{a.name} @ {w.name}", f"np.matmul({a.name}, {w.name})", f"np.dot({a.name}, {w.name})"])
        torch_code = self.pick([f"{a.name} @ {w.name}", f"torch.matmul({a.name}, {w.name})", f"{a.name}.mm({w.name})"])
        self.line(construct, numpy_code, torch_code, (a.shape[0], w.shape[1]), generic=a.generic and self.fresh(w),
                  reads=[a, w])

    def _transpose(self, construct: str) -> None:
        a = self.arg()
        n = a.name
        self.line(construct, self.pick([f"{n}.T", f"np.transpose({n})", f"{n}.transpose()", f"{n}.transpose(1, 0)"]),
                  self.pick([f"{n}.T", f"{n}.t()", f"{n}.transpose(0, 1)", f"torch.transpose({n}, 1, 0)"]),
                  a.shape[::-1], positive=a.positive, generic=a.generic, reads=[a])

    def _pow(self, construct: str) -> None:
        a = self.arg()
        if a.positive and self.pick([True, False]):
            k = self.pick(["0.5", "-0.5", "1.5", "-1"])
        else:
            k = self.pick(["2", "3"])
        n = a.name
        self.line(construct, self.pick([f"{n} ** {k}", f"np.power({n}, {k})"]),
                  self.pick([f"{n} ** {k}", f"{n}.pow({k})", f"torch.pow({n}, {k})"]), a.shape,
                  positive=a.positive, generic=a.generic, reads=[a])

    def _neg(self, construct: str) -> None:
        a = self.arg()
        self.line(construct, f"-{a.name}", f"-{a.name}", a.shape, generic=a.generic, reads=[a])

    def _unary(self, construct: str, numpy_forms: list[str], torch_forms: list[str], *, needs_positive: bool = False,
               positive: bool = False, generic: bool = True) -> None:
        a = self.arg(positive=needs_positive)
        self.line(construct, self.pick(numpy_forms).format(a.name), self.pick(torch_forms).format(a.name), a.shape,
                  positive=positive, generic=generic and a.generic, reads=[a])

    def _exp(self, c: str) -> None:
        self._unary(c, ["np.exp({})"], ["torch.exp({})", "{}.exp()"], positive=True)

    def _log(self, c: str) -> None:
        self._unary(c, ["np.log({})"], ["torch.log({})", "{}.log()"], needs_positive=True)

    def _tanh(self, c: str) -> None:
        self._unary(c, ["np.tanh({})"], ["torch.tanh({})", "{}.tanh()"])

    def _sigmoid(self, c: str) -> None:
        self._unary(c, ["1 / (1 + np.exp(-{}))"], ["torch.sigmoid({})", "{}.sigmoid()", "F.sigmoid({})"], positive=True)

    def _relu(self, c: str) -> None:
        self._unary(c, ["np.maximum({}, 0)", "np.maximum(0, {})"],
                    ["torch.relu({})", "F.relu({})", "{}.relu()", "{}.clamp(min=0)"], generic=False)

    def _sqrt(self, c: str) -> None:
        self._unary(c, ["np.sqrt({})"], ["torch.sqrt({})", "{}.sqrt()"], needs_positive=True, positive=True)

    def _abs(self, c: str) -> None:
        self._unary(c, ["np.abs({})", "abs({})"], ["torch.abs({})", "{}.abs()"])

    def _maximum(self, construct: str) -> None:
        a = self.arg()
        b = self.arg(self.pick([a.shape, (a.shape[1],), (a.shape[0], 1)]))
        self.line(construct, f"np.maximum({a.name}, {b.name})", f"torch.maximum({a.name}, {b.name})", a.shape,
                  generic=False, reads=[a, b])

    def _reduce(self, construct: str, op: str) -> None:
        generic = op in ("max", "min", "std")
        a = self.arg(generic=generic)
        n = a.name
        axis = self.pick([k for k in (0, 1, None) if k is None or a.shape[k] > 1 or op not in ("var", "std")])
        keep = self.pick([True, False]) if axis is not None else False
        if axis is None:
            shape: tuple[int, ...] = ()
        else:
            shape = tuple(1 if k == axis else s for k, s in enumerate(a.shape)) if keep else \
                tuple(s for k, s in enumerate(a.shape) if k != axis)
        if op in ("var", "std"):
            ddof = self.pick([0, 1])
            np_args = ("" if axis is None else f"axis={axis}, ") + f"ddof={ddof}" + (", keepdims=True" if keep else "")
            numpy_code = self.pick([f"{n}.{op}({np_args})", f"np.{op}({n}, {np_args})"])
            if axis is None:
                torch_code = f"{n}.{op}()" if ddof else f"{n}.{op}(unbiased=False)"
            else:
                bessel = self.pick(["", ", unbiased=True", ", correction=1"]) if ddof else \
                    self.pick([", unbiased=False", ", correction=0"])
                torch_code = f"{n}.{op}({axis}{bessel}" + (", keepdim=True)" if keep else ")")
            self.line(construct, numpy_code, torch_code, shape, positive=op == "std", generic=False, reads=[a])
            return
        np_args = "" if axis is None else f"axis={axis}" + (", keepdims=True" if keep else "")
        numpy_code = self.pick([f"{n}.{op}({np_args})", f"np.{op}({n}{', ' if np_args else ''}{np_args})"])
        if axis is None:
            torch_code = self.pick([f"{n}.{op}()", f"torch.{op}({n})"])
        elif op in ("max", "min"):
            keepdim = ", keepdim=True" if keep else ""
            torch_code = self.pick([f"{n}.{op}({axis}{keepdim}).values", f"torch.{op}({n}, {axis}{keepdim})[0]",
                                    f"{n}.a{op}({axis}{keepdim})", f"{n}.{op}(dim={axis}{keepdim}).values"])
        else:
            torch_code = self.pick([f"{n}.{op}({axis}" + (", keepdim=True)" if keep else ")"),
                                    f"torch.{op}({n}, dim={axis}" + (", keepdim=True)" if keep else ")")])
        self.line(construct, numpy_code, torch_code, shape, positive=a.positive, generic=False, reads=[a])

    def _sum(self, c: str) -> None:
        self._reduce(c, "sum")

    def _mean(self, c: str) -> None:
        self._reduce(c, "mean")

    def _max(self, c: str) -> None:
        self._reduce(c, "max")

    def _min(self, c: str) -> None:
        self._reduce(c, "min")

    def _var(self, c: str) -> None:
        self._reduce(c, "var")

    def _std(self, c: str) -> None:
        self._reduce(c, "std")

    def _indices(self, construct: str) -> None:
        a = self.arg(generic=True)
        r, c = a.shape
        op = self.pick(["max", "min"])
        i = self.line(construct, self.pick([f"{a.name}.arg{op}(axis=1)", f"np.arg{op}({a.name}, axis=1)"]),
                      self.pick([f"{a.name}.{op}(1).indices", f"{a.name}.arg{op}(1)", f"torch.{op}({a.name}, 1)[1]"]),
                      (r,), kind="int", bound=c, generic=False, reads=[a])
        b = self.arg((r, c))
        self.line(construct, f"{b.name}[np.arange({r}), {i.name}]", f"{b.name}[torch.arange({r}), {i.name}]", (r,),
                  generic=False, reads=[b, i])

    def _view(self, construct: str) -> None:
        a = self.arg()
        r, c = a.shape
        n = a.name
        form = self.pick(["swap", "column", "row"])
        shape = {"swap": (c, r), "column": (r * c, 1), "row": (1, r * c)}[form]
        size = {"swap": f"{c}, {r}", "column": "-1, 1", "row": "1, -1"}[form]
        numpy_code = self.pick([f"{n}.reshape({size})", f"np.reshape({n}, ({size}))"])
        # PyTorch views only contiguous memory (a leaf's); a transpose or slice needs reshape
        views = [f"{n}.view({size})"] if a in self.leaves else []
        torch_code = self.pick(views + [f"{n}.reshape({size})", f"torch.reshape({n}, ({size}))"])
        if form == "row" and self.pick([True, False]):
            numpy_code, torch_code = f"{n}.flatten()[None, :]", f"{n}.flatten()[None, :]"
        self.line(construct, numpy_code, torch_code, shape, positive=a.positive, generic=a.generic, reads=[a])

    def _gather(self, construct: str) -> None:
        table = self.arg()
        rows, width = table.shape
        index = self.int_leaf(self.pick([(N,), (N, 2)]), rows)
        if len(index.shape) == 1:
            self.line(construct, f"{table.name}[{index.name}]", f"{table.name}[{index.name}]", (N, width),
                      generic=False, reads=[table, index])
            return
        numpy_code = self.pick([f"{table.name}[{index.name}].reshape({N}, -1)",
                                f"{table.name}[{index.name}].reshape(len({index.name}), -1)"])
        torch_code = self.pick([f"{table.name}[{index.name}].view({index.name}.shape[0], -1)",
                                f"{table.name}[{index.name}].flatten(1)"])
        self.line(construct, numpy_code, torch_code, (N, 2 * width), generic=False, reads=[table, index])

    def _gather_rows(self, construct: str) -> None:
        a = self.arg((N, self.pick([2, D])))
        y = self.int_leaf((N,), a.shape[1])
        self.line(construct, self.pick([f"{a.name}[np.arange(n), {y.name}]", f"{a.name}[range(n), {y.name}]"]),
                  self.pick([f"{a.name}[range(n), {y.name}]", f"{a.name}[torch.arange(n), {y.name}]"]), (N,),
                  generic=False, reads=[a, y])

    def _slice(self, construct: str) -> None:
        a = self.arg()
        r, c = a.shape
        options = [("[:, 1:]", (r, c - 1)), ("[:, :2]", (r, min(2, c))), ("[1:]", (r - 1, c)), ("[::2]", ((r + 1) // 2, c)),
                   ("[-2:, 1:3]", (min(2, r), len(range(c)[1:3])))]
        text, shape = self.pick([o for o in options if min(o[1]) >= 1])
        self.line(construct, a.name + text, a.name + text, shape, positive=a.positive, generic=a.generic, reads=[a])

    def _softmax(self, construct: str) -> None:
        a = self.arg()
        k = self.pick([0, 1])
        n = a.name
        self.line(construct, f"np.exp({n}) / np.exp({n}).sum(axis={k}, keepdims=True)",
                  self.pick([f"F.softmax({n}, dim={k})", f"torch.softmax({n}, {k})", f"{n}.softmax(dim={k})"]),
                  a.shape, positive=True, generic=a.generic, reads=[a])

    def _log_softmax(self, construct: str) -> None:
        a = self.arg()
        k = self.pick([0, 1])
        n = a.name
        self.line(construct, f"{n} - np.log(np.exp({n}).sum(axis={k}, keepdims=True))",
                  self.pick([f"F.log_softmax({n}, dim={k})", f"torch.log_softmax({n}, {k})", f"{n}.log_softmax({k})"]),
                  a.shape, generic=a.generic, reads=[a])

    def _cross_entropy(self, construct: str) -> None:
        a = self.arg((N, self.pick([2, D])))
        y = self.int_leaf((N,), a.shape[1])
        mean = self.pick([True, False])
        n = a.name
        picked = f"({n} - np.log(np.exp({n}).sum(axis=1, keepdims=True)))[np.arange(n), {y.name}]"
        self.line(construct, f"-{picked}.{'mean' if mean else 'sum'}()",
                  f"F.cross_entropy({n}, {y.name}" + (")" if mean else ", reduction='sum')"), (),
                  reads=[a, y])

    def _one_hot(self, construct: str) -> None:
        a = self.arg((N, D))
        y = self.int_leaf((N,), D)
        self.line(construct, f"{a.name} * np.eye({D})[{y.name}]",
                  self.pick([f"{a.name} * F.one_hot({y.name}, {D})", f"F.one_hot({y.name}, num_classes={D}) * {a.name}"]),
                  (N, D), generic=False, reads=[a, y])

    def _cat(self, construct: str) -> None:
        a = self.arg()
        r, c = a.shape
        axis = self.pick([0, 1])
        b = self.arg((r, self.pick([1, 2])) if axis else (self.pick([1, 2]), c))
        shape = (r, c + b.shape[1]) if axis else (r + b.shape[0], c)
        self.line(construct, f"np.concatenate([{a.name}, {b.name}], axis={axis})",
                  self.pick([f"torch.cat([{a.name}, {b.name}], dim={axis})", f"torch.cat(({a.name}, {b.name}), {axis})"]),
                  shape, generic=a.generic and self.fresh(b), reads=[a, b])

    def _like(self, construct: str) -> None:
        a = self.arg()
        b = self.arg(a.shape)
        which = self.pick(["zeros", "ones"])
        self.line(construct, f"np.{which}_like({a.name}) * 3 + {b.name}", f"torch.{which}_like({a.name}) * 3 + {b.name}",
                  a.shape, generic=b.generic and which == "zeros", reads=[a, b])

    def _where(self, construct: str) -> None:
        a = self.arg()
        b = self.arg(self.pick([a.shape, (a.shape[1],)]))
        c = self.arg(a.shape)
        self.line(construct, f"np.where({a.name} > {b.name}, {a.name}, {c.name})",
                  f"torch.where({a.name} > {b.name}, {a.name}, {c.name})", a.shape, generic=False, reads=[a, b, c])

    def _masked_fill(self, construct: str) -> None:
        a = self.arg()
        mask = self.arg(a.shape)
        value = self.pick(["0.0", "-1.5"])
        self.line(construct, f"np.where({mask.name} < 0, {value}, {a.name})",
                  f"{a.name}.masked_fill({mask.name} < 0, {value})", a.shape, generic=False, reads=[a, mask])
