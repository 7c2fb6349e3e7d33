"""Start-up does only what is asked for: ``import symbackprop`` and each subcommand load only
the stages they use (counted in ``sys.modules`` of a fresh process, not timed)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from conftest import ROOT

LATER = ("numpy", "symbackprop.numeric", "symbackprop.verify", "symbackprop.sheet", "symbackprop.exercise",
         "latex2mathml")


def _loaded_after(code: str) -> dict[str, bool]:
    probe = f"""
import json, sys
{code}
print(json.dumps({{m: m in sys.modules for m in {LATER!r}}}))
"""
    result = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_import_loads_no_later_stage() -> None:
    assert not any(_loaded_after("import symbackprop").values())


def test_a_later_name_loads_its_own_stage_only() -> None:
    loaded = _loaded_after("import symbackprop as sbp\nassert callable(sbp.build_sheet)")
    assert loaded["symbackprop.sheet"] and not loaded["symbackprop.numeric"] and not loaded["numpy"]
    loaded = _loaded_after("from symbackprop import compile_vector")
    assert loaded["symbackprop.numeric"] and not loaded["symbackprop.sheet"]


@pytest.mark.parametrize(
    "first",
    ["import symbackprop.verify", "from symbackprop.verify import verify", "from symbackprop import Verdict",
     "import symbackprop as sbp; sbp.verify"],
)
def test_the_verify_attribute_stays_the_function_however_the_stage_is_first_imported(first: str) -> None:
    code = f"""
{first}
import sys, symbackprop as sbp
stage = sys.modules["symbackprop.verify"]
assert sbp.verify is stage.verify and callable(sbp.verify), sbp.verify
assert sbp.Verdict is stage.Verdict
"""
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_every_exported_name_resolves_to_its_stages_object() -> None:
    import importlib

    import symbackprop as sbp

    for stage, names in sbp._LATER_STAGES.items():
        module = importlib.import_module(f"symbackprop.{stage}")
        for name in names:
            assert getattr(sbp, name) is getattr(module, name), name
    lazy = {n for names in sbp._LATER_STAGES.values() for n in names}
    assert lazy <= set(sbp.__all__) and set(sbp.__all__) <= set(dir(sbp))
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        sbp.nonexistent  # noqa: B018


@pytest.mark.parametrize(
    ("argv", "needs"),
    [
        (["verify", "2-2-1", "--param", "w2_11", "--formula", "(a2_1 - y1) * a2_1 * (1 - a2_1) * a1_1"],
         {"symbackprop.verify"}),
        (["sheet", "2-2-1", "--params", "w2_11"], {"symbackprop.sheet"}),  # Markdown: no MathML converter
        (["sheet", "2-2-1", "--params", "w2_11", "--format", "html"], {"symbackprop.sheet", "latex2mathml"}),
        (["derive", "2-2-1", "--param", "w2_11"], set()),
        (["check", "2-2-1"], {"numpy", "symbackprop.numeric"}),
    ],
)
def test_each_subcommand_loads_only_the_stages_it_uses(argv: list[str], needs: set[str]) -> None:
    code = f"""
import contextlib, io
from symbackprop.cli.app import main
with contextlib.redirect_stdout(io.StringIO()):
    status = main({argv!r})
assert status == 0, status
"""
    loaded = _loaded_after(code)
    assert {m for m, yes in loaded.items() if yes} == needs


def test_the_command_table_names_what_each_module_registers() -> None:
    import argparse

    from symbackprop.cli import app

    registered = {}
    for module in app.COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        registered.update(dict.fromkeys(sub.choices, module))
    assert registered == app.COMMANDS


def _loaded_by(argv: list[str]) -> set[str]:
    code = f"""
import contextlib, io, json, sys
before = set(sys.modules)
import sympy, lark
floor = set(sys.modules)
from symbackprop.cli.app import main
with contextlib.redirect_stdout(io.StringIO()):
    main({argv!r})
print(json.dumps(sorted(set(sys.modules) - floor)))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


SCALAR_VERIFY = ["verify", "2-2-1", "--param", "w2_11", "--formula", "(a2_1 - y1) * a2_1 * (1 - a2_1) * a1_1"]


def test_a_command_imports_its_own_module_and_what_it_runs_only() -> None:
    loaded = _loaded_by(SCALAR_VERIFY)
    others = {"symbackprop.cli.derive", "symbackprop.cli.exercise", "symbackprop.exercise", "symbackprop.sheet",
              "symbackprop.numeric", "numpy"}
    unused = {"symbackprop.derive.vector", "symbackprop.derive.proof", "symbackprop.derive.vector_latex",
              "symbackprop.verify.matrix_verdict",  # a scalar formula needs no vector form, no proof
              "symbackprop.read.code", "symbackprop.graph.array_program", "symbackprop.graph.terms",
              }  # nor the reader of array programs
    assert not loaded & (others | unused), sorted(loaded & (others | unused))
    # Counted, not timed: what a scalar verify loads beyond SymPy and lark (measured: 99).
    assert len(loaded) <= 102, len(loaded)
    assert "symbackprop.cli.verify" not in _loaded_by(["derive", "2-1", "--param", "w1_11"])


@pytest.mark.parametrize("spec", [None, "2-2-1", "examples/mazur.toml"])
def test_a_networks_sheet_loads_no_formula_parser_and_no_code_reader(spec: str | None) -> None:
    # Only a [graph] or [notation] table holds formulas; only a [program] holds code.
    code = f"""
import contextlib, io, json, sys
from symbackprop.cli.app import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["sheet"] + ([{spec!r}] if {spec!r} else [])) == 0
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "lark" or m in (
    "symbackprop.read.parser", "symbackprop.read.code"))))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_a_graph_spec_still_reads_its_formulas() -> None:
    # The other side of the lazy parser: a [graph] spec's sheet reads its nodes' formulas.
    from symbackprop.read import load_spec

    spec = load_spec({"graph": {"inputs": ["x", "y"], "nodes": {"f": "x * y + x"}}})
    assert str(spec.network.node_of(spec.network.lookup("f")).expr) == "x*y + x"
    assert not spec.is_program
    assert "symbackprop.cli.verify" not in _loaded_by(["derive", "2-1", "--param", "w1_11"])


def test_ctrl_c_while_the_stages_load_is_one_line(monkeypatch, capsys) -> None:
    from symbackprop.cli import app

    def interrupted(name: str, package: str | None = None) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(app.importlib, "import_module", interrupted)
    assert app.main(["verify", "2-2-1", "--param", "w2_11", "--formula", "x1"]) == 130
    assert capsys.readouterr().err == "symbackprop: interrupted\n"


def test_a_program_command_never_imports_sympy() -> None:
    # Code is read into array terms and computed with numpy: SymPy (0.2 s of start-up) and the
    # formula parser are for networks, graphs and formulas only.
    code = """
import contextlib, io, json, sys
from symbackprop.cli.app import main
with contextlib.redirect_stdout(io.StringIO()):
    for argv in (["grad", "EX", "--json"], ["check", "EX"], ["derive", "EX"]):
        main([a.replace("EX", sys.argv[1]) for a in argv])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("sympy", "lark"))))
"""
    spec = str(ROOT / "examples" / "makemore.toml")
    result = subprocess.run([sys.executable, "-c", code, spec], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
