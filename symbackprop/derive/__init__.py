r"""Stage 3, the chain rule: local partials, δs, one Derivation per parameter, and proofs.

:func:`derive` (:mod:`.backprop`) computes each edge's local partial once (:mod:`.partials`),
names the error signals δ by reverse accumulation and builds a frozen :class:`Derivation`
per parameter on first request (reading the graph's nodes, or a network's layers before its
scalar graph is made: :mod:`.views`) (paths, factors and δs in :mod:`.paths`; ``Derivation.latex`` prints them
with the Leibniz helpers of :mod:`.latex`; the expansion is guarded by :mod:`.expansion`).  :mod:`.evaluate` gives the numbers of one sample,
exact or in float; :mod:`.proof` proves every derivation symbolically and at points; the
vector (matrix) form is derived from the layer rules (:mod:`.layer_rules`, :mod:`.vector`)
and printed by :mod:`.vector_latex`.  Array programs (NumPy/PyTorch code) are derived by
rules held as data (:mod:`.array_rules`) into a backward program (:mod:`.array_backward`,
tidied by :mod:`.array_simplify`, written as code by :mod:`.backward_code`); :func:`program`
(:mod:`.programs`) is the value users hold.  Every rule is proven against the scalar chain
rule: :mod:`.array_scalar` makes a program at small shapes a scalar graph of its entries
(each operation over SymPy entries in :mod:`.array_sympy`) and :mod:`.array_proof` compares.
Whole modules of backward code are written by :mod:`.module_code` (programs),
:mod:`.layered_code` (layered networks, citing the vector form) and :mod:`.scalar_module`
(``[graph]`` specs); fused formulas (a span's backward lines as one) by :mod:`.fuse`, from
canonical forms (:mod:`.fuse_canon`) and block rules (:mod:`.fuse_rules`), proven at small
shapes by :mod:`.fuse_proof`.

Exports: ``derive``, ``Backprop``, ``Derivation``, ``Delta``, ``Path``, ``Factor``;
``forward``, ``backward``, ``gradients``; ``prove``, ``prove_all``, ``Proof``;
``vector_form``, ``VectorForm``, ``LayerRule``; ``Substitution``, ``expression_size``;
``program``, ``Program``.

>>> from symbackprop.derive import derive, gradients
>>> from symbackprop.graph import mlp
>>> derive(mlp([2, 2, 1]))["w2_11"].delta_form
\delta^{(2)}_{1}*a^{(1)}_{1}
"""

from typing import TYPE_CHECKING

from symbackprop._lazy import lazy_exports

# Every export loads its module on first use: checking one scalar formula needs no proof or
# vector form, and a program command (derive.finite, derive.programs) needs no SymPy chain rule.
__getattr__, __dir__ = lazy_exports(__name__, {
    "Backprop": ".backprop", "Derivation": ".backprop", "derive": ".backprop",
    "backward": ".evaluate", "forward": ".evaluate", "gradients": ".evaluate",
    "Substitution": ".expansion", "expression_size": ".expansion",
    "Delta": ".paths", "Factor": ".paths", "Path": ".paths",
    "LayerRule": ".layer_rules", "Proof": ".proof", "prove": ".proof", "prove_all": ".proof",
    "VectorForm": ".vector", "vector_form": ".vector", "Program": ".programs", "program": ".programs",
}, globals())

if TYPE_CHECKING:
    from .backprop import Backprop, Derivation, derive
    from .evaluate import backward, forward, gradients
    from .expansion import Substitution, expression_size
    from .paths import Delta, Factor, Path
    from .layer_rules import LayerRule
    from .programs import Program, program
    from .proof import Proof, prove, prove_all
    from .vector import VectorForm, vector_form

__all__ = [
    "derive", "Backprop", "Derivation", "Delta", "Path", "Factor",
    "forward", "backward", "gradients",
    "prove", "prove_all", "Proof",
    "vector_form", "VectorForm", "LayerRule",
    "Substitution", "expression_size",
    "program", "Program",
]
