"""Seeded corruption generator: realistic JSON values and almost-JSON texts that stand for them.

Used by the property tests, the differential test against json_repair, and the benchmarks::

    from corruption import KINDS, corrupt, corpus, random_value, same

    rng = random.Random(7)
    value = random_value(rng)                      # a realistic record (dict) or list of records
    text = corrupt(value, "single_quotes", rng)    # almost-JSON whose correct repair is `value`
    cases = corpus(40, seed=1)                     # [(kind, text, expected), ...], deterministic

Every corruption is chosen so that exactly one repair is right (see docs/policy.md):

* quotes are swapped only on strings that contain no quote character of any kind;
* unquoted keys are plain identifiers (``[A-Za-z_][A-Za-z0-9_]*``, not a literal word);
* a comma is dropped inside an array only after a non-string and before a non-negative
  element (``[1 -2]`` and ``["a" "b"]`` could be read another way), and before a bare key
  the element is always followed by a newline (``1 b: 2`` could be the text "1 b");
* missing closers are cut from the end of the document only, after a complete value;
* raw newlines are put only inside string *values*, invalid escapes only where the
  backslash is followed by a letter that starts no JSON escape (b f n r t u) and no Python
  escape a reader might decode instead (``\\x``, ``\\U``/``\\N`` before a hex digit or brace);
* prose, reasoning and comments hold no brackets, braces or double quotes (apostrophes only
  when the document is not single-quoted), and no comment is put right after the opener of
  a value that sits in prose (the extractor needs a key there); smart quotes are not put
  in prose-wrapped documents (a bare ``{“`` is not a known start);
* with missing closers, nothing follows the cut document (prose only before it, an
  unclosed fence, a [CONTENT] tag without closer).

The module depends on the standard library only, so benchmarks can import it too.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

__all__ = [
    "KINDS", "corrupt", "corpus", "random_value", "same", "first_difference", "looks_like_literal",
    "dump_value",
]

KINDS: tuple[str, ...] = (
    "single_quotes",
    "unquoted_keys",
    "smart_quotes",
    "trailing_commas",
    "missing_commas",
    "python_literals",
    "comments_line",
    "comments_block",
    "comments_hash",
    "markdown_fence",
    "prose_around",
    "content_tag",
    "think_block",
    "missing_closers",
    "raw_newlines",
    "invalid_escapes",
    "mixed",
)

# ---------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------

_KEYS = (
    "id", "name", "email", "age", "is_active", "createdAt", "updated_at", "tags", "score",
    "price", "quantity", "description", "address", "city", "zip_code", "country", "items",
    "metadata", "status", "priority", "owner", "title", "url", "notes", "enabled", "ratio",
    "count", "user_id", "version", "children", "settings", "path", "summary", "steps",
    "config", "language", "total", "currency", "phone", "sku", "rating", "comment", "label",
    "_internal", "x2", "maxTokens", "temperature", "type", "value", "unit", "date",
)
# Keys that must stay quoted even when the corruption unquotes keys.
_ODD_KEYS = ("Product Goals", "content-type", "Required Python packages", "größe", "2nd_place", "e-mail")

_WORDS = (
    "alpha", "beta", "gamma", "delta", "report", "customer", "order", "shipped", "pending",
    "review", "quick", "brown", "fox", "lazy", "dog", "widget", "gadget", "blue", "green",
    "large", "small", "north", "south", "service", "account", "profile", "launch", "draft",
    "final", "update", "summary", "market", "growth", "user", "team", "project", "deadline",
    "coffee", "tea", "river", "mountain", "city", "engine", "parser", "value", "token",
)
_UNICODE = (
    "Café crème", "naïve résumé", "日本語のテキスト", "Straße in München", "Launch 🚀 today",
    "Ελληνικά", "emoji ✅ done", "Ünïcödé", "中文 测试", "tab\there",
)
_TRICKY = (  # content that looks like syntax, always inside a quoted string
    "https://example.com/api/v1/items?id=42", "https://example.com/docs#install",
    "C# and F#", "see [1] and {x}", "a // b", "100% sure", "x: y, z", "1/3 of it",
    "/* not a comment */", "-- dashes --", "end.", "a, b, c", "key: value",
)
_MULTILINE = (
    "line one\nline two", "Dear team,\nthe report is ready.\nRegards", "first\n\nthird",
    "- item one\n- item two", "trailing newline\n", "Steps:\n1. open\n2. close",
)
_BACKSLASHED = (  # strings with literal backslashes (Windows paths, regexes)
    "C:\\data\\logs", "C:\\Users\\dev\\project", "\\d+\\s*\\w", "D:\\games\\save",
    "\\section{Intro}", "path\\to\\file", "C:\\new\\temp", "\\Program Files\\App",
)
_COMMENTS = (
    "the user record", "TODO: check this", "units are in cm", "optional", "see docs",
    "generated by the model", "may be empty", "added later", "keep in sync",
)
_PREFIXES = (
    "Sure! Here is the JSON you asked for:", "Here is the result:", "Output:",
    "Certainly. The data is below.", "Of course, here it is:", "Result",
    "I have extracted the fields as requested.",
)
_PREFIXES_APOS = ("Here's the JSON:", "Sure, here's what I found:", "Okay, I've filled it in:")
_SUFFIXES = (
    "Let me know if you need anything else.", "Hope this helps!", "This covers all fields.",
    "Note: some values are estimates.", "Is there anything else?",
)
_SUFFIXES_APOS = ("I've double-checked the values.", "Let me know if it's not right.")
_REASONING = (
    "The user wants a JSON object with the requested fields. I will fill them in.",
    "Okay, so I need to produce structured output.\nFirst the name, then the rest.",
    "Let me think about the fields carefully.\n\nThe answer should be valid JSON.",
)

# JSON escapes, plus x (\xNN looks like a Python escape): a backslash before these is not
# an "invalid escape" with one obvious repair.
_ESCAPE_LETTERS = set("bfnrtux")
_QUOTE_CHARS = set("'\"`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\u00b4")
_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LITERAL_WORDS = {
    "true", "false", "null", "none", "nan", "infinity", "undefined", "yes", "no", "nil",
}


def _raw_escape_ok(s: str, i: int) -> bool:
    """May the backslash at s[i] be written raw, as an invalid escape with one repair?

    Only before an ASCII letter that starts no JSON escape (b f n r t u) and no Python one
    that a reader might decode instead (\\xNN, \\UXXXXXXXX, \\N{name})."""
    nxt = s[i + 1] if i + 1 < len(s) else ""
    if not (nxt.isascii() and nxt.isalpha()) or nxt in _ESCAPE_LETTERS:
        return False
    if nxt in "UN" and s[i + 2:i + 3] and s[i + 2] in "0123456789abcdefABCDEF{":
        return False
    return True


def looks_like_literal(s: str) -> bool:
    """True for strings a reader could take for a literal or a number (kept out of values)."""
    t = s.strip().lower()
    if t in _LITERAL_WORDS or t.lstrip("+-") in _LITERAL_WORDS:
        return True
    return bool(re.fullmatch(r"[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?", t))


# ---------------------------------------------------------------------------------------
# Random values
# ---------------------------------------------------------------------------------------


def _random_string(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.12:
        return rng.choice(_MULTILINE)
    if r < 0.20:
        return rng.choice(_BACKSLASHED)
    if r < 0.28:
        return rng.choice(_UNICODE)
    if r < 0.36:
        return rng.choice(_TRICKY)
    if r < 0.40:
        return ""
    if r < 0.46:
        return f"{rng.choice(_WORDS)}{rng.randint(1, 999)}@example.com"
    words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 6))]
    s = " ".join(words)
    if rng.random() < 0.4:
        s = s.capitalize() + rng.choice((".", "!", "?", ""))
    return s


def _random_number(rng: random.Random) -> int | float:
    r = rng.random()
    if r < 0.45:
        return rng.randint(0, 1000)
    if r < 0.6:
        return rng.randint(-10**6, 10**12)
    if r < 0.9:
        return round(rng.uniform(-1000, 1000), rng.randint(1, 3))
    return rng.choice((0.5, 1e-05, 2.5e10, -0.25, 3.0, 1e21))


def _random_scalar(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.5:
        return _random_string(rng)
    if r < 0.75:
        return _random_number(rng)
    if r < 0.9:
        return rng.random() < 0.5
    return None


def _random_record(rng: random.Random, depth: int) -> dict:
    n = rng.randint(1, 7)
    keys = rng.sample(_KEYS, n)
    if rng.random() < 0.15:
        keys[rng.randrange(n)] = rng.choice(_ODD_KEYS)
    rec: dict[str, Any] = {}
    for key in keys:
        r = rng.random()
        if r < 0.08 and depth < 3:
            rec[key] = _random_record(rng, depth + 1)
        elif r < 0.13 and depth < 2:
            rec[key] = [_random_record(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        elif r < 0.22:
            rec[key] = [_random_scalar(rng) for _ in range(rng.randint(0, 4))]
        elif r < 0.24:
            rec[key] = {}
        else:
            rec[key] = _random_scalar(rng)
    return rec


def random_value(rng: random.Random) -> dict | list:
    """A realistic non-empty JSON value: a record (80%) or a list of records."""
    if rng.random() < 0.8:
        return _random_record(rng, 0)
    return [_random_record(rng, 1) for _ in range(rng.randint(1, 4))]


# ---------------------------------------------------------------------------------------
# Strict comparison (JSON types: True is not 1, 1 is not 1.0), without recursion
# ---------------------------------------------------------------------------------------


def _jtype(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int"
    if isinstance(x, float):
        return "float"
    if isinstance(x, str):
        return "str"
    if isinstance(x, dict):
        return "dict"
    if isinstance(x, list):
        return "list"
    return type(x).__name__


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values, with JSON types kept apart; works at any depth."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        tx = _jtype(x)
        if tx != _jtype(y):
            return False
        if tx == "dict":
            if len(x) != len(y) or x.keys() != y.keys():
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif tx == "list":
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif x != y:
            return False
    return True


def first_difference(a: Any, b: Any) -> str | None:
    """Where two values first differ, as "$.key[0]: <a> != <b>"; None when `same(a, b)`."""
    stack = [("$", a, b)]
    while stack:
        path, x, y = stack.pop()
        tx, ty = _jtype(x), _jtype(y)
        if tx != ty:
            return f"{path}: {_brief(x)} != {_brief(y)}"
        if tx == "dict":
            if x.keys() != y.keys():
                extra, missing = sorted(set(x) - set(y)), sorted(set(y) - set(x))
                return f"{path}: keys only in the first {extra}, only in the second {missing}"
            stack.extend((f"{path}.{k}" if _BARE_KEY.match(k) else f"{path}[{k!r}]", x[k], y[k])
                         for k in reversed(list(x)))
        elif tx == "list":
            if len(x) != len(y):
                return f"{path}: {len(x)} items != {len(y)} items"
            stack.extend((f"{path}[{i}]", xi, yi) for i, (xi, yi) in reversed(list(enumerate(zip(x, y)))))
        elif x != y:
            return f"{path}: {_brief(x)} != {_brief(y)}"
    return None


def _brief(x: Any) -> str:
    try:
        s = json.dumps(x, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        s = repr(x)
    return s if len(s) <= 80 else s[:80] + "..."


# ---------------------------------------------------------------------------------------
# The emitter: one serializer whose options are the corruptions
# ---------------------------------------------------------------------------------------


class _Emitter:
    def __init__(
        self,
        rng: random.Random,
        *,
        quotes: str = "double",
        bare_keys: bool = False,
        trailing_p: float = 0.0,
        missing_p: float = 0.0,
        py_literals: bool = False,
        comment: str | None = None,
        comment_p: float = 0.0,
        raw_newlines: bool = False,
        raw_escapes: bool = False,
        indent: int | str | None = None,
        top_comment_ok: bool = True,
    ) -> None:
        self.rng = rng
        self.quotes = quotes
        self.bare_keys = bare_keys
        self.trailing_p = trailing_p
        self.missing_p = missing_p
        self.py_literals = py_literals
        self.comment = comment
        self.comment_p = comment_p
        self.raw_newlines = raw_newlines
        self.raw_escapes = raw_escapes
        # line and hash comments need line breaks
        if indent is None and comment in ("line", "hash"):
            indent = 2
        self.indent = indent
        self.top_comment_ok = top_comment_ok
        self.key_sep = rng.choice((": ", ":")) if indent is None else ": "
        self.item_sep = rng.choice((", ", ",")) if indent is None else ","
        self.counts: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def _chance(self, p: float) -> bool:
        return p > 0 and self.rng.random() < p

    # -- scalars -------------------------------------------------------------------------

    def _literal(self, v: Any) -> str:
        if self.py_literals:
            self._count("python_literals")
            return "None" if v is None else ("True" if v else "False")
        return "null" if v is None else ("true" if v else "false")

    def _string(self, s: str, is_key: bool) -> str:
        if is_key and self.bare_keys and _BARE_KEY.match(s) and s.lower() not in _LITERAL_WORDS:
            self._count("unquoted_keys")
            return s
        style = self.quotes
        if style != "double" and any(c in _QUOTE_CHARS for c in s):
            style = "double"
        if style == "single":
            self._count("single_quotes")
            q_open, q_close = "'", "'"
        elif style == "smart":
            self._count("smart_quotes")
            q_open, q_close = "\u201c", "\u201d"
        else:
            q_open = q_close = '"'
        parts = []
        n = len(s)
        for i, ch in enumerate(s):
            if ch == "\n" and self.raw_newlines and not is_key:
                self._count("raw_newlines")
                parts.append("\n")
            elif ch == "\\":
                nxt = s[i + 1] if i + 1 < n else ""
                if self.raw_escapes and not is_key and _raw_escape_ok(s, i):
                    self._count("invalid_escapes")
                    parts.append("\\")
                else:
                    parts.append("\\\\")
            else:
                parts.append(json.dumps(ch, ensure_ascii=False)[1:-1])
        return q_open + "".join(parts) + q_close

    def _scalar(self, v: Any) -> str:
        if v is None or isinstance(v, bool):
            return self._literal(v)
        if isinstance(v, (int, float)):
            return json.dumps(v)
        if isinstance(v, str):
            return self._string(v, False)
        raise TypeError(f"not a JSON value: {type(v).__name__}")

    # -- containers ----------------------------------------------------------------------

    def _comment_text(self) -> str:
        text = self.rng.choice(_COMMENTS)
        if self.comment == "line":
            return "// " + text
        if self.comment == "hash":
            return "# " + text
        if self.rng.random() < 0.3:
            return "/* " + text + "\n   " + self.rng.choice(_COMMENTS) + " */"
        return "/* " + text + " */"

    def _missing_ok(self, is_dict: bool, prev: Any, nxt: Any) -> bool:
        if is_dict:
            return True
        if isinstance(prev, str):
            return False
        if isinstance(nxt, (int, float)) and not isinstance(nxt, bool) and json.dumps(nxt).startswith("-"):
            return False
        return True

    def emit(self, value: Any) -> str:
        out: list[str] = []
        # explicit stack of work items so the emitter itself never recurses
        # items: ("value", v, level) | ("text", s)
        work: list[tuple] = [("value", value, 0)]
        while work:
            item = work.pop()
            if item[0] == "text":
                out.append(item[1])
                continue
            _, v, level = item
            if isinstance(v, (dict, list)):
                work.extend(reversed(self._container(v, level)))
            else:
                out.append(self._scalar(v))
        return "".join(out)

    def _container(self, v: dict | list, level: int) -> list[tuple]:
        """Work items for one container, in output order."""
        is_dict = isinstance(v, dict)
        opener, closer = ("{", "}") if is_dict else ("[", "]")
        entries = list(v.items()) if is_dict else [(None, x) for x in v]
        if not entries:
            return [("text", opener + closer)]
        pretty = self.indent is not None
        unit = self.indent if isinstance(self.indent, str) else " " * (self.indent or 0)

        def nl(lvl: int) -> str:
            return "\n" + unit * lvl if pretty else ""

        comment_ok = self.comment is not None and (level > 0 or self.top_comment_ok)
        items: list[tuple] = [("text", opener)]
        if comment_ok and self.comment == "block" and self._chance(self.comment_p / 2):
            self._count(_COMMENT_KIND[self.comment])
            items.append(("text", " " + self._comment_text()))
        for i, (key, val) in enumerate(entries):
            last = i == len(entries) - 1
            items.append(("text", nl(level + 1)))
            if (comment_ok or i > 0) and self.comment in ("line", "hash") \
                    and self._chance(self.comment_p / 3):
                # a full-line comment before the element
                self._count(_COMMENT_KIND[self.comment])
                items.append(("text", self._comment_text() + nl(level + 1)))
            if is_dict:
                items.append(("text", self._string(key, True) + self.key_sep))
            items.append(("value", val, level + 1))
            bare_next = False
            if not last:
                nkey, nval = entries[i + 1]
                if self._chance(self.missing_p) and self._missing_ok(is_dict, val, nval):
                    self._count("missing_commas")
                    sep = ""
                    bare_next = (is_dict and self.bare_keys and bool(_BARE_KEY.match(nkey))
                                 and nkey.lower() not in _LITERAL_WORDS)
                else:
                    sep = ","
            elif self._chance(self.trailing_p):
                self._count("trailing_commas")
                sep = ","
            else:
                sep = ""
            tail = sep
            if self.comment is not None and self._chance(self.comment_p):
                self._count(_COMMENT_KIND[self.comment])
                tail += " " + self._comment_text()
            if not last and not pretty:
                if sep == "":
                    tail += "\n" if bare_next else self.rng.choice((" ", "\n"))
                elif self.item_sep == ", ":
                    tail += " "
            items.append(("text", tail))
        items.append(("text", nl(level) + closer))
        return items


_COMMENT_KIND = {"line": "comments_line", "block": "comments_block", "hash": "comments_hash"}

# ---------------------------------------------------------------------------------------
# Wrappers
# ---------------------------------------------------------------------------------------

_FENCES = (
    ("```json\n", "\n```"), ("```JSON\n", "\n```"), ("```\n", "\n```"), ("~~~json\n", "\n~~~"),
    ("```json\n", "\n```\n"), ("```json\n", ""),  # the last one is an unclosed last fence
)
_TAGS = (
    ("[CONTENT]\n", "\n[/CONTENT]"), ("[CONTENT]", "[/CONTENT]"), ("[content]\n", "\n[/content]"),
    ("[CONTENT]\n", "\n[CONTENT]"), ("[CONTENT]\n", ""), ("<json>\n", "\n</json>"),
    ("<output>", "</output>"), ("<answer>\n", "\n</answer>"), ("<response>\n", "\n</response>"),
    ("<result>", "</result>"), ("<tool_call>\n", "\n</tool_call>"),
)
_THINK = (("<think>\n", "\n</think>\n\n"), ("<thinking>", "</thinking>\n"),
          ("<reasoning>\n", "\n</reasoning>\n"), ("<think>", "</think>"), ("", "\n</think>\n\n"))


def _prose(rng: random.Random, options: tuple, apos_options: tuple, apostrophes: bool) -> str:
    pool = options + apos_options if apostrophes else options
    return rng.choice(pool)


def _wrap_fence(doc: str, rng: random.Random, closed_after: bool, apostrophes: bool) -> str:
    pool = _FENCES if closed_after else (("```json\n", ""), ("```\n", ""))
    o, c = rng.choice(pool)
    text = o + doc + c
    if rng.random() < 0.4:
        text = _prose(rng, _PREFIXES, _PREFIXES_APOS, apostrophes) + "\n\n" + text
    if c and rng.random() < 0.4:
        text = text + "\n\n" + _prose(rng, _SUFFIXES, _SUFFIXES_APOS, apostrophes)
    return text


def _wrap_tag(doc: str, rng: random.Random, closed_after: bool) -> str:
    pool = _TAGS if closed_after else tuple(t for t in _TAGS if t[1] == "")
    o, c = rng.choice(pool)
    text = o + doc + c
    if o.startswith("[") and rng.random() < 0.4:
        text = "## Output\n" + text  # MetaGPT's ActionNode framing
    return text


def _wrap_prose(doc: str, rng: random.Random, closed_after: bool, apostrophes: bool) -> str:
    before = after = ""
    r = rng.random()
    if r < 0.4 or not closed_after:
        before = _prose(rng, _PREFIXES, _PREFIXES_APOS, apostrophes)
    elif r < 0.6:
        after = _prose(rng, _SUFFIXES, _SUFFIXES_APOS, apostrophes)
    else:
        before = _prose(rng, _PREFIXES, _PREFIXES_APOS, apostrophes)
        after = _prose(rng, _SUFFIXES, _SUFFIXES_APOS, apostrophes)
    text = doc
    if before:
        text = before + rng.choice(("\n", "\n\n", " ")) + text
    if after:
        text = text + rng.choice(("\n", "\n\n", " ")) + after
    return text


def _wrap_think(doc: str, rng: random.Random) -> str:
    o, c = rng.choice(_THINK)
    return o + rng.choice(_REASONING) + c + doc


# ---------------------------------------------------------------------------------------
# Kinds
# ---------------------------------------------------------------------------------------

_LEXICAL = {
    "single_quotes", "unquoted_keys", "smart_quotes", "trailing_commas", "missing_commas",
    "python_literals", "comments_line", "comments_block", "comments_hash", "raw_newlines",
    "invalid_escapes",
}
_OUTER = {"markdown_fence", "prose_around", "content_tag"}
_MIXABLE = tuple(k for k in KINDS if k != "mixed")


def _compatible(kinds: set[str]) -> bool:
    if {"single_quotes", "smart_quotes"} <= kinds:
        return False
    if len(kinds & {"comments_line", "comments_block", "comments_hash"}) > 1:
        return False
    if len(kinds & _OUTER) > 1:
        return False
    if {"smart_quotes", "prose_around"} <= kinds:  # a bare `{“` in prose is not a known start
        return False
    return True


def _has_bare_start(value: Any) -> bool:
    """A value that the extractor can find in prose: a non-empty object, or an array whose
    first element is an object, array, string or number."""
    if isinstance(value, dict):
        return bool(value)
    if isinstance(value, list) and value:
        first = value[0]
        return isinstance(first, (dict, list, str, int, float)) and not isinstance(first, bool)
    return False


def _build(value: Any, kinds: set[str], rng: random.Random) -> str | None:
    if not isinstance(value, (dict, list)):
        return None
    if "prose_around" in kinds and not _has_bare_start(value):
        return None
    quotes = "single" if "single_quotes" in kinds else "smart" if "smart_quotes" in kinds else "double"
    comment = next((c for c, k in _COMMENT_KIND.items() if k in kinds), None)
    indent = rng.choice((None, None, 2, 4, "\t"))
    truncate = "missing_closers" in kinds
    want = kinds & _LEXICAL

    def emit(p: float) -> tuple[str, dict[str, int]]:
        em = _Emitter(
            rng,
            quotes=quotes,
            bare_keys="unquoted_keys" in kinds,
            trailing_p=p if "trailing_commas" in kinds else 0.0,
            missing_p=p if "missing_commas" in kinds else 0.0,
            py_literals="python_literals" in kinds,
            comment=comment,
            comment_p=p if comment else 0.0,
            raw_newlines="raw_newlines" in kinds,
            raw_escapes="invalid_escapes" in kinds,
            indent=indent,
            top_comment_ok="prose_around" not in kinds,
        )
        return em.emit(value), em.counts

    doc, counts = emit(0.35)
    if any(not counts.get(k) for k in want):
        doc, counts = emit(1.0)
        if any(not counts.get(k) for k in want):
            return None

    if truncate:
        doc = _cut_closers(doc, rng)
        if doc is None:
            return None

    apostrophes = quotes != "single"
    if "markdown_fence" in kinds:
        doc = _wrap_fence(doc, rng, not truncate, apostrophes)
    elif "content_tag" in kinds:
        doc = _wrap_tag(doc, rng, not truncate)
    elif "prose_around" in kinds:
        doc = _wrap_prose(doc, rng, not truncate, apostrophes)
    if "think_block" in kinds:
        doc = _wrap_think(doc, rng)
    return doc


def _cut_closers(doc: str, rng: random.Random) -> str | None:
    """Drop the last k closing brackets (k >= 1) of the document, and what follows them."""
    j = len(doc)
    closers: list[int] = []
    while j > 0 and doc[j - 1] in "]} \t\n":
        j -= 1
        if doc[j] in "]}":
            closers.append(j)
    if not closers:
        return None
    k = rng.randint(1, len(closers))
    cut = doc[: closers[k - 1]].rstrip()
    # what is left must still hold a key or a value, not just openers: a bare `{` or `[`
    # with nothing after it is not a value the extractor has to take.
    if not re.search(r"[^\[{\s]", cut):
        return None
    return cut


def corrupt(value: Any, kind: str, rng: random.Random) -> str | None:
    """Almost-JSON text whose one correct repair is `value`, or None if `kind` does not
    apply to `value` (no strings to re-quote, no literals, no multi-line string, ...)."""
    if kind not in KINDS:
        raise ValueError(f"unknown corruption kind {kind!r}; known: {', '.join(KINDS)}")
    if kind != "mixed":
        return _build(value, {kind}, rng)
    for _ in range(30):
        kinds = set(rng.sample(_MIXABLE, rng.choice((2, 2, 3))))
        if not _compatible(kinds):
            continue
        text = _build(value, kinds, rng)
        if text is not None:
            return text
    return None


def dump_value(value: Any) -> str:
    """The value as canonical JSON text (for messages and reports)."""
    return json.dumps(value, ensure_ascii=False)


def corpus(n: int, seed: int = 0) -> list[tuple[str, str, Any]]:
    """`n` cases per kind, as (kind, text, expected); the same list for the same seed."""
    cases: list[tuple[str, str, Any]] = []
    for kind in KINDS:
        made = 0
        attempt = 0
        while made < n and attempt < 100 * n + 100:
            rng = random.Random(f"{seed}:{kind}:{attempt}")
            attempt += 1
            value = random_value(rng)
            text = corrupt(value, kind, rng)
            if text is None:
                continue
            cases.append((kind, text, value))
            made += 1
    return cases
