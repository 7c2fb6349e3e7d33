'''A custom graph's forward pass and chain rule as one Python module on numbers.

:func:`graph_module` writes ``forward_backward(<leaves>)`` for a ``[graph]``: one line per
node forward, then the chain rule backward from the graph's error signals, as the sheet
derives them: ``d<node>`` for each node's δ (output side first), then ``d<leaf>`` for every
parameter and input, each commented with where the sheet derives it.  It returns ``(output,
{leaf: gradient})``, the numbers ``symbackprop grad`` prints.

>>> from symbackprop.read import load_spec
>>> text = graph_module(load_spec({"graph": {"inputs": ["x", "y", "z"], "nodes": {"q": "x + y", "f": "q * z"},
...                                          "output": "f"}}).network)
>>> print(text[text.index("def forward_backward"):])
def forward_backward(x, y, z):
    """The output and its gradient with respect to every leaf by name: ``(f, {"x": dx, "y": dy, "z": dz})``."""
    # forward
    q = x + y  # sheet: forward
    f = q*z    # sheet: forward
    # backward, output first
    dq = z   # sheet: deltas, δ_q
    dx = dq  # sheet: x, ∂f/∂x
    dy = dq  # sheet: y, ∂f/∂y
    dz = q   # sheet: z, ∂f/∂z
    return f, {"x": dx, "y": dy, "z": dz}
<BLANKLINE>
'''

from __future__ import annotations

import sympy as sp

from symbackprop.graph import Graph
from symbackprop.graph.array_code import NUMPY_HELPERS
from symbackprop.graph.notation import plain
from symbackprop.graph.scalar_code import ScalarCodePrinter, scalar_helpers

from .backprop import derive
from .module_code import aligned, check_language, check_names, header

__all__ = ["graph_module", "GRAPH_ABOUT"]

#: What a graph's module holds, and where its comments point.
GRAPH_INTRO = ("one line per node forward, then the chain rule backward, output side first: d<node> is the error "
               "signal δ of the node (the derivative of the output with respect to it), computed from those after "
               "it, then d<leaf> for every parameter and input.")
GRAPH_ABOUT = ("Every value is a number. A line's comment names the section of the graph's sheet that derives "
               "it: forward, deltas (the error signals) or the leaf's own section.")

_DOCSTRING = '"' * 3


def _differentiated(graph: Graph) -> list[sp.Symbol]:
    """The leaves ``grad`` differentiates: every parameter and input (targets are given)."""
    return [s for s in graph.leaves() if graph.kind_of(s) != "target"]


def graph_module(graph: Graph, language: str = "numpy", *, title: str | None = None,
                 command: str | None = None) -> str:
    """The module computing a graph's output and its gradients, as Python source text.

    Raises:
        GraphError: a name that is no Python name, or a function with no code form.
        SpecError: a language not offered.
    """
    check_language(language)
    bp = derive(graph)
    symbols = [*graph.leaves(), *(nd.symbol for nd in graph.nodes)]
    names = {s: plain(s) for s in symbols}
    check_names(list(names.values()))
    taken = set(names.values())
    grads: dict[sp.Symbol, str] = {}
    for s in symbols:
        grads[s] = next(c for c in (f"d{names[s]}", f"d_{names[s]}", f"grad_{names[s]}", f"grad_{names[s]}_")
                        if c not in taken)
        taken.add(grads[s])
    check_names(list(grads.values()))
    deltas = {d.symbol: grads[node] for node, d in bp.deltas.items()}
    printer = ScalarCodePrinter({"dialect": language, "names": {**names, **deltas}})
    output = names[graph.output]
    wanted = _differentiated(graph)

    rows: list[tuple[str, str]] = [("# forward", "")]
    exprs: list[sp.Expr] = []
    for nd in graph.nodes:
        rows.append((f"{names[nd.symbol]} = {printer.doprint(nd.expr)}", "sheet: forward"))
        exprs.append(nd.expr)
    rows.append(("# backward, output first", ""))
    for node, delta in bp.deltas.items():
        rows.append((f"{grads[node]} = {printer.doprint(delta.expr)}", f"sheet: deltas, δ_{names[node]}"))
        exprs.append(delta.expr)
    for leaf in wanted:
        form = bp[leaf].delta_form
        text = printer.doprint(form) if form != 0 else "0.0"
        rows.append((f"{grads[leaf]} = {text}", f"sheet: {plain(leaf)}, ∂{output}/∂{names[leaf]}"))
        exprs.append(form)

    imports, helpers = scalar_helpers(exprs, language)
    returned = "{" + ", ".join(f'"{names[s]}": {grads[s]}' for s in wanted) + "}"
    args = ", ".join(names[s] for s in graph.leaves())
    doc = (f"{_DOCSTRING}The output and its gradient with respect to every leaf by name: "
           f"``({output}, {returned})``.{_DOCSTRING}")
    body = [f"def forward_backward({args}):", f"    {doc}", *aligned(rows), f"    return {output}, {returned}"]
    head = header(title or "A computation graph", command, GRAPH_INTRO, GRAPH_ABOUT)
    parts = [head + "\n\n" + "\n".join(imports)] + [NUMPY_HELPERS[h] for h in helpers] + ["\n".join(body)]
    return "\n\n\n".join(parts) + "\n"

