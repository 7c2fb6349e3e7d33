"""``symbackprop verify SPEC (--param NAME --formula TEXT | --file HOMEWORK)``.

Exit status: 0 when every formula is correct (also: correct except at kinks, or under the
setting's constraint Σ y = 1), 1 when one is wrong, 2 on bad input (an unreadable spec,
parameter or formula: one line on stderr).  A formula may be a whole equation whose left
side names what is differentiated (then ``--param`` is optional, and must agree).  A homework
file has one ``param: formula`` or one equation a line; ``#`` starts a comment.  ``--json``
prints each verdict as a JSON object (a list for a file; a line that cannot be read has
``"status": "unreadable"`` and an ``"error"``).  Backward code (``--file BACKWARD.py``, or any
file for a ``[program]`` spec) is judged by :mod:`.verify_code`, one verdict per gradient.
"""

from __future__ import annotations

import argparse
import json
from typing import NoReturn

import symbackprop as sbp
from symbackprop.errors import SpecError, SymbackpropError
from symbackprop.read import FormulaError, budget
from symbackprop.read.equation import split_equation
from symbackprop.read.files import read_text
from symbackprop.read.limits import MAX_HOMEWORK_BYTES, MAX_HOMEWORK_LINES
from symbackprop.read.resolve import is_name

from .args import FORCE_HELP, seed
from .program import refuse_program
from .verify_code import is_code_file, run_code

__all__ = ["register", "run", "read_homework"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="check a hand-derived gradient formula (or a homework file of them)",
        description="Check hand-derived formulas for ∂L/∂θ; exit 0 correct, 1 wrong, 2 bad input.",
    )
    p.add_argument("spec", help="a .toml/.json spec file or layer sizes like 2-2-1")
    p.add_argument("--param", metavar="NAME",
                   help="what is differentiated: w1_12, w^{(1)}_{12}, z1_1 (its δ), x1 (not needed for an equation)")
    p.add_argument("--formula", metavar="TEXT",
                   help="your formula for ∂L/∂NAME, or a whole equation 'dL/dθ = ...' (LaTeX or plain text)")
    p.add_argument("--file", metavar="HOMEWORK", help="a file of 'param: formula' lines or equations; or backward "
                                                      "code (dW1 = ... lines; a .py file, or any file for a [program])")
    p.add_argument("--points", type=int, default=None,
                   help="random points for the numeric check (default 6; 3 for backward code)")
    p.add_argument("--batch", type=int, default=4, help="examples in a layered network's batch for backward code "
                                                         "(default 4)")
    p.add_argument("--feedback", choices=["verdict", "hint", "full"], default="full",
                   help="how much a verdict gives away: the status and numbers, also the mistake in words and a "
                        "counterexample, or also the full diagnosis and the correct formula or line (default full)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    p.add_argument("--json", action="store_true",
                   help="print each verdict as a JSON object (a list for --file); exit codes as usual")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(run=run)


def read_homework(text: str) -> list[tuple[int, str | None, str]]:
    """``(line number, param, formula)`` for each ``param: formula`` line; a line that is a
    whole equation (``dL/dw2_11 = ...``) needs no ``param:`` and gives ``None``.

    Raises:
        FormulaError: a line that is neither; the message names the line.
    """
    out: list[tuple[int, str | None, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        param, sep, formula = body.partition(":")
        if sep and param.strip() and formula.strip() and is_name(param.strip()):
            out.append((number, param.strip(), formula.strip()))
        elif "=" in body:
            out.append((number, None, body))
        else:
            raise FormulaError(f"line {number}: expected 'param: formula' or an equation "
                               f"'dL/dθ = formula', received '{line.strip()}'")
    return out


def _fail(message: str) -> NoReturn:
    # The command line's one exit path prints it: one line, user text escaped, exit 2.
    raise SymbackpropError(message)


def run(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.formula is None):
        return _fail("give either --param NAME --formula TEXT, or --file HOMEWORK")
    if args.file is not None and args.param:
        return _fail("--param goes with --formula; a homework file names the parameter on each line")
    if args.points is not None and args.points < 1:
        return _fail(f"--points: expected a positive number, received {args.points}")
    try:
        # The spec, not only its network: its [values] are the first point.
        graph = sbp.load_spec(args.spec, force=args.force)
        if args.file is not None and is_code_file(graph, args.file):
            return run_code(graph, args)
        refuse_program(graph, "verify --formula", "a layered network or a [graph]",
                       "give its backward code with --file BACKWARD.py")
        budget.check_parameter_count(len(graph.network.params), "verify", args.force)
    except SymbackpropError as exc:
        return _fail(str(exc).splitlines()[0])
    if args.formula is not None:
        try:
            verdict = sbp.verify(graph, args.param or None, args.formula, points=args.points or 6,
                                 seed=args.seed).with_feedback(args.feedback)
        except FormulaError as exc:
            return _fail(f"formula: {exc.summary}")
        except SymbackpropError as exc:
            return _fail(str(exc).splitlines()[0])
        print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2) if args.json else verdict)
        return 0 if verdict.ok else 1
    return _homework(graph, args)


def _left_side(formula: str) -> str:
    """What an equation differentiates, as written (``w_5`` of ``dE/dw_5 = ...``)."""
    try:
        return split_equation(formula).target or formula
    except FormulaError:
        return formula.split("=", 1)[0].strip()


def _homework(graph: sbp.Spec, args: argparse.Namespace) -> int:
    text = read_text(args.file, limit=MAX_HOMEWORK_BYTES, field="--file")  # a regular file, within the limit
    lines = len(text.splitlines())
    if lines > MAX_HOMEWORK_LINES:
        raise SpecError(f"--file: {args.file!r} has {lines:,} lines; expected at most {MAX_HOMEWORK_LINES:,} "
                        "(split it into several files)")
    try:
        items = read_homework(text)
    except FormulaError as exc:
        return _fail(f"{args.file}: {exc.summary}")
    if not items:
        return _fail(f"{args.file}: no 'param: formula' lines or equations")
    rows, wrong, unreadable = [], 0, 0
    details, objects = [], []
    for number, param, formula in items:
        shown = param if param is not None else _left_side(formula)
        try:
            v = sbp.verify(graph, param, formula, points=args.points or 6, seed=args.seed).with_feedback(args.feedback)
        except SymbackpropError as exc:
            why = exc.summary if isinstance(exc, FormulaError) else str(exc).splitlines()[0]
            rows.append((number, shown, "unreadable", why))
            objects.append({"line": number, "formula": formula, "status": "unreadable", "error": why})
            unreadable += 1
            continue
        objects.append({"line": number, **v.as_dict()})
        mistake = v.as_dict()["diagnosis"]
        rows.append((number, shown, v.headline, mistake["message"] if mistake else v.method))
        if not v.ok:
            wrong += 1
            details.append(f"line {number}:\n{v}")
    code = 2 if unreadable else (1 if wrong else 0)
    if args.json:
        print(json.dumps(objects, ensure_ascii=False, indent=2))
        return code
    width = max(len(r[1]) for r in rows)
    print(f"{'line':>4}  {'param':<{width}}  verdict")
    for number, param, status, why in rows:
        print(f"{number:>4}  {param:<{width}}  {status}: {why}")
    total = len(rows)
    print(f"\n{total - wrong - unreadable} of {total} correct, {wrong} wrong, {unreadable} unreadable")
    if details:
        print("\n" + "\n\n".join(details))
    return code
