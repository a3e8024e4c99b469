"""From a call found in a source to a `ToolCall`: arguments read, the name matched to a
tool, the arguments aligned to its parameter schema and validated, strict mode applied."""

from __future__ import annotations

from typing import NamedTuple

from ..core import repair
from ..errors import RepairError, ValidationFailed
from ..schema.align import Aligner
from ..steps import CODES, build_steps, log_steps
from .arguments import as_object, read_text, shift
from .call import ToolCall
from .names import match_name

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from ..steps import PathStep
    from .definitions import Registry


class Found(NamedTuple):
    """A call as a source holds it, before repair. `arguments` is text to read when
    `wire_text` (the OpenAI string form), else the value the engine read; `steps` are raw
    steps already taken, `pos` is where the arguments start in `raw`."""

    name: object
    id: object
    arguments: object
    raw: str
    span: tuple[int, int] | None
    steps: list[PathStep]
    pos: int = 0
    wire_text: bool = False


def build_call(found: Found, index: int, registry: Registry | None, strict: bool) -> ToolCall:
    raw, pos = found.raw, found.pos
    name = found.name
    if not isinstance(name, str) or not name.strip():
        raise RepairError(f"tool call {index} has no name (found {name!r})", raw, 0, "validation")
    steps = list(found.steps)
    added: list[PathStep] = []  # the steps taken here (the engine logs its own)
    try:
        if found.wire_text and isinstance(found.arguments, str):
            value, engine = read_text(found.arguments, pos)
            steps += engine
        else:
            value = found.arguments
        arguments = as_object(value, pos, added)
    except RepairError as exc:
        raise RepairError(f"the arguments of tool {name!r} cannot be read: {exc.msg}", raw, pos + exc.pos, exc.kind) from None
    parsed, errors = None, None
    if registry is not None:
        tool_name, name_step = match_name(name, registry.names, raw, 0)
        if name_step is not None:
            added.append(name_step)
        tool = registry.tools[tool_name]
        name = tool_name
        aligner = Aligner(pos, reparse=lambda inner: repair(inner).value)
        arguments = aligner.align(arguments, tool.compiled.shape)
        added += shift(aligner.steps, 0, "$.arguments")
        if not isinstance(arguments, dict):  # (alignment keeps an object an object)
            arguments = {}
        parsed, errors = tool.validate(arguments)
    all_steps = build_steps(raw, steps + added)
    if strict:
        for step in all_steps:
            if CODES[step.code].lossy:
                raise RepairError(f"strict mode refuses a lossy repair of tool call {name!r}: {step.code}: {step.message}",
                                  raw, step.pos, "lossy_refused")
    log_steps(build_steps(raw, added))
    if errors is not None:
        errors = [{**e, "loc": ("arguments", *e["loc"])} for e in errors]
        raise ValidationFailed(errors, arguments, all_steps, raw, pos)
    call_id = found.id if isinstance(found.id, str) and found.id else f"call_{index}"
    return ToolCall(call_id, name, arguments, all_steps, raw, found.span, parsed)
