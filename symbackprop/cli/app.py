"""The ``symbackprop`` command: a thin layer over the public API.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module list
below is the only place that knows them all.  :func:`main` is the one exit path: user
errors (:class:`SymbackpropError`, and input too deep or too large for memory) print one
line and exit with status 2, never a traceback; SIGTERM and SIGHUP unwind like Ctrl-C, so
temporary files are removed.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from symbackprop.errors import SymbackpropError

from .output import Guarded

__all__ = ["main", "COMMAND_MODULES"]

#: Modules defining subcommands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "symbackprop.cli.derive",
    "symbackprop.cli.sheet",
    "symbackprop.cli.code",
    "symbackprop.cli.numbers",
    "symbackprop.cli.verify",
    "symbackprop.cli.exercise",
)
#: Which module registers each subcommand: running one imports that module alone (and what
#: it imports), not every command's stages.  A command missing here still works: the parser
#: is then built from every module, as ``--help`` builds it (a test checks the table).
COMMANDS = {
    "derive": "symbackprop.cli.derive",
    "sheet": "symbackprop.cli.sheet",
    "code": "symbackprop.cli.code",
    "grad": "symbackprop.cli.numbers",
    "check": "symbackprop.cli.numbers",
    "train": "symbackprop.cli.numbers",
    "verify": "symbackprop.cli.verify",
    "exercise": "symbackprop.cli.exercise",
    "mark": "symbackprop.cli.exercise",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage plus the message; one line is what the project promises.
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known ``command``, only the module that registers it is imported."""
    parser = _Parser(
        prog="symbackprop",
        description="Backpropagation derived symbolically, printed like a textbook, proved.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    modules = (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names: its first word, when that is not an option."""
    return argv[0] if argv and not argv[0].startswith("-") else None


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread so ``finally`` blocks remove temporary files."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated(signum)


@contextmanager
def _cleanup_on_signals() -> Iterator[None]:
    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = {s: signal.signal(s, _raise_terminated) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _attach_formulas(argv: list[str]) -> list[str]:
    """``--formula -a1_1`` as ``--formula=-a1_1``: argparse reads a value starting with '-'
    as an option, but a formula may well start with a minus sign."""
    out: list[str] = []
    k = 0
    while k < len(argv):
        if argv[k] == "--formula" and k + 1 < len(argv) and argv[k + 1].startswith("-"):
            out.append(f"--formula={argv[k + 1]}")
            k += 2
            continue
        out.append(argv[k])
        k += 1
    return out


def _error(message: str) -> int:
    # One line, whatever the error: a parse error's caret picture stays in the library.
    print(f"symbackprop: error: {message.splitlines()[0] if message else 'failed'}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    """The command, with every way it can end mapped to a status: the one exit path."""
    try:
        with _cleanup_on_signals(), warnings.catch_warnings():
            # Every number a command prints passes the one finite-or-refused gate, so numpy's
            # floating-point warnings would only repeat it, unescaped, on stderr.
            warnings.simplefilter("ignore", RuntimeWarning)
            return int(args.run(args))
    except SymbackpropError as exc:
        return _error(str(exc) or type(exc).__name__)
    except RecursionError:
        return _error("the input is nested too deeply to process (see the docs, \"Limits and refusals\")")
    except MemoryError:
        return _error("out of memory; the input is too large (see the docs, \"Limits and refusals\")")
    except KeyboardInterrupt:
        print("symbackprop: interrupted", file=sys.stderr)
        return 130
    except _Terminated as exc:
        print(f"symbackprop: terminated by signal {exc.signum}", file=sys.stderr)
        return 128 + exc.signum


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 check failed, 2 bad input).

    Output goes through :class:`~symbackprop.cli.output.Guarded` streams: user text is
    escaped; a reader that closed the pipe ends the output quietly with the status the
    command earned, and any other write error (a full disk) is one line and status 2.
    """
    words = _attach_formulas(sys.argv[1:] if argv is None else list(argv))
    try:  # the stages a command uses load here: Ctrl-C while they do is a quiet end too
        parser = build_parser(_command_of(words))
        args = parser.parse_args(words)
    except KeyboardInterrupt:
        print("symbackprop: interrupted", file=sys.stderr)
        return 130
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    out, err = Guarded(sys.stdout), Guarded(sys.stderr)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    try:
        status = _run(args)
    finally:
        sys.stdout, sys.stderr = out.stream, err.stream
        out.close_quietly()
    if out.error is not None and not out.broken_pipe:
        # Output that was lost (a full disk, an I/O error) is a failure, as for GNU tools; only
        # a reader that closed the pipe early ends quietly with the status the command earned.
        print(f"symbackprop: error: cannot write the output: {out.error.strerror or out.error}",
              file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
