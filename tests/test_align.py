"""Schema alignment, rule by rule (docs/policy.md §6)."""

from __future__ import annotations

import dataclasses
import enum
from typing import Literal, Optional

from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

import pytest
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

import repair
from repair.schema import Shape, compile_schema, normalize
from repair.schema.coerce import match_enum, parse_number
from repair.schema.keys import edit_distance


class Address(BaseModel):
    city: str
    zip_code: str


class Person(BaseModel):
    email: str = Field(validation_alias=AliasChoices("email", "mail"))
    full_name: str = Field(alias="fullName")
    age: Optional[int] = None
    address: Optional[Address] = None


class Priority(enum.Enum):
    LOW = "low"
    IN_PROGRESS = "in_progress"
    HIGH = "high"


class Task(BaseModel):
    title: str
    priority: Priority
    done: bool = False
    share: float = Field(default=0, ge=0, le=1)
    percent: float = 0
    tags: list[str] = []
    count: int = 0


def codes(text, schema):
    return [s.code for s in repair.repair(text, schema=schema).steps]


# ---------------------------------------------------------------- keys
@pytest.mark.parametrize(
    "key, code",
    [
        ("email", None), ("mail", "repair_key_alias"), ("MAIL", "repair_key_alias"),
        ("Email", "repair_key_case"), ("EMAIL", "repair_key_case"),
        ("e_mail", "repair_key_convention"), ("emial", "repair_key_typo"),
    ],
)
def test_key_rules(key, code):
    text = f'{{"{key}": "a@b.c", "fullName": "Ada"}}'
    result = repair.repair(text, schema=Person)
    assert result.value == {"email": "a@b.c", "fullName": "Ada"}
    assert [s.code for s in result.steps] == ([code] if code else [])


@pytest.mark.parametrize("key", ["full_name", "FullName", "full-name", "Full Name", "FULL_NAME", "fullname"])
def test_naming_conventions_reach_the_alias(key):
    value = repair.loads(f'{{"{key}": "Ada", "email": "x"}}', schema=Person)
    assert value == {"fullName": "Ada", "email": "x"}


def test_nested_keys_and_extra_keys():
    text = '{"email": "x", "fullName": "A", "Address": {"City": "Oslo", "ZipCode": "0150", "planet": "Earth"}, "junk": 1}'
    result = repair.repair(text, schema=Person)
    assert result.value == {"email": "x", "fullName": "A", "address": {"city": "Oslo", "zip_code": "0150"}}
    dropped = [s.path for s in result.steps if s.code == "repair_extra_key"]
    assert dropped == ["$.address.planet", "$.junk"] and result.lossy


def test_values_are_never_rewritten_by_key_matching():
    text = '{"email": "original requirements for the Email", "fullName": "email"}'
    assert repair.loads(text, schema=Person) == {"email": "original requirements for the Email", "fullName": "email"}


def test_ambiguous_typo_is_not_guessed():
    class M(BaseModel):
        cart: int = 0
        card: int = 0

    result = repair.repair('{"carx": 1}', schema=M)
    assert "carx" not in result.value and "repair_key_typo" not in codes('{"carx": 1}', M)


def test_keys_kept_when_extras_allowed():
    class Open(BaseModel):
        model_config = ConfigDict(extra="allow")
        name: str

    assert repair.loads('{"Name": "a", "other": 1}', schema=Open) == {"name": "a", "other": 1}


