"""The package's layout keeps its promises: stages import only earlier stages, the public
surface is what it was, each stage says what it is, and the contracts catch a planted breach."""

from __future__ import annotations

import doctest
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, user_env

import symbackprop as sbp

STAGES = ("graph", "read", "derive", "numeric", "verify", "sheet", "exercise", "cli")

#: ``symbackprop.__all__`` before the package was split into stages; every name must stay.
PUBLIC_BEFORE_THE_SPLIT = (
    "Activation", "Backprop", "Counterexample", "DataError", "Delta", "Derivation", "Diagnosis",
    "DirectionalReport", "EXAMPLE", "Factor", "FitResult", "FormulaError", "GradcheckError",
    "GradcheckReport", "GradcheckRow", "Graph", "GraphError", "LayerRule", "Loss", "MISTAKES",
    "Network", "Node", "NotDifferentiableError", "NumericNetwork", "NumericalError", "Path", "Proof",
    "STATUSES", "Sheet", "Spec", "SpecError", "SymbackpropError", "TooLargeError",
    "UnknownLatexError", "Values", "VectorForm", "VectorFunctions", "VectorProof", "Verdict",
    "activation_names", "backward", "build_sheet", "check_gradients", "compile_network",
    "compile_vector", "derive", "directional_check", "fit", "forward", "get_activation", "get_loss",
    "gradients", "graph_from_spec", "heaviside", "init_params", "latex", "leaky_relu", "load_csv",
    "load_spec", "loss_names", "mlp", "parse_formula", "plain_text", "prove", "prove_all",
    "prove_vector_form", "register_activation", "register_loss", "relu", "sigmoid", "softmax",
    "softplus", "step", "tanh", "vector_form", "verify",
)

#: Modules written for the layout whose docstring examples nothing else runs.
DOCUMENTED = (
    "symbackprop.graph", "symbackprop.read", "symbackprop.derive", "symbackprop.numeric",
    "symbackprop.verify", "symbackprop.sheet", "symbackprop.derive.latex",
    "symbackprop.numeric.compile", "symbackprop.numeric.vector_kernels", "symbackprop.sheet.build",
    "symbackprop.exercise", "symbackprop.exercise.build", "symbackprop.exercise.check",
    "symbackprop.exercise.questions", "symbackprop.exercise.variants", "symbackprop.exercise.sheets",
    "symbackprop.exercise.notebook", "symbackprop.exercise.marking",
)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    # import-linter reads the package found from the working directory, so a copy of the
    # tree can be checked without touching the real one.
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "lint-imports is not installed (it is in the test extras)"
    return subprocess.run([exe, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_stage_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout and " KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        # The graph is the first stage: reaching up to sheets breaks the layers.
        ("graph/graph.py", "from symbackprop.sheet import build_sheet", "Stages import only earlier stages"),
        # Sheets reaching up to the exercises built on them.
        ("sheet/build.py", "from symbackprop.exercise import check", "Stages import only earlier stages"),
        # Two modules of one stage that import each other.
        ("derive/paths.py", "from .backprop import derive", "No two modules of a stage import each other"),
        # The sheet value asking for one format by name.
        ("sheet/model.py", "from symbackprop.sheet.render.html import render_html",
         "A sheet is a value that knows no format"),
        # A renderer leaning on another format's renderer.
        ("sheet/render/markdown.py", "from .latex import escape_text",
         "Renderers of different formats never import each other"),
        # One numeric backend borrowing from the other.
        ("numeric/vector.py", "from .scalar import compiled",
         "The scalar and the vector numeric backends never import each other"),
    ],
)
def test_a_planted_import_breaks_its_contract(tmp_path: Path, module: str, planted: str, broken: str) -> None:
    shutil.copytree(ROOT / "symbackprop", tmp_path / "symbackprop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "symbackprop" / module
    target.write_text(target.read_text() + f"\n{planted}  # planted\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout[-3000:]
    assert f"{broken}" in result.stdout
    broken_lines = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(broken) for line in broken_lines), broken_lines


def test_the_public_api_did_not_change() -> None:
    missing = [name for name in PUBLIC_BEFORE_THE_SPLIT if name not in sbp.__all__ or not hasattr(sbp, name)]
    assert missing == []
    # The names are the stages' own objects, not copies.
    assert sbp.step is importlib.import_module("symbackprop.numeric").step
    assert sbp.gradients is importlib.import_module("symbackprop.derive").gradients


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_says_what_it_does_and_exports(stage: str) -> None:
    package = importlib.import_module(f"symbackprop.{stage}")
    assert package.__doc__ and len(package.__doc__.split()) > 20
    assert package.__all__, f"symbackprop.{stage} exports nothing"
    for name in package.__all__:
        assert hasattr(package, name), f"symbackprop.{stage}.__all__ names {name!r}, which it lacks"


@pytest.mark.parametrize("name", DOCUMENTED)
def test_docstring_examples_of_the_stages(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_no_module_mixes_jobs_past_four_hundred_lines() -> None:
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines())
             for p in (ROOT / "symbackprop").rglob("*.py")}
    assert len(sizes) > 50
    assert {path: n for path, n in sizes.items() if n > 400} == {}


def test_python_dash_m_runs_the_command_line(tmp_path: Path) -> None:
    # Not from ROOT: python -m puts the working directory first on sys.path.
    result = subprocess.run([sys.executable, "-m", "symbackprop", "--help"], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path, env=user_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: symbackprop")
    for command in ("derive", "sheet", "grad", "check", "train", "verify"):
        assert command in result.stdout


def test_no_lazy_export_is_named_like_a_module_of_its_stage() -> None:
    # Loading a submodule binds its name on the package: a module named like a lazily exported
    # function (graph/mlp.py beside mlp, derive/program.py beside program) would replace it.
    # (An eager __init__ binds its names after loading the modules, so the function wins.)
    lazy = [s for s in ("symbackprop", *(f"symbackprop.{s}" for s in STAGES))
            if hasattr(importlib.import_module(s), "__getattr__")]
    assert {"symbackprop.graph", "symbackprop.read", "symbackprop.derive", "symbackprop.numeric"} <= set(lazy)
    for stage in lazy:
        package = importlib.import_module(stage)
        modules = {p.stem for p in (ROOT / stage.replace(".", "/")).glob("*.py")} - {"__init__", "__main__"}
        exported = set(getattr(package, "__all__", ()))
        assert not exported & modules, (stage, sorted(exported & modules))
    # and, with every module loaded, the package's names are still what they were
    for stage in STAGES:
        for path in sorted((ROOT / "symbackprop" / stage).glob("*.py")):
            importlib.import_module(f"symbackprop.{stage}.{path.stem}" if path.stem != "__init__" else
                                    f"symbackprop.{stage}")
    assert callable(sbp.mlp) and callable(sbp.program) and callable(sbp.derive) and callable(sbp.verify)
