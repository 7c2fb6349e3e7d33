"""``symbackprop verify SPEC --file BACKWARD.py``: a student's backward cell, judged line by line.

For a ``[program]`` spec the file is always code; for a layered network a ``.py`` file is
(the network becomes the program ``Z1 = X @ W1.T + b1``, ``A1 = ...``, with ``--batch``
examples as rows).  One verdict per gradient the file assigns, in the order written; exit
status 0 when every one is right, 1 when one is wrong, 2 for bad input (a file that is not
Python, reads outside the subset, names nothing in the program, or loops past the work
budget: one line naming the file, line and column).  ``--json`` prints the list of
verdicts; ``--feedback`` says how much each gives away (``full`` here, ``hint`` in exercise
notebooks).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from symbackprop.errors import SymbackpropError
from symbackprop.read import Spec

__all__ = ["is_code_file", "run_code", "CODE_POINTS"]

#: Points a cell is compared at unless ``--points`` says otherwise (when a run is cheap).
CODE_POINTS = 3


def is_code_file(spec: Spec, path: str) -> bool:
    """Whether ``--file`` holds backward code: always for a program, a ``.py`` file otherwise."""
    return spec.is_program or Path(path).suffix.lower() == ".py"


def run_code(spec: Spec, args: argparse.Namespace) -> int:
    # The verify stage and numpy load only for the command that runs them.
    from symbackprop.verify.code_verdict import verify_code

    try:
        # utf-8-sig: editors on Windows save "UTF-8 with BOM"; the BOM is not part of line 1.
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SymbackpropError(f"--file: cannot read {args.file!r}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        verdict = verify_code(spec, text, seed=args.seed, points=args.points or CODE_POINTS, batch=args.batch,
                              feedback=args.feedback)
    except SymbackpropError as exc:
        raise SymbackpropError(f"{args.file}: {str(exc).splitlines()[0]}") from None
    if args.json:
        print(json.dumps(verdict.as_list(), ensure_ascii=False, indent=2))
    else:
        print(verdict.text())
    return 0 if verdict.ok else 1
