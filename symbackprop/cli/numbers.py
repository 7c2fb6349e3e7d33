"""``symbackprop grad | check | train``: numbers from the derivation, on the command line.

* ``grad SPEC [--json]``: loss, forward values, δs, gradients (and the updated parameters
  when there is a learning rate) for the spec's ``[values]``; for a custom ``[graph]``, its
  output, node values and ∂output/∂leaf for every parameter and input.
* ``check SPEC``: the gradient checker's table; exit status 1 when any row fails.
* ``train SPEC --data FILE.csv``: gradient descent over a CSV file.

numpy and the numeric stage are imported by the commands that run, not when the parser is
built, so ``symbackprop verify`` and ``symbackprop sheet`` do not load them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symbackprop.derive.finite import finite_tree
from symbackprop.errors import DataError, SpecError
from symbackprop.read import budget, load_spec

from .args import FORCE_HELP, seed
from .program import check_report, grad_table, refuse_program
from .program import grad_result as program_grad_result
from .sheet import write_atomic

if TYPE_CHECKING:
    from symbackprop.graph import Network
    import numpy as np

SPEC_HELP = "a .toml/.json spec file (with [values]) or layer sizes like 2-2-2"


def register(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("grad", help="loss, forward values, deltas and gradients for the spec's [values]")
    g.add_argument("spec", help=SPEC_HELP)
    g.add_argument("--json", action="store_true", help="print one JSON object (format in the docs: Numbers, checking and training)")
    g.add_argument("--learning-rate", type=float, metavar="ETA", help="η for 'updated' (default: the spec's)")
    g.add_argument("--updated", action="store_true", help="require the updated parameters (needs a learning rate)")
    g.add_argument("--seed", type=seed, default=0, help="seed for numbers when a [program] spec has none")
    g.add_argument("--force", action="store_true", help=FORCE_HELP)
    g.set_defaults(run=run_grad)

    c = sub.add_parser("check", help="compare derived gradients with finite differences; exit 1 on failure")
    c.add_argument("spec", help=SPEC_HELP + "; without [values], seeded random numbers are used")
    c.add_argument("--eps", type=float, default=1e-6, help="finite-difference step (default 1e-6)")
    c.add_argument("--atol", type=float, default=1e-7, help="absolute tolerance (default 1e-7)")
    c.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance (default 1e-5)")
    c.add_argument("--inputs", action="store_true", help="also check ∂L/∂x for every input")
    c.add_argument("--seed", type=seed, default=0, help="seed for random numbers when the spec has none")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    c.add_argument("--force", action="store_true", help=FORCE_HELP)
    c.set_defaults(run=run_check)

    t = sub.add_parser("train", help="gradient descent on a CSV file (inputs, then targets, per row)")
    t.add_argument("spec", help=SPEC_HELP + "; its parameters (if any) are the starting point")
    t.add_argument("--data", required=True, metavar="FILE.csv", help="n0 input columns then nL target columns")
    t.add_argument("--epochs", type=int, default=100, help="passes over the data (default 100)")
    t.add_argument("--batch-size", type=int, metavar="N", help="samples per step (default: all)")
    t.add_argument("--learning-rate", type=float, metavar="ETA", help="η (default: the spec's)")
    t.add_argument("--seed", type=seed, default=0, help="seed for initial weights and shuffling (default 0)")
    t.add_argument("--output", metavar="FILE.json", help="write the trained parameters and loss history here")
    t.add_argument("--json", action="store_true", help="print the trained parameters and history as JSON")
    t.add_argument("--force", action="store_true", help=FORCE_HELP)
    t.set_defaults(run=run_train)


# ----- grad

def grad_result(spec_source: Any, *, learning_rate: float | None = None, require_updated: bool = False,
                force: bool = False) -> dict[str, Any]:
    """The ``grad --json`` object for a spec (the format is in docs/how-to/numbers.md).

    ``"updated"`` is present when a learning rate is known (``learning_rate`` or the
    spec's); ``require_updated`` makes a missing learning rate an error.
    """
    import numpy as np

    from symbackprop.numeric import step
    from symbackprop.numeric.data import as_lists, spec_arrays
    from symbackprop.numeric.rules import require_finite
    from symbackprop.numeric.scalar import compiled

    from symbackprop.graph import Network

    spec = load_spec(spec_source, force=force)
    budget.check_parameter_count(len(spec.network.params), "grad", force)
    if not isinstance(spec.network, Network):
        return graph_result(spec, learning_rate=learning_rate, require_updated=require_updated)
    if spec.values is None:
        raise SpecError(f"values: missing; grad needs numbers, and {spec.source!r} gives a network only: "
                        "write a spec file with [values] (x, y, W1, b1, ...; see examples/mazur.toml), "
                        "or run 'symbackprop check' for seeded random numbers")
    params, X, Y = spec_arrays(spec)
    nn = compiled(spec.network)
    loss, grads = nn.loss_and_gradients(params, X, Y, wrt_inputs=True)
    out: dict[str, Any] = {
        "loss": loss,
        "forward": {k: as_lists(v) for k, v in nn.forward(params, X).items()},
        "delta": {k: as_lists(v) for k, v in nn.deltas(params, X, Y).items()},
        "gradients": {k: as_lists(v) for k, v in grads.items()},
    }
    rate = _learning_rate(spec, learning_rate)
    if rate is None and require_updated:
        raise SpecError("values.learning_rate: missing; 'updated' needs a learning rate (give --learning-rate ETA)")
    if rate is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            new = step(params, {k: v for k, v in grads.items() if k != "x"}, rate)
        # A finite gradient times a large η can still overflow: refuse, never print -Infinity.
        require_finite({f"updated.{k}": v for k, v in new.items()})
        out["updated"] = {k: as_lists(v) for k, v in new.items()}
    return out


def _learning_rate(spec: Any, given: float | None) -> float | None:
    if given is None:
        return spec.values.learning_rate if spec.values is not None else None
    if not (math.isfinite(given) and given > 0):
        raise DataError(f"--learning-rate: expected a positive number, received {given!r}")
    return given


def graph_result(spec: Any, *, learning_rate: float | None = None, require_updated: bool = False) -> dict[str, Any]:
    """The ``grad --json`` object of a custom ``[graph]`` spec: ``output``, every node's
    value (``forward``), ∂output/∂leaf for every parameter and input (``gradients``, as
    :func:`symbackprop.gradients` gives them), and ``updated`` parameters with a learning rate.
    """
    import numpy as np

    from symbackprop.graph.notation import plain
    from symbackprop.numeric.data import spec_arrays
    from symbackprop.numeric.scalar import compiled

    graph = spec.network
    params, X, Y = spec_arrays(spec)
    nn = compiled(graph)
    value, grads = nn.loss_and_gradients(params, X, Y, wrt_inputs=bool(nn.inputs))
    gradients = {k: float(v) for k, v in grads.items() if k != "x"}
    if nn.inputs:
        gradients.update({plain(s): float(v) for s, v in zip(nn.inputs, np.atleast_1d(grads["x"]))})
    out: dict[str, Any] = {
        "output": value,
        "forward": {k: float(v) for k, v in nn.forward(params, X).items()},
        "gradients": gradients,
    }
    rate = _learning_rate(spec, learning_rate)
    if rate is None and require_updated:
        raise SpecError("values.learning_rate: missing; 'updated' needs a learning rate (give --learning-rate ETA)")
    if rate is not None:
        out["updated"] = {k: float(v) - rate * gradients[k] for k, v in params.items()}
    return out


def run_grad(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec, force=args.force)
    if spec.is_program:
        if args.learning_rate is not None or args.updated:
            raise SpecError("--learning-rate/--updated: a [program] spec has no update step; remove them")
        result = program_grad_result(spec, seed=args.seed)
        print(json.dumps(result) if args.json else grad_table(spec, result))
        return 0
    result = grad_result(args.spec, learning_rate=args.learning_rate, require_updated=args.updated, force=args.force)
    finite_tree(result)  # the one gate: every number printed is finite, as JSON and as a table
    if args.json:
        print(json.dumps(result))
        return 0
    from symbackprop.graph import Network

    spec = load_spec(args.spec, force=args.force)
    rate = _learning_rate(spec, args.learning_rate)
    print(_grad_table(spec, result, rate) if isinstance(spec.network, Network) else _graph_table(spec, result, rate))
    return 0


def _graph_table(spec: Any, result: dict[str, Any], rate: float | None) -> str:
    from symbackprop.graph.notation import plain

    graph = spec.network
    name = plain(graph.output)
    lines = [f"# {spec.title}", f"output  {name} = {_fmt(result['output'])}", ""]
    lines += _columns([["node", "value"]] + [[k, _fmt(v)] for k, v in result["forward"].items()]) + [""]
    head = ["leaf", "value", f"∂{name}/∂leaf"] + ([f"updated (η = {rate:g})"] if rate is not None else [])
    rows = [head]
    for k, g in result["gradients"].items():
        row = [k, _fmt(spec.values.leaves[graph.lookup(k).name]), _fmt(g)]
        if rate is not None:
            row.append(_fmt(result["updated"][k]) if k in result["updated"] else "")
        rows.append(row)
    return "\n".join(lines + _columns(rows))


def _fmt(v: float) -> str:
    return f"{v:.9g}"


def _grad_table(spec: Any, result: dict[str, Any], rate: float | None) -> str:
    import numpy as np

    from symbackprop.numeric.data import spec_arrays
    from symbackprop.numeric.scalar import compiled

    net: Network = spec.network
    batch = bool(spec.values.batch)
    lines = [f"# {spec.title}", f"loss  {_fmt(result['loss'])}" + (f"  ({net.reduction} over the batch)" if batch else ""), ""]
    first = next(iter(result["forward"].values()))
    head = ["quantity"] + ([f"sample {b + 1}" for b in range(len(first))] if batch else ["value"])
    rows = [head]
    for table in (result["forward"], result["delta"]):
        for name, values in table.items():
            cols = list(zip(*values)) if batch else [[v] for v in values]
            for j, col in enumerate(cols, start=1):
                rows.append([f"{name}_{j}"] + [_fmt(v) for v in col])
    lines += _columns(rows) + [""]
    rows = [["parameter", "value", "gradient"] + ([f"updated (η = {rate:g})"] if rate is not None else [])]
    params, _, _ = spec_arrays(spec)
    for e in compiled(net).entries:
        row = [e.name, _fmt(params[e.key][e.index]), _fmt(np.asarray(result["gradients"][e.key])[e.index])]
        if rate is not None:
            row.append(_fmt(np.asarray(result["updated"][e.key])[e.index]))
        rows.append(row)
    lines += _columns(rows)
    gx = np.atleast_2d(result["gradients"]["x"])
    lines += ["", "∂L/∂x  " + "; ".join(" ".join(_fmt(v) for v in row) for row in gx)]
    return "\n".join(lines)


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]


# ----- check

def run_check(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec, force=args.force)
    if spec.is_program:
        if args.inputs:
            raise SpecError("--inputs: a [program] checks every float leaf already; remove --inputs")
        program_report = check_report(spec, seed=args.seed, eps=args.eps, atol=args.atol, rtol=args.rtol,
                                      force=args.force)
        if args.json:
            print(json.dumps(program_report.to_dict()))
        else:
            print(f"# {spec.title}: {program_report.source}")
            print(program_report)
        return 0 if program_report.ok else 1
    from symbackprop.graph import Network
    from symbackprop.numeric import check_gradients
    from symbackprop.numeric.data import spec_arrays

    net = spec.network
    budget.check_parameter_count(len(net.params), "check", args.force)
    source = "the spec's values"
    if spec.values is None:
        if not isinstance(net, Network):
            raise SpecError("values: missing; a custom [graph] spec needs numbers to be checked")
        params, X, Y = _random_point(net, args.seed)
        source = f"random numbers (seed {args.seed}, 4 samples)"
    else:
        params, X, Y = spec_arrays(spec)
    # A graph without parameters (f = (x + y) z) is checked in its inputs, as it is derived.
    inputs = args.inputs or not net.params
    report = check_gradients(net, params, X, Y, eps=args.eps, atol=args.atol, rtol=args.rtol, inputs=inputs)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(f"# {spec.title}: {source}")
        print(report)
    return 0 if report.ok else 1


def _random_point(net: Network, seed: int) -> tuple[dict, np.ndarray, np.ndarray | None]:
    import numpy as np

    from symbackprop.numeric import init_params

    rng = np.random.default_rng(seed)
    params = init_params(net, seed=seed)
    # Random biases too, so a bias-free point does not hide a wrong bias gradient.
    params = {k: (v if k.startswith("W") else rng.uniform(-0.5, 0.5, size=v.shape)) for k, v in params.items()}
    X = rng.normal(size=(4, net.layers[0]))
    if not net.y:
        return params, X, None
    if net.loss.target_constraint == "distribution":
        return params, X, rng.dirichlet(np.ones(len(net.y)), size=4)
    return params, X, rng.uniform(0.05, 0.95, size=(4, len(net.y)))


# ----- train

def run_train(args: argparse.Namespace) -> int:
    from symbackprop.numeric import fit, init_params
    from symbackprop.numeric.data import as_lists, load_csv, spec_params

    spec = load_spec(args.spec, force=args.force)
    refuse_program(spec, "train", "a layered network", "'symbackprop grad' gives its gradients")
    from symbackprop.graph import Network

    net = spec.network
    if not isinstance(net, Network):
        raise SpecError("train: needs a layered network (layers = [...]), not a custom [graph]")
    budget.check_parameter_count(len(net.params), "train", args.force)
    rate = _learning_rate(spec, args.learning_rate)
    if rate is None:
        raise SpecError("learning_rate: missing; give --learning-rate ETA or values.learning_rate in the spec")
    if args.output and not Path(args.output).resolve().parent.is_dir():
        raise DataError(f"--output: cannot write {args.output!r}: its directory does not exist")
    X, Y = load_csv(args.data, net.layers[0], len(net.y))
    params = spec_params(spec)  # x and y, if the spec has them, are not used: the CSV is the data
    start = params if params is not None else init_params(net, seed=args.seed)
    result = fit(net, start, X, Y, epochs=args.epochs, batch_size=args.batch_size,
                 learning_rate=rate, seed=args.seed)
    payload = {"loss": result.loss, "history": list(result.history),
               "params": {k: as_lists(v) for k, v in result.params.items()}}
    if args.output:
        _write_atomically(Path(args.output), json.dumps(payload, indent=1) + "\n")
    _warn_if_stalled(result.history)
    if args.json:
        print(json.dumps(payload))
    else:
        h = result.history
        print(f"# {spec.title}: {len(X)} samples from {args.data}, {args.epochs} epochs, η = {rate:g}")
        print(f"loss {_fmt(h[0])} after epoch 1, {_fmt(h[-1])} after epoch {len(h)}")
        for key, value in result.params.items():
            print(f"{key} = {json.dumps(as_lists(value))}")
        if args.output:
            print(f"wrote {args.output}")
    return 0


def _warn_if_stalled(history: Any) -> None:
    """Say so when the loss stopped moving far from zero: most often a local minimum."""
    h = list(history)
    if len(h) < 20:
        return
    tail = h[-max(10, len(h) // 10):]
    if h[-1] > 0.01 and max(tail) - min(tail) <= 0.01 * h[-1]:  # under 1 % in the last tenth
        print(f"symbackprop: warning: the loss stalled at {_fmt(h[-1])} over the last {len(tail)} epochs, "
              "far from 0: probably a local minimum; try another --seed, a different --learning-rate "
              "or more hidden neurons", file=sys.stderr)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all, as ``sheet -o`` does: through a
    temporary file, following symbolic links, and straight into a device or pipe (renaming
    over ``/dev/stdout`` would replace the device)."""
    write_atomic(path, text)