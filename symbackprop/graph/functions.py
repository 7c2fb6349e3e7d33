"""Activation functions as SymPy functions, each carrying its derivative (``fdiff``) and LaTeX.

Because the derivative lives on the function, ``sympy.diff``, the printers and the chain
rule of :mod:`symbackprop.derive.backprop` need no special cases.  Kinks follow PyTorch:
``relu'(0) = 0`` and ``leaky_relu'(0) = α``, written with the step ``H(z)``, ``H(0) = 0``.

>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> sp.diff(sigmoid(z), z)
(1 - sigmoid(z))*sigmoid(z)
>>> relu(sp.Integer(-3)), sp.diff(relu(z), z).subs(z, 0)
(0, 0)
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import ArgumentIndexError

__all__ = ["sigmoid", "relu", "leaky_relu", "softplus", "softmax", "step", "heaviside", "tanh", "LEAKY_SLOPE"]

tanh = sp.tanh

#: Default negative slope of :class:`leaky_relu` (PyTorch's default).
LEAKY_SLOPE = sp.Rational(1, 100)


def _powered(text: str, exp: str | None) -> str:
    # SymPy's LatexPrinter passes exp= when printing a power of a function: sigma(z)^2.
    return text if exp is None else r"%s^{%s}" % (text, exp)


def step(x: sp.Expr) -> sp.Expr:
    """The Heaviside step with ``H(0) = 0``: the derivative of ReLU, as PyTorch defines it."""
    return sp.Heaviside(x, 0)


#: The package's name for :func:`step`.
heaviside = step


class sigmoid(sp.Function):
    r"""The logistic function :math:`\sigma(z) = 1/(1+e^{-z})`, with :math:`\sigma' = \sigma(1-\sigma)`."""

    nargs = 1

    @classmethod
    def eval(cls, x):  # type: ignore[override]  # safe: SymPy hook, not Python eval
        if x.is_zero:
            return sp.S.Half
        if x.is_Float:
            return 1 / (1 + sp.exp(-x))
        return None

    def fdiff(self, argindex=1):  # type: ignore[override]
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _powered(r"\sigma\left(%s\right)" % printer._print(self.args[0]), exp)


class relu(sp.Function):
    r"""The rectifier :math:`\max(0, z)`, with :math:`\operatorname{relu}'(z) = H(z)`, ``H(0) = 0``."""

    nargs = 1

    @classmethod
    def eval(cls, x):  # type: ignore[override]  # safe: SymPy hook, not Python eval
        if x.is_Number:
            return x if x > 0 else sp.S.Zero * x
        if x.is_nonnegative:
            return x
        if x.is_nonpositive:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):  # type: ignore[override]
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return step(self.args[0])

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sp.Max(0, x)

    def _eval_evalf(self, prec):
        x = self.args[0]._eval_evalf(prec)
        return relu(x) if x is not None and x.is_Number else None

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_nonnegative(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _powered(r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0]), exp)


class leaky_relu(sp.Function):
    r"""Leaky rectifier: :math:`z` for :math:`z > 0`, else :math:`\alpha z` (second argument, default 1/100)."""

    nargs = (1, 2)

    @classmethod
    def eval(cls, x, alpha=LEAKY_SLOPE):  # type: ignore[override]  # safe: SymPy hook, not Python eval
        if x.is_Number and alpha.is_Number:
            return x if x > 0 else alpha * x
        return None

    @property
    def slope(self) -> sp.Expr:
        return self.args[1] if len(self.args) > 1 else LEAKY_SLOPE

    def _eval_evalf(self, prec):
        x = self.args[0]._eval_evalf(prec)
        return leaky_relu(x, self.slope) if x is not None and x.is_Number else None

    def fdiff(self, argindex=1):  # type: ignore[override]
        h = step(self.args[0])
        if argindex == 2 and len(self.args) > 1:  # a learnable slope (PReLU): ∂/∂α = z for z ≤ 0
            return self.args[0] * (1 - h)
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return h + self.slope * (1 - h)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        # The slope is printed unless it is the default, so leaky_relu(z, p) and
        # leaky_relu(z) do not print alike; the parser reads both forms back.
        shown = self.args if self.slope != LEAKY_SLOPE else self.args[:1]
        return _powered(r"\operatorname{LeakyReLU}\left(%s\right)" % ", ".join(printer._print(a) for a in shown), exp)


class softplus(sp.Function):
    r"""Smooth rectifier :math:`\ln(1+e^{z})`, whose derivative is :math:`\sigma(z)`."""

    nargs = 1

    @classmethod
    def eval(cls, x):  # type: ignore[override]  # safe: SymPy hook, not Python eval
        if x.is_Float:
            return sp.log(1 + sp.exp(x))
        return None

    def fdiff(self, argindex=1):  # type: ignore[override]
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, x, **kwargs):
        return sp.log(1 + sp.exp(x))

    def _eval_evalf(self, prec):
        return sp.log(1 + sp.exp(self.args[0]))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _powered(r"\operatorname{softplus}\left(%s\right)" % printer._print(self.args[0]), exp)


class softmax(sp.Function):
    r"""Component ``k`` (1-based, the first argument) of the softmax of the other arguments.

    :math:`\operatorname{softmax}_k(z) = e^{z_k}/\sum_j e^{z_j}` and
    :math:`\partial\operatorname{softmax}_k/\partial z_j = a_k(\delta_{kj} - a_j)`.

    >>> import sympy as sp
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> sp.diff(softmax(1, z1, z2), z2)
    -softmax(1, z1, z2)*softmax(2, z1, z2)
    """

    @classmethod
    def eval(cls, k, *z):  # type: ignore[override]  # safe: SymPy hook, not Python eval
        if not (k.is_Integer and 1 <= int(k) <= len(z)):
            raise ValueError(f"softmax index must be an integer in 1..{len(z)}, received {k}")
        if all(v.is_Number for v in z) and any(v.is_Float for v in z):
            top = max(z)
            return sp.exp(z[int(k) - 1] - top) / sum(sp.exp(v - top) for v in z)
        return None

    @property
    def index(self) -> int:
        return int(self.args[0])

    def fdiff(self, argindex=2):  # type: ignore[override]
        if argindex == 1:
            raise ArgumentIndexError(self, argindex)
        j = argindex - 1
        other = softmax(j, *self.args[1:])
        return self * (sp.KroneckerDelta(self.index, j) - other)

    def _eval_rewrite_as_exp(self, k, *z, **kwargs):
        return sp.exp(z[int(k) - 1]) / sp.Add(*[sp.exp(v) for v in z])

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_real(self):
        return all(v.is_real for v in self.args[1:]) or None

    def _eval_is_positive(self):
        return all(v.is_real for v in self.args[1:]) or None

    def _latex(self, printer, exp=None):
        zs = ", ".join(printer._print(v) for v in self.args[1:])
        return _powered(r"\operatorname{softmax}_{%d}\left(%s\right)" % (self.index, zs), exp)
