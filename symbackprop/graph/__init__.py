"""Stage 1, the graph: what a network *is*, before anything is derived.

The one naming scheme (:mod:`.notation`), activation functions as SymPy functions with their
derivatives (:mod:`.functions`) and their registry (:mod:`.activations`), the registry of
losses (:mod:`.losses`, each building ``L`` from outputs and targets),
the general computation graph (:mod:`.graph`), the fully connected builder (:mod:`.mlp`) and
the printer of expressions in the project notation (:mod:`.printing`).  Imports nothing of
symbackprop but :mod:`symbackprop.errors`.

Exports: ``Graph``, ``Node``, ``Network``, ``mlp``; ``Activation``, ``get_activation``,
``register_activation``, ``activation_names``; ``Loss``, ``get_loss``, ``register_loss``,
``loss_names``; the functions ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``softplus``,
``softmax``, ``heaviside``; the printers ``latex`` and ``plain_text``.

>>> from symbackprop.graph import mlp, plain_text
>>> net = mlp([2, 2, 1])
>>> plain_text(net.z[1][0])
'z1_1'
"""

from .activations import Activation, activation_names, get_activation, register_activation
from .functions import leaky_relu, relu, sigmoid, softmax, softplus, tanh
from .functions import step as heaviside
from .graph import Graph, Node
from .losses import Loss, get_loss, loss_names, register_loss
from .mlp import Network, mlp
from .printing import latex, plain_text

__all__ = [
    "Graph", "Node", "Network", "mlp",
    "Activation", "activation_names", "get_activation", "register_activation",
    "Loss", "get_loss", "loss_names", "register_loss",
    "heaviside", "leaky_relu", "relu", "sigmoid", "softmax", "softplus", "tanh",
    "latex", "plain_text",
]
