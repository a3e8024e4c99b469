"""Bare words: JSON's literals, their Python and JavaScript spellings (`True`, `NULL`,
`undefined`; `NaN` and `Infinity` become null), a literal cut off at the end of the text
(`tr` -> true), or else an unquoted string.
"""

from __future__ import annotations

from ..chars import LITERALS, QUOTES, SPACES, WORD
from ..steps import NONFINITE, literal, nonfinite_number, stray_char, truncation
from .numbers import DROP
from .strings import CTX_ROOT, scan_unquoted, stray_quote_after

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    from .state import Scanner

_PREFIX_TARGETS = (("true", True), ("false", False), ("null", None), ("none", None))
_AFTER_LITERAL = frozenset(",:]})\r\n/#{[-0123456789\uff0c") | QUOTES  # (`，`: the full-width comma)


def scan_word(p: Scanner, pos: int, ctx: int) -> tuple[Any, int]:
    """A bare word: a literal (`true`, `True`, `NULL`, `undefined`, `NaN`), a literal cut
    off at the end (`tr` -> true), or an unquoted string."""
    text = p.text
    m = WORD.match(text, pos)
    if m is not None:
        word, e = m.group(), m.end()
        k = SPACES.match(text, e).end()
        # `true,` `true}` -- or `true "next": 1`, `[true 373]`: a literal before a missing comma
        clean_end = k >= p.n or text[k] in _AFTER_LITERAL or p.at_end(k)
        if not clean_end and k > e:
            following = WORD.match(text, k)  # `[true false]`: two literals, a missing comma
            clean_end = following is not None and following.group() in LITERALS
        if word in LITERALS and clean_end:
            value, code = LITERALS[word]
            if code == NONFINITE:
                p.steps.append(nonfinite_number(pos, word))
            elif code:
                p.steps.append(literal(pos, word, code, _json_word(value)))
            if ctx != CTX_ROOT and stray_quote_after(p, e):
                # `{"enabled": true", ...}`: a stray quote glued to the literal
                p.steps.append(stray_char(e, f"removed a stray '\"' after {word}", '"', ""))
                return value, e + 1
            return value, e
        if ctx != CTX_ROOT and (e >= p.n or p.at_end(e)):
            low = word.lower()
            for target, value in _PREFIX_TARGETS:
                if target.startswith(low) and low != target:
                    p.steps.append(truncation(pos, f"completed the literal {word!r} cut off at the end of the text", word, _json_word(value)))
                    return value, e
    if ctx == CTX_ROOT:
        return DROP, pos
    return scan_unquoted(p, pos, ctx)


def _json_word(value: bool | None) -> str:
    return "null" if value is None else ("true" if value else "false")


__all__ = ["LITERALS", "scan_word"]
