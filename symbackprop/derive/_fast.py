"""Canonical SymPy products built without SymPy's general flattening, for hot loops.

SymPy orders the arguments of a product of symbols by ``Basic.compare``, which for two
symbols of the same class is the order of their names.  Building ``w*a`` that way through
``Mul._from_args`` gives the identical (equal, same-hash) expression about five times
faster; a [784, 128, 10] network makes 200,000 such products.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["product"]


def product(u: sp.Expr, v: sp.Expr) -> sp.Expr:
    """``u*v``, fast when both are distinct plain symbols, else SymPy's own product."""
    if type(u) is sp.Symbol and type(v) is sp.Symbol and u.name != v.name:
        return sp.Mul._from_args((u, v) if u.name < v.name else (v, u), is_commutative=True)
    return u * v
