"""``symbackprop code SPEC --to numpy|torch [-o FILE]``: the backward pass as a module to run.

One self-contained Python module with ``forward_backward(<leaves by name>)``, which returns
``(loss, {leaf: gradient})``: for a ``[program]`` its lines and derived backward lines, for a
layered network its batch form (any batch size), for a ``[graph]`` one line per node and the
chain rule on numbers.  Each line's comment cites the sheet (``symbackprop sheet SPEC``) and
gives the shape.  ``-o`` is written whole or not at all.
"""

from __future__ import annotations

import argparse
import sys

from symbackprop.read import load_spec

from .args import FORCE_HELP
from .sheet import write_atomic

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("code", help="write the forward and backward pass as a Python module (NumPy or PyTorch)")
    p.add_argument("spec", help="a .toml/.json spec file (layers, [graph] or [program]) or layer sizes like 2-2-2")
    # Checked by the library (one message for the library and the command), not by argparse.
    p.add_argument("--to", default="numpy", metavar="LANGUAGE", help="the language: numpy (default) or torch")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(run=run)


def module_text(spec_source: str, language: str, *, force: bool = False, command: str | None = None) -> str:
    """The module of a spec (a file name or layer sizes) in ``language``."""
    from symbackprop.derive.layered_code import layered_module
    from symbackprop.derive.module_code import program_module
    from symbackprop.derive.programs import Program
    from symbackprop.derive.scalar_module import graph_module
    from symbackprop.graph import Network

    spec = load_spec(spec_source, force=force)
    if spec.is_program:
        return program_module(Program(spec.network), language, title=spec.title, command=command)  # type: ignore[arg-type]
    if isinstance(spec.network, Network):
        return layered_module(spec.network, language, command=command)
    return graph_module(spec.network, language, title=spec.title, command=command)


def run(args: argparse.Namespace) -> int:
    command = f"symbackprop code {args.spec} --to {args.to}"
    text = module_text(args.spec, args.to, force=args.force, command=command)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    write_atomic(args.output, text)
    print(f"wrote {args.output} ({args.to}, {len(text.encode('utf-8')):,} bytes)", file=sys.stderr)
    return 0
