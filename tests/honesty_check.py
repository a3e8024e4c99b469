"""Honesty of a repair, and heavily damaged documents to check it on.

A word (a run of letters and digits) of the raw text that does not appear in the repaired
value must appear in the `found` of a step that is either lossy (the repair may have
dropped data) or, by the policy, not data at all: prose around the value, a comment, a
reasoning block, a fence or tag, a literal or number spelling. Used by
tests/test_honesty.py and benchmarks/honesty.py; standard library and repair only.
"""

from __future__ import annotations

import json
import random
import re

import repair
from repair import CODES
from corruption import random_value  # noqa: F401 (the generator uses it)

WORD = re.compile(r"[A-Za-z0-9]+")
# steps whose `found` is, by the policy, not part of the value
NOT_DATA = {"repair_comment", "repair_leading_text", "repair_trailing_text", "repair_think_block",
            "repair_markdown_fence", "repair_content_tag", "repair_xml_tag", "repair_python_literal",
            "repair_literal", "repair_number", "repair_escaped_json", "repair_ellipsis"}


def missing_words(text: str, result) -> set[str]:
    out = json.dumps(result.value, ensure_ascii=False).lower()
    have = set(WORD.findall(out))
    return {w for w in WORD.findall(text.lower()) if w not in have}


def covered_words(result) -> set[str]:
    words: set[str] = set()
    for step in result.steps:
        if CODES[step.code].lossy or step.code in NOT_DATA:
            words.update(WORD.findall(str(step.found).lower()))
    return words


def honest(text: str) -> tuple[bool, set[str]]:
    try:
        result = repair.repair(text)
    except repair.RepairError:
        return True, set()  # a refusal drops nothing silently
    uncovered = missing_words(text, result) - covered_words(result)
    return not uncovered, uncovered


DAMAGES = ("drop_quote", "drop_comma", "drop_closer", "stray_closer", "stray_word", "repeat_fragment", "cut")


_DROPPED = {"drop_quote": '"', "drop_comma": ",", "drop_closer": "}]"}


def _one_of(doc: str, chars: str, rng: random.Random) -> int:
    """A random offset of one of `chars` in `doc`; -1 when there is none."""
    idx = [i for i, c in enumerate(doc) if c in chars]
    return rng.choice(idx) if idx else -1


def damage(doc: str, rng: random.Random, kinds: list[str]) -> str:
    for kind in kinds:
        if kind in _DROPPED:
            i = _one_of(doc, _DROPPED[kind], rng)
            if i >= 0:
                doc = doc[:i] + doc[i + 1:]
        elif kind == "stray_closer":
            i = _one_of(doc, ",", rng)
            if i >= 0:
                doc = doc[:i] + rng.choice("}]") + doc[i:]
        elif kind == "stray_word":
            i = _one_of(doc, ",", rng)
            if i >= 0:
                doc = doc[:i + 1] + " " + rng.choice(["TODO", "Note", "IMPORTANT", "maybe"]) + doc[i + 1:]
        elif kind == "repeat_fragment":
            cut = rng.randrange(1, max(2, len(doc)))
            doc = doc + doc[:cut]
        elif kind == "cut":
            doc = doc[:rng.randrange(1, max(2, len(doc)))]
    return doc


def corpus(n: int, seed: int):
    rng = random.Random(seed)
    for i in range(n):
        value = random_value(rng)
        doc = json.dumps(value, ensure_ascii=False, indent=rng.choice([None, 2]))
        kinds = rng.sample(DAMAGES, rng.randint(1, 3))
        yield "+".join(sorted(kinds)), damage(doc, rng, kinds)
