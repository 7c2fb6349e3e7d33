"""The derivative of each activation as a sheet states it beside the δ recursion, indexed as
every other formula of the sheet is: ``σ′(z^{(l)}_j) = a^{(l)}_j (1 − a^{(l)}_j)``.

The right-hand side is SymPy's derivative of the registry's own function, printed by the
project's printer with ``a^{(l)}_j`` written for the activation itself; so a registered
activation of one's own gets its note with nothing more to write.

>>> from symbackprop.graph.activations import get_activation
>>> derivative_note(get_activation("sigmoid"))
"\\\\sigma'\\\\left(z^{(l)}_{j}\\\\right) = a^{(l)}_{j} \\\\left(1 - a^{(l)}_{j}\\\\right)"
>>> derivative_note(get_activation("relu"))
"\\\\operatorname{ReLU}'\\\\left(z^{(l)}_{j}\\\\right) = H\\\\left(z^{(l)}_{j}\\\\right),\\\\ H(0) = 0"
"""

from __future__ import annotations

import sympy as sp

from symbackprop.graph.activations import Activation
from symbackprop.graph.printing import latex

__all__ = ["derivative_note", "SOFTMAX_NOTE"]

#: Softmax couples a layer's neurons; its Jacobian has a Kronecker delta, which beside the
#: error signals δ would read as one of them: an Iverson bracket says the same unmistakably.
SOFTMAX_NOTE = (r"\frac{\partial a^{(l)}_{k}}{\partial z^{(l)}_{j}} = "
                r"a^{(l)}_{k}\left([k = j] - a^{(l)}_{j}\right)")

_Z = sp.Symbol("z^{(l)}_{j}", real=True)
_A = sp.Symbol("a^{(l)}_{j}", real=True)


def derivative_note(act: Activation) -> str:
    """``f'(z^{(l)}_j) = …`` for an elementwise activation, in terms of ``a^{(l)}_j`` where
    the derivative is written through the function itself (σ, tanh), with the step's
    convention ``H(0) = 0`` when it appears."""
    if not act.elementwise:
        return SOFTMAX_NOTE
    value = act.layer((_Z,))[0]
    derivative = sp.diff(value, _Z)
    if value != _Z:
        derivative = derivative.xreplace({value: _A})
    # Exact fractions of a slope (99/100 for leaky ReLU) read better as the decimals they were written as.
    derivative = derivative.xreplace({r: sp.Float(r, 15) for r in derivative.atoms(sp.Rational) if not r.is_Integer})
    text = rf"{act.latex}'\left({latex(_Z)}\right) = {latex(derivative)}"
    if derivative.has(sp.Heaviside):
        text += r",\ H(0) = 0"
    return text
