"""symbackprop: backpropagation derived symbolically, printed like a textbook, and proved.

>>> import symbackprop as sbp
>>> net = sbp.mlp([2, 2, 2], activation="sigmoid", loss="squared")
>>> bp = sbp.derive(net)
>>> bp["w1_11"].delta_form
\\delta^{(1)}_{1}*x_{1}
>>> sbp.verify(net, "w2_11", r"(a^{(2)}_1 - y_1) a^{(2)}_1 (1 - a^{(2)}_1) a^{(1)}_1").status
'correct'
>>> sbp.verify(net, "w2_11", r"(a^{(2)}_1 - y_1) a^{(1)}_1").diagnosis.kind
'missing_activation_derivative'

"""

# Stages, in the order data flows through them (each imports only those before it): the
# graph, reading specs and formulas, the chain rule, numbers, and what people read.
# isort: off
import importlib
import sys
import types
from typing import TYPE_CHECKING

from .errors import (
    DataError,
    FormulaError,
    GraphError,
    NotDifferentiableError,
    NumericalError,
    SpecError,
    SymbackpropError,
    TooLargeError,
)

# Every stage loads on first use of one of its names (SymPy with the graph, lark with the
# reader, numpy with the numbers), so ``import symbackprop`` and a command that needs only
# some stages pay for those alone, and Ctrl-C while they load is the command line's to catch.
_LATER_STAGES = {
    "graph": (
        "Activation", "Graph", "Loss", "Network", "Node", "activation_names", "get_activation", "get_loss",
        "heaviside", "latex", "leaky_relu", "loss_names", "mlp", "plain_text", "register_activation",
        "register_loss", "relu", "sigmoid", "softmax", "softplus", "tanh",
    ),
    "read": ("EXAMPLE", "Spec", "Values", "graph_from_spec", "load_spec", "parse_formula"),
    "derive": (
        "Backprop", "Delta", "Derivation", "Factor", "LayerRule", "Path", "Program", "Proof", "VectorForm",
        "backward", "derive", "forward", "gradients", "program", "prove", "prove_all", "vector_form",
    ),
    "numeric": (
        "DirectionalReport", "FitResult", "GradcheckError", "GradcheckReport", "GradcheckRow",
        "NumericNetwork", "VectorFunctions", "VectorProof", "check_gradients", "compile_network",
        "compile_vector", "directional_check", "fit", "init_params", "load_csv",
        "prove_vector_form", "step",
    ),
    "verify": ("MISTAKES", "STATUSES", "Counterexample", "Diagnosis", "Verdict", "verify"),
    "sheet": ("Sheet", "UnknownLatexError", "build_sheet"),
}
_STAGE_OF = {name: stage for stage, names in _LATER_STAGES.items() for name in names}

if TYPE_CHECKING:  # what type checkers and editors read: the same names, imported eagerly
    from .graph import (
        Activation,
        Graph,
        Loss,
        Network,
        Node,
        activation_names,
        get_activation,
        get_loss,
        heaviside,
        latex,
        leaky_relu,
        loss_names,
        mlp,
        plain_text,
        register_activation,
        register_loss,
        relu,
        sigmoid,
        softmax,
        softplus,
        tanh,
    )
    from .read import EXAMPLE, Spec, Values, graph_from_spec, load_spec, parse_formula
    from .derive import (
        Backprop,
        Delta,
        Derivation,
        Factor,
        LayerRule,
        Path,
        Program,
        Proof,
        VectorForm,
        backward,
        derive,
        forward,
        gradients,
        program,
        prove,
        prove_all,
        vector_form,
    )
    from .numeric import (
        DirectionalReport,
        FitResult,
        GradcheckError,
        GradcheckReport,
        GradcheckRow,
        NumericNetwork,
        VectorFunctions,
        VectorProof,
        check_gradients,
        compile_network,
        compile_vector,
        directional_check,
        fit,
        init_params,
        load_csv,
        prove_vector_form,
        step,
    )
    from .verify import MISTAKES, STATUSES, Counterexample, Diagnosis, Verdict, verify
    from .sheet import Sheet, UnknownLatexError, build_sheet
