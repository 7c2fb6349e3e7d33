"""The command line's streams: user text escaped, and a closed or full stdout survived.

Everything the commands print goes through :class:`Guarded`: control characters (a spec key
holding ``ESC[31m``), bidirectional overrides and lone surrogates are shown as ``\\x1b``,
``\\u202e``, ``\\ud800`` instead of acting on the terminal or failing to encode; an
``OSError`` while writing (a reader that closed the pipe, a full disk) stops the output
without a traceback; :func:`~symbackprop.cli.app.main` then keeps the status the command
earned after a closed pipe and exits 2 after any other write error.

>>> escape("key\\x1b[31m \\u202e\\ud800 ok\\n")
'key\\\\x1b[31m \\\\u202e\\\\ud800 ok\\n'
"""

from __future__ import annotations

import errno
import os
from typing import TextIO

from symbackprop.read.text import visible

__all__ = ["Guarded", "escape"]

def escape(text: str) -> str:
    """``text`` with control characters (but newline and tab) and lone surrogates escaped
    (:func:`symbackprop.read.text.visible`, the one definition the sheets use too)."""
    return visible(text)


class Guarded:
    """A text stream wrapper that escapes what is written and survives write errors."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.error: OSError | None = None

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                self.stream.write(escape(text))
            except OSError as exc:
                self.error = exc
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self.stream.flush()
            except OSError as exc:
                self.error = exc

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)

    @property
    def broken_pipe(self) -> bool:
        return self.error is not None and self.error.errno in (errno.EPIPE, errno.ECONNRESET)

    def close_quietly(self) -> None:
        """After a write error, point the stream's descriptor at /dev/null, so the
        interpreter's own flush at exit finds nothing to complain about."""
        self.flush()
        if self.error is None:
            return
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.stream.fileno())
            os.close(null)
        except (OSError, ValueError, AttributeError):
            pass  # not a real file (a test's capture): nothing will flush it at exit
