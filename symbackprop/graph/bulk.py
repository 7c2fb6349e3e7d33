"""Making many objects at once: Python's cyclic collector paused while they are made.

Python collects cycles every 700 new container objects, and every so often walks all of the
objects alive; making the 101,632 weight symbols of [784, 128, 10] and their derivations
triggered hundreds of collections, each walking everything made so far: half the time of
making them, and none of it garbage.  :func:`gc_paused` pauses the collector for such a
block and resumes it (if it was running) afterwards; it collects as usual from then on.

>>> import gc
>>> with gc_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (reference counting still frees)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
