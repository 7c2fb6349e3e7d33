r"""The self-checking Jupyter notebook of an exercise, and reading a filled-in one back.

After the network and its numbers, per question: a Markdown cell asking it, an answer cell
(``answer_1 = r""``, tagged ``answer``) and a check cell showing the verdict.  The notebook stores the spec and the
questions in its metadata and its first code cell, never the answers: checking derives them
when it runs.  Writing needs ``nbformat`` (``pip install "symbackprop[notebook]"``);
reading answers back needs only the standard library, and never runs the student's code.

>>> cell = {"cell_type": "code", "source": 'answer = r"\\delta^{(2)}_1 a^{(1)}_1"  # your formula'}
>>> answer_in(cell)
'\\delta^{(2)}_1 a^{(1)}_1'
"""

from __future__ import annotations

import ast
import json
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from symbackprop.errors import SymbackpropError
from symbackprop.graph import Network
from symbackprop.read import load_spec
from symbackprop.sheet.lang import describe

from .questions import Question

__all__ = ["METADATA_KEY", "NotebookError", "answer_in", "new_notebook", "notebook_text", "read_notebook", "setup_cell"]

#: Where a notebook keeps the exercise: ``{"spec": table, "questions": [names], "variant": k}``.
METADATA_KEY = "symbackprop"


class NotebookError(SymbackpropError):
    """A file that is not a notebook of this tool (not JSON, no exercise in it)."""


def _nbformat() -> Any:
    try:
        import nbformat
    except ImportError:
        raise SymbackpropError(
            'notebook: writing .ipynb needs nbformat; install it with pip install "symbackprop[notebook]"'
        ) from None
    return nbformat


#: The notation reminder: every name in LaTeX and as plain text, each checked by the tests.
NOTATION_EN = r"""**Notation.** Write names in LaTeX or as plain text; both are read the same way.

| meaning | LaTeX | plain text |
|---|---|---|
| weight from neuron $i$ of layer $l-1$ to neuron $j$ of layer $l$ | `w^{(2)}_{11}` | `w2_11` |
| bias of neuron $j$ of layer $l$ | `b^{(2)}_1` | `b2_1` |
| weighted input, activation | `z^{(1)}_2`, `a^{(1)}_2` | `z1_2`, `a1_2` |
| input, target | `x_1`, `y_1` | `x1`, `y1` |
| error signal $\delta^{(l)}_j = \partial L / \partial z^{(l)}_j$ | `\delta^{(2)}_1` | `delta2_1` |
| the activation and its derivative | `\sigma(z^{(1)}_1)`, `\sigma'(z^{(1)}_1)` | `sigma(z1_1)`, `sigma'(z1_1)` |
| a whole layer (vector form) | `(W^{(2)})^T \delta^{(2)} \odot \sigma'(z^{(1)})` | |

Products need `*` in plain text (`delta2_1 * a1_1`); in LaTeX a space will do. Keep the `r` before
the quotes, so that backslashes stay."""

NOTATION_KO = r"""**기호.** 이름은 LaTeX로도, 일반 텍스트로도 쓸 수 있고 둘 다 같게 읽습니다.

| 뜻 | LaTeX | 일반 텍스트 |
|---|---|---|
| $l-1$층의 뉴런 $i$에서 $l$층의 뉴런 $j$로 가는 가중치 | `w^{(2)}_{11}` | `w2_11` |
| $l$층 뉴런 $j$의 편향 | `b^{(2)}_1` | `b2_1` |
| 가중 입력, 활성값 | `z^{(1)}_2`, `a^{(1)}_2` | `z1_2`, `a1_2` |
| 입력, 목표값 | `x_1`, `y_1` | `x1`, `y1` |
| 오차 신호 $\delta^{(l)}_j = \partial L / \partial z^{(l)}_j$ | `\delta^{(2)}_1` | `delta2_1` |
| 활성화 함수와 그 도함수 | `\sigma(z^{(1)}_1)`, `\sigma'(z^{(1)}_1)` | `sigma(z1_1)`, `sigma'(z1_1)` |
| 층 전체 (벡터 형태) | `(W^{(2)})^T \delta^{(2)} \odot \sigma'(z^{(1)})` | |

일반 텍스트에서는 곱에 `*`가 필요합니다 (`delta2_1 * a1_1`); LaTeX에서는 띄어 쓰면 됩니다. 따옴표 앞의 `r`은
그대로 두어야 역슬래시가 남습니다."""


