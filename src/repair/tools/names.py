"""Tool names: a name the model wrote matched to one of the tools given, the way object
keys are matched to fields (schema/keys.py: case, naming convention, a unique close
spelling), after the exact name and a `functions.` style namespace prefix."""

from __future__ import annotations

from ..errors import RepairError
from ..schema.compile import Shape
from ..schema.keys import match_keys
from ..steps import KEY_CONVENTION, snippet

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from ..steps import PathStep


def match_name(name: str, names: list[str], raw: str, pos: int) -> tuple[str, PathStep | None]:
    """(the tool's name, a raw step or None) for `name`; RepairError naming the tools
    when none or several could be meant. The step is at offset `pos` of `raw`."""
    if name in names:
        return name, None
    shape = Shape("object")
    shape.props = dict.fromkeys(names, Shape())
    prop, code = match_keys([name], shape).get(name, (name, None))
    if code is not None:  # (None: no match; an exact one, the only other, was taken above)
        return prop, (code, pos, f"tool name {snippet(name)} read as {snippet(prop)}", name, prop, "$.name")
    last = name.rsplit(".", 1)[-1].rsplit("/", 1)[-1]
    if last != name and last in names:  # `functions.get_weather`, `tools/get_weather`
        return last, (KEY_CONVENTION, pos, f"tool name {snippet(name)} read as {snippet(last)} (namespace dropped)",
                      name, last, "$.name")
    listed = ", ".join(repr(n) for n in names[:20]) + (", ..." if len(names) > 20 else "")
    raise RepairError(f"unknown tool {snippet(name)}: the tools are {listed}", raw, pos, "validation")
