'''A program's forward and backward passes as one Python module, written as a person writes it.

:func:`program_module` writes ``forward_backward(<leaves>)``, which returns ``(loss, {leaf:
gradient})``: the forward lines, then the backward lines of :mod:`.backward_code`, output
first, one per forward line and input, each commented with its shape and with the place on
the sheet that derives it, so the sheet and the code cite each other.  The module imports
numpy (or torch) and nothing else: the helpers it calls (``softmax``, ``log_softmax``, ...)
are defined in it.

Sizes a constant of the program names print as that constant (``/ n``, ``(n, 27)``), and a
constant that counts the rows of a leaf is computed from it (``n = Xb.shape[0]``), so the
module runs at any batch size; any other constant is a keyword argument with the spec's
number as its default.

>>> from symbackprop.derive.programs import program
>>> p = program("h = np.tanh(x @ W)\\nloss = (h ** 2).sum() / n", {"x": [4, 3], "W": [3, 2], "n": 4})
>>> text = program_module(p, title="A tanh layer")
>>> print(text[text.index("def forward_backward"):])
def forward_backward(x, W):
    """The loss and the gradient of every float leaf by name: ``(loss, {"x": dx, "W": dW})``.
<BLANKLINE>
    n = x.shape[0] (4 in the spec).
    """
    n = x.shape[0]
    # forward
    h = np.tanh(x @ W)       # (n, 2)
    loss = (h**2).sum() / n  # ()
    # backward, output first
    dh = 2 * h / n                # sheet: line-loss; (n, 2)
    dx = (1 - h**2) * dh @ W.T    # sheet: line-h; (n, 3)
    dW = x.T @ ((1 - h**2) * dh)  # sheet: line-h; (3, 2)
    return loss, {"x": dx, "W": dW}
<BLANKLINE>
'''

from __future__ import annotations

import keyword
from collections.abc import Callable

import sympy as sp

from symbackprop.errors import SpecError
from symbackprop.graph.array_code import NUMPY_HELPERS, TORCH_HELPERS, helpers_used, imports_used
from symbackprop.graph.activations import get_activation
from symbackprop.graph.array_program import ArrayProgram
from symbackprop.graph.scalar_code import scalar_code, scalar_helpers
from symbackprop.graph.terms import Call, Term, walk

from .array_backward import GradLine
from .backward_code import statement
from .programs import Program

__all__ = ["program_module", "row_counts", "check_language", "check_names", "aligned", "header", "LANGUAGES", "Cite",
           "COMMENT_COLUMN", "CONTINUED", "RESERVED"]

#: The languages modules are written in.
LANGUAGES = ("numpy", "torch")
#: Comments of a block line up after its longest line up to this many characters; a longer
#: line has its comment two spaces after it.
COMMENT_COLUMN = 60

#: Where on the sheet a backward line is derived, as its comment says it (``"line-logits"``).
Cite = Callable[[GradLine], str]

_DOCSTRING = '"' * 3
#: The comment of a statement's second line: it stays in its block, with no comment of its own.
CONTINUED = "\n"


def row_counts(program: ArrayProgram) -> dict[str, str]:
    """``{constant: code}`` for each integer constant equal to the number of rows of a leaf
    (the first such leaf, in order): ``{"n": "Xb.shape[0]"}``.  Such a constant counts the
    examples of a batch, so generated code computes it rather than fixing it."""
    out = {}
    for const in program.leaves:
        if const.kind != "const" or isinstance(const.value, bool) or not isinstance(const.value, int):
            continue
        for leaf in program.leaves:
            if leaf.kind != "const" and leaf.shape and leaf.shape[0] == const.value:
                out[const.name] = f"{leaf.name}.shape[0]"
                break
    return out


#: Names generated code gives a meaning of its own (modules, helpers, the function).
RESERVED = frozenset({"np", "torch", "F", "math", "forward_backward", "range", "len", "abs", "max", "min",
                      "sigmoid", "softplus", "leaky_relu", "softmax", "log_softmax", "logsumexp", "cross_entropy",
                      "scatter_add"})


