"""Numbers: a strict JSON number is one C regex match; everything else that starts like
a number is read as one token and classified (`.5`, `+3`, `1.`, `1_000`, `0x1F`; `007`
kept as the string "007"); a token that is no number (`1/3`, `10-20`, a UUID, `3 units`)
becomes a string. A number cut off at the end of the text is completed or dropped.
"""

from __future__ import annotations

import re

from ..chars import (
    FLOAT_TOKEN, HEX_TOKEN, IDENT_KEY_AHEAD, INT_TOKEN, JSON_NUMBER, LITERALS, NUMBER_TOKEN, SPACES, WORD, WS,
)
from ..steps import nonfinite_number, stray_char, truncation
from .decode import to_int
from .strings import CTX_OBJ, CTX_ROOT, scan_unquoted, stray_quote_after

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    from .state import Scanner

DROP = object()  # a token that yields no value (a lone `-` at the end of the text)

def scan_number(p: Scanner, pos: int, ctx: int) -> tuple[Any, int]:
    """A number-like token at `pos`: `12`, `-3.5e2`, and the repairs `.5`, `+3`, `1.`,
    `1_000`, `0x1F`, `007` (kept as the string "007")."""
    text, n = p.text, p.n
    if ctx != CTX_ROOT and _CLOCK.match(text, pos) is not None:
        return scan_unquoted(p, pos, ctx)  # `{"t": 12:30}`: a time of day, not 12 and stray text
    m = JSON_NUMBER.match(text, pos)
    if m is not None:
        e = m.end()
        if ctx != CTX_ROOT and stray_quote_after(p, e):
            # `{"count": 42", "unit": ...}`: a stray quote glued to the number
            p.steps.append(stray_char(e, "removed a stray '\"' after a number", '"', ""))
            tok = m.group()
            return (to_int(tok) if tok.isdigit() or (tok[0] == "-" and tok[1:].isdigit()) else float(tok)), e + 1
        if e >= n or text[e] in " \t\r\n,]});\uff0c" or p.at_end(e):
            if _words_follow(p, e, ctx):
                return scan_unquoted(p, pos, ctx)
            tok = m.group()
            return (to_int(tok) if tok.isdigit() or (tok[0] == "-" and tok[1:].isdigit()) else float(tok)), e
    e = NUMBER_TOKEN.match(text, pos).end()
    tok = text[pos:e]
    for marker in ("//", "/*", "#"):
        k = tok.find(marker)
        if k > 0:
            tok, e = tok[:k], pos + k
    k = WS.match(text, e).end()
    at_eof = k >= n or p.at_end(k)
    sign = tok[:1] if tok[:1] in "+-" else ""
    body = tok[len(sign):]
    if body in ("Infinity", "inf", "NaN"):
        p.steps.append(nonfinite_number(pos, tok))
        return None, e
    if not body or body == ".":
        if at_eof:
            p.steps.append(truncation(pos, f"dropped an incomplete number {tok!r} at the end of the text", tok, ""))
            return DROP, e
        return scan_unquoted(p, pos, ctx)
    if HEX_TOKEN.fullmatch(tok):
        value = int(tok, 16)
        p.add("repair_number", pos, f"hexadecimal {tok} written as {value}", tok, str(value))
        return value, e
    if INT_TOKEN.fullmatch(tok):
        digits = body.replace("_", "")
        if len(digits) > 1 and digits[0] == "0":
            p.add("repair_number", pos, f"number with leading zeros {tok} kept as a string", tok, f'"{tok}"')
            return tok, e
        value = to_int(sign + digits) if sign == "-" else to_int(digits)
        p.add("repair_number", pos, f"number {tok} written as {value}", tok, str(value))
        return value, e
    if FLOAT_TOKEN.fullmatch(tok) and any(c.isdigit() for c in body):
        whole = body.replace("_", "").partition(".")[0]
        if len(whole) > 1 and whole[0] == "0" and whole.isdigit() and "." in body:
            # `0012.5`: leading zeros, like `007`, mean text (a code, a padded field)
            p.add("repair_number", pos, f"number with leading zeros {tok} kept as a string", tok, f'"{tok}"')
            return tok, e
        return _tolerant_float(p, pos, tok, sign, body, at_eof, ctx), e
    return scan_unquoted(p, pos, ctx)