# ---------------------------------------------------------------- values
@pytest.mark.parametrize(
    "field, raw, value, code",
    [
        ("count", '"1,234"', 1234, "repair_coerce_number"),
        ("count", '"3 units"', 3, "repair_coerce_number"),
        ("count", '"**42**"', 42, "repair_markdown_value"),
        ("percent", '"$12.50"', 12.5, "repair_coerce_number"),
        ("share", '"15%"', 0.15, "repair_coerce_number"),
        ("percent", '"15%"', 15, "repair_coerce_number"),
        ("done", '"Yes"', True, "repair_coerce_bool"),
        ("done", '"false"', False, "repair_coerce_bool"),
        ("tags", '"urgent"', ["urgent"], "repair_wrap_list"),
        ("tags", '"[\\"a\\", \\"b\\"]"', ["a", "b"], "repair_string_json"),
        ("count", "[7]", 7, "repair_unwrap_list"),
        ("title", "2100", "2100", "repair_coerce_string"),
    ],
)
def test_value_coercions(field, raw, value, code):
    text = f'{{"title": "t", "priority": "low", "{field}": {raw}}}'
    result = repair.repair(text, schema=Task)
    assert result.value[field] == value
    assert code in [s.code for s in result.steps]


def test_null_words_only_for_optional_fields():
    assert repair.loads('{"email": "x", "fullName": "A", "age": "N/A"}', schema=Person)["age"] is None
    assert repair.loads('{"email": "N/A", "fullName": "A"}', schema=Person)["email"] == "N/A"


@pytest.mark.parametrize(
    "raw, value",
    [("HIGH", "high"), ("In-Progress", "in_progress"), ("in progress", "in_progress"),
     ("The priority is high.", "high"), ("hgih", "high")],
)
def test_enum_matching(raw, value):
    assert repair.loads(f'{{"title": "t", "priority": "{raw}"}}', schema=Task)["priority"] == value


def test_ambiguous_enum_is_refused():
    with pytest.raises(repair.ValidationFailed) as info:
        repair.parse('{"answer": "yes or no"}', _YesNo)
    assert info.value.errors[0]["loc"] == ("answer",)
    assert info.value.value == {"answer": "yes or no"}


class _YesNo(BaseModel):
    answer: Literal["yes", "no"]


def test_match_enum_rules():
    opts = ["positive", "negative", "neutral"]
    assert match_enum("Positive", opts) == ("positive", "ignoring case")
    assert match_enum("it is negative!", opts)[0] == "negative"
    assert match_enum("postive", opts) == ("positive", "closest spelling")
    assert match_enum("positive or negative", opts) == (None, "")


def test_parse_number():
    s, frac = Shape("number"), Shape("number")
    frac.maximum = 1
    assert parse_number("1,234,567.5", s, False) == 1234567.5
    assert parse_number("-$3", s, False) == -3
    assert parse_number("12 kg", s, True) == 12
    assert parse_number("40%", frac, False) == 0.4
    assert parse_number("seven", s, True) is None


def test_edit_distance_and_normalize():
    assert edit_distance("ctiy", "city", 2) == 1 and edit_distance("abcdef", "uvwxyz", 2) == 3
    assert normalize("User_Name") == normalize("user-name") == normalize("userName") == "username"


# ---------------------------------------------------------------- shape and candidates
def test_unwrap_wrappers():
    assert repair.loads('{"result": {"email": "x", "fullName": "A"}}', schema=Person) == {"email": "x", "fullName": "A"}
    assert repair.loads('{"Person": {"email": "x", "fullName": "A"}}', schema=Person) == {"email": "x", "fullName": "A"}
    assert repair.loads('{"data": [{"city": "a", "zip_code": "1"}]}', schema=list[Address]) == [{"city": "a", "zip_code": "1"}]


def test_map_to_list():
    class Member(BaseModel):
        name: str
        age: int

    value = repair.loads('{"ann": {"age": 30}, "bob": {"age": "41"}}', schema=list[Member])
    assert value == [{"name": "ann", "age": 30}, {"name": "bob", "age": 41}]


def test_candidate_that_fits_wins():
    text = '[CONTENT]{"Title": "<task title>", "priority": "<one of low, high>"}[/CONTENT]\nAnswer: {"title": "Ship", "priority": "HIGH"}'
    result = repair.repair(text, schema=Task)
    assert result.value == {"title": "Ship", "priority": "high"}
    choice = [s for s in result.steps if s.code == "repair_schema_choice"][0]
    assert choice.lossy and "fits the schema" in choice.message


