"""The vector backend: numpy functions for whole batches, built from a network's
:class:`~symbackprop.derive.vector.VectorForm`.

Every per-layer operation is lambdified from the derived rules: the activation from the
registry's SymPy function, its derivative from ``fdiff`` (written in ``z`` and ``a``), the
output δ from the vector form (``a - y`` only where the form proved it), and the loss from
the registry's loss with each ``log`` of an output rewritten by SymPy into a log-sum-exp
(``log σ(z) = -logsumexp(0, -z)``), so it stays finite at saturated outputs.  Written by
hand are only the table of stable numpy primitives (:mod:`symbackprop.numeric.vector_kernels`),
the product with the softmax Jacobian ``diag(a) - a aᵀ`` (whose form
:mod:`symbackprop.derive.vector` derives from ``fdiff`` and checks), and the matrix products.

Samples are rows: ``X`` has shape ``(batch, n_0)``; ``Z^{(l)} = A^{(l-1)} (W^{(l)})ᵀ + b``
is the transpose of the column-per-sample form the sheets print.

>>> import numpy as np
>>> from symbackprop.graph.mlp import mlp
>>> f = compile_vector(mlp([2, 2, 2], activation="sigmoid", loss="squared"))
>>> p = {"W1": [[.15, .2], [.25, .3]], "b1": [.35, .35], "W2": [[.4, .45], [.5, .55]], "b2": [.6, .6]}
>>> loss, g = f.loss_and_gradients(p, [.05, .1], [.01, .99])
>>> round(loss, 9), np.round(g["W2"][0], 9).tolist()
(0.298371109, [0.082167041, 0.082667628])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

import numpy as np
import sympy as sp

from symbackprop.derive import VectorForm, vector_form
from symbackprop.derive.layer_rules import ALPHA, ETA, T
from symbackprop.errors import SpecError
from symbackprop.graph import Graph
from symbackprop.graph import notation as n

from .rules import require_finite
from .vector_fused import fused_kernel
from .vector_kernels import as_float, coupled_layer, full, lambdify_numpy, quiet, stable_log

__all__ = ["VectorFunctions", "compile_vector"]

Array = np.ndarray


class VectorFunctions:
    """Loss, gradients, forward values and δs of a layered network, evaluated on batches.

    Build with :func:`compile_vector`.  Parameters are ``{"W1": (n_1, n_0) array, "b1":
    (n_1,) array, ...}``; ``X`` is ``(batch, n_0)`` or one sample ``(n_0,)``; ``Y`` likewise
    with ``n_L`` columns.  Gradients are of the batch loss (mean or sum per the network's
    reduction); :meth:`deltas` are per sample, ``∂L_s/∂z_s``.
    """

    backend = "vector"

    def __init__(self, form: VectorForm) -> None:
        self.form = form
        net = form.network
        self.graph = net
        self.inputs = net.x
        self.targets = net.y
        self.layers = net.layers
        self.reduction = net.reduction
        self.uses_targets = bool(net.y)
        self.shapes: dict[str, tuple[int, ...]] = {}
        for rule in form.rules:
            self.shapes[n.matrix_name("w", rule.layer)] = (rule.size, net.layers[rule.layer - 1])
            if rule.bias:
                self.shapes[n.matrix_name("b", rule.layer)] = (rule.size,)
        self._act = [coupled_layer(r.activation) if r.coupled else lambdify_numpy([T], r.value)
                     for r in form.rules]
        self._der = [None if r.coupled else lambdify_numpy([T, ALPHA], r.derivative) for r in form.rules]
        self._fused = [fused_kernel(r) for r in form.rules]
        self._out = self._output_delta(form)
        self._chain_out: Callable[[Array, Array, Array], Array] | None = None  # built on first use
        self._loss = self._sample_loss(form)

    # ----- built once
    @staticmethod
    def _output_delta(form: VectorForm) -> Callable[[Array, Array, Array | None], Array]:
        net, L = form.network, form.depth
        if form.output_entry is not None:
            f = lambdify_numpy([T, ALPHA, ETA], form.output_entry)
            return lambda Z, A, Y: full(f(Z, A, 0.0 if Y is None else Y), Z.shape)
        if form.output_rule == "jacobian" and form.gradient_entry is not None:
            g = lambdify_numpy([ALPHA, ETA], form.gradient_entry)

            def jacobian_rule(Z: Array, A: Array, Y: Array | None) -> Array:
                G = full(g(A, 0.0 if Y is None else Y), A.shape)
                return A * (G - (A * G).sum(axis=1, keepdims=True))

            return jacobian_rule
        cols = lambdify_numpy([net.z[L], net.a[L], net.y], list(form.output_delta), cse=True)
        return lambda Z, A, Y: np.stack(
            [full(c, Z.shape[:1]) for c in cols(list(Z.T), list(A.T), [] if Y is None else list(Y.T))],
            axis=1)

    @staticmethod
    def _sample_loss(form: VectorForm) -> Callable[[Array, Array, Array | None], Array]:
        net, L = form.network, form.depth
        definitions = dict(zip(net.a[L], form.rules[-1].activation.layer(net.z[L])))
        expr = net.loss.build(net.a[L], net.y)
        expr = expr.replace(lambda e: isinstance(e, sp.log) and bool(e.free_symbols & set(net.a[L])),
                            lambda e: stable_log(e.args[0].xreplace(definitions)))
        f = lambdify_numpy([net.z[L], net.a[L], net.y], expr, cse=True)
        return lambda Z, A, Y: full(f(list(Z.T), list(A.T), [] if Y is None else list(Y.T)), Z.shape[:1])

    # ----- checking input
    def check(self, params: Mapping[str, Any], X: Any, Y: Any = None, *,
              targets: bool = True) -> tuple[dict[str, Array], Array, Array | None, bool]:
        """Validated float64 arrays ``(params, X, Y, single)``; ``single`` when X was one sample.

        Raises:
            SpecError: a missing, unexpected or misshapen array; the message names it and
                gives the expected and received shapes.
        """
        if not isinstance(params, Mapping):
            raise SpecError(f"params: expected a mapping of arrays by name, received {type(params).__name__}")
        unknown = sorted(set(params) - set(self.shapes))
        if unknown:
            raise SpecError(f"params: unexpected {unknown}; expected exactly {sorted(self.shapes)}")
        arrays = {}
        for name, shape in self.shapes.items():
            if name not in params:
                raise SpecError(f"params: missing {name!r} of shape {shape}")
            arrays[name] = as_float(params[name], f"params[{name!r}]")
            if arrays[name].shape != shape:
                raise SpecError(f"params[{name!r}]: expected shape {shape}, received {arrays[name].shape}")
        Xa = as_float(X, "X")
        single = Xa.ndim == 1
        n0, nL = self.layers[0], self.layers[-1]
        if Xa.ndim not in (1, 2) or Xa.shape[-1] != n0:
            raise SpecError(f"X: expected shape (batch, {n0}) or ({n0},), received {Xa.shape}")
        Xa = Xa.reshape(-1, n0)
        if not (self.uses_targets and targets):
            if Y is not None:
                raise SpecError(f"Y: the {self.form.network.loss.name!r} loss takes no targets; pass Y=None")
            return arrays, Xa, None, single
        if Y is None:
            raise SpecError(f"Y: missing; the {self.form.network.loss.name!r} loss needs targets "
                            f"of shape ({Xa.shape[0]}, {nL})")
        Ya = as_float(Y, "Y")
        want = (nL,) if single else (Xa.shape[0], nL)
        if Ya.shape != want:
            raise SpecError(f"Y: expected shape {want} to match X of shape "
                            f"{(n0,) if single else Xa.shape}, received {Ya.shape}")
        Ya = Ya.reshape(-1, nL)
        return arrays, Xa, Ya, single

    # ----- evaluation
    def _forward(self, p: Mapping[str, Array], X: Array, start: int = 1,
                 Z: Array | None = None, *, overwrite: bool = False) -> tuple[list[Array | None], list[Array]]:
        """``Zs, As`` (``As[0] = X``); from layer ``start`` when its ``Z`` is given.

        With ``overwrite``, a hidden layer with a fused kernel computes ``A`` in ``Z``'s
        buffer and its ``Zs`` entry is ``None``: its derivative needs ``A`` alone.
        """
        Zs: list[Array | None] = [X]
        As: list[Array] = [X]
        last = len(self.layers) - 1
        for rule in self.form.rules[start - 1:]:
            l = rule.layer
            if Z is None or l != start:
                Zl = As[-1] @ p[f"W{l}"].T
                if rule.bias:
                    Zl += p[f"b{l}"]
            else:
                Zl = Z
            fused = self._fused[l - 1]
            if fused is None:
                Zs.append(Zl)
                As.append(full(self._act[l - 1](Zl), Zl.shape))
            elif overwrite and l < last:
                Zs.append(None)
                As.append(fused.forward(Zl, Zl))
            else:
                Zs.append(Zl)
                As.append(fused.forward(Zl, np.empty_like(Zl)))
        return Zs, As

    def _output(self, Z: Array, A: Array, Y: Array | None) -> Array:
        """The output δ; where a row's targets break the constraint ``a − y`` relies on
        (``Σ_k y_k = 1``), the chain rule's δ, as the scalar backend and evaluate do."""
        if self.form.constraint and Y is not None and np.any(np.abs(Y.sum(axis=1) - 1.0) > 1e-12):
            if self._chain_out is None:
                net, L = self.form.network, self.form.depth
                cols = lambdify_numpy([net.z[L], net.a[L], net.y], list(self.form.chain_delta()), cse=True)
                self._chain_out = lambda Z, A, Y: np.stack(
                    [full(c, Z.shape[:1]) for c in cols(list(Z.T), list(A.T), list(Y.T))], axis=1)
            return self._chain_out(Z, A, Y)
        return self._out(Z, A, Y)

    def _delta_back(self, l: int, D: Array, W: Array, Z: Array | None, A: Array, *,
                    overwrite: bool = False) -> Array:
        """δ of layer ``l`` from δ ``D`` of layer ``l + 1``; ``overwrite`` may spend ``A``."""
        G = D @ W
        if self.form.rules[l - 1].coupled:
            return A * (G - (A * G).sum(axis=1, keepdims=True))
        fused = self._fused[l - 1]
        if fused is not None and overwrite:
            if fused.backward is not None:
                fused.backward(G, A)
            return G
        G *= self._der[l - 1](Z, A)
        return G

    def _reduce(self, per_sample: Array) -> float:
        return float(per_sample.mean() if self.reduction == "mean" else per_sample.sum())

    @quiet
    def forward(self, params: Mapping[str, Any], X: Any) -> dict[str, Array]:
        """``{"z1": ..., "a1": ..., ...}``, each ``(batch, n_l)`` (``(n_l,)`` for one sample)."""
        p, Xa, _, single = self.check(params, X, targets=False)
        Zs, As = self._forward(p, Xa)
        out = {}
        for l in range(1, len(self.layers)):
            out[f"z{l}"], out[f"a{l}"] = (Zs[l][0], As[l][0]) if single else (Zs[l], As[l])
        return out

    @quiet
    def loss(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> float:
        """The batch loss (mean or sum of the per-sample losses)."""
        p, Xa, Ya, _ = self.check(params, X, Y)
        Zs, As = self._forward(p, Xa)
        loss = self._reduce(self._loss(Zs[-1], As[-1], Ya))
        require_finite({"loss": loss})
        return loss

    @quiet
    def loss_and_gradients(self, params: Mapping[str, Any], X: Any, Y: Any = None, *,
                           wrt_inputs: bool = False) -> tuple[float, dict[str, Array]]:
        """The batch loss and its gradient with respect to every parameter array.

        ``"x"`` (with ``wrt_inputs=True``) is ``∂(reduced loss)/∂X``, shaped like ``X``, as
        the scalar backend gives it.
        """
        p, Xa, Ya, single = self.check(params, X, Y)
        loss, grads = self._loss_and_gradients(p, Xa, Ya, wrt_inputs=wrt_inputs)
        if wrt_inputs and single:
            grads["x"] = grads["x"][0]
        require_finite({"loss": loss, **grads})
        return loss, grads

    def _loss_and_gradients(self, p: Mapping[str, Array], X: Array, Y: Array | None, *,
                            wrt_inputs: bool = False) -> tuple[float, dict[str, Array]]:
        # Hidden activations overwrite their Z, and each δ step spends the A it no longer needs.
        Zs, As = self._forward(p, X, overwrite=True)
        L = len(self.layers) - 1
        loss = self._reduce(self._loss(Zs[L], As[L], Y))
        D = self._output(Zs[L], As[L], Y)
        if self.reduction == "mean":
            D = D * (1.0 / X.shape[0])  # scaled once here (a new array: D may be Y itself)
        grads: dict[str, Array] = {}
        for l in range(L, 0, -1):
            grads[f"W{l}"] = D.T @ As[l - 1]
            if self.form.rules[l - 1].bias:
                grads[f"b{l}"] = D.sum(axis=0)
            if l > 1:
                D = self._delta_back(l - 1, D, p[f"W{l}"], Zs[l - 1], As[l - 1], overwrite=True)
            Zs[l] = As[l] = None  # type: ignore[call-overload]  # free what is no longer needed
        out = {k: grads[k] for k in self.shapes}
        if wrt_inputs:
            out["x"] = D @ p["W1"]  # D is δ⁽¹⁾ now, already scaled for the mean
        return loss, out

    @quiet
    def deltas(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> dict[str, Array]:
        """``{"delta1": ..., ...}``: per-sample ``∂L_s/∂z^{(l)}_s``, shaped like ``z``."""
        p, Xa, Ya, single = self.check(params, X, Y)
        Zs, As = self._forward(p, Xa)
        L = len(self.layers) - 1
        D = self._output(Zs[L], As[L], Ya)
        out = {f"delta{L}": D}
        for l in range(L - 1, 0, -1):
            D = self._delta_back(l, D, p[f"W{l + 1}"], Zs[l], As[l])
            out[f"delta{l}"] = D
        return {k: (v[0] if single else v) for k, v in sorted(out.items())}

    @quiet
    def prepare(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> "Prepared":
        """A forward pass kept for many single-parameter perturbations (gradient checks)."""
        p, Xa, Ya, _ = self.check(params, X, Y)
        return Prepared(self, p, Xa, Ya)

    def __repr__(self) -> str:
        return f"<VectorFunctions of {self.form.network.describe()}>"


class Prepared:
    """The forward values at one point, to evaluate the loss with one entry moved cheaply."""

    def __init__(self, fn: VectorFunctions, p: dict[str, Array], X: Array, Y: Array | None) -> None:
        self.fn, self.p, self.X, self.Y = fn, p, X, Y
        self.Zs, self.As = fn._forward(p, X)

    @quiet
    def entry_loss(self, name: str, index: tuple[int, ...], step: float) -> float:
        """The loss with ``params[name][index]`` moved by ``step``; only later layers are redone.

        Moving ``W^{(l)}[j, i]`` or ``b^{(l)}[j]`` changes column ``j`` of ``Z^{(l)}`` alone;
        through an elementwise activation that is a rank-one change of ``Z^{(l+1)}``.
        """
        fn, l = self.fn, int(name[1:])
        j = index[0]
        column = self.Zs[l][:, j] + (step * self.As[l - 1][:, index[1]] if name[0] == "W" else step)
        depth = len(self.Zs) - 1
        if l < depth and not fn.form.rules[l - 1].coupled:
            moved = full(fn._act[l - 1](column), column.shape) - self.As[l][:, j]
            start, Z = l + 1, self.Zs[l + 1] + np.outer(moved, self.p[f"W{l + 1}"][:, j])
        else:
            start, Z = l, self.Zs[l].copy()
            Z[:, j] = column
        Zs, As = fn._forward(self.p, self.As[start - 1], start=start, Z=Z)
        return fn._reduce(fn._loss(Zs[-1], As[-1], self.Y))


def compile_vector(network: Graph | VectorForm) -> VectorFunctions:
    """numpy functions for a layered network, from its derived vector form.

    Args:
        network: a network built by :func:`~symbackprop.graph.mlp.mlp`, or its vector form.

    Raises:
        GraphError: the graph is not layered (the message names the node).

    >>> from symbackprop.graph.mlp import mlp
    >>> f = compile_vector(mlp([3, 4, 2], activation=["relu", "softmax"], loss="cross_entropy"))
    >>> sorted(f.shapes.items())
    [('W1', (4, 3)), ('W2', (2, 4)), ('b1', (4,)), ('b2', (2,))]
    """
    form = network if isinstance(network, VectorForm) else vector_form(network)
    return VectorFunctions(form)
