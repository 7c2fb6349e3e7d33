"""Writing outputs whole or not at all, whatever signal arrives.

:func:`deferred_signals` holds Ctrl-C, SIGTERM and SIGHUP back for the few statements that
must not be cut in two (a temporary file made and its name remembered; a folder of files
moved into place); the signal is acted on as soon as they are done, so the clean-up that
follows still runs.  :func:`write_folder` writes a multi-file output (``exercise``) into a
temporary folder beside its destination and moves it into place only when every file is
written: a signal or an error on the way leaves the destination as it was.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from symbackprop.errors import SymbackpropError

__all__ = ["deferred_signals", "write_folder"]

_HELD = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then act on the first that came.

    Held in Python, not with a thread's signal mask: the kernel may hand a process-wide
    signal to any thread (numpy's BLAS threads among them), while Python runs every handler
    in the main thread, so replacing the handlers holds the signal wherever it lands.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in _HELD}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            _deliver(pending[0], previous[pending[0]])


def _deliver(signum: int, handler: object) -> None:
    if callable(handler):
        handler(signum, None)  # Ctrl-C's KeyboardInterrupt, the command line's clean-up
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_folder(folder: str | os.PathLike[str], files: Mapping[str, str], *, last: str | None = None,
                 field: str = "--output") -> None:
    """Write ``{name: text}`` into ``folder`` (made if missing) whole or not at all.

    The files are written into a temporary folder beside ``folder``; a new ``folder`` is
    that temporary folder renamed, an existing one receives each file by an atomic rename
    (``last`` moved last, so its presence says the rest is there), with signals held.

    Raises:
        SymbackpropError: ``folder`` is a file, its parent cannot be made, or a file
            cannot be written; nothing is left behind.
    """
    target = Path(folder)
    try:
        if target.exists() and not target.is_dir():
            raise SymbackpropError(f"{field}: {str(target)!r} is a file; expected a folder")
        parent = target.absolute().parent
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SymbackpropError(f"{field}: cannot make {str(target)!r}: {exc.strerror or exc}") from None
    for name in files:
        if Path(name).name != name or name in ("", ".", ".."):
            raise SymbackpropError(f"{field}: {name!r} is not a plain file name")
    tmp = ""
    try:
        with deferred_signals():
            tmp = tempfile.mkdtemp(dir=parent, prefix=".symbackprop-")
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; the folder gets a plain mkdir's mode
        order = sorted(files, key=lambda n: n == last)
        with deferred_signals():
            if not target.exists():
                os.rename(tmp, target)
                tmp = ""
            else:
                for name in order:
                    os.replace(os.path.join(tmp, name), target / name)
    except OSError as exc:
        raise SymbackpropError(f"{field}: cannot write into {str(target)!r}: {exc.strerror or exc}") from None
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
