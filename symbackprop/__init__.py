"""symbackprop: backpropagation derived symbolically, printed like a textbook, and proved.

>>> import symbackprop as sbp
>>> net = sbp.mlp([2, 2, 2], activation="sigmoid", loss="squared")
>>> bp = sbp.derive(net)
>>> bp["w1_11"].delta_form
\\delta^{(1)}_{1}*x_{1}
"""

from .activations import Activation, activation_names, get_activation, register_activation
from .derive import Backprop, Delta, Derivation, Factor, Path, derive
from .errors import (
    GraphError,
    NotDifferentiableError,
    SpecError,
    SymbackpropError,
    TooLargeError,
)
from .evaluate import backward, forward, gradients
from .functions import leaky_relu, relu, sigmoid, softmax, softplus, step, tanh
from .graph import Graph, Node
from .losses import Loss, get_loss, loss_names, register_loss
from .mlp import Network, mlp
from .printing import latex, plain_text
from .proof import Proof, prove, prove_all
from .spec import EXAMPLE, Spec, Values, load_spec

__version__ = "0.1.0"

__all__ = [
    "Activation", "activation_names", "get_activation", "register_activation",
    "Backprop", "Delta", "Derivation", "Factor", "Path", "derive",
    "GraphError", "NotDifferentiableError", "SpecError", "SymbackpropError", "TooLargeError",
    "backward", "forward", "gradients",
    "leaky_relu", "relu", "sigmoid", "softmax", "softplus", "step", "tanh",
    "Graph", "Node",
    "Loss", "get_loss", "loss_names", "register_loss",
    "Network", "mlp",
    "latex", "plain_text",
    "Proof", "prove", "prove_all",
    "EXAMPLE", "Spec", "Values", "load_spec",
]
