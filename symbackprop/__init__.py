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

# Stages, in the order data flows through them: symbols and rules, the graph, the chain
# rule, checks, numbers, and finally what people read (sheets, verdicts).
from .activations import Activation, activation_names, get_activation, register_activation
from .checker import GradcheckError, GradcheckReport, GradcheckRow, check_gradients
from .derive import Backprop, Delta, Derivation, Factor, Path, derive
from .diagnose import MISTAKES, Diagnosis
from .errors import (
    GraphError,
    NotDifferentiableError,
    SpecError,
    SymbackpropError,
    TooLargeError,
)
from .evaluate import backward, forward, gradients
from .functions import leaky_relu, relu, sigmoid, softmax, softplus, tanh
from .functions import step as heaviside
from .graph import Graph, Node
from .graphspec import graph_from_spec
from .losses import Loss, get_loss, loss_names, register_loss
from .mlp import Network, mlp
from .numeric import DataError, NumericalError, NumericNetwork, compile_network
from .parser import FormulaError, parse_formula
from .printing import latex, plain_text
from .proof import Proof, prove, prove_all
from .render_html import UnknownLatexError
from .sheet import build_sheet
from .sheet_model import Sheet
from .spec import EXAMPLE, Spec, Values, load_spec
from .train import FitResult, fit, init_params, step
from .data import load_csv
from .vector import LayerRule, VectorForm, vector_form
from .vector_check import DirectionalReport, directional_check
from .vector_numeric import VectorFunctions, compile_vector
from .vector_proof import VectorProof, prove_vector_form
from .verify import STATUSES, Counterexample, Verdict, verify

__version__ = "0.1.0"

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
