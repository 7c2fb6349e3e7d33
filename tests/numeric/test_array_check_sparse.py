"""The checker recomputes an expensive elementwise function only where its argument moved:
the perturbed losses must be those of recomputing it everywhere."""

from __future__ import annotations

import numpy as np
from conftest import ROOT

from symbackprop.derive.programs import Program
from symbackprop.numeric import array_check
from symbackprop.numeric.array_eval import compile_program
from symbackprop.read import load_spec


def test_sparse_recomputation_gives_the_same_perturbed_losses(monkeypatch):
    p = Program(load_spec(ROOT / "examples" / "makemore.toml").network)
    numbers = compile_program(p.forward, p.backward)
    env = numbers.forward(numbers.draw(2))
    expensive = array_check.SPARSE_OPS
    for leaf in p.forward.float_leaves:
        flat = np.arange(leaf.size)
        step = np.full(leaf.size, 1e-4)
        losses = {}
        for mode, ops in (("sparse", expensive), ("dense", frozenset())):
            monkeypatch.setattr(array_check, "SPARSE_OPS", ops)
            run = array_check._Perturbed(numbers, env, leaf.name)
            assert bool(run.sparse) == (mode == "sparse")  # tanh, exp and log
            losses[mode] = run.losses(flat, step)
        np.testing.assert_allclose(losses["sparse"], losses["dense"], rtol=1e-13, err_msg=leaf.name)
        # The perturbations moved the loss (batch normalisation cancels b1, as it should): a
        # comparison of constants would prove nothing.
        assert np.ptp(losses["dense"]) > 0 or leaf.name == "b1"
