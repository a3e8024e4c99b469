"""Key matching: which schema property each key of an object names (docs/policy.md §6, "Keys").

Rules, in order: exact, declared alias, case only, naming convention, typo. A key matched
by an earlier rule claims its field first; ties and ambiguous readings match nothing.
"""

from __future__ import annotations

from typing import Any, Callable

from ..steps import KEY_CONVENTION
from .compile import Shape, normalize


def match_keys(keys: list[str], shape: Shape) -> dict[str, tuple[str, str | None]]:
    """Map each input key to (property, step code or None); unmatched keys are absent."""
    by_case, by_norm, by_alias = shape.lookup()
    props = shape.props
    result: dict[str, tuple[str, str | None]] = {}
    claimed: set[str] = set()

    def claim(key: str, prop: str, code: str | None) -> None:
        result[key] = (prop, code)
        claimed.add(prop)

    for key in keys:
        if key in props:
            claim(key, key, None)
    rules: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
        ("repair_key_alias", lambda k: [shape.synonyms[k]] if k in shape.synonyms else by_alias.get(normalize(k), [])),
        ("repair_key_case", lambda k: by_case.get(k.casefold(), [])),
        (KEY_CONVENTION, lambda k: by_norm.get(normalize(k), [])),
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
            prop = closest(normalize(key), [p for p in free if p not in claimed])
            if prop is not None:
                claim(key, prop, "repair_key_typo")
    return result


def count_matching_keys(value: dict[Any, Any], shape: Shape) -> int:
    """How many of the object's keys (the first 200) name a property of `shape`."""
    if not shape.props:
        return 0
    return len(match_keys([k for k in value if isinstance(k, str)][:200], shape))


def has_field(item: dict[str, Any], name: str, shape: Shape) -> bool:
    return any(prop == name for prop, _ in match_keys(list(item), shape).values())


def closest(word: str, candidates: list[str]) -> str | None:
    """The one candidate within a typo of `word` (distance 1 up to 7 letters, 2 from 8);
    None for short words, no candidate, or a tie."""
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
