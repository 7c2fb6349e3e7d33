"""The vector (matrix) form of a layered network, derived from its layer rules.

SymPy's matrix calculus cannot differentiate ``σ(Wx + b)`` (an elementwise function of a
matrix expression), so the form is derived the way a textbook does it, one layer rule at a
time, from the same registry entries the scalar derivation uses:

* ``f'`` of each layer is ``sympy.diff`` of the activation (its ``fdiff``) at a generic
  ``z``, written with ``a = f(z)`` where it appears (``σ' = a(1 - a)``);
* ``∇_a L`` is ``sympy.diff`` of the loss of one sample by each output;
* the output δ is ``∇_a L ⊙ f'(z)`` (``J_f(z)ᵀ ∇_a L`` for a coupled activation such as
  softmax, whose Jacobian ``diag(a) - a aᵀ`` is derived from ``fdiff`` and checked), and is
  replaced by ``a - y`` when that is proved equal (softmax with cross entropy under
  ``Σ_k y_k = 1``, sigmoid with binary cross entropy).

The explicit matrices (:meth:`VectorForm.delta_rule`, :meth:`VectorForm.weight_gradient`...)
are built in the network's own scalar symbols, so :mod:`symbackprop.numeric.vector_proof` can compare
every entry with the scalar derivation.

>>> from symbackprop.graph.network import mlp
>>> vf = vector_form(mlp([2, 3, 2], activation=["sigmoid", "softmax"], loss="cross_entropy"))
>>> vf.output_rule, vf.constraint
('a - y', '\\\\sum_k y_k = 1')
>>> vf.rules[0].derivative
alpha*(1 - alpha)
>>> vf.weight_gradient(2)[0, 1]
\\delta^{(2)}_{1}*a^{(1)}_{2}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symbackprop.errors import GraphError
from symbackprop.graph import Activation, Graph, Network
from symbackprop.graph import notation as n
from symbackprop.graph.layered_program import layered_program

from .layer_rules import ALPHA, ETA, LayerRule, T
from .programs import Program
from .vector_latex import aligned, vector_latex_lines

__all__ = ["VectorForm", "vector_form"]


@dataclass(frozen=True, eq=False)
class VectorForm:
    """The matrix form of a layered network's backpropagation, built once by :func:`vector_form`.

    Attributes:
        network: the network it was derived for.
        rules: one :class:`LayerRule` per non-input layer.
        loss_gradient: ``∂L/∂a^{(L)}_k`` for each output ``k`` (scalar symbols).
        output_delta: ``δ^{(L)}_k`` per the chosen :attr:`output_rule` (scalar symbols).
        output_rule: a key of :data:`~symbackprop.derive.layer_rules.OUTPUT_RULES`.
        constraint: the target constraint the output δ relies on, if any.
        gradient_entry: ``∂L/∂a_k`` in ``alpha``, ``eta`` when it has the same form for every
            ``k`` (so it can be applied to a whole matrix), else ``None``.
        output_entry: ``δ^{(L)}_k`` in ``t``, ``alpha``, ``eta`` when uniform, else ``None``.
    """

    network: Network = field(repr=False)
    rules: tuple[LayerRule, ...]
    loss_gradient: tuple[sp.Expr, ...]
    output_delta: tuple[sp.Expr, ...]
    output_rule: str
    constraint: str | None
    gradient_entry: sp.Expr | None
    output_entry: sp.Expr | None

    @property
    def depth(self) -> int:
        return len(self.rules)

    @property
    def reduction(self) -> str:
        return self.network.reduction

    # ----- explicit matrices in the network's scalar symbols (small networks)
    def W(self, l: int) -> sp.Matrix:
        """``W^{(l)}`` with entries ``w^{(l)}_{ji}`` (row ``j``, column ``i``)."""
        return sp.Matrix(self.network.W[self._layer(l)])

    def b(self, l: int) -> sp.Matrix:
        """``b^{(l)}`` as a column (zeros when the layer has no bias)."""
        net = self.network
        return sp.Matrix(net.b[l]) if net.b[self._layer(l)] else sp.zeros(net.layers[l], 1)

    def z(self, l: int) -> sp.Matrix:
        return sp.Matrix(self.network.z[self._layer(l)])

    def a(self, l: int) -> sp.Matrix:
        """``a^{(l)}`` as a column; ``a^{(0)} = x``."""
        if l == 0:
            return sp.Matrix(self.network.x)
        return sp.Matrix(self.network.a[self._layer(l)])

    def delta(self, l: int) -> sp.Matrix:
        """The column of δ symbols ``δ^{(l)}_j``."""
        return sp.Matrix([n.delta(self._layer(l), j) for j in range(1, self.network.layers[l] + 1)])

    def pre_activation(self, l: int) -> sp.Matrix:
        """``W^{(l)} a^{(l-1)} + b^{(l)}``, multiplied out."""
        return self.W(l) * self.a(l - 1) + self.b(l)

    def activation(self, l: int) -> sp.Matrix:
        """``f(z^{(l)})`` applied by the registry entry to the column ``z^{(l)}``."""
        return sp.Matrix(self.rules[l - 1].activation.layer(tuple(self.z(l))))

    def derivative(self, l: int) -> sp.Matrix:
        """``f'(z^{(l)})`` as a column, in ``z`` and ``a`` symbols (elementwise layers)."""
        rule = self.rules[self._layer(l) - 1]
        if rule.derivative is None:
            raise GraphError(f"layer {l}: {rule.activation.name} is coupled; use jacobian({l})")
        return sp.Matrix([rule.derivative.xreplace({T: zj, ALPHA: aj})
                          for zj, aj in zip(self.z(l), self.a(l))])

    def jacobian(self, l: int) -> sp.Matrix:
        """``∂a^{(l)}/∂z^{(l)}`` (rows ``a_k``, columns ``z_j``) in ``a`` symbols."""
        rule = self.rules[self._layer(l) - 1]
        a = self.a(l)
        if rule.coupled:
            return sp.diag(*a) - a * a.T
        return sp.diag(*self.derivative(l))

    def delta_rule(self, l: int) -> sp.Matrix:
        """``δ^{(l)}`` from the vector rule, in the δ symbols of layer ``l+1``."""
        if self._layer(l) == self.depth:
            return sp.Matrix(self.output_delta)
        back = self.W(l + 1).T * self.delta(l + 1)
        if self.rules[l - 1].coupled:
            return self.jacobian(l).T * back
        return back.multiply_elementwise(self.derivative(l))

    def weight_gradient(self, l: int) -> sp.Matrix:
        """``∂L/∂W^{(l)} = δ^{(l)} (a^{(l-1)})ᵀ``."""
        return self.delta(l) * self.a(l - 1).T

    def bias_gradient(self, l: int) -> sp.Matrix:
        """``∂L/∂b^{(l)} = δ^{(l)}``."""
        return self.delta(l)

    def program(self, batch: int = 4, *, inputs: bool = True) -> Program:
        """The network as an array program on ``batch`` examples (rows), with its derived
        backward pass: the machine its numbers, generated code and code verdicts come from
        (:func:`~symbackprop.graph.layered_program.layered_program`)."""
        return Program(layered_program(self.network, batch=batch, inputs=inputs))

    def chain_delta(self) -> tuple[sp.Expr, ...]:
        """The output δ by the chain rule alone, valid for any targets (:attr:`output_delta`
        may rely on :attr:`constraint`); divisions by ``a`` cancelled, so it stays finite
        where an output underflows to 0 (``a_j Σ_{k≠j} y_k − y_j (1 − a_j)`` for softmax)."""
        entries, _ = _chain_delta(self.network, self.rules[-1], self.loss_gradient)
        return tuple(sp.expand(sp.cancel(sp.together(e))) for e in entries)

    def _layer(self, l: int) -> int:
        if not isinstance(l, int) or not 1 <= l <= self.depth:
            raise GraphError(f"layer: expected an integer in 1..{self.depth}, received {l!r}")
        return l

    # ----- output
    def latex_lines(self, *, batch: bool = True) -> list[str]:
        """The vector form as LaTeX equations (``lhs = rhs``, no alignment marks), in sheet order.

        This is the section the derivation sheets include: per sample (bold vectors, ``\\odot``)
        and, with ``batch``, for ``m`` samples as matrix columns.  Needs ``amsmath``.
        """
        return vector_latex_lines(self, batch=batch)

    def latex(self, *, batch: bool = True) -> str:
        """:meth:`latex_lines` in one ``aligned`` block."""
        return aligned(self.latex_lines(batch=batch))

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.latex() + "$"

    def __repr__(self) -> str:
        return f"<VectorForm of {self.network.describe()}: output δ by {self.output_rule!r}>"


