"""The quick path: token-level repairs of a whole-text value, done between runs of C.

Most broken model output is JSON with a few kinds of token-level mistakes spread through
it: single-quoted strings, unquoted keys, Python literals, trailing commas, comments,
missing commas between members. For such text the tolerant parser's per-token work is
wasted: one regex (`_RUN`) skips, in C, every stretch that is already JSON, and stops only
where a token needs a decision. Each decision rewrites that token (recording the step the
parser would record), and the rewritten text goes to the C decoder.

The path is only taken when it is certain to agree with the parser: it handles a narrow,
unambiguous form of each defect and gives up (returns None) on anything else: an
apostrophe in a single-quoted string, a missing comma after a string that is not followed
by a key, a number in an odd form, text around the value, a decoder failure. The
parser then does the whole job. tests/test_quick.py checks the agreement (value and every
step) on the fixtures, the corruption corpus and generated text.
"""

from __future__ import annotations

import re
from json.decoder import JSONDecoder

from .chars import IDENT_KEY_AHEAD, QUOTED_KEY_AHEAD
from .steps import snippet

# A stretch that is JSON as it stands: whitespace, openers and colons; strings, numbers,
# literals and closers followed by a separator; commas followed by something other than a
# closer. Every alternative starts with a different character and none nests a repeated
# group inside another, so the match is linear.
_SEP = r"(?=[ \t\r\n]*(?:[,:}\]]|\Z))"
_STRING = r'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"'
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_RUN = re.compile(
    rf"(?:[ \t\r\n:\[{{]+|{_STRING}{_SEP}|{_NUMBER}{_SEP}|(?:true|false|null){_SEP}|[}}\]]{_SEP}"
    r"|,(?=[ \t\r\n]*[^ \t\r\n}\]/#,]))*"
)
_STRING_RE = re.compile(_STRING)
_NUMBER_RE = re.compile(_NUMBER)
# A single-quoted string with nothing that needs a decision: no quotes, backslashes or
# control characters inside.
_SINGLE = re.compile(r"'([^'\"\\\x00-\x1f]*)'")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_KEY_COLON = re.compile(r"[ \t]*:")
_WS = re.compile(r"[ \t\r\n]*")
_LINE_COMMENT = re.compile(r"(?://|#)[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*(?:[^*]|\*(?!/))*\*/")

_PYTHON_WORDS = {"True": "true", "False": "false", "None": "null"}
_JSON_WORDS = frozenset(["true", "false", "null"])
_ANY_WORD = _JSON_WORDS | frozenset(_PYTHON_WORDS)
_KEY_AHEAD = {'"': QUOTED_KEY_AHEAD, "'": re.compile(r"[^'\n]{0,200}'[ \t]*:")}
_decode = JSONDecoder().decode


class _GiveUp(Exception):
    pass


def quick_repair(text: str):
    """(value, raw steps) when the token-level rewrite of `text` decodes; else None."""
    try:
        rewritten, steps = _rewrite(text)
    except _GiveUp:
        return None
    if not steps:
        return None  # nothing was rewritten: the text is broken in some other way
    try:
        return _decode(rewritten), steps
    except (ValueError, RecursionError):
        return None


