"""Spec files: a network (and optionally its numbers) from TOML, JSON, a dict or ``"2-2-2"``.

The field names are a public contract::

    layers = [2, 2, 2]
    activation = "sigmoid"          # or one per non-input layer
    loss = "squared"
    bias = true                     # or one per non-input layer
    reduction = "mean"              # for batches: "mean" or "sum"
    [values]
    x = [0.05, 0.10]                # one sample, or a list of rows for a batch
    y = [0.01, 0.99]
    W1 = [[0.15, 0.20], [0.25, 0.30]]   # W{l}[j][i]: neuron i of layer l-1 -> neuron j of layer l
    b1 = [0.35, 0.35]
    learning_rate = 0.5
    [notation]                      # another textbook's names (read/notation.py)
    w_5 = "w^{(2)}_{11}"

>>> spec = load_spec("2-3-1")
>>> spec.network.layers, spec.values
((2, 3, 1), None)
>>> load_spec(EXAMPLE).values.params["W1"]
((0.15, 0.2), (0.25, 0.3))
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from symbackprop.errors import SpecError, closest

from .budget import check_graph_size, check_network_size
from .files import read_text
from .limits import MAX_SPEC_BYTES, checked_int, load_table

if TYPE_CHECKING:
    import sympy as sp

    from symbackprop.graph import Graph, Network
    from symbackprop.graph.array_program import ArrayProgram

# The networks, graphs, their names and notation tables are SymPy's; they load where a spec
# holds one, so that reading a [program] spec (code into array terms) never imports SymPy.
# The code reader and array terms load where a spec holds a [program], for the same reason
# the other way round: a command on a network does not pay for them.

__all__ = ["Spec", "Values", "load_spec", "parse_shorthand", "EXAMPLE", "SPEC_KEYS", "VALUE_KEYS"]

#: Top-level keys of a spec.
SPEC_KEYS = ("layers", "activation", "loss", "bias", "reduction", "values", "graph", "program", "title", "notation")
#: Keys of ``[values]`` besides ``W{l}`` and ``b{l}``.
VALUE_KEYS = ("x", "y", "learning_rate")

#: The built-in example: a 2-2-2 sigmoid network with the numbers of the classic
#: hand-worked backpropagation example (two inputs, two hidden, two outputs).
EXAMPLE: dict[str, Any] = {
    "title": "A 2-2-2 sigmoid network, worked by hand",
    "layers": [2, 2, 2],
    "activation": "sigmoid",
    "loss": "squared",
    "bias": True,
    "values": {
        "x": [0.05, 0.10],
        "y": [0.01, 0.99],
        "W1": [[0.15, 0.20], [0.25, 0.30]],
        "b1": [0.35, 0.35],
        "W2": [[0.40, 0.45], [0.50, 0.55]],
        "b2": [0.60, 0.60],
        "learning_rate": 0.5,
    },
}

Number = float | int
Rows = tuple[tuple[Number, ...], ...]


@dataclass(frozen=True)
class Values:
    """Numbers given with a network.

    Attributes:
        x: input rows (one row for a single sample).
        y: target rows, or ``None``.
        params: ``W{l}`` (``W{l}[j][i]``) and ``b{l}`` arrays by name, as given.
        learning_rate: η, or ``None``.
        batch: whether ``x`` was given as a list of rows.
        leaves: for a custom ``[graph]``, a number for every leaf by name.
    """

    x: Rows | None
    y: Rows | None
    params: dict[str, tuple]
    learning_rate: float | None
    batch: bool
    leaves: dict[str, Number] = field(default_factory=dict)

    def assignment(self, network: Graph, row: int = 0) -> dict[sp.Symbol, Number]:
        """``{symbol: number}`` for sample ``row``: inputs, targets and every parameter.

        Raises:
            SpecError: a parameter array or the inputs/targets are missing.
        """
        from symbackprop.graph import Network
        from symbackprop.graph.notation import matrix_name

        if not isinstance(network, Network):
            return {network.lookup(name): value for name, value in self.leaves.items()}
        out: dict[sp.Symbol, Number] = {}
        if self.x is None:
            raise SpecError("values.x: missing; expected the input values")
        out.update(zip(network.x, self.x[row]))
        if network.y:
            if self.y is None:
                raise SpecError(f"values.y: missing; the {network.loss.name} loss needs targets")
            out.update(zip(network.y, self.y[row]))
        for l in range(1, len(network.layers)):
            name = matrix_name("w", l)
            if name not in self.params:
                raise SpecError(f"values.{name}: missing; expected {_shape_text(network, 'w', l)}")
            for j, row_ in enumerate(self.params[name]):
                out.update(zip(network.W[l][j], row_))
            if network.b[l]:
                name = matrix_name("b", l)
                if name not in self.params:
                    raise SpecError(f"values.{name}: missing; expected {_shape_text(network, 'b', l)}")
                out.update(zip(network.b[l], self.params[name]))
        return out


@dataclass(frozen=True)
class Spec:
    """A loaded spec: the network (or custom graph, or array program), its numbers, a title,
    and the source.  A program carries its own numbers (``network.values``)."""

    network: Graph | ArrayProgram
    values: Values | None
    title: str
    source: str

    @property
    def is_program(self) -> bool:
        """Whether the spec holds a ``[program]`` (an array program, not a network or graph)."""
        # A program exists only once its module is loaded; asking must not load it (or SymPy).
        module = sys.modules.get("symbackprop.graph.array_program")
        return module is not None and isinstance(self.network, module.ArrayProgram)


def _number(value: object, field: str) -> Number:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{field}: expected a number, received {value!r}")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise SpecError(f"{field}: expected a finite number, received {value!r}")
    if isinstance(value, int) and abs(value) > 2**1023 * (2 - 2**-52):  # float64's largest
        raise SpecError(f"{field}: expected a number within float64's range (±1.8e308), "
                        f"received an integer of {len(str(abs(value)))} digits")
    return value


def _vector(value: object, size: int, field: str) -> tuple[Number, ...]:
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise SpecError(f"{field}: expected a list of {size} numbers, received {value!r}")
    if len(value) != size:
        raise SpecError(f"{field}: expected {size} numbers, received {len(value)}")
    return tuple(_number(v, f"{field}[{k}]") for k, v in enumerate(value))


def _rows(value: object, size: int, field: str) -> tuple[Rows, bool]:
    """One sample (a flat list) or a batch (a list of rows)."""
    if isinstance(value, Sequence) and value and all(
        isinstance(r, Sequence) and not isinstance(r, (str, bytes)) for r in value
    ):
        return tuple(_vector(r, size, f"{field}[{k}]") for k, r in enumerate(value)), True
    return (_vector(value, size, field),), False


def _shape_text(network: Network, kind: str, l: int) -> str:
    if kind == "w":
        return f"a {network.layers[l]}×{network.layers[l - 1]} list of lists (W{l}[j][i])"
    return f"a list of {network.layers[l]} numbers"


def _values(table: object, network: Graph) -> Values:
    from symbackprop.graph import Network
    from symbackprop.graph.notation import matrix_name

    if not isinstance(table, Mapping):
        raise SpecError(f"values: expected a table, received {table!r}")
    if not isinstance(network, Network):
        from .graphspec import graph_values

        leaves, rate = graph_values(table, network, _number)
        return Values(None, None, {}, rate, False, leaves)
    allowed = list(VALUE_KEYS)
    for l in range(1, len(network.layers)):
        allowed.append(matrix_name("w", l))
        if network.b[l]:
            allowed.append(matrix_name("b", l))
    for key in table:
        if key not in allowed:
            raise SpecError(f"values.{key}: unknown key{closest(str(key), allowed)}; expected one of {', '.join(allowed)}")
    x = y = None
    batch = False
    if "x" in table:
        x, batch = _rows(table["x"], network.layers[0], "values.x")
    if "y" in table:
        if not network.y:
            raise SpecError(f"values.y: the {network.loss.name} loss has no targets; remove y")
        y, ybatch = _rows(table["y"], network.layers[-1], "values.y")
        if x is not None and ybatch != batch:
            shape = {True: "a list of rows", False: "one sample (a flat list)"}
            raise SpecError(f"values.y: expected {shape[batch]} like values.x, received {shape[ybatch]}")
        if x is not None and len(y) != len(x):
            raise SpecError(f"values.y: expected {len(x)} row(s) like values.x, received {len(y)}")
    params: dict[str, tuple] = {}
    for l in range(1, len(network.layers)):
        name = matrix_name("w", l)
        if name in table:
            rows = table[name]
            rows_ok = isinstance(rows, Sequence) and not isinstance(rows, (str, bytes))
            if not rows_ok or len(rows) != network.layers[l]:
                raise SpecError(f"values.{name}: expected {_shape_text(network, 'w', l)}, received {rows!r}")
            params[name] = tuple(
                _vector(r, network.layers[l - 1], f"values.{name}[{j}]") for j, r in enumerate(rows)
            )
        name = matrix_name("b", l)
        if name in table:
            params[name] = _vector(table[name], network.layers[l], f"values.{name}")
    rate = None
    if "learning_rate" in table:
        rate = float(_number(table["learning_rate"], "values.learning_rate"))
        if rate <= 0:
            raise SpecError(f"values.learning_rate: expected a positive number, received {rate!r}")
    return Values(x, y, params, rate, batch)


def _program_spec(table: Mapping[str, Any], title: str, source: str) -> Spec:
    """A ``[program]`` spec: code, its shapes, optional ``[values]``."""
    others = [k for k in ("layers", "graph", "activation", "loss", "bias", "reduction", "notation") if k in table]
    if others:
        raise SpecError(f"{others[0]}: a spec with [program] takes its network from the code; remove {others[0]}")
    from .code import read_program
    from .code_spec import program_keys

    code, loss, shapes = program_keys(table["program"])
    program = read_program(code, shapes, loss=loss, values=table.get("values"), title=title or "An array program")
    return Spec(program, None, program.title, source)


_SHORTHAND = re.compile(r"^\s*\d+(\s*-\s*\d+)+\s*$")


def parse_shorthand(text: str) -> list[int]:
    """``"2-2-2"`` → ``[2, 2, 2]``.

    Raises:
        SpecError: not sizes separated by ``-``, or a size that is not positive.
    """
    if not _SHORTHAND.match(text):
        raise SpecError(f"spec: expected a file (.toml/.json) or sizes like '2-2-2', received {text!r}")
    sizes = [checked_int(p, f"layers[{k}]") for k, p in enumerate(text.split("-"))]
    for k, s in enumerate(sizes):
        if s < 1:
            raise SpecError(f"layers[{k}]: expected a positive integer, received {s}")
    return sizes


def _from_table(table: Mapping[str, Any], source: str, force: bool) -> Spec:
    if not isinstance(table, Mapping):
        raise SpecError(f"spec: expected a table of settings, received {type(table).__name__}")
    for key in table:
        if key not in SPEC_KEYS:
            raise SpecError(f"{key}: unknown key{closest(str(key), SPEC_KEYS)}; expected one of {', '.join(SPEC_KEYS)}")
    title = table.get("title", "")
    if not isinstance(title, str):
        raise SpecError(f"title: expected a string, received {title!r}")
    if "program" in table:
        return _program_spec(table, title, source)
    from symbackprop.graph import Network, mlp

    # The formula parser loads only for what holds formulas: a [graph] or a [notation] table.
    if "graph" in table:
        from .graphspec import graph_from_spec

        if "layers" in table:
            raise SpecError("graph: give either layers or [graph], not both")
        check_graph_size(table["graph"], force)
        network: Graph = graph_from_spec(table["graph"])
    else:
        if "layers" not in table:
            raise SpecError("layers: missing; expected a list of layer sizes like [2, 2, 2]")
        check_network_size(table["layers"], table.get("bias", True), force)
        network = mlp(
            table["layers"],
            activation=table.get("activation", "sigmoid"),
            loss=table.get("loss", "squared"),
            bias=table.get("bias", True),
            reduction=table.get("reduction", "mean"),
        )
    values = _values(table["values"], network) if "values" in table else None
    if "notation" in table:
        from .notation import apply_notation

        apply_notation(network, table["notation"])
    if not title and isinstance(network, Network):
        title = f"A {network.describe()}"
    return Spec(network, values, title or "A computation graph", source)


def load_spec(source: str | Path | Mapping[str, Any], *, force: bool = False) -> Spec:
    """Load a spec from a dict, a ``.toml``/``.json`` file, or shorthand sizes ``"2-2-2"``.

    Files over :data:`~symbackprop.read.limits.MAX_SPEC_BYTES` are refused before any work,
    and so are networks beyond the work budget (:mod:`~symbackprop.read.budget`: parameters,
    layers, ``[graph]`` nodes) unless ``force`` is true.

    Raises:
        SpecError: unreadable file, syntax error, unknown key or invalid value; the
            message names the field, what was expected and what was received.
        TooLargeError: a network beyond the work budget; the message gives its size.
    """
    if isinstance(source, Mapping):
        return _from_table(source, "<dict>", force)
    text = str(source)
    if isinstance(source, str) and _SHORTHAND.match(text):
        return _from_table({"layers": parse_shorthand(text)}, text, force)
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        if not path.exists():
            parse_shorthand(text)  # raises the explanatory error
        raise SpecError(f"spec: expected a .toml or .json file, received {text!r}")
    decoded = read_text(path, limit=MAX_SPEC_BYTES, field="spec")  # regular files only, limit while reading
    return _from_table(load_table(decoded, suffix, text), text, force)
