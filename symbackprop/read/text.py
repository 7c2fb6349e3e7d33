r"""User text made visible: control characters, bidirectional overrides and lone surrogates
shown as ``\x1b``, ``\u202e``, ``\ud800`` instead of acting on a terminal, a page or a PDF.

A spec's title or a student's answer is data: written raw, ``ESC[31m`` recolours a
terminal, U+202E reverses the text after it in a browser, and a control character stops
pdflatex.  The command line's streams and every sheet renderer pass user text through
:func:`visible` before their own escaping (HTML entities, TeX specials, Markdown marks).

>>> visible("key\x1b[31m \u202eok\ud800\n\tend")
'key\\x1b[31m \\u202eok\\ud800\n\tend'
"""

from __future__ import annotations

import re

__all__ = ["visible"]

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _shown(m: re.Match[str]) -> str:
    code = ord(m[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with control characters (but newline and tab) and lone surrogates escaped."""
    return _UNSAFE.sub(_shown, text)