def vector_form(graph: Graph) -> VectorForm:
    """Derive the matrix form of a layered network's backpropagation.

    Args:
        graph: a :class:`~symbackprop.graph.network.Network` built by :func:`~symbackprop.graph.network.mlp`.

    Returns:
        The :class:`VectorForm`; its cost does not grow with the number of weights.

    Raises:
        GraphError: the graph is not layered; the message names the node that breaks the
            layer structure.

    >>> from symbackprop.graph.network import mlp
    >>> vector_form(mlp([2, 2, 1], loss="squared")).output_delta
    (a^{(2)}_{1}*(1 - a^{(2)}_{1})*(a^{(2)}_{1} - y_{1}),)
    """
    net = check_layered(graph)
    rules = tuple(_layer_rule(net, l) for l in range(1, net.depth + 1))
    a_out, y = net.a[net.depth], net.y
    loss_expr = net.loss.build(a_out, y)
    grad = tuple(sp.diff(loss_expr, ak) for ak in a_out)
    generic, rule = _chain_delta(net, rules[-1], grad)
    constraint = _distribution(net)
    simple = tuple(ak - yk for ak, yk in zip(a_out, y)) if y else ()
    if simple and all(_equal(g, s, constraint) for g, s in zip(generic, simple)):
        uses = constraint is not None and not all(_equal(g, s, None) for g, s in zip(generic, simple))
        generic, rule, note = simple, "a - y", (r"\sum_k y_k = 1" if uses else None)
    else:
        note = None
    zs = net.z[net.depth]
    return VectorForm(
        network=net, rules=rules, loss_gradient=grad, output_delta=generic, output_rule=rule,
        constraint=note, gradient_entry=_uniform(grad, a_out, y, ()),
        output_entry=_uniform(generic, a_out, y, zs),
    )


