"""Shared settings and independent reference routines for the core tests.

The references here never call the chain rule under test: they differentiate the fully
composed expression with ``sympy.diff``, evaluate with SymPy's own ``evalf`` at random
rational points, or take central differences of a forward pass.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, settings

from symbackprop.graph import leaky_relu, relu, sigmoid, softmax, softplus

# When a property fails, hypothesis writes a patch with libcst, whose import raises a
# DeprecationWarning from mypy_extensions; under filterwarnings=error that turned a clear
# failure report into a pytest INTERNALERROR.  Importing it once here, quietly, avoids that.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import libcst  # noqa: F401
    except ImportError:
        pass

# Reproducible property tests on a shared 2-core machine: fixed examples, no deadline.
settings.register_profile(
    "core",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("core")

#: The repository root (tests live one folder per stage below ``tests/``).
ROOT = Path(__file__).resolve().parents[1]

DIGITS = 50

#: Every built-in activation and loss, as the issue lists them.
ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax")
LOSSES = ("squared", "sse", "mse", "cross_entropy", "binary_cross_entropy", "output")


def output_activation_for(loss: str, wanted: str) -> str:
    """The wanted output activation when the loss accepts it, else the nearest legal one."""
    if loss == "cross_entropy" and wanted not in ("sigmoid", "softmax"):
        return "softmax"
    if loss == "binary_cross_entropy" and wanted != "sigmoid":
        return "sigmoid"
    return wanted


#: leaky ReLU's slope below zero, as the README states it (not read from the library).
LEAKY_SLOPE = sp.Rational(1, 100)


def closed_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every project function written out in SymPy's exp, log and Abs.

    ``sympy.diff`` of the result uses SymPy's derivative rules, not the registry's ``fdiff``:
    a reference independent of the derivatives under test.  ReLU is ``(u + |u|)/2`` and leaky
    ReLU ``((1 + α)u + (1 − α)|u|)/2`` (their leaves are real, so ``|u|′ = sign(u)``); the
    kink convention itself is pinned in ``tests/test_conventions.py``.
    """
    return expr.replace(
        sigmoid, lambda u: 1 / (1 + sp.exp(-u))
    ).replace(
        softplus, lambda u: sp.log(1 + sp.exp(u))
    ).replace(
        softmax, lambda k, *zs: sp.exp(zs[int(k) - 1]) / sp.Add(*[sp.exp(v) for v in zs])
    ).replace(
        relu, lambda u: (u + sp.Abs(u)) / 2
    ).replace(
        # The slope below zero is 0.01, as the README says, unless the call gives its own.
        leaky_relu, lambda u, alpha=LEAKY_SLOPE: ((1 + alpha) * u + (1 - alpha) * sp.Abs(u)) / 2
    )


def closed_diff(expr: sp.Expr, wrt: sp.Symbol) -> sp.Expr:
    """``∂expr/∂wrt`` by SymPy's own rules on :func:`closed_form`, never the registry's ``fdiff``."""
    reference = sp.diff(closed_form(expr), wrt)
    assert not reference.atoms(sigmoid, softplus, softmax, relu, leaky_relu), reference
    return reference


def random_rational(rng: random.Random, low: int = -30, high: int = 30) -> sp.Rational:
    """A small nonzero-denominator rational, rarely an integer."""
    return sp.Rational(rng.randint(low, high), rng.randint(7, 19))


def random_point(
    leaves: Iterable[sp.Symbol], rng: random.Random, targets: Iterable[sp.Symbol] = ()
) -> dict[sp.Symbol, sp.Rational]:
    """Random rationals for ``leaves``; targets in (0, 1) so every loss is defined."""
    point = {s: random_rational(rng) for s in leaves}
    for y in targets:
        point[y] = sp.Rational(rng.randint(1, 22), 23)
    return point


#: Functions with a kink where their argument is 0 (sign and Abs from :func:`closed_form`).
KINKS = (relu, leaky_relu, sp.Heaviside, sp.Abs, sp.sign)


def on_a_kink(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Expr]) -> bool:
    """Whether the argument of a function in :data:`KINKS` in ``expr`` is exactly 0 at ``point``."""
    for f in expr.atoms(*KINKS):
        if sp.simplify(f.args[0].xreplace(dict(point))).is_zero:  # Float(0) != 0 in SymPy
            return True
    return False


def value_at(expr: sp.Expr, point: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """``expr`` at ``point``, evaluated with SymPy's ``evalf`` to :data:`DIGITS` digits."""
    return sp.N(expr.xreplace(dict(point)), DIGITS)


def assert_same_function(
    ours: sp.Expr,
    reference: sp.Expr,
    leaves: Iterable[sp.Symbol],
    *,
    targets: Iterable[sp.Symbol] = (),
    seed: int = 0,
    points: int = 3,
) -> None:
    """``ours`` and ``reference`` agree as functions of ``leaves``.

    Rational functions first symbolically (the expanded difference is zero); otherwise at
    random rational points: exactly for rational functions, else to 50 digits.
    """
    rational = not any(e.atoms(sp.Function) - e.atoms(*KINKS) for e in (ours, reference))
    # Expanding exp and log closed forms costs far more than evaluating them at a few points.
    if rational and sp.expand(ours - reference) == 0:
        return
    rng = random.Random(seed)
    leaves = list(leaves)
    targets = list(targets)
    checked = 0
    for _ in range(20 * points):
        point = random_point([s for s in leaves if s not in targets], rng, targets)
        if on_a_kink(ours, point) or on_a_kink(reference, point):
            continue
        if not rational:
            # Floats make sigmoid, exp and log evaluate at once instead of nesting closed forms.
            point = {s: sp.Float(v, DIGITS + 10) for s, v in point.items()}
        a, b = value_at(ours, point), value_at(reference, point)
        assert a.is_number and b.is_number, (a, b)
        scale = max(1, abs(b))
        assert abs(a - b) <= sp.Float(10) ** (10 - DIGITS) * scale, (
            f"differ at {point}: ours {a}, reference {b}"
        )
        checked += 1
        if checked == points:
            return
    pytest.fail("no point away from the kinks was found")


def central_difference(f, x0: float, h: float = 1e-6) -> float:
    """``(f(x0 + h) - f(x0 - h)) / 2h`` in float64."""
    return (f(x0 + h) - f(x0 - h)) / (2 * h)


def user_env() -> dict[str, str]:
    """This process's environment without ``PYTHONPATH``: only what is installed imports."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def console_script(*args: str) -> list[str]:
    """The ``symbackprop`` command as a user runs it: the script installed beside this Python."""
    exe = shutil.which("symbackprop", path=str(Path(sys.executable).parent))
    assert exe, f"no symbackprop console script beside {sys.executable}: is the package installed?"
    return [exe, *args]


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Count the calls of ``owner.name`` for one test: guards count work, never seconds."""
    calls = [0]
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The command line run in-process: its exit status, standard output and standard error."""
    from symbackprop.cli import main

    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err
