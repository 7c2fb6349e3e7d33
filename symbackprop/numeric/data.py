"""Numbers from outside: a spec's ``[values]`` as arrays, and training data from CSV files.

>>> import symbackprop as sbp
>>> params, X, Y = spec_arrays(sbp.load_spec(sbp.EXAMPLE))
>>> params["W1"].shape, X.shape, Y.shape
((2, 2), (2,), (2,))
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from symbackprop.errors import DataError, SpecError
from symbackprop.graph import Network
from symbackprop.graph.notation import matrix_name, plain
from symbackprop.read import Spec
from symbackprop.read.files import read_text
from symbackprop.read.limits import MAX_DATA_BYTES

__all__ = ["spec_arrays", "spec_params", "load_csv", "as_lists"]


def spec_params(spec: Spec) -> dict[str, np.ndarray] | None:
    """The spec's parameter arrays (``W{l}``, ``b{l}``), or ``None`` when it gives none; for a
    custom ``[graph]``, ``{parameter name: number}``.

    Raises:
        SpecError: only some of the arrays are given; the message names a missing one.
    """
    net = spec.network
    if not isinstance(net, Network):
        if spec.values is None:
            return None
        return {plain(p): np.float64(spec.values.leaves[p.name]) for p in net.params}
    given = spec.values.params if spec.values is not None else {}
    expected = []
    for l in range(1, net.depth + 1):
        expected.append((matrix_name("w", l), (net.layers[l], net.layers[l - 1])))
        if net.b[l]:
            expected.append((matrix_name("b", l), (net.layers[l],)))
    if not given:
        return None
    for name, shape in expected:
        if name not in given:
            text = f"a {shape[0]}×{shape[1]} list of lists ({name}[j][i])" if len(shape) == 2 else f"a list of {shape[0]} numbers"
            raise SpecError(f"values.{name}: missing; expected {text}")
    return {name: np.array(given[name], dtype=np.float64) for name, _ in expected}


def spec_arrays(spec: Spec) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray | None]:
    """``(params, X, Y)`` from a spec's ``[values]``; ``X``/``Y`` are 1-D for one sample (for a
    custom ``[graph]``: its inputs and targets in declaration order).

    Raises:
        SpecError: the spec has no values, no ``x``, no ``y`` its loss needs, or not every
            parameter array; the message names the field.
    """
    params = spec_params(spec)
    net = spec.network
    values = spec.values
    if not isinstance(net, Network):
        if values is None:
            raise SpecError("values: missing; a custom [graph] spec needs a number for every leaf, "
                            "like [values] x = -2")
        pick = lambda leaves: np.array([values.leaves[s.name] for s in leaves], dtype=np.float64)
        targets = net.leaves("target")
        return params or {}, pick(net.leaves("input")), (pick(targets) if targets else None)
    if values is None or values.x is None:
        raise SpecError("values.x: missing; expected the input values (one list, or a list of rows)")
    pick = (lambda rows: np.array(rows, dtype=np.float64)) if values.batch else (lambda rows: np.array(rows[0], dtype=np.float64))
    X = pick(values.x)
    Y = None
    if net.y:
        if values.y is None:
            raise SpecError(f"values.y: missing; the {net.loss.name} loss needs targets")
        Y = pick(values.y)
    if params is None:
        raise SpecError(f"values.{matrix_name('w', 1)}: missing; expected the parameter arrays W1, b1, ... (W{{l}}[j][i])")
    return params, X, Y


def load_csv(path: str | Path, n_inputs: int, n_targets: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Read training data: ``n_inputs`` input columns, then ``n_targets`` target columns.

    A first row of names (no numbers) is a header.  Blank lines are skipped.

    Returns:
        ``(X, Y)`` with one row per sample; ``Y`` is ``None`` when ``n_targets`` is 0.

    Raises:
        DataError: unreadable file, a row with another number of columns, a cell that is
            not a finite number, or no data rows; the message gives the line and column.
    """
    name = str(path)
    text = read_text(path, limit=MAX_DATA_BYTES, field="data", error=DataError)
    width = n_inputs + n_targets
    what = f"{width} columns ({n_inputs} input{'s' * (n_inputs != 1)}, {n_targets} target{'s' * (n_targets != 1)})"
    rows: list[list[float]] = []
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise DataError(f"data: {name!r} is not valid CSV: {exc}") from None
    for line, record in enumerate(records, start=1):
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        if not rows and line == _first_nonblank(records) and not all(_is_number(c) for c in cells):
            if len(cells) != width:
                raise DataError(f"data: {name} line {line} (header): expected {what}, received {len(cells)}")
            # A header names every column; a first row of numbers with one typo is data.
            typo = next((k for k, c in enumerate(cells, start=1) if not _is_number(c)), None)
            if any(_is_number(c) for c in cells):
                raise DataError(f"data: {name} line {line} column {typo}: expected a number, received "
                                f"{cells[typo - 1]!r} (a header row names every column)")
            continue
        if len(cells) != width:
            raise DataError(f"data: {name} line {line}: expected {what}, received {len(cells)}")
        row = []
        for col, cell in enumerate(cells, start=1):
            if not _is_number(cell):
                raise DataError(f"data: {name} line {line} column {col}: expected a number, received {cell!r}")
            value = float(cell)
            if not math.isfinite(value):
                raise DataError(f"data: {name} line {line} column {col}: expected a finite number, received {cell!r}")
            row.append(value)
        rows.append(row)
    if not rows:
        raise DataError(f"data: {name} has no data rows; expected rows of {what}")
    arr = np.array(rows, dtype=np.float64)
    return arr[:, :n_inputs], (arr[:, n_inputs:] if n_targets else None)


def _first_nonblank(records: list[list[str]]) -> int:
    for line, record in enumerate(records, start=1):
        if any(c.strip() for c in record):
            return line
    return 0


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def as_lists(value: Any) -> Any:
    """Arrays to nested lists of floats (for JSON)."""
    return np.asarray(value, dtype=np.float64).tolist()
