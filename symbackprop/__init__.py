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
from symbackprop.graph.activations import Activation, activation_names, get_activation, register_activation
from symbackprop.numeric.checker import GradcheckError, GradcheckReport, GradcheckRow, check_gradients
from symbackprop.derive.backprop import Backprop, Delta, Derivation, Factor, Path, derive
from symbackprop.verify.diagnose import MISTAKES, Diagnosis
from symbackprop.errors import (
    GraphError,
    NotDifferentiableError,
    SpecError,
    SymbackpropError,
    TooLargeError,
)
from symbackprop.derive.evaluate import backward, forward, gradients
from symbackprop.graph.functions import leaky_relu, relu, sigmoid, softmax, softplus, tanh
from symbackprop.graph.functions import step as heaviside
from symbackprop.graph.graph import Graph, Node
from symbackprop.read.graphspec import graph_from_spec
from symbackprop.graph.losses import Loss, get_loss, loss_names, register_loss
from symbackprop.graph.mlp import Network, mlp
from symbackprop.numeric.scalar import DataError, NumericalError, NumericNetwork, compile_network
from symbackprop.read.parser import FormulaError, parse_formula
from symbackprop.graph.printing import latex, plain_text
from symbackprop.derive.proof import Proof, prove, prove_all
from symbackprop.sheet.render.html import UnknownLatexError
from symbackprop.sheet.build import build_sheet
from symbackprop.sheet.model import Sheet
from symbackprop.read.spec import EXAMPLE, Spec, Values, load_spec
from symbackprop.numeric.train import FitResult, fit, init_params, step
from symbackprop.numeric.data import load_csv
from symbackprop.derive.vector import LayerRule, VectorForm, vector_form
from symbackprop.numeric.directional import DirectionalReport, directional_check
from symbackprop.numeric.vector import VectorFunctions, compile_vector
from symbackprop.numeric.vector_proof import VectorProof, prove_vector_form
from symbackprop.verify.verifier import STATUSES, Counterexample, Verdict, verify

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
