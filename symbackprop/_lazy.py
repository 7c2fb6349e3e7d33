"""Exports that load their module on first use (PEP 562), for a stage's ``__init__``.

A stage lists ``{exported name: submodule}``; ``from stage import name`` and
``stage.name`` then import only that submodule (and what it imports), so a command that
reads one part of a stage does not pay for the rest.  A new module's exports are one more
entry of its stage's table.

>>> import types
>>> pkg = types.ModuleType("demo")
>>> getattr_, dir_ = lazy_exports("json", {"dumps": ".decoder"}, {})
>>> callable(getattr_) and callable(dir_)
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, table: Mapping[str, str],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose names in ``table`` load on first use.

    Args:
        package: the package's ``__name__``.
        table: exported name → relative submodule (``".vector"``).
        namespace: the package's ``globals()``, where a loaded name is kept.
    """
    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *table})

    return __getattr__, __dir__
