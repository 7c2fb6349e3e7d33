"""The lambdified backend against the exact SymPy route (evaluate.backward), sample by sample."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symbackprop as sbp
from symbackprop.derive import backward
from symbackprop.errors import DataError, NumericalError
from symbackprop.graph import Graph
from symbackprop.numeric import compile_network

CASES = [
    ([3, 4, 2], "sigmoid", "squared"),
    ([3, 4, 3], ["tanh", "softmax"], "cross_entropy"),
    ([3, 4, 1], ["relu", "sigmoid"], "binary_cross_entropy"),
    ([3, 4, 2], ["leaky_relu", "softplus"], "sse"),
    ([3, 2, 2, 2], ["sigmoid", "tanh", "identity"], "mse"),
    ([3, 4, 1], "sigmoid", "output"),
]


def _data(nn, rng, batch, distribution=False):
    params = {k: rng.normal(size=s) for k, s in nn.shapes.items()}
    X = rng.normal(size=(batch, len(nn.inputs)))
    n_out = len(nn.targets)
    if not n_out:
        return params, X, None
    Y = rng.dirichlet(np.ones(n_out), size=batch) if distribution else rng.uniform(size=(batch, n_out))
    return params, X, Y


def _exact(net, nn, params, X, Y, exact=False):
    """Per-sample results from evaluate.backward (SymPy arithmetic: 30-digit floats, or
    rationals with ``exact``), reduced over the batch: a route that shares no code with
    the lambdified one."""
    batch = X.shape[0]
    loss, grads, gx, values, deltas = 0.0, {}, np.zeros_like(X), [], []
    for b in range(batch):
        point = {e.symbol: float(params[e.key][e.index]) for e in nn.entries}
        point.update(zip(net.x, X[b].tolist()))
        if Y is not None:
            point.update(zip(net.y, Y[b].tolist()))
        num = backward(net, point, wrt=[*net.params, *net.x], exact=exact)
        loss += float(num.values[net.output])
        for s in net.params:
            grads[s] = grads.get(s, 0.0) + float(num.gradients[s])
        gx[b] = [float(num.gradients[x]) for x in net.x]
        values.append(num.values)
        deltas.append(num.deltas)
    scale = 1.0 / batch if net.reduction == "mean" else 1.0
    return loss * scale, {s: g * scale for s, g in grads.items()}, gx * scale, values, deltas


@pytest.mark.parametrize("layers,activation,loss,reduction", [
    (*case, "sum" if k % 2 else "mean") for k, case in enumerate(CASES)
])
def test_batch_loss_and_gradients_match_sympy_route(layers, activation, loss, reduction):
    net = sbp.mlp(layers, activation=activation, loss=loss, reduction=reduction)
    nn = compile_network(net, backend="scalar")
    rng = np.random.default_rng(len(layers) + len(loss))
    params, X, Y = _data(nn, rng, 3, distribution=loss == "cross_entropy")
    got_loss, got = nn.loss_and_gradients(params, X, Y, wrt_inputs=True)
    ref_loss, ref, ref_x, _, _ = _exact(net, nn, params, X, Y)
    assert got_loss == pytest.approx(ref_loss, rel=1e-12, abs=1e-14)
    for e in nn.entries:
        assert got[e.key][e.index] == pytest.approx(ref[e.symbol], rel=1e-9, abs=1e-13), e.name
    np.testing.assert_allclose(got["x"], ref_x, rtol=1e-9, atol=1e-13)
    assert nn.loss(params, X, Y) == pytest.approx(got_loss, rel=1e-14)


def test_matches_exact_rational_arithmetic():
    net = sbp.mlp([2, 2, 1], activation=["relu", "identity"], loss="squared", reduction="sum")
    nn = compile_network(net, backend="scalar")
    params = {k: np.array(v) for k, v in
              {"W1": [[0.5, -1.0], [0.25, 0.75]], "b1": [0.1, -0.2], "W2": [[1.5, -0.5]], "b2": [0.05]}.items()}
    X, Y = np.array([[1.0, 0.5], [-2.0, 1.0]]), np.array([[0.3], [-0.4]])
    got_loss, got = nn.loss_and_gradients(params, X, Y, wrt_inputs=True)
    ref_loss, ref, ref_x, _, _ = _exact(net, nn, params, X, Y, exact=True)
    assert got_loss == pytest.approx(ref_loss, rel=1e-14)
    for e in nn.entries:
        assert got[e.key][e.index] == pytest.approx(ref[e.symbol], rel=1e-14, abs=1e-15), e.name
    np.testing.assert_allclose(got["x"], ref_x, rtol=1e-14)


def test_forward_and_deltas_per_sample_match_exact_route():
    net = sbp.mlp([3, 4, 2], activation=["tanh", "sigmoid"], loss="squared")
    nn = compile_network(net, backend="scalar")
    params, X, Y = _data(nn, np.random.default_rng(3), 3)
    fwd, dl = nn.forward(params, X), nn.deltas(params, X, Y)
    assert list(fwd) == ["z1", "a1", "z2", "a2"] and list(dl) == ["delta1", "delta2"]
    _, _, _, values, deltas = _exact(net, nn, params, X, Y)
    for b in range(3):
        for l in (1, 2):
            np.testing.assert_allclose(fwd[f"z{l}"][b], [float(values[b][s]) for s in net.z[l]], rtol=1e-12)
            np.testing.assert_allclose(fwd[f"a{l}"][b], [float(values[b][s]) for s in net.a[l]], rtol=1e-12)
            want = [float(deltas[b][sbp.derive(net).delta_of(z).symbol]) for z in net.z[l]]
            np.testing.assert_allclose(dl[f"delta{l}"][b], want, rtol=1e-10, atol=1e-15)
    one = nn.forward(params, X[0])
    assert one["a2"].shape == (2,)
    np.testing.assert_array_equal(one["a2"], fwd["a2"][0])


def test_the_example_spec_gives_the_textbook_numbers():
    spec = sbp.load_spec(sbp.EXAMPLE)
    nn = compile_network(spec.network, backend="scalar")
    loss, grads = nn.loss_and_gradients(spec.values.params, spec.values.x[0], spec.values.y[0])
    assert loss == pytest.approx(0.298371109, abs=1e-9)
    assert grads["W2"][0, 0] == pytest.approx(0.082167041, abs=1e-9)
    assert grads["W1"][0, 0] == pytest.approx(0.000438568, abs=1e-9)


def test_softmax_cross_entropy_uses_the_unsimplified_delta_when_targets_do_not_sum_to_one():
    net = sbp.mlp([2, 3], activation="softmax", loss="cross_entropy")
    nn = compile_network(net, backend="scalar")
    params, X, _ = _data(nn, np.random.default_rng(5), 3)
    Y = np.array([[0.5, 0.2, 0.1], [1.0, 0.0, 0.0], [0.0, 0.3, 0.3]])
    got_loss, got = nn.loss_and_gradients(params, X, Y)
    ref_loss, ref, _, _, _ = _exact(net, nn, params, X, Y)
    for e in nn.entries:
        assert got[e.key][e.index] == pytest.approx(ref[e.symbol], rel=1e-9, abs=1e-13)


def test_saturated_sigmoid_and_cross_entropy_stay_exact():
    nn = compile_network(sbp.mlp([1, 1], activation="sigmoid", loss="binary_cross_entropy"), backend="scalar")
    for w, y, want_loss, want_grad in [(1000.0, 0.0, 1000.0, 1.0), (1000.0, 1.0, 0.0, 0.0),
                                       (-1000.0, 1.0, 1000.0, -1.0), (-1000.0, 0.0, 0.0, 0.0)]:
        params = {"W1": [[w]], "b1": [0.0]}
        assert nn.forward(params, [1.0])["a1"][0] == (1.0 if w > 0 else 0.0)
        loss, grads = nn.loss_and_gradients(params, [1.0], [y])
        assert loss == want_loss and grads["W1"][0, 0] == want_grad


def test_softmax_of_large_scores_is_stable():
    nn = compile_network(sbp.mlp([1, 3], activation="softmax", loss="cross_entropy"), backend="scalar")
    params = {"W1": [[1000.0], [-1000.0], [999.0]], "b1": [0.0, 0.0, 0.0]}
    a = nn.forward(params, [1.0])["a1"]
    np.testing.assert_allclose(a, [1 / (1 + np.exp(-1)), 0.0, np.exp(-1) / (1 + np.exp(-1))], rtol=1e-15)
    loss, grads = nn.loss_and_gradients(params, [1.0], [0.0, 1.0, 0.0])
    assert loss == pytest.approx(2000 + np.log1p(np.exp(-1)), rel=1e-15)
    np.testing.assert_allclose(grads["b1"], a - [0.0, 1.0, 0.0], rtol=1e-15)


def test_overflow_is_a_clear_error_not_a_nan():
    nn = compile_network(sbp.mlp([1, 1], activation="identity", loss="squared"), backend="scalar")
    with pytest.raises(NumericalError, match="loss: expected a finite result, received inf"):
        nn.loss_and_gradients({"W1": [[1e200]], "b1": [0.0]}, [1e200], [0.0])


def test_relu_kink_follows_the_pytorch_convention():
    nn = compile_network(sbp.mlp([1, 1, 1], activation=["relu", "identity"], loss="output"), backend="scalar")
    _, grads = nn.loss_and_gradients({"W1": [[1.0]], "b1": [-1.0], "W2": [[1.0]], "b2": [0.0]}, [1.0])
    assert grads["W1"][0, 0] == 0.0 and grads["b1"][0] == 0.0


@pytest.mark.parametrize("change,message", [
    (lambda p, X, Y: (p, [[np.nan, 1.0]], Y), r"X\[0\]\[0\]: expected a finite number, received nan"),
    (lambda p, X, Y: (p, [[1.0, 2.0, 3.0]], Y), r"X: expected rows of 2 numbers .* received shape \(1, 3\)"),
    (lambda p, X, Y: (p, X, None), r"Y: missing"),
    (lambda p, X, Y: (p, X, [[1.0], [2.0]]), r"Y: expected 1 row\(s\) like X, received 2"),
    (lambda p, X, Y: ({k: v for k, v in p.items() if k != "b2"}, X, Y), r"params.b2: missing; expected a list of 1 numbers"),
    (lambda p, X, Y: ({**p, "W3": [[1.0]]}, X, Y), r"params.W3: unknown parameter"),
    (lambda p, X, Y: ({**p, "W1": [[1.0, 2.0]]}, X, Y), r"params.W1: expected a 2×2 array \(shape \(2, 2\)\), received shape \(1, 2\)"),
    (lambda p, X, Y: ({**p, "b1": [np.inf, 0.0]}, X, Y), r"params.b1\[0\]: expected a finite number, received inf"),
    (lambda p, X, Y: ({**p, "b1": ["a", 0.0]}, X, Y), r"params.b1: expected a list of 2 numbers"),
])
def test_bad_numbers_name_the_field(change, message):
    nn = compile_network(sbp.mlp([2, 2, 1]), backend="scalar")
    params = {"W1": [[0.1, 0.2], [0.3, 0.4]], "b1": [0.0, 0.0], "W2": [[0.5, 0.6]], "b2": [0.0]}
    p, X, Y = change(params, [[1.0, 2.0]], [[1.0]])
    with pytest.raises(DataError, match=message):
        nn.loss_and_gradients(p, X, Y)


def test_custom_graph_with_a_shared_parameter():
    g = Graph()
    (x,) = g.inputs("x")
    (y,) = g.targets("y")
    (w,) = g.parameters("w")
    h = g.node("h", sp.tanh(w * x))
    out = g.node("o", w * h)  # w used on two paths
    g.set_output(g.node("L", (out - y) ** 2 / 2, delta=None))
    nn = compile_network(g, backend="scalar")
    X, Y = np.array([[0.5], [-1.5]]), np.array([[0.2], [0.1]])
    loss, grads = nn.loss_and_gradients({"w": 0.7}, X, Y, wrt_inputs=True)
    want = np.mean([float(sbp.gradients(g, {x: xb, y: yb, w: 0.7}, exact=False)[w]) for xb, yb in zip(X[:, 0], Y[:, 0])])
    assert grads["w"] == pytest.approx(want, rel=1e-12)
    assert grads["x"].shape == (2, 1)
    assert set(nn.forward({"w": 0.7}, X)) == {"h", "o", "L"}


def test_a_batch_is_one_call_of_one_lambdified_function():
    nn = compile_network(sbp.mlp([2, 3, 1]), backend="scalar")
    params, X, Y = _data(nn, np.random.default_rng(0), 1000)
    nn.loss_and_gradients(params, X[:1], Y[:1])
    (key,) = [k for k in nn._fns if k[0] == "grad"]
    calls = []
    inner = nn._fns[key]
    nn._fns[key] = lambda *args: calls.append(args[0].shape) or inner(*args)
    nn.loss_and_gradients(params, X, Y)
    assert calls == [(1000,)]


def test_backend_choice():
    net = sbp.mlp([2, 1])
    assert compile_network(net, backend="auto").backend == "vector"  # layered: matrix form
    g = sbp.Graph()
    (x,) = g.inputs("x")
    (w,) = g.parameters("w")
    g.set_output(g.node("f", sbp.sigmoid(w * x)))
    assert compile_network(g, backend="auto").backend == "scalar"  # custom graph
    with pytest.raises(DataError, match="backend: expected one of scalar, vector, auto, received 'gpu'"):
        compile_network(net, backend="gpu")


def test_fit_and_step_work_on_custom_graph_parameters():
    from symbackprop.numeric.train import fit

    g = Graph()
    (x,) = g.inputs("x")
    (y,) = g.targets("y")
    (w,) = g.parameters("w")
    g.set_output(g.node("L", (w * x - y) ** 2, delta=None))
    X = np.array([[1.0], [2.0], [3.0]])
    result = fit(g, {"w": 0.0}, X, 2 * X, epochs=50, learning_rate=0.05, progress=False)
    assert isinstance(result.params["w"], float) and result.params["w"] == pytest.approx(2.0, abs=1e-6)


def test_blocks_of_rows_give_the_same_numbers_as_one_call(monkeypatch):
    import symbackprop.numeric.scalar as numeric

    nn = compile_network(sbp.mlp([3, 4, 3], activation=["relu", "softmax"], loss="cross_entropy"), backend="scalar")
    params, X, Y = _data(nn, np.random.default_rng(2), 20, distribution=True)
    whole = nn.loss_and_gradients(params, X, Y, wrt_inputs=True)
    fwd, dl = nn.forward(params, X), nn.deltas(params, X, Y)
    monkeypatch.setattr(numeric, "BLOCK_ROWS", 7)  # blocks of 7, 7 and 6 rows
    loss, grads = nn.loss_and_gradients(params, X, Y, wrt_inputs=True)
    assert loss == pytest.approx(whole[0], rel=1e-14)
    for k in grads:
        np.testing.assert_allclose(grads[k], whole[1][k], rtol=1e-13, atol=1e-16)
    for got, want in ((nn.forward(params, X), fwd), (nn.deltas(params, X, Y), dl)):
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
    assert nn.kinks(params, X).shape == (20, 4)


def test_registered_sympy_function_is_computed_by_both_backends(monkeypatch):
    """A user's activation class reaches the scalar backend only through lambdify's cse
    (outputs are node symbols), where lambdify never looked for its ``_imp_``: the generated
    code died with ``NameError: name 'swish' is not defined``."""
    from symbackprop.graph import activations

    monkeypatch.setattr(activations, "_REGISTRY", dict(activations._REGISTRY))

    class swish(sp.Function):
        nargs = 1
        _imp_ = staticmethod(lambda t: t / (1 + np.exp(-t)))

        def fdiff(self, argindex=1):
            s = sbp.sigmoid(self.args[0])
            return s + self.args[0] * s * (1 - s)

    sbp.register_activation("swish", swish, latex=r"\operatorname{swish}", derivative_latex="...")
    net = sbp.mlp([2, 3, 1], activation=["swish", "identity"], loss="squared")
    params, X, Y = _data(compile_network(net, backend="scalar"), np.random.default_rng(7), 4)
    scalar = compile_network(net, backend="scalar").loss_and_gradients(params, X, Y)
    vector = compile_network(net, backend="vector").loss_and_gradients(params, X, Y)
    assert scalar[0] == pytest.approx(vector[0], rel=1e-12)
    for key in vector[1]:
        np.testing.assert_allclose(scalar[1][key], vector[1][key], rtol=1e-10, atol=1e-14)
    assert sbp.check_gradients(net, params, X, Y).ok

    class bare(sp.Function):  # fdiff but nothing numpy can run
        nargs = 1

        def fdiff(self, argindex=1):
            return sp.S.One

    sbp.register_activation("bare", bare, latex="b", derivative_latex="1")
    for backend in ("scalar", "vector"):
        with pytest.raises(sbp.SpecError, match=r"function 'bare': expected a numpy implementation.*_imp_"):
            compile_network(sbp.mlp([2, 1], activation="bare"), backend=backend)


def test_custom_graph_gradient_with_a_softmax_of_parameters_is_lambdified():
    """A node ln softmax_1(w x1, v x2, x1 + x2) has parameters inside the softmax, so the
    gradient formulas themselves hold softmax terms; only node and δ definitions were put in
    stable form, and the generated gradient code died with NameError: name 'softmax'."""
    g = Graph()
    x1, x2 = g.inputs("x1 x2")
    w, v = g.parameters("w v")
    g.set_output(g.node("f", sp.log(sbp.softmax(1, w * x1, v * x2, x1 + x2))))
    nn = compile_network(g, backend="scalar")
    X = np.array([[0.5, -1.0], [2.0, 0.25], [400.0, -300.0]])  # the last row saturates
    loss, grads = nn.loss_and_gradients({"w": 0.7, "v": -1.3}, X, wrt_inputs=True)
    composed = g.composed()
    for p in (w, v):
        want = np.mean([float(sp.diff(composed, p).subs({x1: a, x2: b, w: 0.7, v: -1.3}).evalf(30))
                        for a, b in X])
        assert grads[p.name] == pytest.approx(want, rel=1e-12)
    assert np.all(np.isfinite(grads["x"]))
    assert sbp.check_gradients(g, {"w": 0.7, "v": -1.3}, X[:2], inputs=True).ok


def test_leaky_relu_with_a_learnable_slope():
    """leaky_relu documents its slope as a second argument, but fdiff refused argindex 2:
    with a parameter there (PReLU) derive() returned Derivative(f, p), the numeric backend
    raised PrintMethodNotImplementedError and backward() "Can't calculate derivative"."""
    g = Graph()
    (x,) = g.inputs("x")
    w, p = g.parameters("w p")
    g.set_output(g.node("f", sbp.leaky_relu(w * x, p) ** 2))
    assert not sbp.derive(g)[p].delta_form.has(sp.Derivative)
    loss, grads = compile_network(g, backend="scalar").loss_and_gradients({"w": 1.0, "p": 0.2}, [[-2.0], [3.0]])
    # f = (p w x)² for w x ≤ 0: ∂f/∂p = 2 p (w x)² = 1.6 at x = -2, and 0 at x = 3
    assert loss == pytest.approx((0.16 + 9.0) / 2) and grads["p"] == pytest.approx(0.8)
    assert sbp.backward(g, {x: -2, w: 1, p: sp.Rational(1, 5)}).gradients[p] == sp.Rational(8, 5)
    assert sbp.prove(g, p).holds


def test_logarithm_of_a_sigmoid_or_softmax_written_inside_a_graph_node_is_stable():
    """stable_form only recognised ln a for a *node* a = σ(z); logistic regression written
    as one node, -(y ln σ(w x) + (1 - y) ln(1 - σ(w x))), gave NumericalError (inf) at
    w x = ∓1000 where the loss is exactly 1000."""
    g = Graph()
    (x,) = g.inputs("x")
    (y,) = g.targets("y")
    (w,) = g.parameters("w")
    g.set_output(g.node("L", -(y * sp.log(sbp.sigmoid(w * x)) + (1 - y) * sp.log(1 - sbp.sigmoid(w * x)))))
    nn = compile_network(g, backend="scalar")
    assert nn.loss_and_gradients({"w": 1.0}, [[-1000.0], [1000.0]], [[1.0], [0.0]]) == (1000.0, {"w": 1000.0})
    h = Graph()
    x1, x2 = h.inputs("x1 x2")
    (v,) = h.parameters("v")
    h.set_output(h.node("L", -sp.log(sbp.softmax(2, v * x1, x2))))
    assert compile_network(h).loss_and_gradients({"v": 1.0}, [[1000.0, -1000.0]]) == (2000.0, {"v": 1000.0})


def test_a_per_sample_quantity_that_is_constant_still_counts_every_sample():
    """A one-neuron softmax is 1 whatever its input, so the generated code held a1_1 = 1
    and δ = 0 as plain numbers: batch_dot(0, x1) returned an array (TypeError: only
    0-dimensional arrays can be converted), and batch_sum(1) was 1 for any batch, so a
    mean loss of a batch of 3 would have been 1/3."""
    net = sbp.mlp([2, 1], activation="softmax", loss="output")
    nn = compile_network(net, backend="scalar")
    params = {"W1": [[1.0, 2.0]], "b1": [0.5]}
    X = [[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]]
    loss, grads = nn.loss_and_gradients(params, X)
    assert loss == 1.0 and nn.loss(params, X) == 1.0
    assert not grads["W1"].any() and not grads["b1"].any()
    g = Graph()
    (x,) = g.inputs("x")
    (w,) = g.parameters("w")
    g.set_output(g.node("f", w * g.node("s", sbp.softmax(1, x))))  # s = 1: ∂f/∂w = 1 per sample
    got = compile_network(g).loss_and_gradients({"w": 2.0}, [[1.0], [5.0]])
    assert got == (2.0, {"w": 1.0})