def test_json_in_think_is_a_candidate():
    text = '<think>{"title": "Draft", "priority": "low"}</think>\nThe task is {title: Final}'
    assert repair.loads(text, schema=Task) == {"title": "Draft", "priority": "low"}


def test_strict_refuses_lossy_alignment():
    with pytest.raises(repair.RepairError, match="repair_extra_key"):
        repair.loads('{"email": "x", "fullName": "A", "junk": 1}', schema=Person, strict=True)


# ---------------------------------------------------------------- schema kinds
@dataclasses.dataclass
class Point:
    x: int
    y: int


class Movie(TypedDict):
    title: str
    year: int


@pytest.mark.parametrize(
    "schema, text, value",
    [
        (Point, '{"X": "1", "Y": 2}', {"x": 1, "y": 2}),
        (Movie, "{'Title': 'Heat', 'Year': '1995'}", {"title": "Heat", "year": 1995}),
        (Literal["red", "green"], '"RED"', "red"),
        (list[int], '["1", 2, "3,000"]', [1, 2, 3000]),
        ({"type": "object", "properties": {"user_id": {"type": "integer"}}, "required": ["user_id"],
          "additionalProperties": False}, '{"userId": "7", "x": 1}', {"user_id": 7}),
        ({"type": "array", "items": {"enum": ["a", "b"]}}, '["A", "b"]', ["a", "b"]),
    ],
)
def test_schema_kinds(schema, text, value):
    assert repair.loads(text, schema=schema) == value


def test_parse_returns_instances():
    assert repair.parse('{"x": 1, "y": "2"}', Point) == Point(1, 2)
    person = repair.parse('{"mail": "x", "full_name": "A"}', Person)
    assert isinstance(person, Person) and person.full_name == "A"


def test_json_schema_errors_have_locations():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    with pytest.raises(repair.ValidationFailed) as info:
        repair.parse('{"n": "seven"}', schema)
    assert info.value.errors[0]["loc"] == ("n",) and "http" not in str(info.value.errors)


def test_valid_aligned_json_takes_no_steps():
    result = repair.repair('{"email": "x", "fullName": "A"}', schema=Person)
    assert result.steps == () and result.text == '{"email": "x", "fullName": "A"}'


def test_compiled_schemas_are_cached():
    assert compile_schema(Person) is compile_schema(Person)
    assert compile_schema({"type": "string"}) is compile_schema({"type": "string"})


def test_import_repair_does_not_import_pydantic():
    import subprocess
    import sys

    code = "import sys, repair; repair.loads('{\"a\": 1,}'); print('pydantic' in sys.modules, 'jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "False False"


class _Node(BaseModel):
    name: str
    children: list["_Node"] = []


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deep_values_against_recursive_models_fail_cleanly(depth):
    with pytest.raises(repair.ValidationFailed) as info:
        repair.loads('{"name": "a", "children": [' * depth, schema=_Node)
    assert len(str(info.value)) < 2000


def test_schema_package_does_not_import_the_pipeline():
    """Alignment gets the engine's repair passed in (`reparse`); no module it reaches,
    statically, imports core."""
    import ast
    from pathlib import Path

    src = Path(repair.__file__).parent

    def deps(path: Path):
        """The repair modules `path` imports with relative imports (`from ..steps import x`,
        `from . import coerce`)."""
        package = path.parent.relative_to(src.parent).parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.level):
                continue
            base = package[: len(package) - node.level + 1] + tuple(filter(None, (node.module or "").split(".")))
            for parts in [base] + [base + (alias.name,) for alias in node.names]:
                for found in (src.parent.joinpath(*parts).with_suffix(".py"), src.parent.joinpath(*parts, "__init__.py")):
                    if found.is_file():
                        yield found

    todo, seen = list((src / "schema").glob("*.py")), set()
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(deps(path))
    assert src / "core.py" not in seen
    assert src / "steps.py" in seen  # the walk does follow imports out of the package
