"""Calls in raw model text, in the formats open models write them:

- Hermes / Qwen 2.5: `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`, one block
  per call, the last maybe cut off (`<function_call>` too);
- Mistral: `[TOOL_CALLS] [{"name": ..., "arguments": {...}}, ...]`, and the v11 form
  `[TOOL_CALLS]name[ARGS]{...}` (also `name{...}`, `name[CALL_ID]id[ARGS]{...}`), one marker per call;
- ReAct (LangChain, ModelScope-Agent): `Action: name` then `Action Input: {...}`, once per
  step; Qwen-Agent's `✿FUNCTION✿: name` then `✿ARGS✿: {...}` likewise;
- bare call objects `{"name": ..., "arguments": {...}}` (or `"parameters"`), or a list of them.

The engine (`repair_all`) finds and reads every value; this module only knows the markers
around them. A marker whose value cannot be read is a RepairError saying where.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..chars import P
from ..core import repair_all
from ..errors import RepairError
from ..steps import MARKDOWN_VALUE, XML_TAG, snippet
from .arguments import shift
from .build import Found
from .members import call_members

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from ..steps import PathStep

_MISTRAL = re.compile(r"\[TOOL_CALLS\]")
_MISTRAL_V11 = re.compile(r"[ \t]*(?P<name>[A-Za-z_][\w.\-]*)[ \t]*(?:\[CALL_ID\][ \t]*(?P<id>[^\[\s{]+)[ \t]*)?(?:\[ARGS\])?")
_TAG = re.compile(r"<(tool_call|function_call)>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_THINK_CLOSE = {name: re.compile(rf"</{name}>", re.IGNORECASE) for name in ("think", "thinking", "reasoning")}
# `Action: name` and `Action Input:` on a later line (the name is stripped afterwards, and
# `_at_line_start` checks that only blanks come before `Action`); no repeat can run far
# and then fail, so no text makes the search backtrack
_ACTION = re.compile(
    rf"Action[ \t]*{P}:(?P<name>[^\n]{{0,200}}{P})\n[ \t\r\n]*{P}Action[ \t]*{P}Input[ \t]*{P}:"
    rf"|\u273fFUNCTION\u273f[ \t]*{P}:(?P<qname>[^\n]{{0,200}}{P})\n[ \t\r\n]*{P}\u273fARGS\u273f[ \t]*{P}:",
    re.IGNORECASE,
)
# what ends an action's input: the next step of the trace (`Observation:` ... at a line start)
_ACTION_END = re.compile(r"(?:Observation|Thought|Final[ \t]{0,3}Answer|Action)[ \t]{0,8}:"
                         r"|\u273f(?:RESULT|RETURN|FUNCTION)\u273f", re.IGNORECASE)
_NAME_MARKUP = "`*\"' "


class _Value(NamedTuple):
    value: object
    start: int
    end: int
    steps: list[PathStep]  # raw steps, offsets in the whole text


def from_text(text: str) -> list[Found]:
    """The calls in `text`, in text order; [] when it holds none."""
    if _MISTRAL.search(text):
        return _mistral(text)
    thinking = _thinking(text)
    tags = [m for m in _TAG.finditer(text) if not any(a <= m.start() < b for a, b in thinking)]
    if tags:
        return _tagged(text, tags)
    actions = [m for m in _ACTION.finditer(text) if m.group("qname") is not None or _at_line_start(text, m.start())]
    if actions:
        return _actions(text, actions)
    return _bare(text)


def _thinking(text: str) -> list[tuple[int, int]]:
    """The spans of `<think>` blocks (to the end of the text when one is never closed)."""
    spans = []
    pos = 0
    while (m := _THINK_OPEN.search(text, pos)) is not None:
        close = _THINK_CLOSE[m.group(1).lower()].search(text, m.end())
        end = len(text) if close is None else close.start()
        spans.append((m.start(), end))
        pos = end
    return spans


def _at_line_start(text: str, pos: int) -> bool:
    """Only blanks between the start of the line and `pos`?"""
    return not text[text.rfind("\n", 0, pos) + 1:pos].strip(" \t")


def _values(text: str, start: int = 0, end: int | None = None) -> list[_Value]:
    """Every value the engine finds in text[start:end], at offsets of the whole text."""
    end = len(text) if end is None else end
    piece = text[start:end]
    if not piece.strip():
        return []
    try:
        results = repair_all(piece)
    except RepairError as exc:
        if exc.kind in ("empty", "no_value"):
            return []
        raise RepairError(exc.msg, text, start + exc.pos, exc.kind) from None
    return [_Value(r.value, start + r.span[0], start + r.span[1], shift(r.steps, start)) for r in results]


def _calls_in(text: str, v: _Value, block_start: int, where: str, require_arguments: bool = False) -> list[Found]:
    """The call object (or list of them) `v` holds; raw is text[block_start:v.end]."""
    raw = text[block_start:v.end]
    steps = shift(v.steps, -block_start)
    items = v.value if isinstance(v.value, list) else [v.value]
    extents = _item_extents(text, v) if isinstance(v.value, list) and len(items) > 1 else None
    found: list[Found] = []
    for i, item in enumerate(items):
        members = call_members(item, v.start - block_start) if isinstance(item, dict) else None
        if members is None or require_arguments and not members[2]:
            if require_arguments:
                return []
            raise RepairError(f"{where} holds no tool call: {snippet(str(item), 60)} has no 'name'", text, v.start)
        name, arguments, _, key_steps = members
        mine = steps
        if extents is not None:  # a list of calls: each call gets the steps inside it
            a, b = extents[i][0] - block_start, extents[i][1] - block_start
            last = i == len(items) - 1
            mine = [s for s in steps if a <= s[1] < b or (last and s[1] >= b) or (i == 0 and s[1] < a)]
        call_id = item.get("id") if isinstance(item.get("id"), str) else None
        found.append(Found(name, call_id, arguments, raw, (block_start, v.end), mine + key_steps, v.start - block_start))
    return found


def _item_extents(text: str, v: _Value) -> list[tuple[int, int]] | None:
    """Where each item of a list value lies, read by the engine from inside the list;
    None when that reading differs from the list's."""
    opener = text.find("[", v.start, v.end)
    if opener < 0:
        return None
    inner = _values(text, opener + 1, v.end)
    if [x.value for x in inner] != v.value:
        return None
    return [(x.start, x.end) for x in inner]


