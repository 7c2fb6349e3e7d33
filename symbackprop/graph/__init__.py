"""Stage 1, the graph: what a network *is*, before anything is derived.

The one naming scheme (:mod:`.notation`), activation functions as SymPy functions with their
derivatives (:mod:`.functions`) and their registry (:mod:`.activations`), the registry of
losses (:mod:`.losses`, each building ``L`` from outputs and targets),
the general computation graph (:mod:`.graph`), the fully connected builder (:mod:`.network`) and
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

from typing import TYPE_CHECKING

from symbackprop._lazy import lazy_exports

# Every export loads its module on first use: the array-program commands read code into
# terms (graph.terms) and never need SymPy, which the activations and networks import.
__getattr__, __dir__ = lazy_exports(__name__, {
    "Activation": ".activations", "activation_names": ".activations", "get_activation": ".activations",
    "register_activation": ".activations",
    "leaky_relu": ".functions", "relu": ".functions", "sigmoid": ".functions", "softmax": ".functions",
    "softplus": ".functions", "tanh": ".functions", "heaviside": ".functions",
    "Graph": ".graph", "Node": ".graph",
    "Loss": ".losses", "get_loss": ".losses", "loss_names": ".losses", "register_loss": ".losses",
    "Network": ".network", "mlp": ".network",
    "latex": ".printing", "plain_text": ".printing",
}, globals())

if TYPE_CHECKING:
    from .activations import Activation, activation_names, get_activation, register_activation
    from .functions import leaky_relu, relu, sigmoid, softmax, softplus, tanh
    from .functions import step as heaviside
    from .graph import Graph, Node
    from .losses import Loss, get_loss, loss_names, register_loss
    from .network import Network, mlp
    from .printing import latex, plain_text

__all__ = [
    "Graph", "Node", "Network", "mlp",
    "Activation", "activation_names", "get_activation", "register_activation",
    "Loss", "get_loss", "loss_names", "register_loss",
    "heaviside", "leaky_relu", "relu", "sigmoid", "softmax", "softplus", "tanh",
    "latex", "plain_text",
]
