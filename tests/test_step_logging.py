"""Steps on the `repair` logger: one record per step of a repair, each carrying the step as
`extra=` fields, also when ActionNode reads the same text more than once (a cut-off answer
and its continuation, a streamed answer piece by piece, a re-ask)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import pytest
from pydantic import BaseModel

import repair
from repair import ActionNode
from repair.steps import unlogged_steps

FIELDS = ("repair_code", "repair_pos", "repair_line", "repair_col", "repair_lossy", "repair_path")


class Ticket(BaseModel):
    title: str
    severity: Literal["low", "high"]
    steps: list[str]


class Inner(BaseModel):
    a: int


class Outer(BaseModel):
    title: str
    inner: Inner


@dataclass
class Reply:
    text: str
    finish_reason: str | None = None
    usage: dict | None = None


class Capture(logging.Handler):
    """Every record the `repair` logger and its children emit, kept as it was."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def steps(self) -> list[logging.LogRecord]:
        return [r for r in self.records if r.name == "repair"]

    def codes(self) -> Counter:
        return Counter(r.repair_code for r in self.steps)


@pytest.fixture
def captured():
    logger = logging.getLogger("repair")
    handler, level = Capture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def fields(record: logging.LogRecord) -> dict:
    return {name: getattr(record, name) for name in FIELDS}


def expected(step) -> dict:
    d = step.to_dict()
    return {"repair_code": d["code"], "repair_pos": d["pos"], "repair_line": d["line"], "repair_col": d["col"],
            "repair_lossy": d["lossy"], "repair_path": d["path"]}


# --------------------------------------------------------------------------- repair itself
def test_each_step_is_one_record_with_its_fields(captured):
    result = repair.repair("Sure!\n```json\n{'a': [1, 2,], b: NaN\n")
    assert len(result.steps) >= 5
    assert len(captured.steps) == len(result.steps)
    assert [fields(r) for r in captured.steps] == [expected(s) for s in result.steps]
    assert [r.getMessage() for r in captured.steps] == [str(s) for s in result.steps]
    assert {r.repair_code for r in captured.steps if r.repair_lossy} == {"repair_nonfinite_number"}
    assert all(r.levelno == logging.INFO for r in captured.steps)


def test_schema_steps_carry_their_path(captured):
    result = repair.repair("{'Title': 'x', 'severity': 'HIGH', 'steps': 'open'}", schema=Ticket)
    assert len(captured.steps) == len(result.steps)
    paths = {r.repair_code: r.repair_path for r in captured.steps}
    assert paths["repair_key_case"] == "$.title" and paths["repair_enum_match"] == "$.severity"
    assert paths["repair_wrap_list"] == "$.steps" and paths["repair_single_quotes"] == ""


def test_a_json_formatter_gets_the_fields():
    class JSONFormatter(logging.Formatter):
        def format(self, record):
            return json.dumps({"msg": record.getMessage(),
                               **{k: v for k, v in vars(record).items() if k.startswith("repair_")}})

    stream = __import__("io").StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger("repair")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        repair.loads('{"a": 1,\n "b": [2,]}')
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines == [
        {"msg": "repair_trailing_comma at line 2, column 9: removed a trailing ','", "repair_code": "repair_trailing_comma",
         "repair_pos": 17, "repair_line": 2, "repair_col": 9, "repair_lossy": False, "repair_path": ""},
    ]


def test_nothing_is_logged_inside_unlogged_steps(captured):
    with unlogged_steps():
        repair.repair("[1, 2,]")
        with unlogged_steps():
            repair.repair("[1, 2,]")
        repair.repair("[1, 2,]")  # still inside the outer block
    assert captured.steps == []
    repair.repair("[1, 2,]")
    assert len(captured.steps) == 1


# --------------------------------------------------------------------------- through ActionNode
CUT = "[CONTENT]{'title': 'x', 'severity': 'high', 'steps': ['a"
REST = "', 'b']}[/CONTENT]"


