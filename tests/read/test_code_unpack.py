"""``B, T, C = x.shape``: sizes unpacked into names, as attention code starts."""

from __future__ import annotations

import pytest

from symbackprop.errors import CodeError
from symbackprop.read.code import read_program

SHAPES = {"x": [2, 4, 6], "W": [6, 3]}


def test_unpacked_sizes_are_the_numbers_of_the_shape():
    unpacked = read_program("B, T, C = x.shape\nm = torch.tril(torch.ones(T, T))\nh = x[:, :T] @ W\n"
                            "loss = (h * m[:T, :3]).sum() / (B * C)", SHAPES)
    literal = read_program("m = torch.tril(torch.ones(4, 4))\nh = x[:, :4] @ W\n"
                           "loss = (h * m[:4, :3]).sum() / (2 * 6)", SHAPES)
    assert [(ln.name, ln.shape) for ln in unpacked.lines] == [(ln.name, ln.shape) for ln in literal.lines]
    assert [ln.term for ln in unpacked.lines] == [ln.term for ln in literal.lines]
    # The line itself computes nothing: the first line of the program is the one after it.
    assert unpacked.lines[0].lineno == 2


def test_a_size_that_differs_from_the_literal_gives_another_program():
    # The test above could pass with any numbers if the sizes were ignored; here they matter.
    unpacked = read_program("B, T, C = x.shape\nloss = x[:, :T].sum()", {"x": [2, 4, 6]})
    other = read_program("loss = x[:, :3].sum()", {"x": [2, 4, 6]})
    assert unpacked.lines[0].term != other.lines[0].term


@pytest.mark.parametrize("code, message", [
    ("B, T = x.shape\nloss = x.sum()", "line 1, column 1: x.shape is unpacked into 2 names: expected a shape "
                                       "with 2 axes, received (2, 4, 6)"),
    ("B, T, C = x\nloss = x.sum()", "x is unpacked into 3 names: expected a shape with 3 axes, received no shape"),
    ("B, T, x = x.shape\nloss = x.sum()", "'x' is a leaf of the program"),
    ("B, T, C = x.shape\nT = B\nloss = x.sum()", "line 2, column 1: 'T' is assigned above"),
    ("(B, T), C = x.shape\nloss = x.sum()", "only 'name = expression' is read"),
])
def test_unpacking_errors_name_the_line_and_what_was_expected(code, message):
    with pytest.raises(CodeError) as info:
        read_program(code, SHAPES)
    assert message in str(info.value)
    assert str(info.value).startswith("line ")