def check_names(names: list[str]) -> None:
    """Refuse names that generated code cannot use as variables."""
    for name in names:
        if name in RESERVED or not name.isidentifier() or keyword.iskeyword(name):
            raise SpecError(f"code: the name {name!r} cannot be a variable of the generated module "
                            f"(it is taken by {'the module itself' if name in RESERVED else 'Python'}); rename it")


def activation_helpers(terms: list[Term], language: str) -> tuple[dict[str, str], list[str], list[str]]:
    """One's own activations (the ``act`` operation) and their derivatives, written from their
    SymPy functions, so the module defines what it calls: ``({name: definition}, the helpers
    those call, the imports they need)``.

    Raises:
        GraphError: the function has no code form (a SymPy function known only by numbers).
    """
    names = list(dict.fromkeys(node.attr("name") for t in terms for node in walk(t)
                               if isinstance(node, Call) and node.op in ("act", "act_grad")))
    out: dict[str, str] = {}
    exprs: list[sp.Expr] = []
    t = sp.Symbol("t", real=True)
    for name in names:
        value = get_activation(name).layer((t,))[0]
        for suffix, expr in (("", value), ("_prime", sp.diff(value, t))):
            body = scalar_code(expr, dialect=language, names={t: "x"})
            out[name + suffix] = f"def {name}{suffix}(x):\n    return {body}"
            exprs.append(expr)
    imports, needs = scalar_helpers(exprs, language) if exprs else ([], [])
    return out, needs, imports


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise SpecError(f"--to: expected one of {', '.join(LANGUAGES)}, received {language!r}")


