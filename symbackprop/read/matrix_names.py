r"""The names of whole layers in vector, matrix and batch formulas, and how messages write them.

``W^{(2)}`` (or ``W^{[2]}``, Ng's brackets) is the weight matrix of layer 2; ``z``, ``a``,
``b``, ``\delta`` with a layer are one example's columns; ``Z``, ``A``, ``\Delta`` or
``dZ``, ``dA``, ``X``, ``Y`` are a batch's matrices; ``dW``, ``db``, ``dz``, ``da`` are
gradients; ``m`` is the number of examples.  A superscript ``(i)`` takes one example.

>>> from symbackprop.graph.network import mlp
>>> net = mlp([2, 3, 2])
>>> layer_quantity(net, "dZ", False, 2, [], []), layer_quantity(net, "Delta", True, 1, [], [])
(('D', 2), ('D', 1))
"""

from __future__ import annotations

import lark

from symbackprop.graph import Graph

__all__ = ["KIND_TEXT", "BATCH_KINDS", "GRADIENT_OF", "SUPERSCRIPT", "layer_quantity", "example_script"]

#: How a layer quantity is written in messages.  Besides one example's columns, the batch
#: matrices (m examples as columns, Ng's notation): ``Z``, ``A``, ``D`` (Δ = dZ, each column
#: ∂L/∂z of its example), ``dA``, ``X``, ``Y``; ``da`` is ∂L/∂a; ``ones`` is the column
#: 1_m and ``m`` the number of examples.  ``dw``/``db`` are gradients, asked for but never used.
KIND_TEXT = {"w": "W", "b": "b", "z": "z", "a": "a", "delta": "δ", "x": "x", "y": "y", "da": "da",
             "Z": "Z", "A": "A", "D": "dZ", "dA": "dA", "X": "X", "Y": "Y", "ones": "1ₘ", "m": "m",
             "dw": "dW", "db": "db"}
#: The batch kinds, and the column of one example each stands for (``A^{[1](i)}`` is a⁽¹⁾).
BATCH_KINDS = {"Z": "z", "A": "a", "D": "delta", "dA": "da", "X": "x", "Y": "y", "ones": "ones", "m": "m"}
SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
_HEADS = {"W": "w", "w": "w", "b": "b", "z": "z", "a": "a", "delta": "delta", "x": "x", "y": "y", "yhat": "a",
          "Z": "Z", "A": "A", "Delta": "D", "X": "X", "Y": "Y", "dZ": "D", "dA": "dA", "dz": "delta",
          "da": "da", "dW": "dw", "dw": "dw", "db": "db", "m": "m"}
_COMMANDS = frozenset({"delta", "Delta"})
#: ∇ of a layer quantity, as a leaf: ∇_{a^{(2)}} L is ∂L/∂a⁽²⁾.
GRADIENT_OF = {"a": "da", "A": "dA", "z": "delta", "Z": "D", "w": "dw", "b": "db"}


def layer_quantity(graph: Graph | None, head: str, command: bool, layer: int | None,
                   subs: list[str], powers: list) -> tuple[str, int | None] | None:
    """``("w", 2)`` for ``W^{(2)}``: a whole layer quantity of a layered network, else ``None``."""
    layers = getattr(graph, "layers", None)
    if layers is None or subs or head not in _HEADS or command != (head in _COMMANDS):
        return None
    kind = _HEADS[head]
    if head in ("yhat", "y") and layers[-1] == 1:
        return None  # one output: \hat{y} and y are the scalars a^{(L)}_1 and y_1
    if head == "yhat":
        return ("a", len(layers) - 1)
    if kind in ("x", "y", "X", "Y", "m"):
        return (kind, None) if layer is None else None
    if layer is None or not 0 <= layer < len(layers) or (kind not in ("a", "A") and layer == 0):
        return None
    if layer == 0:
        return ("x", None) if kind == "a" else ("X", None)
    return (kind, layer)


def example_script(script: lark.Tree) -> tuple[bool, lark.Tree | None, bool]:
    """Whether a superscript names one example (``(i)``, ``[2](i)``, ``[2](i)T``), the layer
    superscript left over, and whether it also transposes."""
    if script.data != "sup" or not isinstance(script.children[0], lark.Tree) or script.children[0].data != "group":
        return False, script, False
    inner = script.children[0].children[0]

    def example(t: object) -> bool:
        return (isinstance(t, lark.Tree) and t.data == "paren" and isinstance(t.children[0], lark.Tree)
                and t.children[0].data == "name" and len(t.children[0].children) == 1
                and str(t.children[0].children[0]) in ("i", "j", "n", "s"))

    def transpose(t: object) -> bool:
        return (isinstance(t, lark.Tree) and t.data == "name" and len(t.children) == 1
                and str(t.children[0]) in ("T", "\\top", "\\intercal"))

    flip = False
    if isinstance(inner, lark.Tree) and inner.data == "mul" and len(inner.children) == 2 and transpose(inner.children[1]):
        inner, flip = inner.children[0], True
    if example(inner):
        return True, None, flip
    if isinstance(inner, lark.Tree) and inner.data == "mul" and len(inner.children) == 2 and example(inner.children[1]):
        return True, lark.Tree("sup", [lark.Tree("group", [inner.children[0]])]), flip
    return False, script, False
