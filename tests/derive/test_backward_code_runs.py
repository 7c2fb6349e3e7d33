"""The backward code a program prints runs, in NumPy and in PyTorch, and gives the gradients.

The printed statements (``Program.code_lines``) are test input here: each is run in a
namespace holding the forward values, and every ``dX`` it leaves must equal the gradient the
numpy route computes from the derived terms.  A scatter into zeros through a subscript with
slices (``x[:, idx]``, a convolution's windows) used to print ``(:, idx)``, which is not
Python; a size two constants share (``B = 2``, ``Cin = 2``) used to print as whichever was
named last.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from symbackprop.derive.programs import Program, program
from symbackprop.graph.array_code import NUMPY_HELPERS
from symbackprop.numeric.array_eval import compile_program


def run_printed_backward(p: Program, env: dict[str, Any], dialect: str) -> dict[str, np.ndarray]:
    """Run ``p``'s printed backward code on forward values ``env``; every gradient it assigns."""
    if dialect == "torch":
        torch = pytest.importorskip("torch")
        names: dict[str, Any] = {"torch": torch, "F": torch.nn.functional, "math": math}
        for k, v in env.items():
            names[k] = torch.as_tensor(v) if isinstance(v, np.ndarray) else v
    else:
        names = {"np": np, "math": math}
        for helper in NUMPY_HELPERS.values():
            exec(helper, names)  # the library's own helper definitions, as a module would hold them
        names.update({k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in env.items()})
    for statement in p.code_lines(dialect):
        exec(statement, names)
    out = {}
    for name, variable in p.grad_names.items():
        if variable in names:
            value = names[variable]
            out[name] = value.numpy() if dialect == "torch" else np.asarray(value)
    return out


def assert_printed_code_gives_the_gradients(p: Program, arrays: dict[str, Any] | None = None) -> None:
    numbers = compile_program(p.forward, p.backward)
    arrays = arrays if arrays is not None else numbers.draw(0)
    env = numbers.forward(arrays)
    derived = numbers.gradients(env)
    for dialect in ("numpy", "torch"):
        ran = run_printed_backward(p, env, dialect)
        for leaf in p.forward.float_leaves:
            np.testing.assert_allclose(np.broadcast_to(ran[leaf.name], leaf.shape), derived[leaf.name],
                                       rtol=1e-12, atol=1e-14, err_msg=f"{dialect}: d{leaf.name}")


CONV = """
idx = np.arange(L - K + 1)[:, None] + np.arange(K)[None, :]
windows = x[:, idx]
out = windows @ w.T + b
loss = (np.tanh(out) ** 2).mean()
"""


@pytest.mark.parametrize("code, shapes", [
    (CONV, {"x": [2, 7], "w": [4, 3], "b": [4], "L": 7, "K": 3}),
    ("e = C[X]\nh = np.tanh(e.reshape(4, -1) @ W)\nloss = h[range(4), Y].mean()",
     {"C": [5, 2], "W": [6, 3], "X": {"shape": [4, 3], "integers": 5}, "Y": {"shape": [4], "integers": 3}}),
    ("e = C[:, X]\nloss = (e ** 2).sum()", {"C": [3, 5], "X": {"shape": [4], "integers": 5}}),
    ("e = C[1:, X, :]\nloss = (e ** 3).sum()", {"C": [3, 5, 2], "X": {"shape": [2, 2], "integers": 5}}),
    ("e = C[X, 1:]\nloss = np.exp(e).sum()", {"C": [5, 3], "X": {"shape": [6], "integers": 5}}),
])
def test_scatters_print_as_code_that_runs(code, shapes):
    assert_printed_code_gives_the_gradients(program(code, shapes=shapes))


def test_the_slice_scatter_is_written_as_python():
    lines = program(CONV, shapes={"x": [2, 7], "w": [4, 3], "b": [4], "L": 7, "K": 3}).code_lines("numpy")
    assert "np.add.at(dx, (slice(None), idx), dwindows)" in lines
    torch_lines = program(CONV, shapes={"x": [2, 7], "w": [4, 3], "b": [4], "L": 7, "K": 3}).code_lines("torch")
    assert "dx.index_add_(1, idx.flatten(), dwindows.flatten(1, 2))" in torch_lines


def test_a_wrong_printed_line_is_caught():
    # The comparison must see a printed line that computes something else.
    p = program("h = np.tanh(x @ W)\nloss = (h ** 2).sum()", shapes={"x": [3, 2], "W": [2, 2]})

    class Wrong(Program):
        def code_lines(self, dialect: str = "numpy") -> list[str]:
            return [s.replace("x.T @", "2 * x.T @") for s in super().code_lines(dialect)]

    assert any("x.T @" in s for s in p.code_lines("numpy"))
    with pytest.raises(AssertionError, match="dW"):
        assert_printed_code_gives_the_gradients(Wrong(p.forward))


def test_a_size_two_constants_share_prints_as_the_number():
    shapes = {"x": [2, 2, 6], "w": [3, 12], "B": 2, "Cin": 2, "L": 6}
    p = program("h = x.reshape(B, Cin * L) @ w.T\nloss = h.mean(0).sum()", shapes=shapes)
    text = "\n".join(p.code_lines("numpy"))
    # The mean over the batch divides by 2, which is both B and Cin: it prints as 2.
    assert "/ 2" in text and "Cin" not in text and "B" not in text, text
    assert p.counts == {6: "L"}
    assert_printed_code_gives_the_gradients(p)


def test_a_number_broadcast_to_a_shape_prints_as_torch_code_that_runs():
    torch = pytest.importorskip("torch")
    from symbackprop.graph.array_code import code
    from symbackprop.graph.terms import Const, call

    text = code(call("broadcast_to", Const(0.25, (), "float"), shape=(2, 3)), dialect="torch")
    value = eval(text, {"torch": torch})  # printed by the library; here it is test input
    assert value.shape == (2, 3) and value.dtype == torch.float64 and float(value.sum()) == 1.5


def test_a_mean_then_a_sum_prints_without_a_broadcast_of_a_number():
    p = program("h = x @ w.T\nloss = h.mean(0).sum()", shapes={"x": [2, 12], "w": [3, 12]})
    assert p.code_lines("torch")[0] == "dh = torch.ones_like(h) / 2"  # no 1.0 *
    assert_printed_code_gives_the_gradients(p)
