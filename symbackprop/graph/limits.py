"""The graph stage's limits that need no SymPy, so that readers of array programs can use them
without loading it.

>>> MAX_INT_DIGITS
12
"""

__all__ = ["MAX_INT_DIGITS"]

#: Most digits of an integer read from input: layer sizes, indices, subscripts, layers.
MAX_INT_DIGITS = 12
