"""Schema alignment: bend a parsed value toward what the schema expects, one recorded
step per change, each with the JSON path it changed.

Works on values, never on text: a key is renamed only where it is a key, and a value that
merely contains a field's name is left alone. Nothing is guessed when two readings are
equally good (two fields equally close to a typo, two enum options in one answer).
"""

from __future__ import annotations

import json
import re

from .schema import Shape, normalize
from .steps import snippet

MAX_DEPTH = 120
NULL_WORDS = frozenset(["n/a", "na", "none", "null", "nil", "-", "", "not applicable", "unknown", "undefined"])
TRUE_WORDS = frozenset(["true", "yes", "y", "on", "1", "t"])
FALSE_WORDS = frozenset(["false", "no", "n", "off", "0", "f"])
WRAPPER_KEYS = frozenset(["result", "results", "data", "output", "response", "answer", "value", "content", "json", "items"])

_MARKDOWN_MARKERS = ("**", "__", "*", "_")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")  # one way to split digits
_LEADING_NUMBER = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*[A-Za-z\u00b5\u00b0][\w\s./\u00b5\u00b0-]{0,40}$")
_CURRENCY = "$€£¥₹"


def path_join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _strict_json(text: str):
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


class Aligner:
    """`reparse(text) -> value` reads an object or list written as a JSON string; it raises
    ValueError when the text holds no value. The pipeline passes its own repair, so
    alignment never imports the engine above it; alone, the Aligner reads strict JSON."""

    def __init__(self, pos: int = 0, reparse=None) -> None:
        self.pos = pos  # where the value starts in the raw text: the offset value steps carry
        self.reparse = reparse or _strict_json
        self.steps: list = []

    def add(self, code: str, path: str, message: str, found="", put="") -> None:
        self.steps.append((code, self.pos, message, _short(found), _short(put), path))

    # ------------------------------------------------------------------ dispatch
    def align(self, value, shape: Shape, path: str = "$", depth: int = 0):
        # Alignment recurses with the value (about three frames a level); below MAX_DEPTH
        # the value is left as it is and the validator has the last word.
        if depth > MAX_DEPTH or shape.kind == "any":
            return value
        if value is None:
            return value
        if shape.nullable and shape.kind in _SCALAR_KINDS and isinstance(value, list):
            value = self._one_item(value, path)  # `["N/A"]`: unwrapped first, so the null word is seen
        if shape.nullable and isinstance(value, str) and shape.kind != "string" and value.strip().casefold() in NULL_WORDS:
            self.add("repair_coerce_null", path, f"{snippet(value)} means no value; used null", value, None)
            return None
        if shape.nullable and shape.kind == "string" and isinstance(value, str) and value.strip().casefold() in NULL_WORDS - {""}:
            self.add("repair_coerce_null", path, f"{snippet(value)} means no value; used null", value, None)
            return None
        if isinstance(value, dict) and len(value) == 1 and shape.kind in _SCALAR_KINDS:
            (key, inner), = value.items()
            if not isinstance(inner, (dict, list)):
                self.add("repair_unwrap", path, f"unwrapped the value from the wrapper key {snippet(key)}", key, "")
                value = inner
        handler = getattr(self, "_" + shape.kind, None)
        return value if handler is None else handler(value, shape, path, depth)

    # ------------------------------------------------------------------ containers
    def _object(self, value, shape: Shape, path: str, depth: int):
        if isinstance(value, str):
            value = self._string_json(value, path, dict)
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
            self.add("repair_unwrap_list", path, "took the one object out of a one-item list", "[...]", "{...}")
            value = value[0]
        if not isinstance(value, dict):
            return value
        if shape.props:
            value = self._unwrap_object(value, shape, path)
            return self._object_keys(value, shape, path, depth)
        if shape.additional is not None:
            return {k: self.align(v, shape.additional, path_join(path, k), depth + 1) for k, v in value.items()}
        return value

    def _unwrap_object(self, value: dict, shape: Shape, path: str) -> dict:
        """`{"result": {...}}` / `{"Person": {...}}`: unwrap while the outer object matches no
        field and exactly one key holds an object that matches some."""
        if _matching_keys(value, shape):
            return value
        keys, inner = [], value
        for _ in range(3):
            if not isinstance(inner, dict) or len(inner) != 1:
                return value
            (key, inner), = inner.items()
            keys.append(key)
            if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], dict):
                inner = inner[0]
            if isinstance(inner, dict) and _matching_keys(inner, shape):
                where = " > ".join(snippet(k) for k in keys)
                self.add("repair_unwrap", path, f"unwrapped the value from the wrapper key(s) {where}", keys[0], "")
                return inner
        return value

    def _object_keys(self, value: dict, shape: Shape, path: str, depth: int) -> dict:
        target = match_keys(list(value), shape)
        out = {}
        for key, item in value.items():
            prop, code = target.get(key, (None, None))
            if prop is None:
                if shape.drop_extra:
                    self.add("repair_extra_key", path_join(path, key), f"dropped the key {snippet(key)}, which the schema does not know", key, "")
                    continue
                out[key] = item
                continue
            if code:
                self.add(code, path_join(path, prop), f"key {snippet(key)} read as {snippet(prop)}", key, prop)
            out[prop] = self.align(item, shape.props[prop], path_join(path, prop), depth + 1)
        return out

    def _array(self, value, shape: Shape, path: str, depth: int):
        if isinstance(value, str):
            parsed = self._string_json(value, path, list)
            if parsed is not value:
                value = parsed
        if isinstance(value, dict):
            value = self._object_to_list(value, shape, path)
        if not isinstance(value, list):
            self.add("repair_wrap_list", path, "wrapped a single value in a list", _short(value), "[...]")
            value = [value]
        items = shape.items or Shape("any")
        return [self.align(v, items, path_join(path, i), depth + 1) for i, v in enumerate(value)]

    def _object_to_list(self, value: dict, shape: Shape, path: str):
        """`{"data": [...]}` -> the list; `{"ann": {"age": 3}}` -> `[{"name": "ann", "age": 3}]`."""
        if len(value) == 1:
            (key, inner), = value.items()
            if isinstance(inner, list):
                self.add("repair_unwrap", path, f"unwrapped the list from the wrapper key {snippet(key)}", key, "")
                return inner
        items = shape.items
        if items is None or items.kind != "object" or not value or not all(isinstance(v, dict) for v in value.values()):
            return value
        if _matching_keys(value, items):
            return value  # it is one item, not a map of items
        free = [
            name for name in sorted(items.required)
            if items.props[name].kind in ("string", "enum", "any")
            and not any(_has_field(v, name, items) for v in value.values())
        ]
        if len(free) != 1:
            return value
        field = free[0]
        self.add("repair_map_to_list", path, f"turned an object of {len(value)} objects into a list, moving each key into {snippet(field)}", "{...}", "[...]")
        return [{field: key, **item} for key, item in value.items()]

    def _union(self, value, shape: Shape, path: str, depth: int):
        best = None
        for option in shape.options:
            trial = Aligner(self.pos, self.reparse)
            aligned = trial.align(value, option, path, depth + 1)
            lossy = sum(1 for s in trial.steps if s[0] in _LOSSY)
            score = (fits(aligned, option), -lossy, -len(trial.steps))
            if best is None or score > best[0]:
                best = (score, aligned, trial.steps)
        if best is None:
            return value
        self.steps.extend(best[2])
        return best[1]

    # ------------------------------------------------------------------ scalars
    def _string(self, value, shape: Shape, path: str, depth: int):
        value = self._one_item(value, path)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = json.dumps(value)
        else:
            return value
        self.add("repair_coerce_string", path, f"wrote {text} as text", value, text)
        return text

    def _integer(self, value, shape: Shape, path: str, depth: int):
        return self._number(value, shape, path, depth, integer=True)

    def _number(self, value, shape: Shape, path: str, depth: int, integer: bool = False):
        value = self._one_item(value, path)
        if not isinstance(value, str):
            return value
        text = self._unmark(value, path)
        number = parse_number(text, shape, integer)
        if number is None:
            return text if text != value.strip() else value
        self.add("repair_coerce_number", path, f"read {snippet(value)} as {number}", value, number)
        return number

    def _boolean(self, value, shape: Shape, path: str, depth: int):
        value = self._one_item(value, path)
        if not isinstance(value, str):
            return value
        word = self._unmark(value, path).strip().rstrip(".!").casefold()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            result = word in TRUE_WORDS
            self.add("repair_coerce_bool", path, f"read {snippet(value)} as {str(result).lower()}", value, result)
            return result
        return value

    def _enum(self, value, shape: Shape, path: str, depth: int):
        if value in shape.enum and not isinstance(value, bool):
            return value
        value = self._one_item(value, path)
        if value in shape.enum and not isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in shape.enum:
            self.add("repair_enum_match", path, f"read {value} as {snippet(str(value))}", value, str(value))
            return str(value)
        if not isinstance(value, str):
            return value
        text = self._unmark(value, path)
        chosen, rule = match_enum(text, shape.enum)
        if chosen is None:
            return value
        if chosen != value:
            self.add("repair_enum_match", path, f"read {snippet(value)} as {snippet(chosen)} ({rule})", value, chosen)
        return chosen

    # ------------------------------------------------------------------ helpers
    def _one_item(self, value, path: str):
        """`[5]` where a single value is expected: the value, with a step."""
        if isinstance(value, list) and len(value) == 1 and not isinstance(value[0], (list, dict)):
            self.add("repair_unwrap_list", path, "took the one value out of a one-item list", "[...]", "")
            return value[0]
        return value

    def _unmark(self, value: str, path: str) -> str:
        found = _markdown(value)
        if found is None:
            return value
        marker, inner = found
        self.add("repair_markdown_value", path, f"stripped markdown {marker!r} around {snippet(inner)}", value, inner)
        return inner

    def _string_json(self, value: str, path: str, kind):
        stripped = value.strip()
        if not stripped or stripped[0] not in "{[":
            return value
        try:
            inner = self.reparse(stripped)
        except ValueError:  # RepairError is one
            return value
        if not isinstance(inner, kind):
            return value
        self.add("repair_string_json", path, "parsed an object or list written as a JSON string", value, "")
        return inner


