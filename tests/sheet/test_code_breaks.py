"""Inline code in a LaTeX table column may break where code reads naturally, never in a number."""

from __future__ import annotations

from symbackprop.sheet.render.latex import escape_code


def test_inline_code_breaks_after_dots_brackets_underscores_and_commas():
    text = escape_code("demb = dembcat.reshape(emb.shape)")
    assert text == r"demb = dembcat.\allowbreak{}reshape(\allowbreak{}emb.\allowbreak{}shape)"
    assert escape_code("counts_sum[i, j]") == r"counts\_\allowbreak{}sum[\allowbreak{}i,\allowbreak{} j]"


def test_a_number_is_never_broken():
    assert escape_code("x / 1.0 + 2.5e-5") == r"x / 1.0 + 2.5e-{}5"


def test_a_listing_keeps_its_spaces_and_never_breaks():
    assert escape_code("  a.b(c)", keep_spaces=True) == "~~a.b(c)"
