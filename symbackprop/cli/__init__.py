"""Stage 6, the ``symbackprop`` command: one module per subcommand over the public API.

A new subcommand is a module here with ``register(subparsers)``, named in
:data:`symbackprop.cli.main.COMMAND_MODULES`.
"""

from .main import main

__all__ = ["main"]
