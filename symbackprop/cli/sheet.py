"""``symbackprop sheet [SPEC|2-2-2] [--format tex|md|html] [-o FILE] [--detail LEVEL] [--lang en|ko] [--params NAMES] [--no-expand]``.

Without a spec, the sheet of the built-in 2-2-2 example with numbers.  A file is written
whole or not at all: the text goes to a temporary file in the same directory, which then
replaces the target in one step.  The formats and their file suffixes are the sheet
stage's registry (:func:`symbackprop.sheet.formats`), read when a sheet is written or ``--help``
lists them: building the parser imports no renderer, so other subcommands start quicker.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from symbackprop.errors import SymbackpropError
from symbackprop.read import EXAMPLE, load_spec

from .args import seed
from .files import deferred_signals

__all__ = ["register", "run", "write_atomic"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sheet", help="write a derivation sheet: LaTeX, Markdown or standalone HTML")
    p.add_argument("spec", nargs="?", default=None,
                   help="a .toml/.json spec file or layer sizes like 2-2-2 "
                        "(default: the built-in 2-2-2 example with numbers)")
    p.add_argument("--format", choices=_FormatNames(), metavar="FORMAT",
                   help="output format: %(choices)s (default: from the -o extension, else md)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--detail", choices=["summary", "worked", "full"], default="worked",
                   help="summary: the table of every gradient; worked (default): the derivation with one "
                        "parameter per layer in full, then the table; full: every parameter in full")
    p.add_argument("--lang", choices=["en", "ko"], default="en",
                   help="the language of the sheet's prose: en (default) or ko (Korean)")
    p.add_argument("--params", metavar="NAMES",
                   help="the parameters worked in full, comma-separated (w1_12,b2_1)")
    p.add_argument("--force", action="store_true",
                   help="go on with a network beyond the size limits (docs: Limits and refusals)")
    p.add_argument("--no-expand", action="store_true", help="leave out the fully expanded formulas")
    p.add_argument("--seed", type=seed, default=0, help="for a [program] without [values]: the seed of its numbers")
    p.add_argument("--code", choices=["numpy", "torch"],
                   help="the backward pass as code beside the matrix calculus: for a [program] (default "
                        "numpy) and for a layered network's vector form")
    p.add_argument("--author", default="", metavar="TEXT", help="a line under the title (a name, a course)")
    p.set_defaults(run=run)



class _FormatNames:
    """The registered format names, as argparse ``choices`` that import the sheet stage only
    when argparse checks a ``--format`` or prints the help."""

    def __contains__(self, name: object) -> bool:
        return name in list(self)

    def __iter__(self) -> Iterator[str]:
        from symbackprop.sheet import formats

        return iter([f.name for f in formats()])


def _format(args: argparse.Namespace) -> str:
    from symbackprop.sheet import formats

    if args.format:
        return args.format
    if args.output:
        by_suffix = {suffix: f.name for f in formats() for suffix in f.suffixes}
        suffix = Path(args.output).suffix.lower()
        if suffix not in by_suffix:
            raise SymbackpropError(
                f"--output: cannot tell the format from {args.output!r}; expected a name ending in "
                f"{', '.join(by_suffix)}, or give --format"
            )
        return by_suffix[suffix]
    return "md"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all.

    Raises:
        SymbackpropError: the directory is missing, the path is a directory, or the file
            cannot be written; nothing is left behind.
    """
    named = Path(path)
    try:  # a name longer than the file system takes is an error here, not a traceback
        is_dir, is_special = named.is_dir(), named.exists() and not named.is_file()
    except OSError as exc:
        raise SymbackpropError(f"--output: cannot use {str(named)[:80]!r}...: {exc.strerror or exc}") from None
    if is_dir:
        raise SymbackpropError(f"--output: {str(named)!r} is a directory; expected a file name")
    if is_special:
        # /dev/stdout, /dev/null, a pipe: there is no file to replace, so write straight to it
        # (replacing it would swap the device for a regular file).
        try:
            with open(named, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
        except OSError as exc:
            raise SymbackpropError(f"--output: cannot write {str(named)!r}: {exc.strerror or exc}") from None
        return
    # A symbolic link is followed: the file it points to is replaced, the link is kept.
    target = Path(os.path.realpath(named))
    folder = target.parent
    if not folder.is_dir():
        raise SymbackpropError(f"--output: directory {str(named.parent)!r} does not exist")
    if target.exists() and not os.access(target, os.W_OK):
        raise SymbackpropError(f"--output: {str(named)!r} is not writable")
    tmp = ""
    try:
        try:
            # A short temporary name (a 250-byte output name is still writable), made and
            # remembered with signals held, so the clean-up below always knows it.
            with deferred_signals():
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".symbackprop-", suffix=".tmp")
        except OSError as exc:
            raise SymbackpropError(
                f"--output: cannot create a file in {str(folder)!r}: {exc.strerror or exc}"
            ) from None
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
        os.replace(tmp, target)
        tmp = ""
    except OSError as exc:
        raise SymbackpropError(f"--output: cannot write {str(named)!r}: {exc.strerror or exc}") from None
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def run(args: argparse.Namespace) -> int:
    from symbackprop.sheet import build_sheet, formats

    fmt = _format(args)
    source = load_spec(EXAMPLE if args.spec is None else args.spec, force=args.force)
    params = None
    if args.params is not None:
        from symbackprop.read import split_names

        params = split_names(args.params)
        if not params:
            raise SymbackpropError("--params: expected parameter names like w1_12,b2_1, received none")
    sheet = build_sheet(source, params=params, expand=not args.no_expand, detail=args.detail, lang=args.lang,
                        seed=args.seed, code=args.code, author=args.author)
    found = next(f for f in formats() if f.name == fmt)
    named = Path(args.output) if args.output else None
    beside: dict[str, str] = {}
    # Not beside a device or pipe (-o /dev/stdout): there the text alone is written.
    if named is not None and found.files is not None and (named.is_file() or not named.exists()):
        text, beside = found.files(sheet, named.name)
    else:
        text = sheet.render(fmt)
    if named is None:
        sys.stdout.write(text)
        return 0
    # The document first: where it cannot be written, no picture is left beside it.
    write_atomic(named, text)
    for name, content in beside.items():
        write_atomic(named.parent / name, content)
    print(f"wrote {args.output} ({fmt}, {len(text.encode('utf-8')):,} bytes)", file=sys.stderr)
    if beside:
        print(f"wrote {len(beside)} picture(s) beside it: {', '.join(beside)}", file=sys.stderr)
    return 0
