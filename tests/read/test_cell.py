"""Reading backward cells: what each statement becomes, and bad input in one line naming where."""

from __future__ import annotations

import pytest
from conftest import ROOT

from symbackprop.derive.programs import Program
from symbackprop.errors import CodeError
from symbackprop.read import load_spec
from symbackprop.read.cell import MAX_CELL_STATEMENTS, read_cell

PROGRAM = Program(load_spec(str(ROOT / "examples" / "makemore.toml")).network)


def _read(code: str):
    return read_cell(code, PROGRAM.forward, PROGRAM.grad_names)


def test_every_statement_kind_and_what_it_reads():
    cell = _read("""import torch
dlogprobs = torch.zeros_like(logprobs)
dlogprobs[range(n), Yb] = -1.0/n
dprobs = (1.0 / probs) * dlogprobs
dprobs *= 1
dlogits = dprobs.clone()
dh = dlogits @ W2.T
dh.add_(0.0)
dC = torch.zeros_like(C)
dC.index_put_((Xb,), dh[:, :30].reshape(32, 3, 10) * 0, accumulate=True)
""")
    kinds = [(s.kind, s.name, s.op) for s in cell.steps]
    assert kinds == [("assign", "dlogprobs", None), ("setitem", "dlogprobs", None), ("assign", "dprobs", None),
                     ("update", "dprobs", "mul"), ("assign", "dlogits", None), ("assign", "dh", None),
                     ("update", "dh", "add"), ("assign", "dC", None), ("addat", "dC", "add")]
    assert cell.steps[4].copied and not cell.steps[5].copied
    assert cell.steps[5].grads == {"dlogits"} and cell.dialect == "torch"
    assert cell.targets == {"dlogprobs": "logprobs", "dprobs": "probs", "dlogits": "logits", "dh": "h", "dC": "C"}
    assert cell.steps[-1].code == "dC.index_put_((Xb,), dh[:, :30].reshape(32, 3, 10) * 0, accumulate=True)"


def test_views_share_and_copies_do_not():
    cell = _read("dembcat = np.ones_like(embcat)\ndemb = dembcat.view(emb.shape)\ndW1 = np.copy(dembcat.T) @ hprebn"
                 "\nde2 = dembcat.T.copy()")
    assert [s.copied for s in cell.steps] == [False, False, False, True]


def test_loops_unroll_their_counts_and_helpers_carry_gradients():
    cell = _read("demb = np.ones_like(emb)\ndC = np.zeros_like(C)\nfor k in range(Xb.shape[0]):\n"
                 "  for j in range(3):\n    ix = Xb[k, j]\n    row = demb[k, j]\n    dC[ix] += row")
    assert cell.executed == 2 + 1 + 32 * (1 + 3 * 3) and cell.helpers == ("k", "j", "ix", "row")
    inner = cell.steps[2].body[0].body
    assert inner[2].grads == {"dC", "demb"}  # through the helper row


def test_a_gradient_read_but_never_computed_is_given():
    cell = _read("dW2 = h.T @ dlogits")
    assert cell.given == {"dlogits": "logits"} and cell.targets == {"dW2": "W2"}


def test_names_that_look_like_gradients_but_are_not_are_helpers_with_a_note():
    cell = _read("dlogits_maxes = np.zeros_like(logit_maxes)\ndlogit_maxes = dlogits_maxes")
    assert cell.helpers == ("dlogits_maxes",)
    assert cell.notes == ("dlogits_maxes is not the gradient of a name of the program (did you mean 'dlogit_maxes'?); "
                          "it is read as a helper",)


@pytest.mark.parametrize(("code", "message"), [
    ("dW2 = (h.T @", "line 1, column 7: not Python: '(' was never closed"),
    ("x = 1\ny = x", "the cell assigns no gradient; expected lines like"),
    ("dfoo = 1", "the cell names nothing in the program: dfoo is not the gradient of its arrays"),
    ("dW2 = h.T @ dlogit", "line 1, column 13: 'dlogit' is not a name of the program, and nothing above assigns it "
                           "(did you mean 'dlogits'?)"),
    ("while True:\n  dW2 = 1", "line 1, column 1: a while loop is not read in a backward cell"),
    ("if n:\n  dW2 = 1", "line 1, column 1: an if statement is not read"),
    ("def f():\n  pass", "line 1, column 1: a function is not read"),
    ("for k in Xb:\n  dW2 = 1", "line 1, column 10: Xb: a loop goes over range(...) with bounds known from the code"),
    ("dC = 0 * C\nfor k in range(200):\n  for j in range(200):\n    dC += 1",
     f"line 4, column 5: the cell runs more than {MAX_CELL_STATEMENTS:,} statements"),
    ("dW2 += h.T @ dlogits", "line 1, column 1: dW2 += h.T @ dlogits changes dW2, which nothing above assigns"),
    ("h = 1\ndW2 = 1", "line 1, column 1: 'h' is a name of the forward pass; the backward cell reads it and assigns "
                       "its gradient (dh)"),
    ("dh = dlogits @ W2.T\ndlogits = 1", "line 2, column 1: line 1 reads dlogits before this line assigns it"),
    ("dW2 = dW1 = 0", "line 1, column 1: one target a line is read"),
    ("dW2 = 1\ndW2 //= 2", "line 2, column 1: the operator //= is not read; +=, -=, *= and /= are"),
    ("dW2 = 1\nfoo(dW2)", "line 2, column 1: foo(dW2) is not read: a backward cell assigns gradients"),
])
def test_bad_input_is_one_error_naming_where(code, message):
    with pytest.raises(CodeError) as info:
        _read(code)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_print_and_cmp_lines_are_skipped_with_a_note():
    cell = _read("dW2 = h.T @ dlogits\ncmp('W2', dW2, W2)\nprint(dW2)")
    assert [s.name for s in cell.steps] == ["dW2"] and len(cell.notes) == 2
