"""Stage 4, numbers: numpy backends lambdified from the derivation, checkers, training.

Two backends: the scalar one (:mod:`.scalar`, one formula per neuron and weight, programs in
:mod:`.program`) and the vector one (:mod:`.vector`: a layered network as an array program);
:func:`compile_network` (:mod:`.compile`) picks one.  Array programs are evaluated by
:mod:`.array_eval` with one numpy kernel per operation (:mod:`.array_kernels`) and checked
entry by entry by :mod:`.array_check`.  Stable numpy forms are a table (:mod:`.rules`;
for lambdified SymPy, :mod:`.vector_kernels`).  Gradient checkers by finite differences
(:mod:`.checker`) and by random directions (:mod:`.directional`), the vector form proved
against the scalar derivation (:mod:`.vector_proof`), gradient descent (:mod:`.train`) and
CSV data (:mod:`.data`).

Exports: ``compile_network``, ``NumericNetwork``, ``compile_vector``, ``VectorFunctions``,
``check_gradients``, ``GradcheckReport``, ``GradcheckRow``, ``GradcheckError``,
``directional_check``, ``DirectionalReport``, ``prove_vector_form``, ``VectorProof``,
``step``, ``fit``, ``FitResult``, ``init_params``, ``load_csv``.

>>> from symbackprop.graph import mlp
>>> from symbackprop.numeric import compile_network
>>> f = compile_network(mlp([2, 2, 1]))
>>> round(f.loss({"W1": [[.1, .2], [.3, .4]], "b1": [0, 0], "W2": [[.5, .6]], "b2": [0]}, [[1, 2]], [[1]]), 6)
0.050672
"""

from typing import TYPE_CHECKING

from symbackprop._lazy import lazy_exports

# Every export loads its module on first use: a program's check needs neither the scalar nor
# the vector backend, nor training.
__getattr__, __dir__ = lazy_exports(__name__, {
    "GradcheckError": ".checker", "GradcheckReport": ".checker", "GradcheckRow": ".checker", "check_gradients": ".checker",
    "compile_network": ".compile",
    "load_csv": ".data",
    "DirectionalReport": ".directional", "directional_check": ".directional",
    "NumericNetwork": ".scalar",
    "FitResult": ".train", "fit": ".train", "init_params": ".train", "step": ".train",
    "VectorFunctions": ".vector", "compile_vector": ".vector",
    "VectorProof": ".vector_proof", "prove_vector_form": ".vector_proof",
}, globals())

if TYPE_CHECKING:
    from .checker import GradcheckError, GradcheckReport, GradcheckRow, check_gradients
    from .compile import compile_network
    from .data import load_csv
    from .directional import DirectionalReport, directional_check
    from .scalar import NumericNetwork
    from .train import FitResult, fit, init_params, step
    from .vector import VectorFunctions, compile_vector
    from .vector_proof import VectorProof, prove_vector_form

__all__ = [
    "compile_network", "NumericNetwork", "compile_vector", "VectorFunctions",
    "check_gradients", "GradcheckReport", "GradcheckRow", "GradcheckError",
    "directional_check", "DirectionalReport", "prove_vector_form", "VectorProof",
    "step", "fit", "FitResult", "init_params", "load_csv",
]
