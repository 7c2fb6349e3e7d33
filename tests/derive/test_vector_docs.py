"""The runnable examples in the vector modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest

import pytest

from symbackprop.derive import vector as derive_vector
from symbackprop.derive import vector_latex
from symbackprop.numeric import directional, vector_proof
from symbackprop.numeric import vector as numeric_vector


@pytest.mark.parametrize("module", [derive_vector, vector_latex, numeric_vector, vector_proof, directional],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
