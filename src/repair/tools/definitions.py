"""Tool definitions: `tool_schema(obj)` writes the OpenAI definition of a pydantic model or a
typed function, and `Registry` holds the tools a caller passes, each with its compiled
parameter schema (pydantic is imported only when a model or a function is given)."""

from __future__ import annotations

import inspect
import re

from ..chars import P
from ..errors import RepairError

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Mapping, TypeGuard, Union

    from pydantic import BaseModel

    from ..errors import ErrorDetail
    from ..schema import CompiledSchema

    # A tool as a caller gives it: an OpenAI definition (a dict at run time; a TypedDict
    # such as the OpenAI client's `ChatCompletionToolParam` is one), a pydantic model
    # class or a typed function.
    ToolSpec = Union[Mapping[str, Any], type[BaseModel], Callable[..., Any]]
    # `tools=`: one tool, or several
    Tools = Union[ToolSpec, Iterable[ToolSpec]]


def tool_schema(obj: ToolSpec) -> dict[str, Any]:
    """The OpenAI tool definition `{"type": "function", "function": {"name", "description",
    "parameters"}}` for a pydantic model class or a typed function.

    The docstring becomes the description (for a function, the text before its `Args:`
    section, whose `name: text` lines describe the parameters); pydantic field
    descriptions are kept; a parameter with a default is not required. An OpenAI
    definition (or its bare `function` part) comes back in the full form.
    """
    if isinstance(obj, dict):
        return _definition_dict(obj)
    if _is_model(obj):
        return _definition(obj.__name__, _model_doc(obj), _parameters(obj))
    if callable(obj):
        model, description = _function_model(obj)
        return _definition(obj.__name__, description, _parameters(model))
    raise TypeError(f"tool_schema expects a pydantic model, a typed function or a tool definition dict, not {type(obj).__name__}")


def _definition(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name}
    if description:
        function["description"] = description
    function["parameters"] = parameters
    return {"type": "function", "function": function}


def _definition_dict(obj: dict[str, Any]) -> dict[str, Any]:
    function = obj.get("function") if obj.get("type") == "function" or "function" in obj else obj
    if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
        raise TypeError("a tool definition dict needs {'type': 'function', 'function': {'name': ..., 'parameters': {...}}}")
    parameters = function.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise TypeError(f"tool {function['name']!r}: 'parameters' must be a JSON Schema object, not {type(parameters).__name__}")
    return {"type": "function", "function": function}


def _is_model(obj: object) -> TypeGuard[type[BaseModel]]:
    if not isinstance(obj, type):
        return False
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - pydantic is a dependency of schema mode
        return False
    return issubclass(obj, BaseModel)


def _model_doc(model: type[BaseModel]) -> str:
    doc = model.__dict__.get("__doc__")  # its own, not BaseModel's
    return inspect.cleandoc(doc) if doc else ""


def _parameters(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)  # (it is the function's description)
    schema.setdefault("properties", {})
    return schema


# (possessive repeats where the platform has them: no pattern here backtracks on a long line)
_ARGS_HEADER = re.compile(rf"(?:Args|Arguments|Parameters)[ \t]*{P}:[ \t]*{P}(?=\n|$)")
_ARG_LINE = re.compile(rf"[ \t]+{P}(\*{{0,2}}\w+{P})[ \t]*{P}(?:\([^)\n]*{P}\))?[ \t]*{P}:[ \t]*{P}([^\n]*{P})")


def _split_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Google-style docstring -> (description, {parameter: description})."""
    header = next((m for m in _ARGS_HEADER.finditer(doc) if not doc[doc.rfind("\n", 0, m.start()) + 1:m.start()].strip()), None)
    if header is None:
        return doc.strip(), {}
    described: dict[str, tuple[str, int]] = {}  # parameter -> (description, indent)
    last: str | None = None
    for line in doc[header.end():].splitlines()[1:]:
        if not line.strip():
            continue
        m = _ARG_LINE.match(line)
        indent = len(line) - len(line.lstrip())
        if m and (last is None or indent <= described[last][1]):
            last = m.group(1)
            described[last] = (m.group(2).strip(), indent)
        elif last is not None and indent > described[last][1]:
            described[last] = ((described[last][0] + " " + line.strip()).strip(), described[last][1])
        else:
            break  # the next section (Returns:, Raises:)
    return doc[:header.start()].strip(), {k: v for k, (v, _) in described.items()}


def _function_model(fn: Callable[..., Any]) -> tuple[type[BaseModel], str]:
    """A pydantic model of the function's parameters, and its description."""
    import typing

    from pydantic import Field, create_model

    try:
        signature = inspect.signature(fn)
        hints = typing.get_type_hints(fn, include_extras=True)
    except (TypeError, ValueError, NameError) as exc:
        raise TypeError(f"cannot read the parameters of {getattr(fn, '__name__', fn)!r}: {exc}") from None
    description, described = _split_docstring(inspect.getdoc(fn) or "")
    fields: dict[str, Any] = {}  # name -> (annotation, default or Field)
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue  # *args and **kwargs have no schema; the model may not send them
        annotation = hints.get(name, typing.Any)
        default = ... if param.default is param.empty else param.default
        if name in described:
            fields[name] = (annotation, Field(default, description=described[name]))
        else:
            fields[name] = (annotation, default)
    return create_model(fn.__name__, **fields), description


class Tool:
    """One tool the caller passed: its name, definition and compiled parameter schema."""

    __slots__ = ("name", "definition", "compiled", "kind")

    definition: dict[str, Any]
    compiled: CompiledSchema
    kind: str  # "definition", "model" or "function"
    name: str

    def __init__(self, obj: ToolSpec) -> None:
        from ..schema import compile_schema

        if isinstance(obj, dict):
            self.definition = _definition_dict(obj)
            self.kind = "definition"
            parameters = self.definition["function"].get("parameters") or {"type": "object"}
            self.compiled = compile_schema(parameters)
        elif _is_model(obj):
            self.definition = tool_schema(obj)
            self.kind = "model"
            self.compiled = compile_schema(obj)
        elif callable(obj):
            model, description = _function_model(obj)
            self.definition = _definition(obj.__name__, description, _parameters(model))
            self.kind = "function"
            self.compiled = compile_schema(model)
        else:
            raise TypeError(f"a tool is an OpenAI definition dict, a pydantic model or a typed function, not {type(obj).__name__}")
        self.name = self.definition["function"]["name"]

    def validate(self, arguments: dict[str, Any]) -> tuple[Any, list[ErrorDetail] | None]:
        """(what the tool's code takes: an instance, keyword arguments or the dict; errors or None)."""
        validated, errors = self.compiled.validate(arguments)
        if errors is None and self.kind == "function":
            validated = {name: getattr(validated, name) for name in type(validated).model_fields}
        return validated, errors


class Registry:
    """The tools by name, in the order given."""

    def __init__(self, tools: Tools) -> None:
        if isinstance(tools, (dict, type)) or callable(tools):
            tools = [tools]  # one tool given alone
        self.tools: dict[str, Tool] = {}
        for obj in tools:
            # (the ignore: mypy reads a Mapping that is not a dict as an iterable of its
            # keys here; a definition is a dict at run time, taken whole above)
            tool = Tool(obj)  # type: ignore[arg-type]
            if tool.name in self.tools:
                raise RepairError(f"two tools are named {tool.name!r}", "", 0, "option")
            self.tools[tool.name] = tool

    @property
    def names(self) -> list[str]:
        return list(self.tools)