def _rewrite(text: str):
    n = len(text)
    out: list[str] = []
    steps: list = []
    add_step = steps.append
    run = _RUN.match
    pos = 0
    while True:
        end = run(text, pos).end()
        if end > pos:
            out.append(text[pos:end])
            pos = end
        if pos >= n:
            return "".join(out), steps
        c = text[pos]
        if c == '"':
            m = _STRING_RE.match(text, pos)
            if m is None:
                raise _GiveUp
            out.append(m.group())
            pos = _after_value(text, m.end(), "string", out, add_step)
        elif c == "'":
            m = _SINGLE.match(text, pos)
            if m is None:
                raise _GiveUp
            add_step(("repair_single_quotes", pos, "single-quoted string", "'", '"'))
            out.append('"' + m.group(1) + '"')
            pos = _after_value(text, m.end(), "string", out, add_step)
        elif c == "-" or "0" <= c <= "9":
            m = _NUMBER_RE.match(text, pos)
            if m is None:
                raise _GiveUp
            out.append(m.group())
            pos = _after_value(text, m.end(), "number", out, add_step)
        elif c == "}" or c == "]":
            out.append(c)
            pos = _after_value(text, pos + 1, "closer", out, add_step)
        elif c == ",":
            k = _skip_comments(text, pos + 1, None)
            if k < n and text[k] in "}]":
                add_step(("repair_trailing_comma", pos, "removed a trailing ','", ",", ""))
            elif k < n and text[k] != ",":
                out.append(",")  # a comma before a comment: the comment is handled next
            else:
                raise _GiveUp
            pos += 1
        elif c == "/" or c == "#":
            pos = _skip_comments(text, pos, add_step)
            if pos == end:
                raise _GiveUp
        else:
            m = _WORD.match(text, pos)
            if m is None:
                raise _GiveUp
            word, e = m.group(), m.end()
            colon = _KEY_COLON.match(text, e)
            if colon is not None:
                add_step(("repair_unquoted_key", pos, f"quoted the bare key {snippet(word)}", "", '"'))
                out.append('"' + word + '"')
                pos = e
            elif word in _PYTHON_WORDS:
                json_word = _PYTHON_WORDS[word]
                add_step(("repair_python_literal", pos, f"{word} written as {json_word}", word, json_word))
                out.append(json_word)
                pos = _after_value(text, e, "word", out, add_step)
            elif word in _JSON_WORDS:
                out.append(word)
                pos = _after_value(text, e, "word", out, add_step)
            else:
                raise _GiveUp


def _skip_comments(text: str, pos: int, add_step) -> int:
    """Skip whitespace and comments from `pos`; record each comment when `add_step` is given."""
    n = len(text)
    while True:
        pos = _WS.match(text, pos).end()
        if pos >= n:
            return pos
        c = text[pos]
        if c == "#" or text.startswith("//", pos):
            m = _LINE_COMMENT.match(text, pos)
        elif text.startswith("/*", pos):
            m = _BLOCK_COMMENT.match(text, pos)
            if m is None:
                raise _GiveUp  # unclosed: the parser's business
        else:
            return pos
        if add_step is not None:
            body = m.group()
            add_step(("repair_comment", pos, f"removed comment {snippet(body)}", body, ""))
        pos = m.end()


def _after_value(text: str, pos: int, prev: str, out: list, add_step) -> int:
    """After a value (`prev`: "string", "word", "number" or "closer"): fine before a
    separator. Before another token, a missing comma in the forms the parser reads the
    same way; the decoder then checks the result is JSON. Anything else gives up."""
    n = len(text)
    k = _skip_comments(text, pos, None)
    if k >= n or text[k] in ",:}]":
        return pos
    if k == pos and prev != "closer":
        raise _GiveUp  # `"a""b"`, `1x`, `truex`: the parser reads these as one token
    if text[pos:k].strip():
        raise _GiveUp  # a comment between the value and what follows: keep it simple
    c = text[k]
    newline = "\n" in text[pos:k]
    if c == '"' or c == "'":
        # an array item, or a key the parser also sees as one (on the same line as its colon)
        m = (_STRING_RE if c == '"' else _SINGLE).match(text, k)
        if m is None:
            raise _GiveUp
        colon = _WS.match(text, m.end()).end()
        if colon < n and text[colon] == ":" and _KEY_AHEAD[c].match(text, k + 1) is None:
            raise _GiveUp
    elif prev == "string":
        if not newline or IDENT_KEY_AHEAD.match(text, k) is None:
            raise _GiveUp  # the parser would read on inside the string
    elif c in "{[" or c == "-" or "0" <= c <= "9":
        pass  # another array item
    else:
        m = _WORD.match(text, k)
        if m is None:
            raise _GiveUp
        if m.group() not in _ANY_WORD:  # a bare key
            if IDENT_KEY_AHEAD.match(text, k) is None or (prev == "word" and not newline):
                raise _GiveUp
    add_step(("repair_missing_comma", k, "inserted a missing ','", "", ","))
    out.append(",")
    return pos