def _chain_delta(net: Network, last: LayerRule, grad: tuple[sp.Expr, ...]) -> tuple[tuple[sp.Expr, ...], str]:
    """The output δ by the chain rule, before any ``a − y`` simplification, and its rule."""
    a_out = net.a[net.depth]
    if last.coupled:
        # (J^T g)_j = Σ_k a_k (δ_kj − a_j) g_k = a_j (g_j − Σ_k a_k g_k), with J from fdiff.
        total = sp.Add(*[ak * gk for ak, gk in zip(a_out, grad)])
        return tuple(aj * (gj - total) for aj, gj in zip(a_out, grad)), "jacobian"
    return tuple(gk * last.derivative.xreplace({T: zk, ALPHA: ak})
                 for gk, zk, ak in zip(grad, net.z[net.depth], a_out)), "hadamard"


def check_layered(graph: Graph) -> Network:
    """``graph`` as a :class:`Network` whose nodes follow the layer rules, or a clear error."""
    if not isinstance(graph, Network):
        culprit = next((nd for nd in graph.nodes if nd.role not in ("z", "a") or nd.layer is None),
                       graph.nodes[0] if graph.nodes else None)
        where = (f"node {culprit.symbol.name!r} ({culprit.symbol.name} := {culprit.expr}) is not a "
                 "layer's weighted sum z = W a + b or activation a = f(z)") if culprit else "it has no nodes"
        raise GraphError(
            f"vector form: expected a layered network built by mlp(), received a custom graph; {where}"
        )
    if not graph.scalar_graph_built:
        return graph  # nothing can have been added to a graph not yet made: it is its layers
    expected = {nd for l in range(1, graph.depth + 1) for nd in (*graph.z[l], *graph.a[l])}
    for nd in graph.nodes:
        if nd.symbol not in expected and nd.symbol != graph.output:
            raise GraphError(
                f"vector form: node {nd.symbol.name!r} ({nd.symbol.name} := {nd.expr}) was added to "
                "the network after it was built and is not part of any layer"
            )
        if nd.role == "z":
            allowed = {*graph.W[nd.layer][nd.index - 1], *graph.a[nd.layer - 1]}
            if graph.b[nd.layer]:
                allowed.add(graph.b[nd.layer][nd.index - 1])
            if not set(nd.parents) <= allowed:
                raise GraphError(f"vector form: node {nd.symbol.name!r} uses "
                                 f"{sorted(s.name for s in set(nd.parents) - allowed)}, outside its layer")
    return graph


