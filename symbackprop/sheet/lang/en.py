"""English: every phrase of a sheet's prose.

Fields in braces are filled in by the section builders: numbers already formatted, and
inline math (``{name}``) as math.  A noun entry ``"n.<noun>"`` is ``"one|many"``.
"""

PHRASES: dict[str, str] = {
    # nouns, for counts
    "n.node": "node|nodes", "n.input": "input|inputs", "n.target": "target|targets",
    "n.parameter": "parameter|parameters", "n.weight": "weight|weights", "n.bias": "bias|biases",
    "n.path": "path|paths", "n.leaf": "leaf|leaves", "n.signal": "further error signal|further error signals",
    "and": " and ", "loss": "loss", "output": "output", "mean": "mean", "sum": "sum",
    # the network or graph
    "sec.graph": "The graph",
    "graph.about": "A computation graph of {nodes} with {leaves}; its output is {out}.",
    "graph.no_leaves": "no leaves", "graph.leaves_end": ".",
    "graph.leaves_only": " The sheet differentiates {out} with respect to each of its leaves, ",
    "sec.network": "The network",
    "net.about": "The network is a {describe}, with {params}.",
    "net.head.layer": "Layer", "net.head.neurons": "Neurons", "net.head.activation": "Activation",
    "net.head.parameters": "Parameters",
    "net.input": "0 (input)", "net.inputs": " inputs", "net.none": "none",
    "net.hidden": "{l} (hidden)", "net.output": "{l} (output)",
    "net.loss": "Loss: {loss} ({name}).",
    "net.notation": "Notation: {w} is the weight from neuron {i} of layer {lm1} to neuron {j} of layer {l}; "
                    "{z} is the weighted input, {a} the activation ({a0}), and {delta} the error signal.",
    # forward pass, output
    "sec.forward": "Forward pass",
    "fwd.each_layer": "Each layer, for every neuron {j}:",
    "fwd.every_node_numbers": "Every node, and its value for the given numbers:",
    "fwd.every_node": "Every node:",
    "fwd.not_listed": "The {n} node definitions are not listed (over {limit} nodes).",
    "sec.loss": "Loss", "sec.output": "Output",
    # the δ recursion
    "sec.deltas": "The {delta} recursion",
    "delta.intro": "The error signal of a node is the derivative of the {word} with respect to it. Each is "
                   "computed once, from the error signals after it, and shared by every {who} before it:",
    "delta.who.leaf": "leaf", "delta.who.parameter": "parameter",
    "delta.layers": "Output layer (neuron 1 shown, the others alike), then each hidden layer from the one "
                    "after it, and the gradients of the weights and biases:",
    "delta.with": "with ",
    "delta.iverson": ", where {bracket} is 1 when {kj} and 0 otherwise",
    "delta.every_network": "Every error signal of this network, output layer first:",
    "delta.every_graph": "Every error signal, from the output back:",
    "delta.broken": "the targets break this assumption, so the full chain rule:",
    "delta.using": "(using ",
    # gradients
    "sec.gradients": "Gradients",
    "grad.which.worked": "One parameter of every layer, output layer first",
    "grad.which.leaf": "For each leaf", "grad.which.parameter": "For each parameter",
    "grad.intro": "{which}: the chain rule as a sum over paths, each factor worked out, the {delta} form, "
                  "the expanded formula{numbers}, and how it was checked.",
    "grad.intro.numbers": ", the worked numbers",
    "par.weight": "{name} is the weight from {src} to neuron {j} of layer {l}.",
    "par.from_input": "input {i}", "par.from_neuron": "neuron {i} of layer {l}",
    "par.bias": "{name} is the bias of neuron {j} of layer {l}.",
    "par.reaches": " It reaches the loss along {ways}.",
    "par.reaches_leaf": "{name} reaches the {word} along {ways}.",
    "par.chain": "Chain rule, one product of partial derivatives per path:",
    "par.factors": "Each factor worked out:",
    "par.so": "So:",
    "par.many_paths": "{n} paths lead from {name} to the {word}, too many to list (over {limit}). "
                      "Each is a product like this one:",
    "par.direct": "{out} reads {name} directly, so the chain rule has a single factor:",
    "par.with_deltas": "With the error signals {delta}, which hold these sums once for all {who}:",
    "par.more_deltas": "{signals} follow the recursion above (too many or too long to print here).",
    "par.no_expand": "Expanded form not requested.",
    "par.too_big": "The expanded form ({leaves} only) would have {size} terms, over "
                   "the sheet's limit of {limit}; the {delta} form above is the same derivative with the "
                   "intermediate quantities kept as symbols.",
    "par.about": "about {n}", "par.over": "over {n}",
    "par.too_wide": "The expanded form (about {size} terms) does not fit on a page: one function call in it "
                    "alone is wider than a line. The {delta} form above is the same derivative with the "
                    "intermediate quantities kept as symbols.",
    "par.expanded": "Expanded, in {leaves} only:",
    "par.expanded.folded": "Expanded, in {leaves} only ({rows} lines)",
    "par.expanded.pointer": "The expanded form, in {leaves} only, runs to {rows} lines and is left out of this "
                            "sheet; the full sheet ({command}) prints it.",
    "par.numbers": "With the numbers:",
    "par.path": "path {k}",
    "par.path_overflow": "Along the paths, a factor at these numbers is beyond float64's range (a prediction "
                         "rounds to exactly 0 or 1, so {factor} overflows); the {delta} form below computes the "
                         "same derivative through stable forms.",
    "par.step": "One gradient-descent step with learning rate {eta}:",
    # the stamp
    "stamp.two_ways": "Checked two ways: {first}; and nudging {name} a millionth up and down changes {out} "
                      "at the rate {rate}, {verdict}.",
    "stamp.one_way": "Checked: {first}.",
    "stamp.symbolic": "the formula above is exactly what SymPy gets by differentiating the whole {out} "
                      "with respect to {name} in one go",
    "stamp.point": "the formula above gives the same number as differentiating the whole {out} directly, "
                   "computed exactly at random points",
    "stamp.agrees": "as the gradient says", "stamp.disagrees": "NOT the rate the gradient says",
    "stamp.refuted": "The formula above does NOT match differentiating the whole {out} directly.",
    "stamp.too_big": "Not verified on this sheet: the graph has {n} nodes (proofs are run here up to "
                     "{limit}); use symbackprop.prove(graph, {name}) in Python.",
    "stamp.proved": "Proved ({route}): {detail}.", "stamp.refuted_detail": "REFUTED ({route}): {detail}.",
    "stamp.route.symbolic": "symbolic", "stamp.route.point": "exact point evaluation",
    "stamp.fd": "Finite differences (central, float64, step {step}): {fd}, relative error {err} "
                "({within} the tolerance: relative {rtol} or absolute {atol}).",
    "stamp.within": "within", "stamp.outside": "OUTSIDE",
    "mark.ok": "Verified.", "mark.bad": "NOT VERIFIED.", "mark.none": "Not checked.",
    "stamp.more": "How exactly",
    # the summary
    "sec.summary": "Every gradient at a glance",
    "sum.intro.step": "Every gradient, its value, and the parameter after one gradient-descent step {rule} "
                      "with {eta}:",
    "sum.intro.values": "Every gradient and its value:", "sum.intro": "Every gradient:",
    "sum.value": "Value", "sum.after": "After one step",
    "sum.left_out": "{n} of the {total} rows are left out; every one has the same form as the rows of its layer.",
    "sum.falls": "Recomputed with every parameter updated, the {word} falls from {before} to {after}.",
    "sum.not_falls": "Recomputed with every parameter updated, the {word} does not fall from {before} to {after}.",
    "sum.falls_both": "Recomputed with every parameter updated, the {word} falls from {before} to {after}; with the "
                      "weights alone (biases kept), it is {only}{published}.",
    "sum.not_falls_both": "Recomputed with every parameter updated, the {word} does not fall from {before} to "
                          "{after}; with the weights alone (biases kept), it is {only}{published}.",
    "sum.published": ", where {source} prints {published}",
    # vector form
    "sec.vector": "Vector form",
    "vec.intro": "The same derivation written for whole layers, as textbooks end it: bold letters are "
                 "column vectors, {W} the weight matrix (row j, column i), {odot} the elementwise product. "
                 "Every entry equals the scalar derivation above.",
    "vec.batch": "For a batch of m samples, one column each ({X}, {Y}), with the {reduce} of the per-sample losses:",
    "vec.code": "The backward pass of the batch in {language}, as {command} writes it, beside the "
                "equation each line computes; the code keeps examples in rows, so {dZ} holds the transpose of "
                "{Delta} (over {m} for a mean), {dW} and {db} hold the gradients themselves:",
    # cost
    "sec.cost": "Cost: why backpropagation",
    "cost.intro": "The gradient of all {params} parameters of this network needs {paths} chain-rule paths. "
                  "Path by path, each product is computed on its own; backpropagation computes each error "
                  "signal once and reuses it. Counting local partials as known numbers, a partial equal to 1 "
                  "as free, and a product of k numbers as k - 1 multiplications:",
    "cost.route": "Route", "cost.mults": "Multiplications",
    "cost.separate": "each parameter separately, every path product on its own",
    "cost.backprop": "backpropagation, each {delta} computed once and shared",
    "cost.ratio": "Backpropagation needs {ratio} times fewer multiplications: paths multiply with depth, "
                  "connections only add.",
    # what was left out
    "sec.omitted": "Left out",
    "omit.params": "{n} of the {total} parameters have no section of their own (choose them with params= or "
                   "--params); every one follows the δ recursion shown.",
    "omit.leaves": "{n} of the {total} leaves have no section of their own (choose them with params= or --params); "
                   "every one follows the δ recursion shown.",
    "omit.first_sample": "The numbers are those of the first of the {n} samples.",
    "omit.step": "The gradient-descent step is left out: it uses the gradient of the loss over all {n} samples "
                 "(symbackprop grad prints it).",
    "omit.small": "Node and error-signal definitions are listed only up to {limit} nodes (this graph has {n}).",
    # pictures
    "pic.paths": "Every path from the highlighted parameter to the loss.",
    "pic.network": "The network: inputs on the left, outputs on the right.",
    "pic.elided": " Large layers are drawn elided.",
    "pic.values": " Every connection carries its weight, and the bias unit's its bias.",
    "pic.circuit": "Each gate shows its operation; on every wire, the forward value above (green) and the gradient of the output flowing back below (red).",
    "pic.head.input": "input", "pic.head.output": "output", "pic.head.layer": "layer {l}",
    "pic.elsewhere": " (The picture is drawn in the HTML and LaTeX sheets.)",
    "pic.elsewhere_circuit": " (The circuit is drawn in the HTML and LaTeX sheets.)",
    "contents": "Contents:",

    # array programs
    "n.line": "line|lines", "n.float_array": "float array|float arrays",
    "n.int_array": "integer array|integer arrays", "n.constant": "constant|constants",
    "prog.sec.program": "The program", "prog.sec.forward": "Forward pass",
    "prog.sec.backward": "Backward pass, output first", "prog.sec.numbers": "Worked numbers",
    "prog.sec.check": "Check",
    "prog.about": "The forward pass is read from code, never run: {lines} reading {floats} ({numbers} numbers, "
                  "each of which gets a gradient), {ints} and {consts}. The loss is {loss}.",
    "prog.kind.data": "float array (no gradient)",
    "prog.kind.float": "float array (gets a gradient)", "prog.kind.int": "integers in [0, {bound})",
    "prog.kind.const": "constant {value}",
    "prog.head.name": "Name", "prog.head.kind": "Kind", "prog.head.shape": "Shape", "prog.head.line": "Line",
    "prog.head.code": "Code", "prog.head.math": "Matrix calculus", "prog.head.value": "Value",
    "prog.head.gradient": "Gradient", "prog.head.norm": "‖gradient‖",
    "prog.forward.intro": "Each line as written, in matrix calculus, and the shape of its result:",
    "prog.backward.intro": "Reverse accumulation, one forward line at a time from the loss back: each line passes the "
                           "gradient of its result on to every input it reads, {n} backward lines in all. A name "
                           "read by several lines collects one term from each (+=).",
    "prog.backward.legend": "{bar} is the gradient of the loss with respect to X and has X's shape; {odot} is the "
                            "elementwise product (broadcast as NumPy does), a product without a sign the matrix "
                            "product, and {ones} a vector of ones.",
    "prog.line": "Line {n}:",
    "prog.note.sum": "The {op} over {axes} becomes a broadcast back over {axes} in the gradient.",
    "prog.note.broadcast": "{name} is broadcast over {axes} here, so its gradient is summed over {axes}.",
    "prog.note.gather": "This line picks entries of {name}: its gradient is scattered back into zeros of {name}'s "
                        "shape, adding up where an entry is picked more than once.",
    "prog.op.sum": "sum", "prog.op.mean": "mean",
    "prog.axes.all": "every axis", "prog.axes.one": "axis {k}", "prog.axes.many": "axes {ks}",
    "prog.paths": "{name} reaches the loss along {n} paths, through {lines}: its gradient is the sum of one term "
                  "from each.",
    "prog.numbers.intro": "At {source}: {loss}. Each array's first entries and those of its gradient:",
    "prog.values.spec": "the spec's values", "prog.values.seed": "numbers drawn with seed {seed}",
    "prog.check.line": "Every derived gradient agrees with central differences on all {entries} entries of the {leaves}.",
    "prog.check.detail": "Step {eps}·max(1, |θ|) per entry; passes when |numeric − derived| ≤ {atol} + {rtol}·|numeric|; "
                         "largest difference {worst}.",
    "prog.check.ok": "Verified.", "prog.check.bad": "A derived gradient disagrees with finite differences.",
    "prog.check.more": "How it was checked",
    "prog.sec.fused": "Fused formulas",
    "prog.fused.intro": "Some spans of the forward pass are one block whose backward lines collapse into one formula. "
                        "It is found by naming what the code spells out (a mean, a variance, a softmax, cross "
                        "entropy) and differentiating that, and it is proven equal to the lines it replaces. "
                        "{command} fuses any span.",
    "prog.fused.lines": "The span {span} ({rule}) replaces {n} of the forward pass and {m} of the backward pass, "
                        "giving {start} from {end} in one formula:",
    "prog.fused.vanish": "On the way, {names} is 0 identically: what flows through it changes no gradient.",
    "prog.fused.proof": "Proven equal to the unfused backward lines symbolically, in each of the {entries} entries of "
                        "the gradient at small shapes.",
    "prog.fused.proof.detail": "Every entry of every array a SymPy symbol, at {shapes}; the difference simplifies to 0.",
    "prog.fused.disproof": "Symbolically, the formula differs from the unfused backward lines at small shapes ({shapes}).",
    "prog.fused.unproven": "Not proven symbolically: {reason}.",
    "prog.fused.check": "Equal to the unfused backward lines at this sheet's numbers, in all {entries} entries.",
    "prog.fused.miss": "Not equal to the unfused backward lines at this sheet's numbers (largest difference {worst}).",
    "prog.fused.check.detail": "Passes when |fused − unfused| ≤ {atol} + {rtol}·|unfused| in every entry; "
                               "largest difference {worst}.",
    "prog.fused.bad": "The fused formula disagrees with the unfused lines.",
    # what a proof compared (the stamp's detail)
    "proof.symbolic": "the expanded chain rule equals sympy.diff of the composed output, and a 60-digit central "
                      "difference at a random point",
    "proof.rule": "the expanded chain rule equals sympy.diff of the composed output, but a 60-digit central "
                  "difference disagrees: a function's derivative rule (fdiff) is wrong",
    "proof.points": "{negation}δ-recursion value equals the derivative of a one-variable forward pass, and a 60-digit "
                    "central difference, at {n} random rational point(s) {arithmetic}",
    "proof.points-fd": "{negation}δ-recursion value equals the central difference (step 1e-25) at {n} random rational "
                       "point(s) {arithmetic}",
    "proof.cancel": "expansion did not cancel; {rest}", "proof.not": "NOT: ",
    "proof.exact": "(exact rational arithmetic)", "proof.digits": "({digits}-digit arithmetic)",
    # titles, the network's description, and the registry's activations and losses
    "title.network": "A {describe}", "title.example": "A {layers} {acts} network, worked by hand",
    "title.graph": "A computation graph",
    "net.describe": "{layers} {acts} network, {loss} loss",
    # In words, as a textbook names them (the registry's identifiers are for specs and code).
    "act.identity": "identity", "act.sigmoid": "sigmoid", "act.tanh": "tanh", "act.relu": "ReLU",
    "act.leaky_relu": "leaky ReLU", "act.softplus": "softplus", "act.softmax": "softmax",
    "loss.squared": "squared", "loss.sse": "sum-of-squares", "loss.mse": "mean squared error",
    "loss.cross_entropy": "cross-entropy", "loss.binary_cross_entropy": "binary cross-entropy",
    "loss.output": "output",
    # how a fused formula was found (derive.fuse's words), by those words
    "rule.softmax with cross entropy": "softmax with cross entropy", "rule.log-softmax": "log-softmax",
    "rule.softmax": "softmax", "rule.log-sum-exp": "log-sum-exp", "rule.batch normalisation": "batch normalisation",
    "rule.layer normalisation": "layer normalisation", "rule.the lines composed": "the lines composed",
}
