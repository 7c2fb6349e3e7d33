r"""Stage 5a, verifying what a person derived by hand, and saying what is wrong with it.

:func:`verify` (:mod:`.verifier`) reads a formula or a whole equation (what it
differentiates comes from the left side or ``param``, :mod:`.target`: any leaf or node),
compares it with the derivation symbolically and then at sampled points (:mod:`.points`,
kept off kinks, the spec's ``[values]`` first), and returns a :class:`Verdict`
(:mod:`.verdict`, laid out by :mod:`.report`) with a counterexample; :mod:`.diagnose` names
the mistake by trying the mistaken variants :mod:`.mistakes` builds.  A new mistake pattern
is a ``_..._variants`` function in :mod:`.mistakes`, called from ``variants()``, with its
kind added to ``MISTAKES``.
Formulas in vector form, or for a whole layer, go to :mod:`.matrix_verdict`: shapes and
numbers in :mod:`.matrix`, the verdict in :mod:`.matrix_report` (``MatrixVerdict``), the
mistake named by the single repair that fixes it (kinds in ``VECTOR_MISTAKES``).

Exports: ``verify``, ``Verdict``, ``MatrixVerdict``, ``Counterexample``, ``STATUSES``,
``Diagnosis``, ``MISTAKES``, ``VECTOR_MISTAKES``.

>>> from symbackprop.graph import mlp
>>> from symbackprop.verify import verify
>>> verify(mlp([2, 2, 1]), "w2_11", r"\delta^{(2)}_1 a^{(1)}_1").status
'correct'
"""

from .diagnose import MISTAKES, Diagnosis
from .matrix_report import VECTOR_MISTAKES, MatrixVerdict
from .verdict import Counterexample, Verdict
from .verifier import STATUSES, verify

__all__ = ["verify", "Verdict", "MatrixVerdict", "Counterexample", "STATUSES", "Diagnosis", "MISTAKES",
           "VECTOR_MISTAKES"]
