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
Backward passes written as code go to :func:`verify_code` (:mod:`.code_verdict`): the cell
run at points (:mod:`.code_points`), each gradient compared (:mod:`.code_search`), judged on
its own lines and named by the repair that fixes it (:mod:`.code_edits`,
:mod:`.code_mistakes`, kinds in ``CODE_MISTAKES``), printed by :mod:`.code_report`.

Exports: ``verify``, ``Verdict``, ``MatrixVerdict``, ``Counterexample``, ``STATUSES``,
``Diagnosis``, ``MISTAKES``, ``VECTOR_MISTAKES``; ``verify_code``, ``CellVerdict``,
``GradientVerdict``, ``CODE_MISTAKES`` (loaded with numpy on first use).

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
           "VECTOR_MISTAKES", "verify_code", "CellVerdict", "GradientVerdict", "CODE_MISTAKES"]

# Verdicts on code run numpy; a formula's verdict does not load them (tests/test_startup.py).
_CODE = {"verify_code": "code_verdict", "CellVerdict": "code_report", "GradientVerdict": "code_report",
         "CODE_MISTAKES": "code_mistakes"}


def __getattr__(name: str) -> object:
    if name in _CODE:
        import importlib

        return getattr(importlib.import_module(f".{_CODE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
