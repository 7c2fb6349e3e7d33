"""The exceptions of symbackprop: one root, so callers can catch every user error at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "SymbackpropError",
    "SpecError",
    "GraphError",
    "NotDifferentiableError",
    "TooLargeError",
    "DataError",
    "NumericalError",
    "FormulaError",
    "CodeError",
    "closest",
]


class SymbackpropError(ValueError):
    """Root of every error symbackprop raises for bad input; the CLI prints it in one line."""


class SpecError(SymbackpropError):
    """A network description (spec file, dict, shorthand or builder argument) is invalid."""


class GraphError(SymbackpropError):
    """A computation graph is malformed (unknown symbol, cycle, missing output...)."""


class NotDifferentiableError(SymbackpropError):
    """A function was chosen whose derivative cannot carry a gradient."""


class TooLargeError(SymbackpropError):
    """An expansion was refused because its result would be too large to be useful."""


class DataError(SymbackpropError):
    """Numbers given to a numeric function are unusable: wrong shape, NaN, missing or unknown."""


class NumericalError(SymbackpropError):
    """A computed loss, value or gradient is NaN or infinite."""


class FormulaError(SymbackpropError):
    """A formula could not be read: the message, the 1-based column, and the text.

    ``str()`` shows the text with a caret under the column; :attr:`summary` is one line.
    """

    def __init__(self, message: str, text: str = "", column: int | None = None) -> None:
        self.message = message
        self.text = text
        self.column = column
        super().__init__(self._render())

    @property
    def summary(self) -> str:
        """The message and column in one line (for the command line)."""
        where = f" at column {self.column}" if self.column is not None else ""
        return f"{self.message}{where}"

    def _render(self) -> str:
        if self.column is None or not self.text or "\n" in self.text or len(self.text) > 200:
            return self.summary
        return f"{self.summary}\n  {self.text}\n  {' ' * (self.column - 1)}^"


class CodeError(SpecError):
    """Code (a forward pass, a student's backward cell) is outside the subset read, or its
    shapes do not fit; ``str()`` starts with the 1-based line and column when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        where = ""
        if line is not None:
            where = f"line {line}, column {column}: " if column is not None and column > 0 else f"line {line}: "
        super().__init__(where + message)


def closest(word: str, choices: Iterable[str]) -> str:
    """A ``" (did you mean 'x'?)"`` hint, or ``""`` when nothing is close."""
    # Compared without case: for short names ('w1' among 'W1', 'b1') case decides a tie.
    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(choice.lower(), choice)
    matches = difflib.get_close_matches(word.lower(), list(by_folded), n=1, cutoff=0.5)
    return f" (did you mean {by_folded[matches[0]]!r}?)" if matches else ""