_SCALAR_KINDS = frozenset(["string", "integer", "number", "boolean", "enum"])
_LOSSY = frozenset(["repair_key_typo", "repair_extra_key", "repair_schema_choice"])


def _short(value):
    if isinstance(value, str):
        return value if len(value) <= 60 else value[:57] + "..."
    if isinstance(value, (int, float, bool)) or value is None:
        return json.dumps(value)
    return "..."


# ---------------------------------------------------------------------- keys
def match_keys(keys: list[str], shape: Shape) -> dict:
    """Map each input key to (property, step code or None). A key matched by an earlier
    rule claims its field first; ties and ambiguous readings match nothing."""
    by_case, by_norm, by_alias = shape.lookup()
    props = shape.props
    result: dict = {}
    claimed: set = set()

    def claim(key, prop, code):
        result[key] = (prop, code)
        claimed.add(prop)

    for key in keys:
        if key in props:
            claim(key, key, None)
    rules = (
        ("repair_key_alias", lambda k: [shape.synonyms[k]] if k in shape.synonyms else by_alias.get(normalize(k), [])),
        ("repair_key_case", lambda k: by_case.get(k.casefold(), [])),
        ("repair_key_convention", lambda k: by_norm.get(normalize(k), [])),
    )
    for code, find in rules:
        for key in keys:
            if key in result:
                continue
            options = [p for p in find(key) if p not in claimed]
            if len(options) == 1:
                claim(key, options[0], code)
    rest = [k for k in keys if k not in result]
    free = [p for p in props if p not in claimed]
    if rest and free and len(rest) * len(free) <= 10_000:
        for key in rest:
            prop = _closest(normalize(key), [p for p in free if p not in claimed])
            if prop is not None:
                claim(key, prop, "repair_key_typo")
    return result


