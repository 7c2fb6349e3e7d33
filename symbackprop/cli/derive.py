"""``symbackprop derive SPEC|2-2-2 [--param NAME]``: print derivations in LaTeX."""

from __future__ import annotations

import argparse

import symbackprop as sbp

from .args import FORCE_HELP, seed
from .fuse import fuse_text
from .program import derive_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("derive", help="print the derivation of every (or one) parameter in LaTeX")
    p.add_argument("spec", nargs="?", default="2-2-2",
                   help="a .toml/.json spec file or layer sizes like 2-2-2 (default: 2-2-2)")
    p.add_argument("--param", action="append", metavar="NAME",
                   help="only this parameter (w1_12 or w^{(1)}_{12}); repeatable")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--inline", action="store_true", help="one line per parameter (δ form only)")
    p.add_argument("--fuse", action="append", metavar="FROM..TO",
                   help="for a [program] or layered network: the backward lines of the span FROM..TO as one "
                        "formula for dFROM, proven equal to them (logits..loss); repeatable")
    p.add_argument("--seed", type=seed, default=0, help="with --fuse: the seed of numbers when the spec has none")
    p.set_defaults(run=run)


#: Beyond this many parameters (none chosen), each δ definition is printed once, not per weight.
FULL_LIMIT = 24


def run(args: argparse.Namespace) -> int:
    spec = sbp.load_spec(args.spec, force=args.force)
    if args.fuse:
        text, ok = fuse_text(spec, args.fuse, args.seed)
        print(text)
        return 0 if ok else 1
    if spec.is_program:
        print(derive_text(spec, args.param))
        return 0
    graph = spec.network
    bp = sbp.derive(graph)
    # A graph without parameters (x, y, z -> f) is differentiated with respect to its inputs.
    names = args.param or list(graph.params) or [s for s in graph.leaves() if graph.kind_of(s) != "target"]
    # Everything is derived before anything is printed: a bad --param leaves stdout empty.
    if args.inline or (not args.param and len(names) > FULL_LIMIT):
        lines = [bp[name].latex(style="inline") for name in names]
        if not args.inline:
            lines.append(f"% {len(names)} parameters: each δ once below; --param NAME prints one chain in full")
            lines += [f"{sbp.latex(d.symbol)} = {sbp.latex(d.expr)}" for d in bp.deltas.values()]
        text = "\n".join(lines)
    else:
        text = "\n\n".join(bp[name].latex(style="full") for name in names)
    print(f"% {spec.title}\n{text}")
    return 0
