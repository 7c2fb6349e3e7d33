"""One exercise, many versions: the teacher's spec as a table, and seeded variants of it.

Each variant draws its own numbers (weights and biases in [-1, 1], inputs in [0, 1], targets
the loss can reach: one-hot for cross entropy, in [0, 1] otherwise, all with two decimals)
and, when lists are given, its layer sizes and activation; the same seed gives the same
variants.

>>> tables = variant_tables({"layers": [2, 2, 1]}, 2, seed=7)
>>> [t["title"] for t in tables]
['Variant 1', 'Variant 2']
>>> tables == variant_tables({"layers": [2, 2, 1]}, 2, seed=7)
True
>>> tables[0]["values"]["W1"] != tables[1]["values"]["W1"]
True
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from symbackprop.errors import SpecError
from symbackprop.read import load_spec
from symbackprop.read.files import read_text
from symbackprop.read.limits import MAX_SPEC_BYTES
from symbackprop.read.spec import parse_shorthand

__all__ = ["MAX_VARIANTS", "read_table", "variant_tables"]

#: More variants than this is a typo, not a class.
MAX_VARIANTS = 500


def read_table(source: str | Path | Mapping[str, Any], *, programs: bool = False) -> dict[str, Any]:
    """The spec as a plain table (what a notebook stores), checked by :func:`load_spec`;
    a ``[program]`` only with ``programs`` (its questions ask for code).

    Raises:
        SpecError: the spec cannot be read; the message names the field.
    """
    if load_spec(source).is_program and not programs:
        raise SpecError("exercise: asks about layered networks and [graph] specs; a [program]'s gradients are "
                        "printed by 'symbackprop derive' and checked by 'symbackprop check'")
    if isinstance(source, Mapping):
        return json.loads(json.dumps(dict(source)))
    text = str(source)
    path = Path(text)
    if path.suffix.lower() not in (".toml", ".json"):
        return {"layers": parse_shorthand(text)}
    decoded = read_text(path, limit=MAX_SPEC_BYTES, field="spec")
    table = tomllib.loads(decoded) if path.suffix.lower() == ".toml" else json.loads(decoded)
    return json.loads(json.dumps(table))  # TOML dates and the like would not survive a notebook


def _round(values: np.ndarray) -> list:
    return np.round(values, 2).tolist()


def _targets(rng: np.random.Generator, n: int, loss: str) -> list[float]:
    if loss == "cross_entropy":
        return np.eye(n)[rng.integers(n)].tolist()
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, n).astype(float).tolist()
    return _round(rng.uniform(0.01, 0.99, n))


def _weights(rng: np.random.Generator, shape: tuple[int, ...]) -> list:
    # Two decimals, never 0: a zero weight makes a wrong formula agree by accident.
    w = np.round(rng.uniform(0.05, 1.0, shape), 2) * rng.choice([-1.0, 1.0], shape)
    return w.tolist()


def variant_tables(
    table: Mapping[str, Any],
    n: int,
    *,
    seed: int = 0,
    sizes: Sequence[Sequence[int]] | None = None,
    activations: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """``n`` versions of ``table`` with their own numbers (and sizes or activations drawn
    from the lists given), titled ``Variant 1`` … ``Variant n``.

    Raises:
        SpecError: ``n`` is out of range, the table is a custom graph, or a drawn variant
            is not a valid spec (the message names the variant).
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VARIANTS:
        raise SpecError(f"--variants: expected a number from 1 to {MAX_VARIANTS}, received {n!r}")
    if "graph" in table:
        raise SpecError("spec: variants need a layered network (layers = [...]), not a custom [graph]")
    out = []
    for k in range(n):
        rng = np.random.default_rng([seed, k])
        t = {key: value for key, value in table.items() if key not in ("values", "title")}
        if sizes:
            t["layers"] = list(sizes[int(rng.integers(len(sizes)))])
        if activations:
            t["activation"] = activations[int(rng.integers(len(activations)))]
        try:
            net = load_spec(t).network
        except SpecError as exc:
            raise SpecError(f"variant {k + 1}: {str(exc).splitlines()[0]}") from None
        layers = list(net.layers)
        values: dict[str, Any] = {"x": _round(rng.uniform(0, 1, layers[0]))}
        values["y"] = _targets(rng, layers[-1], str(t.get("loss", "squared")))
        for l in range(1, len(layers)):
            values[f"W{l}"] = _weights(rng, (layers[l], layers[l - 1]))
            if net.b[l]:
                values[f"b{l}"] = _weights(rng, (layers[l],))
        t["values"] = values
        t["title"] = f"Variant {k + 1}"
        try:
            load_spec(t)
        except SpecError as exc:
            raise SpecError(f"variant {k + 1}: {str(exc).splitlines()[0]}") from None
        out.append(t)
    return out