def _matching_keys(value: dict, shape: Shape) -> int:
    if not shape.props:
        return 0
    return len(match_keys([k for k in value if isinstance(k, str)][:200], shape))


def _has_field(item: dict, name: str, shape: Shape) -> bool:
    return any(prop == name for prop, _ in match_keys(list(item), shape).values())


def _closest(word: str, candidates: list[str]) -> str | None:
    if len(word) < 4:
        return None
    limit = 1 if len(word) <= 7 else 2
    best, best_d, tie = None, limit + 1, False
    for cand in candidates:
        d = edit_distance(word, normalize(cand), limit)
        if d < best_d:
            best, best_d, tie = cand, d, False
        elif d == best_d:
            tie = True
    return None if tie or best_d > limit else best


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, giving up (limit + 1) past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# ---------------------------------------------------------------------- scalars
def parse_number(text: str, shape: Shape, integer: bool):
    """`1,234`, `$12.50`, `3 units`, `15%` (0.15 for a field capped at 1) -> a number."""
    t = text.strip()
    percent = t.endswith("%")
    if percent:
        t = t[:-1].strip()
    t = t.strip(_CURRENCY).strip()
    if not t:
        return None  # `""`, `%`, `$`: no digits at all
    if t[0] in "+-" and len(t) > 1 and t[1] in _CURRENCY:
        t = t[0] + t[2:]
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    elif not _NUMBER.match(t):
        m = _LEADING_NUMBER.match(t)
        if m is None or percent or any(c.isdigit() for c in t[m.end(1):]):
            return None  # not a number, or `3 or 4 days`: two numbers, and no way to pick
        t = m.group(1).replace(",", "")
    try:
        number = float(t) if any(c in t for c in ".eE") else int(t)
    except ValueError:
        return None
    if percent and shape.maximum is not None and shape.maximum <= 1:
        number = number / 100
    if isinstance(number, float) and number.is_integer() and (integer or "." not in t and "e" not in t.lower()):
        number = int(number)
    return number