def _shape(shape: tuple[int, ...], counts: dict[int, str]) -> str:
    inner = ", ".join(counts.get(n, str(n)) for n in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def aligned(rows: list[tuple[str, str]], indent: str = "    ") -> list[str]:
    """Code lines with their comments, lined up block by block (a block ends at a line
    without a comment)."""
    out: list[str] = []
    block: list[tuple[str, str]] = []
    for code, note in [*rows, ("", "")]:
        if note:
            block.append((code, note))
            continue
        width = max((len(c) for c, _ in block if len(c) <= COMMENT_COLUMN), default=0)
        out += [f"{indent}{c.ljust(width)}  # {n}" if n != CONTINUED else indent + c for c, n in block]
        block = []
        if code:
            out.append(indent + code)
    return out


def _program_cite(gl: GradLine) -> str:
    return f"line-{gl.via}"


def program_module(program: Program, language: str = "numpy", *, title: str | None = None,
                   command: str | None = None, cite: Cite | None = None, about: str | None = None,
                   spec_sizes: bool = True) -> str:
    """The module computing ``program``'s loss and gradients, as Python source text.

    Args:
        program: the program (:func:`~symbackprop.derive.programs.program`).
        language: ``"numpy"`` or ``"torch"``.
        title: the first line of the module's docstring (default: the program's title).
        command: the command that wrote it, quoted in the docstring.
        cite: where on the sheet each backward line is derived (default: the section of its
            forward line, ``line-<name>``).
        about: a sentence on where the comments point (default: the program sheet's sections).
        spec_sizes: whether the docstring gives the spec's number for each computed count.

    Raises:
        SpecError: a language not offered.
    """
    check_language(language)
    forward = program.forward
    check_names(list(forward.names) + list(program.grad_names.values()))
    printer = program.code_printer(language)
    counts = program.counts
    computed = row_counts(forward)
    cite = cite or _program_cite
    lines = forward.upto(forward.loss)
    terms = [line.term for line in lines] + [gl.term for gl in program.backward.lines]
    own, needs, own_imports = activation_helpers(terms, language)
    helpers = list(dict.fromkeys([*needs, *helpers_used(terms, language), *own]))
    table = {**(TORCH_HELPERS if language == "torch" else NUMPY_HELPERS), **own}

    args = [leaf.name for leaf in forward.leaves if leaf.kind != "const"]
    keywords = [f"{leaf.name}={leaf.value!r}" for leaf in forward.leaves
                if leaf.kind == "const" and leaf.name not in computed]
    signature = ", ".join(args + (["*"] + keywords if keywords else []))
    floats = [leaf.name for leaf in forward.float_leaves]
    grads = program.grad_names
    returned = "{" + ", ".join(f'"{name}": {grads[name]}' for name in floats) + "}"

    rows: list[tuple[str, str]] = [(f"{name} = {code}", "") for name, code in computed.items()]
    rows.append(("# forward", ""))
    for line in lines:
        rows.append((f"{line.name} = {printer.doprint(line.term)}", _shape(line.shape, counts)))
    rows.append(("# backward, output first", ""))
    for gl in program.backward.lines:
        code = statement(gl, printer, forward, program.backward)
        rows.append((code[0], f"sheet: {cite(gl)}; {_shape(forward.shape(gl.target), counts)}"))
        rows.extend((extra, CONTINUED) for extra in code[1:])
    lib = "torch" if language == "torch" else "np"
    for name in floats:
        if name not in program.backward.differentiated:
            rows.append((f"{grads[name]} = {lib}.zeros_like({name})", f"{name} does not reach {forward.loss}"))

    sizes = [f"{name} = {code}" + (f" ({forward.leaf(name).value} in the spec)" if spec_sizes else "")  # type: ignore[union-attr]
             for name, code in computed.items()]
    ints = [leaf.name for leaf in forward.leaves if leaf.kind == "int"]
    notes = []
    if ints:
        notes.append(f"{', '.join(ints)}: integer arrays (indices).")
    if sizes:
        notes.append("; ".join(sizes) + ".")
    example = returned if len(floats) <= 3 else "{" + ", ".join(f'"{n}": {grads[n]}' for n in floats[:2]) + ", ...}"
    doc = [f'{_DOCSTRING}The loss and the gradient of every float leaf by name: ``(loss, {example})``.']
    if notes:
        doc += [""] + [f"    {n}" for n in notes] + [f"    {_DOCSTRING}"]
    else:
        doc[0] += _DOCSTRING

    head = header(title or program.title, command, PROGRAM_INTRO, about or (
        "A backward line's comment names the section of the program's sheet that derives it "
        "(line-<name>: the lines of forward line <name>) and gives its shape."))
    body = [f"def forward_backward({signature}):", "    " + doc[0], *doc[1:]]
    body += aligned(rows)
    body.append(f"    return {forward.loss}, {returned}")
    imports = list(dict.fromkeys([*imports_used(terms, language), *own_imports]))
    parts = [head + "\n\n" + "\n".join(sorted(imports, key=lambda line: (line != "import math", line)))]
    parts += [table[name] for name in helpers]
    return "\n\n\n".join(parts + ["\n".join(body)]) + "\n"


#: What a program's module holds, after "Written by ...: ".
PROGRAM_INTRO = ("the forward pass, then the backward pass derived from it, one line per forward line and input, "
                 "output first; d<name> is the gradient of the loss with respect to <name>.")


def header(title: str, command: str | None, intro: str, about: str) -> str:
    """The module's docstring: its title, what wrote it, what it holds, where comments point."""
    written = f"Written by ``{_literal(command)}``" if command else "Written by symbackprop"
    return "\n".join([f"{_DOCSTRING}{_literal(title)}", "", *_wrap(f"{written}: {intro} {about}"), _DOCSTRING])


def _literal(text: str) -> str:
    """User text (a title, a file name) as it may stand in a docstring: one line, with
    backslashes, quotes and control characters escaped, so the module's syntax is ours."""
    out = []
    for ch in " ".join(text.split()):
        if ch in '\\"':
            out.append("\\" + ch)
        elif not ch.isprintable():
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def _wrap(text: str, width: int = 88) -> list[str]:
    out: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    return out
