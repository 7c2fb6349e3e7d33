r"""Stage 5a, verifying what a person derived by hand, and saying what is wrong with it.

:func:`verify` (:mod:`.verifier`) reads a formula with the notation parser, compares it with
the derivation symbolically and then at sampled points (:mod:`.points`, kept off kinks),
and returns a :class:`Verdict` (:mod:`.verdict`) with a counterexample; :mod:`.diagnose`
names the mistake by trying the mistaken variants :mod:`.mistakes` builds.  A new mistake
pattern is a ``_..._variants`` function in :mod:`.mistakes`, called from ``variants()``,
with its kind added to ``MISTAKES``.

Exports: ``verify``, ``Verdict``, ``Counterexample``, ``STATUSES``, ``Diagnosis``, ``MISTAKES``.

>>> from symbackprop.graph import mlp
>>> from symbackprop.verify import verify
>>> verify(mlp([2, 2, 1]), "w2_11", r"\delta^{(2)}_1 a^{(1)}_1").status
'correct'
"""

from .diagnose import MISTAKES, Diagnosis
from .verdict import Counterexample, Verdict
from .verifier import STATUSES, verify

__all__ = ["verify", "Verdict", "Counterexample", "STATUSES", "Diagnosis", "MISTAKES"]
