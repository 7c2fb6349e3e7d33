"""The ``[program.shapes]`` and ``[values]`` tables of a program spec, checked field by field.

>>> leaves = leaves_from_shapes({"W1": [30, 64], "Xb": {"shape": [32, 3], "integers": 27}, "n": 32})
>>> [(leaf.name, leaf.kind, leaf.shape) for leaf in leaves]
[('W1', 'float', (30, 64)), ('Xb', 'int', (32, 3)), ('n', 'const', ())]
>>> leaves_from_shapes({"W1": [30, 0]})
Traceback (most recent call last):
    ...
symbackprop.errors.SpecError: program.shapes.W1: expected positive sizes like [30, 64], received [30, 0]
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Mapping, Sequence
from typing import Any

from symbackprop.errors import SpecError, closest
from symbackprop.graph.array_program import Leaf

__all__ = ["leaves_from_shapes", "check_values", "program_keys", "RESERVED", "MAX_LEAF_ENTRIES", "PROGRAM_KEYS"]

#: Keys of a ``[program]`` table.
PROGRAM_KEYS = ("code", "loss", "shapes")

#: Names the code reader gives a meaning of its own.
RESERVED = frozenset({"np", "numpy", "torch", "F", "math", "range", "float", "int", "len", "abs", "max", "min",
                      "True", "False", "None"})
#: The most entries a leaf may have (float64: 160 MB).
MAX_LEAF_ENTRIES = 20_000_000


def _name(name: object, field: str) -> str:
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii() or keyword.iskeyword(name):
        raise SpecError(f"{field}: {name!r} is not a Python name; expected letters, digits and '_'")
    if name in RESERVED:
        raise SpecError(f"{field}: {name!r} means something of its own in the code; choose another name")
    return name


def _sizes(value: object, field: str) -> tuple[int, ...]:
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or len(value) > 8 or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 10**9 for n in value):
        raise SpecError(f"{field}: expected positive sizes like [30, 64], received {value!r}"[:300])
    shape = tuple(value)
    if math.prod(shape) > MAX_LEAF_ENTRIES:
        raise SpecError(f"{field}: {shape} has {math.prod(shape):,} entries; at most {MAX_LEAF_ENTRIES:,} are read")
    return shape


def leaves_from_shapes(shapes: Mapping[str, Any]) -> list[Leaf]:
    """The leaves a ``[program.shapes]`` table declares.

    A list of sizes is a float array; ``{shape = [...], gradient = false}`` a float array that
    gets no gradient (data, targets); ``{shape = [...], integers = K}`` an integer array with
    entries in ``[0, K)``; a number a constant.

    Raises:
        SpecError: naming the field, what was expected and what was received.
    """
    if not isinstance(shapes, Mapping):
        raise SpecError(f"program.shapes: expected a table of names, received {type(shapes).__name__}")
    leaves = []
    for raw, value in shapes.items():
        name = _name(raw, f"program.shapes.{raw}")
        field = f"program.shapes.{name}"
        if isinstance(value, bool):
            raise SpecError(f"{field}: expected sizes, a table or a number, received {value!r}")
        if isinstance(value, (int, float)):
            if not math.isfinite(value) or abs(value) > 10**12:
                raise SpecError(f"{field}: expected a finite number of at most 1e12, received {value!r}")
            leaves.append(Leaf(name, (), "const", value=value))
        elif isinstance(value, Mapping):
            keys = ("shape", "integers", "gradient")
            unknown = [k for k in value if k not in keys]
            if unknown:
                raise SpecError(f"{field}.{unknown[0]}: unknown key{closest(str(unknown[0]), keys)}; "
                                "expected shape, and integers or gradient")
            if "gradient" in value:
                if "integers" in value or not isinstance(value["gradient"], bool):
                    raise SpecError(f"{field}.gradient: expected true or false for a float array (not with integers), "
                                    f"received {value['gradient']!r}")
                kind = "float" if value["gradient"] else "data"
                leaves.append(Leaf(name, _sizes(value.get("shape"), f"{field}.shape"), kind))
                continue
            if "integers" not in value:
                raise SpecError(f"{field}.integers: missing; expected the number of classes K (entries in [0, K))")
            bound = value["integers"]
            if not isinstance(bound, int) or isinstance(bound, bool) or not 0 < bound <= 10**9:
                raise SpecError(f"{field}.integers: expected a positive integer K (entries in [0, K)), received {bound!r}")
            shape = _sizes(value.get("shape", []), f"{field}.shape") if value.get("shape", []) != [] else ()
            leaves.append(Leaf(name, shape, "int", bound=bound))
        else:
            leaves.append(Leaf(name, _sizes(value, field), "float"))
    return leaves


def _nested(value: Any, shape: tuple[int, ...], field: str, integers: int | None) -> Any:
    if not shape:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(f"{field}: expected a number, received {value!r}"[:200])
        if integers is not None:
            if not isinstance(value, int) or not 0 <= value < integers:
                raise SpecError(f"{field}: expected an integer in [0, {integers}), received {value!r}")
            return value
        if not math.isfinite(value) or abs(value) > 1.7e308:
            raise SpecError(f"{field}: expected a finite number, received {value!r}"[:200])
        return float(value)
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or len(value) != shape[0]:
        got = f"{len(value)} entries" if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else repr(value)[:60]
        raise SpecError(f"{field}: expected {shape[0]} entries (shape {shape}), received {got}")
    return tuple(_nested(v, shape[1:], f"{field}[{k}]", integers) for k, v in enumerate(value))


def check_values(values: Mapping[str, Any], leaves: Sequence[Leaf]) -> dict[str, Any]:
    """Numbers for the program's arrays, as nested tuples, checked against their shapes.

    Every float and integer leaf needs numbers; constants take theirs from the shapes table.

    Raises:
        SpecError: a missing, unknown or misshapen entry, named ``values.<name>[i][j]``.
    """
    if not isinstance(values, Mapping):
        raise SpecError(f"values: expected a table of arrays by name, received {type(values).__name__}")
    arrays = {leaf.name: leaf for leaf in leaves if leaf.kind != "const"}
    consts = {leaf.name for leaf in leaves if leaf.kind == "const"}
    for key in values:
        if key in consts:
            raise SpecError(f"values.{key}: {key} is a constant, given in program.shapes; remove it here")
        if key not in arrays and key != "learning_rate":
            raise SpecError(f"values.{key}: unknown array{closest(str(key), arrays)}; expected one of "
                            f"{', '.join(arrays)}")
    out: dict[str, Any] = {}
    for name, leaf in arrays.items():
        if name not in values:
            raise SpecError(f"values.{name}: missing; expected an array of shape {leaf.shape}")
        out[name] = _nested(values[name], leaf.shape, f"values.{name}", leaf.bound if leaf.kind == "int" else None)
    if "learning_rate" in values:
        rate = values["learning_rate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < math.inf:
            raise SpecError(f"values.learning_rate: expected a positive number, received {rate!r}")
        out["learning_rate"] = float(rate)
    return out


def program_keys(table: object) -> tuple[str, str | None, Mapping[str, Any]]:
    """``(code, loss, shapes)`` of a ``[program]`` table, each checked.

    Raises:
        SpecError: an unknown key, or a field of the wrong type, named ``program.<key>``.
    """
    if not isinstance(table, Mapping):
        raise SpecError(f"program: expected a table with code and shapes, received {type(table).__name__}")
    for key in table:
        if key not in PROGRAM_KEYS:
            raise SpecError(f"program.{key}: unknown key{closest(str(key), PROGRAM_KEYS)}; expected one of "
                            f"{', '.join(PROGRAM_KEYS)}")
    code = table.get("code")
    if not isinstance(code, str):
        raise SpecError(f"program.code: expected the forward pass as a string of code, received {code!r}"[:200])
    loss = table.get("loss")
    if loss is not None and (not isinstance(loss, str) or not loss.isidentifier()):
        raise SpecError(f"program.loss: expected the name of the loss, received {loss!r}")
    shapes = table.get("shapes", {})
    if not isinstance(shapes, Mapping):
        raise SpecError(f"program.shapes: expected a table of names, received {shapes!r}"[:200])
    return code, loss, shapes