# A time of day written bare (`12:30`, `9:05:00`, `7:45 pm`), then what may end a value.
_CLOCK = re.compile(r"[0-9]{1,2}:[0-5][0-9](?::[0-5][0-9])?(?:[ \t]?[AaPp]\.?[Mm]\.?)?(?=[ \t]*+(?:[,}\]\r\n]|$))")
# After a number of one to three digits and the comma glued to it: more groups of three
# digits, each but the first after a comma, a fraction allowed, and then what may follow a
# member's value (a separator, a closer, a line end, the next key's quote).
_THOUSANDS = re.compile(r'[0-9]{3}(?:,[0-9]{3})*+(?:\.[0-9]+)?+(?![0-9.eE_])(?=[ \t\r\n]*+(?:[,}"]|$))')


def thousands_after(p: Scanner, pos: int, written: str) -> tuple[str, int] | None:
    """`{"price": 1,299.99}`: at `pos`, where an object expects its next key after a number
    and the comma glued to it, more groups of three digits: the commas separated thousands.
    `written` is what the engine wrote for the number. Returns (the digits that continue
    it, the offset after them), with a step; None when the text is not that."""
    text = p.text
    if pos < 3 or text[pos - 1] != ",":
        return None
    m = _THOUSANDS.match(text, pos)
    if m is None:
        return None
    j = pos - 2
    while j >= 0 and text[j].isdigit():
        j -= 1
    first = text[j + 1:pos - 1]
    if not 1 <= len(first) <= 3 or first[0] == "0" or not written.endswith(first):
        return None
    if j >= 0 and text[j] == "-":
        j -= 1
    if j >= 0 and (text[j].isalnum() or text[j] in "._+-"):
        return None  # (part of a longer token: `1.5,000`, `v2,000`)
    tok = text[j + 1:m.end()]
    value = tok.replace(",", "")
    p.add("repair_number", j + 1, f"number {tok} written with thousands separators: {value}", tok, value)
    return m.group().replace(",", ""), m.end()


def _tolerant_float(p: Scanner, pos: int, tok: str, sign: str, body: str, at_eof: bool, ctx: int) -> int | float:
    clean = body.replace("_", "")
    mantissa, _, exponent = clean.replace("E", "e").partition("e")
    incomplete = False
    if "e" in clean.lower() and not exponent.lstrip("+-"):
        incomplete = True  # `1e`, `1e-`: the exponent was cut off
        exponent = ""
    whole, dot, frac = mantissa.partition(".")
    if dot and not frac:
        incomplete = incomplete or at_eof
    number = (whole or "0") + ("." + (frac or "0") if dot else "") + ("e" + exponent if exponent else "")
    value = float(number) if dot or exponent else to_int(number)
    if sign == "-":
        value = -value
    if incomplete and at_eof and ctx != CTX_ROOT:
        p.steps.append(truncation(pos, f"completed the number {tok!r} cut off at the end of the text", tok, str(value)))
    else:
        p.add("repair_number", pos, f"number {tok} written as {value}", tok, str(value))
    return value


def _words_follow(p: Scanner, e: int, ctx: int) -> bool:
    """`{"qty": 3 units}`: a number followed on the same line by words is a string."""
    if ctx == CTX_ROOT:
        return False
    text = p.text
    k = SPACES.match(text, e).end()
    if k == e or k >= p.n or not text[k].isalpha():
        return False
    m = WORD.match(text, k)
    if m is not None and m.group() in LITERALS:
        return False
    return not (ctx == CTX_OBJ and IDENT_KEY_AHEAD.match(text, k))


__all__ = ["DROP", "scan_number", "thousands_after"]