def _tagged(text: str, tags: list[re.Match[str]]) -> list[Found]:
    by_start = {v.start: v for v in _values(text)}
    found: list[Found] = []
    for m in tags:
        v = by_start.get(m.start())
        if v is None:
            raise RepairError(f"the {m.group()} block holds no JSON value", text, m.end())
        # taking the value from its tag is the format, not a repair; an unclosed tag is one
        v = v._replace(steps=[s for s in v.steps if not (s[0] == XML_TAG and s[3] == m.group())])
        found += _calls_in(text, v, v.start, f"the {m.group()} block")
    return found


def _mistral(text: str) -> list[Found]:
    markers = list(_MISTRAL.finditer(text))
    found: list[Found] = []
    for i, m in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(text)
        rest = text[m.end():end]
        after = end - len(rest.lstrip())
        if after < end and text[after] in "[{":  # [TOOL_CALLS] [{...}, ...]
            values = _values(text, m.end(), end)
            if not values:
                raise RepairError("the [TOOL_CALLS] list cannot be read", text, after)
            found += _calls_in(text, values[0], m.start(), "the [TOOL_CALLS] list")
            continue
        head = _MISTRAL_V11.match(text, m.end(), end)
        if head is None:
            raise RepairError("[TOOL_CALLS] is followed by neither a list of calls nor a tool name", text, m.end())
        values = _values(text, head.end(), end)
        if not values:
            raise RepairError(f"the arguments of tool {head.group('name')!r} after [TOOL_CALLS] cannot be read", text, head.end())
        v = values[0]
        found.append(Found(head.group("name"), head.group("id"), v.value, text[m.start():v.end], (m.start(), v.end),
                           shift(v.steps, -m.start()), v.start - m.start()))
    return found


def _actions(text: str, actions: list[re.Match[str]]) -> list[Found]:
    found: list[Found] = []
    for m in actions:
        end = next((stop.start() for stop in _ACTION_END.finditer(text, m.end())
                    if stop.group().startswith("\u273f") or _at_line_start(text, stop.start())), len(text))
        group = "name" if m.group("name") is not None else "qname"
        written = m.group(group).strip()
        name = written.strip(_NAME_MARKUP).removesuffix("()").strip(_NAME_MARKUP)
        if not name:
            raise RepairError("an Action names no tool", text, m.start())
        values = _values(text, m.end(), end)
        if not values:
            raise RepairError(f"the Action Input of {name!r} holds no JSON value", text, m.end())
        v = values[0]
        steps = shift(v.steps, -m.start())
        if name != written:
            start = text.index(written, m.start(group)) - m.start()
            steps.append((MARKDOWN_VALUE, start, f"tool name {snippet(written)} read as {snippet(name)}", written, name, "$.name"))
        found.append(Found(name, None, v.value, text[m.start():v.end], (m.start(), v.end), steps, v.start - m.start()))
    return found


def _bare(text: str) -> list[Found]:
    found: list[Found] = []
    for v in _values(text):
        if isinstance(v.value, (dict, list)) and v.value:
            found += _calls_in(text, v, v.start, "the value", require_arguments=True)
    return found
