"""Schemas: turn a pydantic model, a TypeAdapter-able type or a JSON Schema dict into one
`Shape` tree the aligner walks, plus a validator.

Everything goes through JSON Schema (pydantic's own, in validation mode, names each
property by the key its validator accepts), and pydantic models add what JSON Schema
loses: every declared spelling of a field (its name, `alias`, `AliasChoices`) and the fact
that extra keys are ignored. pydantic and jsonschema are imported only here, on first use.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from ..errors import ErrorDetail

# A value -> (the validated value or model instance, the errors or None when it fits)
Validator = Callable[[Any], tuple[Any, Optional[list["ErrorDetail"]]]]
# Per-object key tables: casefold -> props, normalized -> props, normalized spellings -> props
KeyTables = tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize(name: str) -> str:
    """`userName`, `User Name`, `user-name`, `USER_NAME` -> `username`."""
    return _NON_ALNUM.sub("", name.casefold())


class Shape:
    """What the schema expects at one place in the value."""

    __slots__ = (
        "kind", "props", "required", "synonyms", "drop_extra", "additional", "items",
        "options", "enum", "nullable", "maximum", "title", "_lookup",
    )

    def __init__(self, kind: str = "any") -> None:
        self.kind = kind  # object array string integer number boolean null enum union any
        self.props: dict[str, Shape] = {}
        self.required: set[str] = set()
        self.synonyms: dict[str, str] = {}  # declared spelling -> property name
        self.drop_extra = False
        self.additional: Shape | None = None  # dict[str, X]: the shape of every value
        self.items: Shape | None = None
        self.options: list[Shape] = []
        self.enum: list[Any] = []
        self.nullable = False
        self.maximum: float | None = None
        self.title = ""
        self._lookup: KeyTables | None = None

    def lookup(self) -> KeyTables:
        """Per-object key tables, built once: casefold -> props, normalized -> props, and
        the normalized declared spellings -> props."""
        if self._lookup is None:
            by_case: dict[str, list[str]] = {}
            by_norm: dict[str, list[str]] = {}
            by_alias: dict[str, list[str]] = {}
            for name in self.props:
                by_case.setdefault(name.casefold(), []).append(name)
                by_norm.setdefault(normalize(name), []).append(name)
            for spelling, name in self.synonyms.items():
                if name not in by_alias.setdefault(normalize(spelling), []):
                    by_alias[normalize(spelling)].append(name)
            self._lookup = (by_case, by_norm, by_alias)
        return self._lookup

    def __repr__(self) -> str:
        return f"Shape({self.kind}{', nullable' if self.nullable else ''})"


class CompiledSchema:
    """A shape to align to and a validator to check the result."""

    def __init__(self, shape: Shape, validate: Validator, name: str) -> None:
        self.shape = shape
        self.validate = validate  # value -> (validated value or instance, errors or None)
        self.name = name


def compile_schema(schema: Any) -> CompiledSchema:
    if isinstance(schema, dict):
        return _compile_json_schema(json.dumps(schema, sort_keys=True))
    if isinstance(schema, CompiledSchema):
        return schema
    try:
        return _compile_type(schema)
    except TypeError:  # unhashable type expressions
        return _compile_type.__wrapped__(schema)


@lru_cache(maxsize=256)
def _compile_json_schema(text: str) -> CompiledSchema:
    import jsonschema

    schema = json.loads(text)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)

    def validate(value: Any) -> tuple[Any, list[ErrorDetail] | None]:
        try:
            errors: list[ErrorDetail] = [
                {"loc": tuple(e.absolute_path), "msg": e.message, "type": str(e.validator)}
                for e in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
            ]
        except RecursionError:
            return value, [_TOO_DEEP]
        return value, errors or None

    shape = _Builder(schema, {}, pydantic=False).build(schema)
    return CompiledSchema(shape, validate, schema.get("title", "schema") if isinstance(schema, dict) else "schema")


@lru_cache(maxsize=256)
def _compile_type(tp: Any) -> CompiledSchema:
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(tp)
    schema = adapter.json_schema(mode="validation")
    synonyms, extras = _declared_spellings(tp)

    def validate(value: Any) -> tuple[Any, list[ErrorDetail] | None]:
        try:
            return adapter.validate_python(value), None
        except RecursionError:
            return value, [_TOO_DEEP]
        except ValidationError as exc:
            errors: list[ErrorDetail] = [
                {"loc": tuple(e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_context=False, include_input=False)
            ]
            return value, errors

    shape = _Builder(schema, synonyms, pydantic=True, extras=extras).build(schema)
    return CompiledSchema(shape, validate, getattr(tp, "__name__", None) or schema.get("title", "value"))


def _declared_spellings(tp: Any) -> tuple[dict[str, dict[str, str]], dict[str, bool]]:
    """Walk the pydantic models reachable from `tp`: for each model title, the spellings
    each property accepts, and whether it keeps extra keys."""
    import typing

    from pydantic import AliasChoices, BaseModel

    synonyms: dict[str, dict[str, str]] = {}
    extras: dict[str, bool] = {}
    seen: set[int] = set()
    todo = [tp]
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        todo.extend(a for a in typing.get_args(t) if a is not None)
        if isinstance(t, type) and issubclass(t, BaseModel):
            title = t.model_config.get("title") or t.__name__
            table = synonyms.setdefault(title, {})
            extras[title] = t.model_config.get("extra") == "allow"
            for name, field in t.model_fields.items():
                va = field.validation_alias
                choices = [c for c in (va.choices if isinstance(va, AliasChoices) else [va]) if isinstance(c, str)]
                prop = choices[0] if choices else (field.alias or name)
                for spelling in [name, field.alias, *choices]:
                    if spelling and spelling != prop:
                        table.setdefault(spelling, prop)
                todo.append(field.annotation)
    return synonyms, extras


class _Builder:
    """JSON Schema -> Shape, resolving local $refs (recursive schemas share one Shape)."""

    def __init__(self, root: Any, synonyms: dict[str, dict[str, str]], pydantic: bool,
                 extras: dict[str, bool] | None = None) -> None:
        self.root = root
        self.synonyms = synonyms
        self.pydantic = pydantic
        self.extras = extras or {}
        self.refs: dict[str, Shape] = {}

    def build(self, node: Any) -> Shape:
        if node is True or not isinstance(node, dict):
            return Shape("any")
        if "$ref" in node:
            return self._ref(node["$ref"])
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.build({**{k: v for k, v in node.items() if k != "allOf"}, **node["allOf"][0]})
        if "const" in node:
            s = Shape("enum")
            s.enum = [node["const"]]
            return s
        if "enum" in node:
            s = Shape("enum")
            s.enum = list(node["enum"])
            s.nullable = None in s.enum
            return s
        options = node.get("anyOf") or node.get("oneOf")
        if options:
            return self._union([self.build(o) for o in options])
        kind = node.get("type", "any")
        if isinstance(kind, list):
            return self._union([self.build({**node, "type": k}) for k in kind])
        s = Shape(kind if kind in _KINDS else "any")
        if kind == "object":
            self._object(node, s)
        elif kind == "array":
            items = node.get("items")
            if items is None and node.get("prefixItems"):
                items = {"anyOf": node["prefixItems"]}
            s.items = self.build(items) if isinstance(items, dict) else Shape("any")
        elif kind in ("number", "integer"):
            cap = node.get("maximum", node.get("exclusiveMaximum"))
            s.maximum = cap if isinstance(cap, (int, float)) else None
        return s

    def _object(self, node: dict[str, Any], s: Shape) -> None:
        s.title = node.get("title", "")
        for name, sub in (node.get("properties") or {}).items():
            s.props[name] = self.build(sub)
        s.required = set(node.get("required") or ())
        s.synonyms = dict(self.synonyms.get(s.title, {})) if s.props else {}
        additional = node.get("additionalProperties")
        if isinstance(additional, dict):
            s.additional = self.build(additional)
        if s.props:
            if additional is False:
                s.drop_extra = True
            elif self.pydantic and additional is None:
                s.drop_extra = not self.extras.get(s.title, False)

    def _union(self, options: list[Shape]) -> Shape:
        nullable = any(o.kind == "null" for o in options)
        rest = [o for o in options if o.kind != "null"]
        if len(rest) == 1:
            if not nullable:
                return rest[0]
            s = Shape(rest[0].kind)
            for slot in Shape.__slots__:
                setattr(s, slot, getattr(rest[0], slot))
            s.nullable = True
            return s
        s = Shape("union" if rest else "null")
        s.options = rest
        s.nullable = nullable
        return s

    def _ref(self, ref: str) -> Shape:
        if ref in self.refs:
            return self.refs[ref]
        target = self.root
        for part in ref.lstrip("#/").split("/"):
            if not part:
                continue
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        placeholder = Shape("any")
        self.refs[ref] = placeholder
        built = self.build(target)
        for slot in Shape.__slots__:  # fill the placeholder so recursive uses see it
            setattr(placeholder, slot, getattr(built, slot))
        return placeholder


_TOO_DEEP: ErrorDetail = {"loc": (), "msg": "value nested too deeply to validate", "type": "recursion"}
_KINDS = frozenset(["object", "array", "string", "integer", "number", "boolean", "null"])