def _layer_rule(net: Network, l: int) -> LayerRule:
    act = net.activations[l - 1]
    size, has_bias = net.layers[l], net.bias[l - 1]
    if act.elementwise:
        value = act.layer((T,))[0]
        derivative = sp.diff(value, T)
        if value != T and not value.is_Atom:
            derivative = derivative.xreplace({value: ALPHA})
        return LayerRule(l, size, act, has_bias, value, derivative)
    _check_softmax_like(act, l)
    return LayerRule(l, size, act, has_bias, None, None, jacobian="diag(a) - a a^T")


def _check_softmax_like(act: Activation, l: int, probe: int = 3) -> None:
    """Derive the Jacobian of a coupled activation from ``fdiff`` and confirm ``diag(a) - a aᵀ``."""
    zs = sp.symbols(f"zeta1:{probe + 1}", real=True)
    outs = act.layer(zs)
    names = sp.symbols(f"omega1:{probe + 1}", real=True)
    back = dict(zip(outs, names))
    for k in range(probe):
        for j in range(probe):
            entry = sp.diff(outs[k], zs[j]).xreplace(back)
            want = names[k] * ((1 if k == j else 0) - names[j])
            if sp.expand(entry - want) != 0:
                raise GraphError(
                    f"vector form: layer {l}'s activation {act.name!r} couples its neurons, and its "
                    f"Jacobian is not diag(a) - a aᵀ (entry ({k + 1},{j + 1}) is {entry}); only "
                    "elementwise and softmax-like activations have a vector form"
                )


def _distribution(net: Network) -> tuple[sp.Symbol, ...] | None:
    return tuple(net.y) if net.loss.target_constraint == "distribution" and net.y else None


def _equal(expr: sp.Expr, want: sp.Expr, ys: tuple[sp.Symbol, ...] | None) -> bool:
    diff = sp.cancel(sp.together(expr - want))
    if diff == 0:
        return True
    if ys:
        last = ys[-1]
        diff = sp.cancel(diff.xreplace({last: 1 - sp.Add(*ys[:-1])}))
    return diff == 0


def _uniform(
    entries: tuple[sp.Expr, ...],
    a: tuple[sp.Symbol, ...],
    y: tuple[sp.Symbol, ...],
    z: tuple[sp.Symbol, ...],
) -> sp.Expr | None:
    """The common form of ``entries[k]`` in ``alpha, eta, t``, when every ``k`` has it."""
    forms = set()
    for k, e in enumerate(entries):
        sub = {a[k]: ALPHA}
        if y:
            sub[y[k]] = ETA
        if z:
            sub[z[k]] = T
        form = e.xreplace(sub)
        if form.free_symbols - {ALPHA, ETA, T}:
            return None
        forms.add(form)
    return forms.pop() if len(forms) == 1 else None
