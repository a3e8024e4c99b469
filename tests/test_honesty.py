"""Nothing is dropped silently: every word of a damaged input that is missing from the
repaired value is covered by a lossy step, or by a step whose text is, by the policy,
not data (prose around the value, a comment, a fence). See tests/honesty_check.py."""

from __future__ import annotations

import pytest

from honesty_check import DAMAGES, corpus, honest


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_missing_word_is_covered_by_a_step(seed):
    dishonest = []
    kinds = set()
    for kind, text in corpus(150, seed):
        kinds.update(kind.split("+"))
        ok, uncovered = honest(text)
        if not ok:
            dishonest.append((sorted(uncovered)[:5], text[:200]))
    assert kinds == set(DAMAGES)  # the corpus did damage in every way it knows
    assert not dishonest, f"{len(dishonest)} of 150: first {dishonest[0]!r}"


def test_the_check_sees_a_silent_drop():
    """(So the test above is not vacuous.) A value that lost a member without a lossy
    step is reported."""
    import repair
    from honesty_check import covered_words, missing_words

    text = '{"keep": 1, "lost": "words here"}'
    result = repair.repair('{"keep": 1}')
    assert missing_words(text, result) - covered_words(result) == {"lost", "words", "here"}
