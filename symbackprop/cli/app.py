"""The ``symbackprop`` command: a thin layer over the public API.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module list
below is the only place that knows them all.  User errors (:class:`SymbackpropError`)
print one line and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from symbackprop.errors import SymbackpropError

__all__ = ["main", "COMMAND_MODULES"]

#: Modules defining subcommands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "symbackprop.cli.derive",
    "symbackprop.cli.sheet",
    "symbackprop.cli.numbers",
    "symbackprop.cli.verify",
    "symbackprop.cli.exercise",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage plus the message; one line is what the project promises.
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symbackprop",
        description="Backpropagation derived symbolically, printed like a textbook, proved.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 check failed, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except SymbackpropError as exc:
        # One line, whatever the error: a parse error's caret picture stays in the library.
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"symbackprop: error: {first}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symbackprop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
