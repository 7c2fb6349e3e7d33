"""``symbackprop verify SPEC (--param NAME --formula TEXT | --file HOMEWORK)``.

Exit status: 0 when every formula is correct (also: correct except at kinks, or under the
setting's constraint Σ y = 1), 1 when one is wrong, 2 on bad input (an unreadable spec,
parameter or formula: one line on stderr).  A homework file has one ``param: formula`` a
line; ``#`` starts a comment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import symbackprop as sbp
from symbackprop.errors import SymbackpropError
from symbackprop.read import FormulaError

__all__ = ["register", "run", "read_homework"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="check a hand-derived gradient formula (or a homework file of them)",
        description="Check hand-derived formulas for ∂L/∂θ; exit 0 correct, 1 wrong, 2 bad input.",
    )
    p.add_argument("spec", help="a .toml/.json spec file or layer sizes like 2-2-1")
    p.add_argument("--param", metavar="NAME", help="the parameter: w1_12 or w^{(1)}_{12}")
    p.add_argument("--formula", metavar="TEXT", help="your formula for ∂L/∂NAME (LaTeX or plain text)")
    p.add_argument("--file", metavar="HOMEWORK", help="a file of 'param: formula' lines")
    p.add_argument("--points", type=int, default=6, help="random points for the numeric check (default 6)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(run=run)


def read_homework(text: str) -> list[tuple[int, str, str]]:
    """``(line number, param, formula)`` for each ``param: formula`` line.

    Raises:
        FormulaError: a line without ``:``; the message names the line.
    """
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        param, sep, formula = body.partition(":")
        if not sep or not param.strip() or not formula.strip():
            raise FormulaError(f"line {number}: expected 'param: formula', received '{line.strip()}'")
        out.append((number, param.strip(), formula.strip()))
    return out


def _fail(message: str) -> int:
    print(f"symbackprop verify: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.formula is None):
        return _fail("give either --param NAME --formula TEXT, or --file HOMEWORK")
    if args.formula is not None and not args.param:
        return _fail("--formula needs --param NAME (the parameter the formula is for)")
    if args.file is not None and args.param:
        return _fail("--param goes with --formula; a homework file names the parameter on each line")
    if args.points < 1:
        return _fail(f"--points: expected a positive number, received {args.points}")
    try:
        graph = sbp.load_spec(args.spec).network
    except SymbackpropError as exc:
        return _fail(str(exc).splitlines()[0])
    if args.formula is not None:
        try:
            verdict = sbp.verify(graph, args.param, args.formula, points=args.points, seed=args.seed)
        except FormulaError as exc:
            return _fail(f"formula: {exc.summary}")
        except SymbackpropError as exc:
            return _fail(str(exc).splitlines()[0])
        print(verdict)
        return 0 if verdict.ok else 1
    return _homework(graph, args)


def _homework(graph: sbp.Graph, args: argparse.Namespace) -> int:
    try:
        # utf-8-sig: editors on Windows save "UTF-8 with BOM"; the BOM is not part of line 1.
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"--file: cannot read {args.file!r}: {getattr(exc, 'strerror', None) or exc}")
    try:
        items = read_homework(text)
    except FormulaError as exc:
        return _fail(f"{args.file}: {exc.summary}")
    if not items:
        return _fail(f"{args.file}: no 'param: formula' lines")
    rows, wrong, unreadable = [], 0, 0
    details = []
    for number, param, formula in items:
        try:
            v = sbp.verify(graph, param, formula, points=args.points, seed=args.seed)
        except FormulaError as exc:
            rows.append((number, param, "unreadable", exc.summary))
            unreadable += 1
            continue
        except SymbackpropError as exc:
            rows.append((number, param, "unreadable", str(exc).splitlines()[0]))
            unreadable += 1
            continue
        rows.append((number, param, v.headline, v.diagnosis.sentence if v.diagnosis else v.method))
        if not v.ok:
            wrong += 1
            details.append(f"line {number}:\n{v}")
    width = max(len(r[1]) for r in rows)
    print(f"{'line':>4}  {'param':<{width}}  verdict")
    for number, param, status, why in rows:
        print(f"{number:>4}  {param:<{width}}  {status}: {why}")
    total = len(rows)
    print(f"\n{total - wrong - unreadable} of {total} correct, {wrong} wrong, {unreadable} unreadable")
    if details:
        print("\n" + "\n\n".join(details))
    return 2 if unreadable else (1 if wrong else 0)
