"""The runnable examples in the vector modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest

import pytest

from symbackprop.derive import vector, vector_latex
from symbackprop.numeric import directional as vector_check
from symbackprop.numeric import vector as vector_numeric
from symbackprop.numeric import vector_proof


@pytest.mark.parametrize("module", [vector, vector_latex, vector_numeric, vector_proof, vector_check],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
