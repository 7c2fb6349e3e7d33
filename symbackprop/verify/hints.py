"""Each kind of mistake in words that point at it without handing over the answer.

With ``hint`` feedback a verdict on a formula says the status, one of these sentences and a
counterexample; the full diagnosis (which may name the correct factor or write the repaired
formula) and the expected formula stay hidden.  A kind missing here gets a sentence that
says only that the formula differs, so a new mistake kind can never leak its answer.

>>> hint("missing_transpose")
'A transpose is missing: check which way each matrix in a product must face.'
>>> hint("constant_factor", 2)
'Off by a constant factor (2): the formula is right up to a number.'
"""

from __future__ import annotations

import sympy as sp

from symbackprop.errors import SymbackpropError

__all__ = ["FEEDBACK", "HINTS", "hint", "check_feedback"]

#: How much a verdict gives away, least first: the status and the numbers; also the mistake in
#: words and a counterexample; also the full diagnosis and the correct formula.
FEEDBACK = ("verdict", "hint", "full")

HINTS = {
    # scalar formulas
    "constant_factor": "Off by a constant factor{factor}: the formula is right up to a number.",
    "missing_activation_derivative": "A factor is missing where the chain rule passes through an activation.",
    "activation_derivative_wrong_layer": "An activation derivative is taken at the wrong layer.",
    "input_wrong_layer": "The input to the weight comes from the wrong layer.",
    "missing_path": "A path from the parameter to the loss is missing: the parameter reaches the loss "
                    "through more than one neuron.",
    "extra_path": "The formula sums over a path that does not lead from the parameter to the loss.",
    "swapped_indices": "Two indices are swapped: check which neuron a weight leads to and which it comes from.",
    "wrong_index": "An index is wrong: one quantity belongs to another neuron.",
    "wrong_layer": "A quantity is taken from the wrong layer.",
    "wrong_parameter": "The formula is the derivative with respect to another parameter.",
    "missing_factor": "A factor of the chain rule is missing.",
    # vector and matrix formulas
    "transposed_gradient": "The result has the transposed shape: the gradient has the shape of what it "
                           "differentiates.",
    "missing_transpose": "A transpose is missing: check which way each matrix in a product must face.",
    "extra_transpose": "A transpose does not belong.",
    "hadamard_for_product": "An entry-by-entry product (⊙) stands where a matrix product belongs.",
    "product_for_hadamard": "A matrix product stands where the entry-by-entry product (⊙) belongs.",
    "factor_order": "The factors of a matrix product are in the wrong order.",
    "extra_activation_derivative": "The chain rule passes through an activation only once; one derivative "
                                   "does not belong.",
    "undefined_product": "A product or sum in the formula is not defined for these shapes.",
    "wrong_shape": "The result does not have the shape of what is differentiated.",
    "unknown": "The formula differs from the derivative and matches none of the usual mistakes.",
}
_DEFAULT = "The formula differs from the derivative."


def hint(kind: str, factor: object = None) -> str:
    """The sentence for mistakes of ``kind``; ``factor`` is said for a constant factor."""
    shown = "" if factor in (None, 1, sp.S.One) else f" ({factor})"
    return HINTS.get(kind, _DEFAULT).replace("{factor}", shown)


def check_feedback(level: object) -> str:
    """``level`` when it is one of :data:`FEEDBACK`.

    Raises:
        SymbackpropError: another value, named with the ones expected.
    """
    if level not in FEEDBACK:
        raise SymbackpropError(f"feedback: expected one of {', '.join(FEEDBACK)}, received {level!r}")
    return level  # type: ignore[return-value]
