r"""Stage 2, reading what people write: spec files and formulas, into graphs and expressions.

Specs (:mod:`.spec`: TOML, JSON, a dict or the ``"2-2-1"`` shorthand, with optional
numbers) become networks; ``[graph]`` specs (:mod:`.graphspec`) and every formula a user
types go through one notation parser (:mod:`.parser`, grammar ``grammar.lark``, SymPy
objects built from the tree in :mod:`.build`, function names in :mod:`.functions`, names
resolved in :mod:`.names`).  Around it: the one reader of names (:mod:`.resolve`), whole
equations split at ``=`` (:mod:`.equation`), vector/matrix formulas read into a tree
(:mod:`.matrix`) and a spec's ``[notation]`` aliases (:mod:`.notation`).  No string
reaches ``eval``, ``exec`` or ``sympify``.  The graph specs need the parser, so both readers
sit in one stage, after the graph and before the chain rule.

Exports: ``load_spec``, ``Spec``, ``Values``, ``EXAMPLE``, ``graph_from_spec``,
``parse_formula``, ``FormulaError``, ``resolve_name`` (the one reader of names, also
behind ``Graph.lookup``: :mod:`.resolve`).

>>> from symbackprop.read import load_spec, parse_formula
>>> spec = load_spec("2-2-1")
>>> parse_formula(r"\delta^{(2)}_1 a^{(1)}_2", spec.network)
\delta^{(2)}_{1}*a^{(1)}_{2}
"""

from typing import TYPE_CHECKING

from symbackprop._lazy import lazy_exports
from symbackprop.errors import FormulaError

# Exports load on first use: reading a [program] spec or a text file needs neither the
# formula parser nor the graph's SymPy functions.
__getattr__, __dir__ = lazy_exports(__name__, {
    "graph_from_spec": ".graphspec", "parse_formula": ".parser", "resolve_name": ".resolve",
    "split_names": ".resolve", "EXAMPLE": ".spec", "Spec": ".spec", "Values": ".spec", "load_spec": ".spec",
}, globals())

if TYPE_CHECKING:
    from .graphspec import graph_from_spec
    from .parser import parse_formula
    from .resolve import resolve_name, split_names
    from .spec import EXAMPLE, Spec, Values, load_spec

__all__ = [
    "load_spec", "Spec", "Values", "EXAMPLE", "graph_from_spec", "parse_formula", "FormulaError", "resolve_name",
    "split_names",
]
