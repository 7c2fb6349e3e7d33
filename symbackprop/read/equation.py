r"""Whole equations as students write them: a left side saying what is differentiated, ``=``, a formula.

The left side is one of ``\frac{\partial L}{\partial θ}`` (also ``\dfrac``, ``d`` for
``\partial``), ``\partial L/\partial θ``, ``dL/dθ`` or ``∂L/∂θ`` (plain text),
``\nabla_{θ} L``, or an error signal itself, ``\delta^{(l)}_j`` or ``\delta^{(l)}``.  The
loss may be written ``L``, ``E``, ``C``, ``J``, ``\ell``, the graph's output name or an
alias of it.  θ is any name the formula parser reads; the caller resolves it.

>>> eq = split_equation(r"\frac{\partial E}{\partial w^{(2)}_{11}} = \delta^{(2)}_1 a^{(1)}_1")
>>> eq.target, eq.loss, eq.rhs, eq.offset
('w^{(2)}_{11}', 'E', '\\delta^{(2)}_1 a^{(1)}_1', 43)
>>> split_equation(r"\delta^{(1)} = (W^{(2)})^T \delta^{(2)} \odot \sigma'(z^{(1)})").target
'\\delta^{(1)}'
>>> split_equation("x1 * w").target is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symbackprop.errors import FormulaError

__all__ = ["Equation", "split_equation", "split_chain", "LOSS_NAMES"]

#: How textbooks name the loss on a left side, besides the graph's output and its aliases.
LOSS_NAMES = ("L", "E", "C", "J", r"\ell", r"\mathcal{L}", r"\bar{L}", r"\mathcal{J}")

_D = r"(?:\\partial(?![A-Za-z])|∂|\\mathrm\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\}|d(?=[\s\\A-Za-z{(]))"
_SLASH = re.compile(rf"^\s*{_D}\s*(?P<loss>[^/]+?)\s*/\s*{_D}\s*(?P<wrt>.+?)\s*$", re.DOTALL)
_DIFF = re.compile(rf"^\s*{_D}\s*(?P<rest>.+?)\s*$", re.DOTALL)
_FRAC = re.compile(r"^\s*\\[dt]?frac\s*")
_NABLA = re.compile(r"^\s*\\nabla\s*_\s*")
_HINT = r"expected \frac{\partial L}{\partial θ}, \partial L/\partial θ, dL/dθ, \nabla_{θ} L or \delta^{(l)}_j"


@dataclass(frozen=True)
class Equation:
    """A formula split at its ``=``.

    Attributes:
        text: the whole text as typed.
        rhs: the formula (the whole text when there is no ``=``).
        offset: where ``rhs`` starts in ``text`` (0-based), to point at columns.
        target: the text naming what is differentiated (``w^{(2)}_{11}``, ``\\delta^{(1)}``),
            or ``None`` without a left side.
        loss: the loss as written on the left side (``None`` for a δ or no left side).
    """

    text: str
    rhs: str
    offset: int
    target: str | None = None
    loss: str | None = None

    @property
    def is_delta(self) -> bool:
        """Whether the left side is an error signal δ written as itself."""
        return self.target is not None and self.loss is None


def _equals(text: str) -> list[int]:
    depth, found = 0, []
    for k, ch in enumerate(text):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "=" and depth == 0:
            found.append(k)
    return found


def _group(text: str, start: int) -> tuple[str, int] | None:
    """The contents of the brace group at ``start`` and the index after it."""
    k = start
    while k < len(text) and text[k].isspace():
        k += 1
    if k >= len(text) or text[k] != "{":
        return None
    depth = 0
    for j in range(k, len(text)):
        depth += (text[j] == "{") - (text[j] == "}")
        if depth == 0:
            return text[k + 1:j], j + 1
    return None


def _differential(part: str, lhs: str) -> str:
    m = _DIFF.match(part)
    if not m:
        raise FormulaError(f"left side {lhs.strip()!r}: {_HINT}", lhs, 1)
    return m["rest"]


def _left(lhs: str) -> tuple[str, str | None]:
    """``(θ, loss)`` of a derivative, or ``(δ name, None)``."""
    if _FRAC.match(lhs):
        first = _group(lhs, _FRAC.match(lhs).end())  # type: ignore[union-attr]
        second = _group(lhs, first[1]) if first else None
        if first is None or second is None or lhs[second[1]:].strip():
            raise FormulaError(f"left side {lhs.strip()!r}: {_HINT}", lhs, 1)
        return _differential(second[0], lhs), _differential(first[0], lhs)
    m = _NABLA.match(lhs)
    if m:
        sub = _group(lhs, m.end())
        if sub is not None:
            wrt, rest = sub[0], lhs[sub[1]:]
        else:
            tok = re.match(r"\s*(\\[A-Za-z]+|[A-Za-z]\w*)", lhs[m.end():])
            if tok is None:
                raise FormulaError(f"left side {lhs.strip()!r}: {_HINT}", lhs, 1)
            wrt, rest = tok[1], lhs[m.end() + tok.end():]
        if not rest.strip():
            raise FormulaError(f"left side {lhs.strip()!r}: the loss is missing after \\nabla_{{{wrt}}}", lhs, 1)
        return wrt.strip(), rest.strip()
    m = _SLASH.match(lhs)
    if m:
        return m["wrt"], m["loss"]
    return lhs.strip(), None


def split_equation(text: str) -> Equation:
    """Split ``text`` into its left side (what is differentiated) and the formula.

    Raises:
        FormulaError: more than one ``=``, an empty side, or a left side that is not
            one of the forms above.
    """
    if not isinstance(text, str):
        raise FormulaError(f"formula: expected text, received {type(text).__name__}")
    signs = _equals(text)
    if not signs:
        return Equation(text, text, 0)
    if len(signs) > 1:
        raise FormulaError("expected one '=' (left side = formula), received several", text, signs[1] + 1)
    k = signs[0]
    lhs, rhs = text[:k], text[k + 1:]
    if not lhs.strip():
        raise FormulaError(f"the left side of '=' is empty; {_HINT}", text, 1)
    if not rhs.strip():
        raise FormulaError("the right side of '=' is empty; expected a formula", text, k + 2)
    wrt, loss = _left(lhs)
    if not wrt:
        raise FormulaError(f"left side {lhs.strip()!r}: {_HINT}", text, 1)
    start = k + 1 + (len(rhs) - len(rhs.lstrip()))
    return Equation(text, rhs.strip(), start, wrt, loss)


def split_chain(text: str) -> list[tuple[str, int]]:
    r"""A chain ``left = A = B`` (as a sheet prints it) as the equations ``left = A`` and
    ``left = B``, each with the column in ``text`` where its right side starts; one item for
    a text with at most one ``=``.

    >>> [eq for eq, _ in split_chain(r"\delta = u \odot v = w")]
    ['\\delta = u \\odot v', '\\delta = w']

    Raises:
        FormulaError: a right side of the chain is empty.
    """
    if not isinstance(text, str):
        return [(text, 0)]
    signs = _equals(text)
    if len(signs) < 2:
        return [(text, 0)]
    left = text[:signs[0]]
    bounds = signs + [len(text)]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        if not text[a + 1:b].strip():
            raise FormulaError("a right side of '=' is empty; expected a formula", text, a + 2)
        out.append((f"{left}= {text[a + 1:b].strip()}", a + 1))
    return out
