"""What a sheet is built from: a spec, a spec file or dict, a network, a graph or a program;
and the title the library gives it when the spec has none, in the sheet's language.

>>> resolve_spec("2-2-1").network.describe()
'2-2-1 sigmoid network, squared loss'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from symbackprop.graph import Graph, Network
from symbackprop.read import Spec, load_spec
from symbackprop.read.spec import EXAMPLE

from .lang import describe, say, term

if TYPE_CHECKING:
    from symbackprop.derive.programs import Program
    from symbackprop.graph.array_program import ArrayProgram

__all__ = ["resolve_spec", "sheet_title", "network_words"]


def resolve_spec(source: Spec | Graph | Program | ArrayProgram | Mapping[str, Any] | str | FilePath) -> Spec:
    """The :class:`Spec` a sheet is built from; a file or dict is read by :func:`load_spec`."""
    if isinstance(source, Spec):
        return source
    if isinstance(source, Graph):
        title = f"A {source.describe()}" if isinstance(source, Network) else "A computation graph"
        return Spec(source, None, title, "<graph>")
    if isinstance(source, (Mapping, str, FilePath)):
        return load_spec(source)
    # Loaded only here: a network's sheet has no use for the program machinery.
    from symbackprop.derive.programs import Program
    from symbackprop.graph.array_program import ArrayProgram

    if isinstance(source, Program):
        source = source.forward
    if isinstance(source, ArrayProgram):
        return Spec(source, None, source.title or "An array program", "<program>")
    return load_spec(source)  # refuses it, naming what it takes


def network_words(net: Network, lang: str) -> str:
    """``2-2-2 sigmoid network, squared loss`` in ``lang``."""
    return describe(lang, net.layers, [a.name for a in net.activations], net.loss.name)


def sheet_title(spec: Spec, lang: str) -> str:
    """The spec's title; one the library made itself (none given, or the built-in example's)
    is made again in the sheet's language.

    >>> from symbackprop.read.spec import EXAMPLE
    >>> sheet_title(load_spec(EXAMPLE), "ko"), sheet_title(resolve_spec("2-1"), "ko")
    ('손으로 풀어 보는 2-2-2 시그모이드 신경망', '2-1 시그모이드 신경망, 제곱 손실')
    """
    net = spec.network
    if isinstance(net, Network):
        acts = "/".join(term(lang, "act", a) for a in dict.fromkeys(a.name for a in net.activations))
        if spec.title == EXAMPLE["title"] and net.describe() == "2-2-2 sigmoid network, squared loss":
            return say(lang, "title.example", layers="-".join(map(str, net.layers)), acts=acts)
        if spec.title == f"A {net.describe()}":
            return say(lang, "title.network", describe=network_words(net, lang))
    elif spec.title == "A computation graph":
        return say(lang, "title.graph")
    return spec.title
