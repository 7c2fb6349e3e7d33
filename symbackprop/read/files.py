"""Reading a file a user names: only a regular file, and never more than a limit.

The size limit is applied while reading, not from ``stat`` beforehand, so a link to
``/dev/zero`` or a file that grows is refused after ``limit + 1`` bytes rather than read
to the end; the file is opened without blocking, so a FIFO is refused instead of waiting
forever for a writer.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d, "spec.toml")
...     _ = p.write_text("layers = [2, 1]\\n")
...     read_text(p, limit=100, field="spec")
'layers = [2, 1]\\n'
>>> read_text("/dev/zero", limit=100, field="spec")
Traceback (most recent call last):
    ...
symbackprop.errors.SpecError: spec: '/dev/zero' is a character device, not a regular file
"""

from __future__ import annotations

import os
import stat

from symbackprop.errors import SpecError, SymbackpropError

__all__ = ["read_bytes", "read_text"]

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
_CHUNK = 1 << 16


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: str | os.PathLike[str], *, limit: int, field: str,
               error: type[SymbackpropError] = SpecError) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises:
        SpecError (or ``error``): missing, unreadable, not a regular file (a folder, FIFO,
            device or socket) or over ``limit`` bytes; the message starts with ``field``.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        raise error(f"{field}: file {name!r} not found") from None
    except OSError as exc:
        raise error(f"{field}: cannot read {name!r}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{field}: {name!r} is {_kind(mode)}, not a regular file")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise error(f"{field}: {name!r} is over {limit:,} bytes; expected at most {limit:,}")
    except OSError as exc:
        raise error(f"{field}: cannot read {name!r}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text(path: str | os.PathLike[str], *, limit: int, field: str,
              error: type[SymbackpropError] = SpecError) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a leading byte-order mark, which editors on
    Windows write, dropped).

    Raises:
        SpecError (or ``error``): as :func:`read_bytes`, or the bytes are not UTF-8.
    """
    raw = read_bytes(path, limit=limit, field=field, error=error)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{field}: {os.fspath(path)!r} is not UTF-8 text") from None