def _notation(text: str, net: Any) -> str:
    """The reminder for this network: the σ row only where σ is an activation of it."""
    sigmoid = isinstance(net, Network) and any(a.name == "sigmoid" for a in net.activations)
    return "\n".join(line for line in text.splitlines() if sigmoid or "sigma" not in line)


def setup_cell(lang: str = "en") -> str:
    """The notebook's first code cell: whether symbackprop imports, said in one line."""
    say = PHRASES.get(lang, PHRASES["en"])
    return ("import importlib.util\n\n"
            'if importlib.util.find_spec("symbackprop") is None:\n'
            f"    print({say['missing']!r})\n"
            "else:\n"
            "    import symbackprop\n\n"
            f"    print({say['ready']!r}.format(version=symbackprop.__version__))")


#: The notebook's own words, per language (``--lang``); verdicts come from verify, in English.
PHRASES: dict[str, dict[str, str]] = {
    "en": {"intro": "Write each answer as a string in the network's names (LaTeX or plain text), keeping the r "
                    "before the quotes, then run the check cell below it.",
           "network": "The network: {net}. Its numbers:", "question": "**Question {k}.**",
           "scalar": "Find the formula for", "delta": "Find the error signal", "layer": "In vector form, find",
           "answer": "your formula, between the quotes",
           "missing": "symbackprop is not installed here: run  %pip install symbackprop  in a cell, then restart "
                      "the kernel and run this cell again.",
           "ready": "symbackprop {version} is ready.",
           "notation": NOTATION_EN},
    "ko": {"intro": "각 답을 신경망의 이름으로 (LaTeX 또는 일반 텍스트) 따옴표 안에 쓰고 (따옴표 앞의 r은 그대로 두세요), "
                    "아래의 확인 셀을 실행하세요.",
           "network": "신경망: {net}. 수치:", "question": "**문제 {k}.**",
           "scalar": "다음의 식을 구하세요:", "delta": "다음 오차 신호를 구하세요:", "layer": "벡터 형태로 구하세요:",
           "answer": "따옴표 안에 식을 쓰세요",
           "missing": "여기에는 symbackprop이 설치되어 있지 않습니다: 셀에서  %pip install symbackprop  을 실행하고, "
                      "커널을 다시 시작한 뒤 이 셀을 다시 실행하세요.",
           "ready": "symbackprop {version} 준비 완료.",
           "notation": NOTATION_KO},
}


def _describe(net: Any, lang: str) -> str:
    """The network in the notebook's language (a custom graph has no description)."""
    if not isinstance(net, Network):
        return ""
    return describe(lang, net.layers, [a.name for a in net.activations], net.loss.name)


def notebook_text(table: Mapping[str, Any], questions: Sequence[Question], *, variant: int | None = None,
                  title: str = "Exercise", lang: str = "en") -> str:
    """The notebook as ``.ipynb`` text; question ``k`` is answered in ``answer_k``.

    Raises:
        SymbackpropError: ``nbformat`` is not installed.
    """
    nbf = _nbformat()
    nb = new_notebook(table, questions, variant=variant, title=title, lang=lang)
    nbf.validate(nb)
    return nbf.writes(nb)