def match_enum(text: str, options: list):
    """The one option `text` names, and by which rule; (None, "") when none or several."""
    strings = [o for o in options if isinstance(o, str)]
    if not strings:
        return None, ""
    folded = text.strip().casefold()
    rules = (
        ("ignoring case", lambda o: o.casefold() == folded),
        ("ignoring case and punctuation", lambda o: normalize(o) == normalize(text) and normalize(o) != ""),
        ("named in the text", lambda o: _word_pattern(o).search(text) is not None),
    )
    for rule, test in rules:
        hits = [o for o in strings if test(o)]
        if len(hits) == 1:
            return hits[0], rule
        if len(hits) > 1:
            return None, ""  # ambiguous: guess nothing
    word = normalize(text)
    if len(word) >= 4:
        best = _closest(word, strings)
        if best is not None:
            return best, "closest spelling"
    return None, ""


def _word_pattern(option: str):
    words = [w for w in re.split(r"[^0-9A-Za-z]+", option) if w]
    if not words:
        return re.compile(r"(?!x)x")
    body = r"[\s_\-]+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![0-9A-Za-z]){body}(?![0-9A-Za-z])", re.IGNORECASE)


def fits(value, shape: Shape, depth: int = 0) -> bool:
    """A cheap structural check: does `value` have the type the shape expects?"""
    if depth > 50:
        return True
    kind = shape.kind
    if value is None:
        return shape.nullable or kind in ("null", "any")
    if kind == "any":
        return True
    if kind == "object":
        return isinstance(value, dict) and all(r in value for r in shape.required)
    if kind == "array":
        return isinstance(value, list) and (shape.items is None or all(fits(v, shape.items, depth + 1) for v in value[:20]))
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "enum":
        return value in shape.enum
    if kind == "union":
        return any(fits(value, o, depth + 1) for o in shape.options)
    return False


def _markdown(value: str):
    """`**42**`, `_yes_`, `` `P1` ``: (marker, inner text), or None. Plain string checks:
    a pattern with a back-reference here backtracked cubically on runs of backticks."""
    text = value.strip()
    if text.startswith("`"):  # the longest run of backticks that also closes the text
        size = min(len(text) - len(text.lstrip("`")), len(text) - len(text.rstrip("`")), (len(text) - 1) // 2)
        marker = "`" * size
    else:
        marker = next((m for m in _MARKDOWN_MARKERS
                       if text.startswith(m) and text.endswith(m) and len(text) > 2 * len(m)), "")
    if not marker:
        return None
    inner = text[len(marker):len(text) - len(marker)].strip()
    return (marker, inner) if inner else None