def test_fill_logs_each_step_once(captured):
    result = ActionNode.from_model(Ticket).fill("ctx", lambda messages: "Sure! [CONTENT]{'title': 'x', "
                                                "'Severity': 'HIGH', 'steps': 'a',}[/CONTENT]")
    steps = result.attempts[0].steps
    assert len(steps) >= 8
    assert [fields(r) for r in captured.steps] == [expected(s) for s in steps]


def test_a_continued_answer_is_logged_once_not_once_per_reading(captured):
    replies = [Reply(CUT, "length"), Reply(REST)]
    result = ActionNode.from_model(Ticket).fill("ctx", lambda messages: replies.pop(0))
    assert [a.kind for a in result.attempts] == ["ask", "continue"]
    steps = result.attempts[1].steps  # the joined text's steps
    assert captured.codes() == Counter(s.code for s in steps)
    assert "repair_truncated" not in captured.codes()  # the cut-off part alone was never logged
    assert captured.codes()["repair_content_tag"] == 1


def test_each_answer_of_a_reask_is_logged_once(captured):
    bad = "[CONTENT]{'title': 'x', 'severity': 'urgent', 'steps': ['a']}[/CONTENT]"
    good = "[CONTENT]{'title': 'x', 'severity': 'high', 'steps': ['a']}[/CONTENT]"
    replies = [bad, good]
    result = ActionNode.from_model(Ticket).fill("ctx", lambda messages: replies.pop(0))
    logged = [fields(r) for r in captured.steps]
    assert logged == [expected(s) for a in result.attempts for s in a.steps]
    assert captured.codes()["repair_content_tag"] == 2  # one per answer
    actions = [r for r in captured.records if r.name == "repair.action"]
    assert len(actions) == 2 and not any(hasattr(r, "repair_code") for r in actions)


def test_json_inside_a_string_logs_only_the_answers_steps(captured):
    result = ActionNode.from_model(Outer).fill("ctx", lambda m: '[CONTENT]{"title": "x", "inner": "{\'a\': 1,}"}[/CONTENT]')
    assert result.instance.inner.a == 1
    assert [r.repair_code for r in captured.steps] == [s.code for s in result.attempts[0].steps] \
        == ["repair_content_tag", "repair_string_json"]


def test_afill_logs_each_step_once(captured):
    replies = [Reply(CUT, "length"), Reply(REST)]

    async def llm(messages):
        return replies.pop(0)

    result = asyncio.run(ActionNode.from_model(Ticket).afill("ctx", llm))
    assert captured.codes() == Counter(s.code for s in result.attempts[-1].steps)


def pieces(text: str, size: int = 3):
    return iter([text[i:i + size] for i in range(0, len(text), size)])


def test_a_streamed_answer_is_logged_once_not_at_every_piece(captured):
    answer = "[CONTENT]{'title': 'x', 'severity': 'high', 'steps': ['a']}[/CONTENT]"
    events = list(ActionNode.from_model(Ticket).stream("ctx", lambda messages: pieces(answer)))
    assert len(events) > 2  # the answer was read at every piece, and at the end
    steps = events[-1].result.attempts[0].steps
    assert [fields(r) for r in captured.steps] == [expected(s) for s in steps]


def test_a_streamed_continuation_is_logged_once(captured):
    calls = iter([CUT, REST])

    class Streamed(list):
        finish_reason = None

    def llm(messages):
        text = next(calls)
        out = Streamed(pieces(text))
        out.finish_reason = "length" if text is CUT else "stop"
        return out

    async def collect():
        return [e async for e in ActionNode.from_model(Ticket).astream("ctx", llm)]

    events = asyncio.run(collect())
    result = events[-1].result
    assert [a.kind for a in result.attempts] == ["ask", "continue"]
    assert captured.codes() == Counter(s.code for s in result.attempts[-1].steps)
