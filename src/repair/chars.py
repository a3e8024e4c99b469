"""Character classes and the compiled patterns the scanner uses.

Every pattern here is a character class, a fixed string with bounded repetition, or
an unrolled loop whose parts start with different characters (possessive from Python
3.11), so none can backtrack catastrophically on untrusted text; tests/test_security.py
times each one on adversarial strings.
"""

from __future__ import annotations

import re
import sys

from .steps import NONFINITE, PYTHON_LITERAL

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Protocol

    class AlwaysMatches(Protocol):
        """A compiled pattern that matches at every position (a run of zero or more
        characters): its `.match` never returns None. Declared so where the pattern is
        compiled (one `type: ignore`, which mypy needs there), no use needs a None check."""

        def match(self, string: str, pos: int = ..., endpos: int = ...) -> re.Match[str]: ...

# Appended to a repeat whose iterations are never given back. From Python 3.11 `*+` makes
# the repeat possessive: the engine keeps no backtracking state per iteration, so a run of
# a million escapes or tokens costs linear time and constant memory. On 3.10 the repeats
# are plain greedy ones, which match the same text.
POSSESSIVE = "+" if sys.version_info >= (3, 11) else ""
P = POSSESSIVE

# The inside of a string after its opening `"`, up to (not including) its closing quote:
# plain runs, and a backslash with whatever it escapes. Linear whatever follows it; the
# users add the closing quote (required or optional) and their own flags.
STRING_BODY = rf'[^"\\]*{P}(?:\\.[^"\\]*{P})*{P}'

# JSON's own whitespace, skipped in C by one match.
WS: AlwaysMatches = re.compile(r"[ \t\n\r]*")  # type: ignore[assignment]  # (`*`: matches everywhere)
SPACES: AlwaysMatches = re.compile(r"[ \t]*")  # type: ignore[assignment]

# Whitespace-like characters that JSON does not allow between tokens: BOM, zero-width
# characters, NBSP and the Unicode spaces, line and paragraph separators.
INVISIBLE = frozenset(
    "\ufeff\u200b\u200c\u200d\u2060\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\u2028\u2029\u000b\u000c"
)

# Opening quote -> the characters that may close it.
QUOTE_CLOSERS = {
    '"': '"',
    "'": "'",
    "\u201c": "\u201d\u201c\"",  # “ closes with ” (or a sloppy “ / ")
    "\u201d": "\u201d\u201c\"",
    "\u2018": "\u2019\u2018'",  # ‘ closes with ’
    "\u2019": "\u2019\u2018'",
    "`": "`\u00b4",  # `name´: a backtick closed by an acute accent
}
QUOTES = frozenset(QUOTE_CLOSERS)
SMART_QUOTES = frozenset("\u201c\u201d\u2018\u2019")

# Inside a string: the characters that need a decision (a closing quote, a backslash, a
# raw control character, or a double quote that must be escaped in the output).
def _specials(opener: str) -> re.Pattern[str]:
    chars = set(QUOTE_CLOSERS[opener]) | {'"'}
    body = "".join(re.escape(c) for c in sorted(chars))
    return re.compile(rf"[{body}\\\x00-\x1f]")


STRING_SPECIALS = {q: _specials(q) for q in QUOTE_CLOSERS}


# Inside a string: a run of characters that need no decision, valid JSON escapes included.
# Written as plain text, then (escape, plain text) pairs: each escape starts with a
# backslash, which plain text excludes, so the match is linear.
def _json_run(opener: str) -> re.Pattern[str]:
    chars = set(QUOTE_CLOSERS[opener]) | {'"'}
    body = "".join(re.escape(c) for c in sorted(chars))
    plain = rf"[^{body}\\\x00-\x1f]*{P}"
    return re.compile(rf'{plain}(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{{4}}){plain})*{P}')


JSON_RUN = {q: _json_run(q) for q in QUOTE_CLOSERS}

CONTROL_ESCAPES = {chr(i): f"\\u{i:04x}" for i in range(32)}
CONTROL_ESCAPES.update({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"})

SIMPLE_ESCAPES = frozenset('"\\/bfnrt')
HEX = frozenset("0123456789abcdefABCDEF")

# A strict JSON number; anything else that starts like a number goes to the tolerant path.
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
# The run of characters a number-like token may span (no delimiters, no whitespace).
NUMBER_TOKEN: AlwaysMatches = re.compile(r"[^\s,:\[\]{}()\"'\uff0c\uff1a]*")  # type: ignore[assignment]
INT_TOKEN = re.compile(r"[-+]?[0-9][0-9_]*")
FLOAT_TOKEN = re.compile(r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]*)?")
HEX_TOKEN = re.compile(r"[-+]?0[xX][0-9a-fA-F]+")

# A bare word (literal or unquoted string start).
WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")

# Characters that end an unquoted value, and an unquoted key (which needs a colon).
UNQUOTED_VALUE: AlwaysMatches = re.compile(r"[^,\]}\n\r\"]*")  # type: ignore[assignment]
UNQUOTED_KEY: AlwaysMatches = re.compile(r"[^:,{}\[\]\"'\n\r\u201c\u201d]*")  # type: ignore[assignment]

# After a key-looking quote: `"name":` within one line (bounded, no backtracking).
QUOTED_KEY_AHEAD = re.compile(r"[^\"\n]{0,200}\"[ \t]*:")
# After an item-looking quote in an array: `"item",` or `"item"]`.
QUOTED_ITEM_AHEAD = re.compile(r"[^\"\n]{0,200}\"[ \t]*[,\]]")
# A bare identifier followed by a colon on the same line: an unquoted key. A key that
# lost only its opening quote (`name":`) counts too.
IDENT_KEY_AHEAD = re.compile(r"[A-Za-z0-9_$\u00c0-\uffff][^:,{}\[\]\"'\n]{0,100}(?:\"[ \t]*)?:")
# A key that lost only its opening quote: `name":`, `Product Goals" :`.
OPENLESS_KEY_AHEAD = re.compile(r"[A-Za-z0-9_$\u00c0-\uffff][^:,{}\[\]\"'\n]{0,100}\"[ \t]*:")
# `, price: ` inside a string that never closed: an unquoted key (one identifier) and its colon.
INLINE_KEY = re.compile(r",[ \t]*[A-Za-z_$][A-Za-z0-9_$]*[ \t]*:[ \t]*")

DELIMITERS = frozenset(",:[]{}()")
CLOSERS = frozenset("]})")
VALUE_START = frozenset('{["\'-+.0123456789\u201c\u201d\u2018\u2019')

# Bare words read as literals: word -> (value, step code or None). JSON's own need no step.
LITERALS = {
    "true": (True, None), "false": (False, None), "null": (None, None),
    "True": (True, PYTHON_LITERAL), "False": (False, PYTHON_LITERAL), "None": (None, PYTHON_LITERAL),
    "TRUE": (True, "repair_literal"), "FALSE": (False, "repair_literal"),
    "NULL": (None, "repair_literal"), "Null": (None, "repair_literal"),
    "NONE": (None, "repair_literal"), "nil": (None, "repair_literal"),
    "undefined": (None, "repair_literal"),
    "NaN": (None, NONFINITE), "Infinity": (None, NONFINITE),
}
LITERAL_WORDS = frozenset(LITERALS)
