"""The vector backend: numpy functions for whole batches of a layered network.

A layered network is an array program (:func:`~symbackprop.graph.layered_program.layered_program`:
``Z1 = X @ W1.T + b1``, ``A1 = f(Z1)``, ..., the loss through ``log_softmax``/``softplus``
where the output allows it), and its numbers are that program's: the forward lines and the
backward lines derived by the array rules (:mod:`symbackprop.derive.array_rules`),
evaluated by :mod:`.array_eval`.  So the project has one machine for matrix-level work;
what this module adds is the network's interface (parameters by name, a batch ``X`` with
targets ``Y``, per-sample δs) and the checks on what comes in.  A program is built once per
batch size and kept.

Samples are rows: ``X`` has shape ``(batch, n_0)``; ``Z^{(l)} = A^{(l-1)} (W^{(l)})ᵀ + b``
is the transpose of the column-per-sample form the sheets print.  Softmax with cross
entropy needs no special case: the program's gradient is the chain rule's, ``a − y`` when
the targets sum to 1 and right when they do not.

>>> import numpy as np
>>> from symbackprop.graph.network import mlp
>>> f = compile_vector(mlp([2, 2, 2], activation="sigmoid", loss="squared"))
>>> p = {"W1": [[.15, .2], [.25, .3]], "b1": [.35, .35], "W2": [[.4, .45], [.5, .55]], "b2": [.6, .6]}
>>> loss, g = f.loss_and_gradients(p, [.05, .1], [.01, .99])
>>> round(loss, 9), np.round(g["W2"][0], 9).tolist()
(0.298371109, [0.082167041, 0.082667628])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from symbackprop.derive import VectorForm, vector_form
from symbackprop.errors import SpecError
from symbackprop.graph import Graph
from symbackprop.graph import notation as n
from symbackprop.graph.layered_program import ACTIVATION_OPS, layered_program
from symbackprop.graph.terms import names_in

from .array_eval import ProgramNumbers, compile_program, evaluate
from .array_kernels import activation_kernels
from .rules import require_finite
from .vector_kernels import as_float, quiet

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
        self._programs: dict[tuple[int, bool, bool], ProgramNumbers] = {}
        for act in net.activations:  # one's own activations must compute: say so now, not later
            if act.elementwise and act.name not in ACTIVATION_OPS:
                activation_kernels(act.name)

    def program(self, batch: int, *, inputs: bool = False, per_sample: bool = False) -> ProgramNumbers:
        """The layered program on ``batch`` examples, compiled once; ``inputs`` derives ``dX``
        too; ``per_sample`` sums the loss over the batch whatever the reduction (so the
        gradient with respect to a sample's ``Z`` is that sample's own δ)."""
        key = (batch, inputs, per_sample)
        if key not in self._programs:
            program = layered_program(self.form.network, batch=batch, inputs=inputs,
                                      reduction="sum" if per_sample else None)
            self._programs[key] = compile_program(program)
        return self._programs[key]

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

    def _arrays(self, p: Mapping[str, Array], X: Array, Y: Array | None) -> dict[str, Array]:
        arrays = {**p, "X": X}
        if self.uses_targets:
            arrays["Y"] = Y if Y is not None else np.zeros((X.shape[0], self.layers[-1]))
        return arrays

    # ----- evaluation
    @quiet
    def forward(self, params: Mapping[str, Any], X: Any) -> dict[str, Array]:
        """``{"z1": ..., "a1": ..., ...}``, each ``(batch, n_l)`` (``(n_l,)`` for one sample)."""
        p, Xa, _, single = self.check(params, X, targets=False)
        env = self.program(Xa.shape[0]).forward(self._arrays(p, Xa, None), check=False)
        out = {}
        for l in range(1, len(self.layers)):
            z, a = env[f"Z{l}"], env[f"A{l}"]
            out[f"z{l}"], out[f"a{l}"] = (z[0], a[0]) if single else (z, a)
        return out

    @quiet
    def loss(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> float:
        """The batch loss (mean or sum of the per-sample losses)."""
        p, Xa, Ya, _ = self.check(params, X, Y)
        loss = float(self.program(Xa.shape[0]).forward(self._arrays(p, Xa, Ya), check=False)["loss"])
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
        numbers = self.program(X.shape[0], inputs=wrt_inputs)
        env = numbers.forward(self._arrays(p, X, Y), check=False)
        grads = numbers.gradients(env)
        out = {k: grads[k] for k in self.shapes}
        if wrt_inputs:
            out["x"] = grads["X"]
        return float(env["loss"]), out

    @quiet
    def deltas(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> dict[str, Array]:
        """``{"delta1": ..., ...}``: per-sample ``∂L_s/∂z^{(l)}_s``, shaped like ``z``."""
        p, Xa, Ya, single = self.check(params, X, Y)
        numbers = self.program(Xa.shape[0], per_sample=True)
        grads = numbers.gradients(numbers.forward(self._arrays(p, Xa, Ya), check=False))
        out = {f"delta{l}": grads[f"Z{l}"] for l in range(1, len(self.layers))}
        return {k: (v[0] if single else v) for k, v in sorted(out.items())}

    @quiet
    def prepare(self, params: Mapping[str, Any], X: Any, Y: Any = None) -> Prepared:
        """A forward pass kept for many single-parameter perturbations (gradient checks)."""
        p, Xa, Ya, _ = self.check(params, X, Y)
        return Prepared(self, self._arrays(p, Xa, Ya))

    def __repr__(self) -> str:
        return f"<VectorFunctions of {self.form.network.describe()}>"


class Prepared:
    """The forward values at one point, to evaluate the loss with one entry moved cheaply.

    Moving ``W{l}[j, i]`` (or ``b{l}[j]``) changes column ``j`` of ``Z{l} = A{l-1} W{l}ᵀ + b{l}``
    alone, by the step times column ``i`` of ``A{l-1}`` (or by the step): that column is
    updated, and only the lines after ``Z{l}`` are computed again.
    """

    def __init__(self, fn: VectorFunctions, arrays: dict[str, Array]) -> None:
        self.numbers = fn.program(arrays["X"].shape[0])
        self.env = self.numbers.forward(arrays, check=False)
        self._after: dict[str, list[Any]] = {}

    def _downstream(self, name: str) -> list[Any]:
        if name not in self._after:
            touched, lines = {name}, []
            for line in self.numbers.program.lines:
                if touched & set(names_in(line.term)):
                    touched.add(line.name)
                    lines.append(line)
            self._after[name] = lines
        return self._after[name]

    @quiet
    def entry_loss(self, name: str, index: tuple[int, ...], step: float) -> float:
        """The loss with ``params[name][index]`` moved by ``step``."""
        env = dict(self.env)
        l, j = int(name[1:]), index[0]
        z = np.array(env[f"Z{l}"])
        z[:, j] += step * env["X" if l == 1 else f"A{l - 1}"][:, index[1]] if name[0] == "W" else step
        env[f"Z{l}"] = z
        for line in self._downstream(f"Z{l}"):
            env[line.name] = evaluate(line.term, env)
        return float(env["loss"])


def compile_vector(network: Graph | VectorForm) -> VectorFunctions:
    """numpy functions for a layered network, from its layered program.

    Args:
        network: a network built by :func:`~symbackprop.graph.network.mlp`, or its vector form.

    Raises:
        GraphError: the graph is not layered (the message names the node).

    >>> from symbackprop.graph.network import mlp
    >>> f = compile_vector(mlp([3, 4, 2], activation=["relu", "softmax"], loss="cross_entropy"))
    >>> sorted(f.shapes.items())
    [('W1', (4, 3)), ('W2', (2, 4)), ('b1', (4,)), ('b2', (2,))]
    """
    form = network if isinstance(network, VectorForm) else vector_form(network)
    return VectorFunctions(form)