def new_notebook(table: Mapping[str, Any], questions: Sequence[Question], *, variant: int | None = None,
                 title: str = "Exercise", lang: str = "en") -> Any:
    """The notebook as an ``nbformat`` node: per question a Markdown cell, an answer cell
    (tagged ``answer``) and a check cell, in that order, after the opening cells.

    Raises:
        SymbackpropError: ``nbformat`` is not installed.
    """
    nbf = _nbformat()
    say = PHRASES.get(lang, PHRASES["en"])
    nb = nbf.v4.new_notebook()
    nb.metadata[METADATA_KEY] = {"spec": dict(table), "questions": [q.name for q in questions], "variant": variant}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    spec_literal = json.dumps(dict(table), ensure_ascii=False)
    net = load_spec(table).network
    numbers = "\n".join(f"- `{k}` = `{json.dumps(v)}`" for k, v in dict(table).get("values", {}).items())
    cells = [
        nbf.v4.new_markdown_cell(f"# {title}\n\n{say['intro']}\n\n"
                                 f"{say['network'].format(net=_describe(net, lang))}\n\n{numbers}"),
        nbf.v4.new_code_cell(setup_cell(lang)),
        nbf.v4.new_markdown_cell(_notation(say["notation"], net)),
        nbf.v4.new_code_cell("import json\nfrom symbackprop.exercise import check\n\n"
                             f"SPEC = json.loads({spec_literal!r})"),
    ]
    for k, q in enumerate(questions, start=1):
        cells.append(nbf.v4.new_markdown_cell(f"{say['question'].format(k=k)} {say[q.kind]} ${q.label}$"))
        answer = nbf.v4.new_code_cell(f'answer_{k} = r""  # {say["answer"]}')
        answer.metadata.update({"tags": ["answer"], METADATA_KEY: {"question": q.name}})
        cells.append(answer)
        cells.append(nbf.v4.new_code_cell(f"check(SPEC, {q.name!r}, answer_{k})"))
    nb.cells = cells
    return nb


def _source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def answer_in(cell: Mapping[str, Any]) -> str:
    """The string an answer cell assigns to ``answer_k`` (or ``answer``), read without running it.

    Raises:
        SymbackpropError: the cell is not one assignment of a string (the student's
            "unreadable" row, not a crash).
    """
    text = _source(cell)
    try:
        with warnings.catch_warnings():
            # answer = "\delta" without r: Python warns of the escape and keeps the backslash.
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as exc:
        raise SymbackpropError(f"the answer cell is not Python: {exc.msg} on line {exc.lineno}") from None
    found = [node.value for node in tree.body if isinstance(node, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id.startswith("answer") for t in node.targets)]
    if len(found) != 1 or not isinstance(found[0], ast.Constant) or not isinstance(found[0].value, str):
        raise SymbackpropError('the answer cell must be one line answer_k = r"..." with the formula as a string')
    return found[0].value


def read_notebook(text: str) -> tuple[dict[str, Any], list[tuple[str, str | SymbackpropError]]]:
    """``(exercise metadata, [(question, answer or why it is unreadable)])`` of a notebook.

    Raises:
        NotebookError: not JSON, or no exercise of this tool in it.
    """
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not a notebook: invalid JSON at line {exc.lineno} column {exc.colno}") from None
    metadata = nb.get("metadata") if isinstance(nb, dict) else None
    meta = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    questions = meta.get("questions") if isinstance(meta, dict) else None
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise NotebookError("not an exercise notebook: its metadata has no symbackprop questions")
    cells = nb.get("cells")
    answers: dict[str, str | SymbackpropError] = {}
    for cell in cells if isinstance(cells, list) else []:
        cell_meta = cell.get("metadata") if isinstance(cell, dict) else None
        own = cell_meta.get(METADATA_KEY, {}) if isinstance(cell_meta, dict) else {}
        question = own.get("question") if isinstance(own, dict) else None
        if question in meta["questions"] and question not in answers:
            try:
                answers[question] = answer_in(cell)
            except SymbackpropError as exc:
                answers[question] = exc
    return meta, [(q, answers.get(q, SymbackpropError("the answer cell was deleted"))) for q in meta["questions"]]
