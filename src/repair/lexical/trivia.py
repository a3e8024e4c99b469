"""Stray-character stripping: what lies between tokens and is not JSON.

`skip_insignificant` is called before every token. JSON whitespace is skipped by one C
match; only when something else follows (a comment, a BOM, a zero-width or odd space)
does Python-level work happen, and each such thing becomes a step.
"""

from __future__ import annotations

import re

from ..chars import INVISIBLE, WS
from ..steps import comment, stray_char

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from .state import Scanner


def skip_insignificant(p: Scanner, pos: int) -> int:
    """Skip whitespace, comments and invisible characters from `pos`; return the new offset.

    `{"a": 1 /* note */ }` -> stops at `}` with one `repair_comment` step.
    """
    text, n = p.text, p.n
    while True:
        pos = WS.match(text, pos).end()
        if pos >= n:
            return pos
        c = text[pos]
        if c == "/" and pos + 1 < n and text[pos + 1] in "/*":
            pos = _skip_comment(p, pos)
        elif c == "#":
            end = line_comment_end(text, pos, n)
            p.steps.append(comment(pos, text[pos:end]))
            pos = end
        elif c in INVISIBLE:
            end = pos + 1
            while end < n and text[end] in INVISIBLE:
                end += 1
            names = ", ".join(sorted({f"U+{ord(ch):04X}" for ch in text[pos:end]}))
            p.steps.append(stray_char(pos, f"removed invisible character(s) {names} between tokens", text[pos:end], ""))
            pos = end
        else:
            return pos


def _skip_comment(p: Scanner, pos: int) -> int:
    text, n = p.text, p.n
    if text[pos + 1] == "/":
        end = line_comment_end(text, pos, n)
        p.steps.append(comment(pos, text[pos:end]))
        return end
    end = text.find("*/", pos + 2)
    if end < 0:
        p.add("repair_comment", pos, "removed unclosed /* comment running to the end of the text", text[pos:], "")
        return n
    end += 2
    p.steps.append(comment(pos, text[pos:end]))
    return end


def peek_significant(text: str, pos: int, n: int) -> int:
    """Like `skip_insignificant` but records nothing: for look-ahead decisions."""
    while True:
        pos = WS.match(text, pos).end()
        if pos >= n:
            return pos
        c = text[pos]
        if c == "/" and pos + 1 < n and text[pos + 1] == "/" or c == "#":
            pos = line_comment_end(text, pos, n)
        elif c == "/" and pos + 1 < n and text[pos + 1] == "*":
            end = text.find("*/", pos + 2)
            pos = n if end < 0 else end + 2
        elif c in INVISIBLE:
            pos += 1
        else:
            return pos


# what ends a line comment that runs to the end of a one-line document: a closer, or a
# comma before a quoted key
_STRUCTURE_IN_COMMENT = re.compile(r'[}\]]|,[ \t]*"')
# what may follow the last line of a document: a closing fence or tag
_DOCUMENT_END = re.compile(r"[ \t\r\n]*(?:```|~~~|</|\[/|$)")


def line_comment_end(text: str, pos: int, n: int) -> int:
    """Where the `#` or `//` comment at `pos` ends: at the line end, except on the last
    line of the document (`{"a": {"b": 2 # cores }, "c": 3}` written on one line), where
    the closers after it are structure: it ends before the first `}`, `]` or `, "`."""
    end = text.find("\n", pos)
    if end >= 0 and _DOCUMENT_END.match(text, end) is None:
        return end
    end = n if end < 0 else end
    m = _STRUCTURE_IN_COMMENT.search(text, pos, end)
    return end if m is None else m.start()
