"""Korean particles chosen by how the word before them ends when read aloud.

A Korean particle has two forms, one after a syllable with a final consonant (받침) and
one after a vowel: 손실은, 노드는; 값을, 오차를; ``으로`` after a consonant except ㄹ.  A
word written in Hangul is read as written; a symbol is read the way a Korean classroom
reads it aloud (L → 엘, w → 더블유, σ → 시그마, 12 → 일이), and a fraction is read
denominator first (``\\frac{a}{b}`` → "b 분의 a"), so its numerator is what is heard last.
Only a word with nothing readable at its end gets both forms, ``은(는)``.

>>> particle("손실", "은"), particle("노드", "은"), particle("L", "을"), particle("w", "을")
('은', '는', '을', '를')
>>> reading(r"w^{(2)}_{11}"), particle_after_latex(r"\\sigma", "이"), particle("층", "으로")
('일', '가', '으로')
>>> particle("??", "은")
'은(는)'
"""

from __future__ import annotations

import re

__all__ = ["PARTICLES", "particle", "particle_after_latex", "reading", "final_consonant"]

#: Each particle by its after-a-consonant form: (after a consonant, after a vowel).
PARTICLES: dict[str, tuple[str, str]] = {
    "은": ("은", "는"), "이": ("이", "가"), "을": ("을", "를"), "과": ("과", "와"), "으로": ("으로", "로"),
}

_LETTERS = dict(zip(
    "abcdefghijklmnopqrstuvwxyz",
    ["에이", "비", "씨", "디", "이", "에프", "지", "에이치", "아이", "제이", "케이", "엘", "엠", "엔", "오",
     "피", "큐", "알", "에스", "티", "유", "브이", "더블유", "엑스", "와이", "제트"]))
_DIGITS = dict(zip("0123456789", "영일이삼사오육칠팔구"))
_COMMANDS = {
    "alpha": "알파", "beta": "베타", "gamma": "감마", "delta": "델타", "epsilon": "엡실론", "varepsilon": "엡실론",
    "zeta": "제타", "eta": "에타", "theta": "세타", "kappa": "카파", "lambda": "람다", "mu": "뮤", "nu": "뉴",
    "xi": "크시", "pi": "파이", "rho": "로", "sigma": "시그마", "tau": "타우", "phi": "파이", "varphi": "파이",
    "chi": "카이", "psi": "프사이", "omega": "오메가", "partial": "델", "nabla": "나블라", "prime": "프라임",
    "top": "티", "odot": "아다마르 곱", "ell": "엘", "infty": "무한대", "sum": "시그마", "Sigma": "시그마",
    "Delta": "델타", "Gamma": "감마", "Theta": "세타", "Lambda": "람다", "Pi": "파이", "Phi": "파이",
    "Psi": "프사이", "Omega": "오메가",
}
_SYMBOLS = {"'": "프라임", "′": "프라임", "σ": "시그마", "δ": "델타", "η": "에타", "θ": "세타", "∂": "델",
            "Σ": "시그마", "ε": "엡실론", "λ": "람다", "%": "퍼센트"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z0-9]|[\uac00-\ud7a3]|[{}]|[^\s]")


def final_consonant(syllable: str) -> int | None:
    """The index of a Hangul syllable's final consonant (0: none, 8: ㄹ), or ``None`` for
    anything that is not a Hangul syllable."""
    code = ord(syllable) - 0xAC00
    return code % 28 if 0 <= code < 11172 else None


def _read_token(token: str) -> str:
    if final_consonant(token[0]) is not None:
        return token
    if token in _DIGITS:
        return _DIGITS[token]
    if token.isascii() and token.isalpha() and len(token) == 1:
        return _LETTERS[token.lower()]
    if token.startswith("\\"):
        return _COMMANDS.get(token[1:], "")
    return _SYMBOLS.get(token, "")


def _group(tokens: list[str], k: int) -> tuple[list[str], int]:
    """The tokens of the group (or single token) at ``k``, and the index after it."""
    if k < len(tokens) and tokens[k] == "{":
        depth, j = 1, k + 1
        while j < len(tokens) and depth:
            depth += {"{": 1, "}": -1}.get(tokens[j], 0)
            j += 1
        return tokens[k + 1:j - 1], j
    return tokens[k:k + 1], k + 1


def _spoken(tokens: list[str]) -> list[str]:
    """The tokens in the order they are read aloud (a fraction's denominator first)."""
    out: list[str] = []
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if t in (r"\frac", r"\dfrac", r"\tfrac"):
            num, k = _group(tokens, k + 1)
            den, k = _group(tokens, k)
            out += _spoken(den) + ["분의"] + _spoken(num)
            continue
        if t in (r"\text", r"\mathrm", r"\operatorname"):
            # A word set in math (\text{ReLU}) is read letter by letter, as an abbreviation.
            word, k = _group(tokens, k + 1)
            out += _spoken(word)
            continue
        k += 1
        out.append(t)
    return out


def reading(text: str, *, latex: bool = False) -> str:
    """The last syllable heard when ``text`` (LaTeX when ``latex``) is read aloud, or ``""``."""
    tokens = _TOKEN.findall(text)
    if latex:
        tokens = _spoken(tokens)
    for token in reversed(tokens):
        spoken = _read_token(token) if token != "분의" else token
        if spoken:
            return spoken[-1]
    return ""


def _choose(last: str, name: str) -> str:
    after_consonant, after_vowel = PARTICLES[name]
    jong = final_consonant(last) if last else None
    if jong is None:
        return f"{after_consonant}({after_vowel})"
    if name == "으로":
        return after_vowel if jong in (0, 8) else after_consonant
    return after_consonant if jong else after_vowel


def particle(word: str, name: str) -> str:
    """The form of particle ``name`` (``"은"``, ``"이"``, ``"을"``, ``"과"``, ``"으로"``) that follows the plain text ``word``."""
    return _choose(reading(word), name)


def particle_after_latex(latex: str, name: str) -> str:
    """The form of particle ``name`` that follows math written as ``latex``."""
    return _choose(reading(latex, latex=True), name)
