"""What a sheet is built from: a spec, a spec file or dict, a network, a graph or a program.

>>> resolve_spec("2-2-1").network.describe()
'2-2-1 sigmoid network, squared loss'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Any

from symbackprop.derive.programs import Program
from symbackprop.graph import Graph, Network
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.read import Spec, load_spec

__all__ = ["resolve_spec"]


def resolve_spec(source: Spec | Graph | Program | ArrayProgram | Mapping[str, Any] | str | FilePath) -> Spec:
    """The :class:`Spec` a sheet is built from; a file or dict is read by :func:`load_spec`."""
    if isinstance(source, Spec):
        return source
    if isinstance(source, Program):
        source = source.forward
    if isinstance(source, ArrayProgram):
        return Spec(source, None, source.title or "An array program", "<program>")
    if isinstance(source, Graph):
        title = f"A {source.describe()}" if isinstance(source, Network) else "A computation graph"
        return Spec(source, None, title, "<graph>")
    return load_spec(source)
