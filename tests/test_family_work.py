"""Work per byte on the adversarial growth families (benchmarks/run.py, section "growth").

No assertion here depends on time: each test counts the Python-level steps a family
costs (calls of a function, tokens read) and checks that they do not grow with the
repetitions the family is made of, or grow at most in proportion to them.
"""

from __future__ import annotations

import pytest

import repair
from repair.lexical import parser


# ---------------------------------------------------------------- closing what is open

def test_closing_deep_nesting_costs_no_call_per_container(monkeypatch):
    calls = [0]
    end_frame = parser.Engine.end_frame

    def spy(*args):
        calls[0] += 1
        return end_frame(*args)

    monkeypatch.setattr(parser.Engine, "end_frame", staticmethod(spy))
    result = repair.repair('{"a": [' * 5000 + "1")
    assert result.value is not None and calls[0] == 0
    assert result.text.endswith("1" + "]}" * 5000)


@pytest.mark.parametrize("text, closed", [
    ('{"x": (1, 2', '{"x": [1, 2]}'),
    ('{"a": [1, {"b": 2', '{"a": [1, {"b": 2}]}'),
    ('[["a": 1, "b": [2', '[[{"a": 1, "b": [2]}]]'),
    ('[{"a": 1}, ["b": {"c": (3', '[{"a": 1}, [{"b": {"c": [3]}}]]'),
])
def test_closing_writes_each_container_as_its_kind(text, closed):
    assert repair.repair_json(text) == closed
