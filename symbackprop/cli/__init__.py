"""Stage 6, the ``symbackprop`` command (also ``python -m symbackprop``).

:mod:`.app` builds the parser and turns user errors into one line and exit status 2; each
other module registers one subcommand or a group of them (``derive``; ``sheet``; ``grad``,
``check`` and ``train`` in :mod:`.numbers`; ``verify``; ``exercise`` and ``mark`` in :mod:`.exercise`).  A new subcommand is a module here
with ``register(subparsers)``, named in :data:`symbackprop.cli.app.COMMAND_MODULES`.

Exports: ``main``.
"""

from .app import main

__all__ = ["main"]