# isort: on

__version__ = "0.3.0"

__all__ = [
    # rules
    "Activation", "activation_names", "get_activation", "register_activation",
    "Loss", "get_loss", "loss_names", "register_loss",
    "heaviside", "leaky_relu", "relu", "sigmoid", "softmax", "softplus", "tanh",
    # graphs and networks
    "Graph", "Node", "Network", "mlp", "graph_from_spec",
    "EXAMPLE", "Spec", "Values", "load_spec",
    # derivation and proof
    "Backprop", "Delta", "Derivation", "Factor", "Path", "derive",
    "Proof", "prove", "prove_all",
    "VectorForm", "LayerRule", "vector_form", "VectorProof", "prove_vector_form",
    "program", "Program",
    # numbers
    "backward", "forward", "gradients",
    "compile_network", "NumericNetwork", "compile_vector", "VectorFunctions",
    "check_gradients", "GradcheckReport", "GradcheckRow", "GradcheckError",
    "directional_check", "DirectionalReport",
    "step", "fit", "FitResult", "init_params", "load_csv",
    # reading and checking by people
    "latex", "plain_text", "build_sheet", "Sheet", "UnknownLatexError",
    "parse_formula", "FormulaError", "verify", "Verdict", "Counterexample", "STATUSES",
    "Diagnosis", "MISTAKES",
    # errors
    "SymbackpropError", "SpecError", "GraphError", "NotDifferentiableError", "TooLargeError",
    "DataError", "NumericalError",
]


def __getattr__(name: str) -> object:
    """A later stage's export, importing its stage on first use (PEP 562)."""
    stage = _STAGE_OF.get(name)
    if stage is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{stage}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _bind(stage: types.ModuleType) -> None:
    # Only what the stage already holds: a stage's own lazy names (the vector form, proofs)
    # load when asked for, through __getattr__ above.
    held = vars(stage)
    for exported in _LATER_STAGES[stage.__name__.rpartition(".")[2]]:
        if exported in held:
            globals()[exported] = held[exported]


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: object) -> None:
        # Importing a stage binds the submodule to the package under the stage's name; for
        # ``verify`` that name is the function the package exports, which must win, as it did
        # when every stage was imported eagerly.
        if name in _LATER_STAGES and isinstance(value, types.ModuleType):
            _bind(value)
            if name in _STAGE_OF:
                return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


#: The notebook display of each value, by the ``(module, class)`` Jupyter looks a type up by:
#: a function of :mod:`symbackprop.sheet.display` returning a sheet.  Registered by name, so
#: neither the values nor ``import symbackprop`` load the sheet code until one is shown.
_DISPLAYS = {
    ("symbackprop.graph.network", "Network"): "network_display",
    ("symbackprop.graph.graph", "Graph"): "graph_display",
    ("symbackprop.derive.backprop", "Derivation"): "derivation_display",
    ("symbackprop.derive.backprop", "Backprop"): "backprop_display",
}


def _display(function: str, mime: str, value: object) -> str | None:
    sheet = getattr(importlib.import_module(f"{__name__}.sheet.display"), function)(value)
    return sheet._repr_html_() if mime == "text/html" else sheet._repr_markdown_()


def load_ipython_extension(ipython: object) -> None:
    """Register the notebook displays of networks, graphs, derivations and backpropagations
    (done on ``import symbackprop`` inside IPython; ``%load_ext symbackprop`` does it again)."""
    import functools

    formatters = ipython.display_formatter.formatters  # type: ignore[attr-defined]
    for mime in ("text/html", "text/markdown"):
        for (module, cls), function in _DISPLAYS.items():
            formatters[mime].for_type_by_name(module, cls, functools.partial(_display, function, mime))


def _in_ipython() -> object | None:
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None


if _in_ipython() is not None:
    load_ipython_extension(_in_ipython())
