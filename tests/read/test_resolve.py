"""One name resolver: every place that takes a name reads exactly what the formula parser reads."""

from __future__ import annotations

import random

import pytest

import symbackprop as sbp
from symbackprop.cli import main
from symbackprop.read import FormulaError, parse_formula, resolve_name, split_names
from symbackprop.read.resolve import is_name


def spellings(kind: str, layer: int | None, idx: tuple[int, ...]) -> list[str]:
    """Ways lecture notes write one name; each is also read by the formula parser."""
    head = {"delta": r"\delta"}.get(kind, kind)
    if layer is None:
        return [f"{kind}_{idx[0]}", f"{kind}_{{{idx[0]}}}", f"{kind}{idx[0]}"]
    sub = "".join(map(str, idx))
    comma = ",".join(map(str, idx))
    out = [
        f"{head}^{{({layer})}}_{{{sub}}}", f"{head}_{{{sub}}}^{{({layer})}}",
        f"{head}^{{({layer})}}_{{{comma}}}", f"{kind}{layer}_{sub}", f"{kind}{layer}_{'_'.join(map(str, idx))}",
    ]
    if len(idx) == 1:
        out += [f"{head}^{{({layer})}}_{idx[0]}", f"{head}_{idx[0]}^{{({layer})}}"]
    return out


def test_every_spelling_of_every_name_resolves_like_the_parser() -> None:
    rng = random.Random(4)
    for _ in range(3):
        sizes = [rng.randint(1, 3) for _ in range(rng.randint(2, 4))]
        net = sbp.mlp(sizes)
        names = [("x", None, (i,)) for i in range(1, sizes[0] + 1)]
        for l in range(1, len(sizes)):
            for j in range(1, sizes[l] + 1):
                names += [("b", l, (j,)), ("z", l, (j,)), ("a", l, (j,))]
                names += [("w", l, (j, i)) for i in range(1, sizes[l - 1] + 1)]
        for kind, layer, idx in rng.sample(names, min(12, len(names))):
            texts = spellings(kind, layer, idx)
            symbols = {resolve_name(net, t) for t in texts}
            assert len(symbols) == 1, texts
            (symbol,) = symbols
            # the same symbol the parser gives inside a formula, and Graph.lookup agrees
            assert all(parse_formula(f"2*{t}", net) == 2 * symbol for t in texts)
            assert all(net.lookup(t) == symbol for t in texts)


def test_what_the_parser_refuses_the_resolver_refuses() -> None:
    net = sbp.mlp([2, 2, 1])
    for text in ("w^{(3)}_{11}", "w^{(1)}_{1}", "q", "2 w1_11", "w1_11 + b1_1", "e"):
        with pytest.raises(FormulaError):
            resolve_name(net, text)
        with pytest.raises(sbp.GraphError, match="not in this graph"):
            net.lookup(text)


def test_unknown_names_come_with_the_closest() -> None:
    net = sbp.mlp([2, 2, 1])
    with pytest.raises(FormulaError, match="did you mean .*'w1_11'"):
        resolve_name(net, "w^{(1)}_{13}")
    with pytest.raises(sbp.GraphError, match="did you mean .*'b2_1'"):
        net.lookup("b_2^{(2)}")


def test_is_name_and_split_names() -> None:
    assert is_name("out_{o1}") and is_name(r"\hat{y}") and not is_name("2 w") and not is_name("a +")
    assert split_names(" w^{(1)}_{1,2} ,b_2^{(2)}  x1") == ["w^{(1)}_{1,2}", "b_2^{(2)}", "x1"]


@pytest.mark.parametrize("name", ["b^{(2)}_2", "b_2^{(2)}", "b2_2", "b^{(2)}_{2}"])
def test_verify_param_takes_every_spelling(capsys, name: str) -> None:
    code = main(["verify", "2-2-2", "--param", name, "--formula", r"\delta^{(2)}_2"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("∂L/∂b2_2: correct")
    code = main(["verify", "2-2-2", "--param", name, "--formula", r"\delta^{(2)}_1"])
    assert code == 1


def test_sheet_params_takes_every_spelling(capsys) -> None:
    code = main(["sheet", "2-2-2", "--format", "md", "--params", "b_2^{(2)}, w^{(1)}_{1,2}"])
    out = capsys.readouterr().out
    assert code == 0
    assert r"\partial b^{(2)}_{2}" in out and r"\partial w^{(1)}_{12}" in out
    assert r"\partial w^{(1)}_{11}" not in out
