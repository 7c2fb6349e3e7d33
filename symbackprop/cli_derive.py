"""``symbackprop derive SPEC|2-2-2 [--param NAME]``: print derivations in LaTeX."""

from __future__ import annotations

import argparse

import symbackprop as sbp


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("derive", help="print the derivation of every (or one) parameter in LaTeX")
    p.add_argument("spec", nargs="?", default="2-2-2",
                   help="a .toml/.json spec file or layer sizes like 2-2-2 (default: 2-2-2)")
    p.add_argument("--param", action="append", metavar="NAME",
                   help="only this parameter (w1_12 or w^{(1)}_{12}); repeatable")
    p.add_argument("--inline", action="store_true", help="one line per parameter (δ form only)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    spec = sbp.load_spec(args.spec)
    bp = sbp.derive(spec.network)
    names = args.param or [p for p in spec.network.params]
    style = "inline" if args.inline else "full"
    blocks = [bp[name].latex(style=style) for name in names]
    print(f"% {spec.title}")
    print(("\n" if style == "inline" else "\n\n").join(blocks))
    return 0
