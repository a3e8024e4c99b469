"""Property tests of schema alignment (docs/policy.md section 6, README "Schema alignment").

Valid instances of a few pydantic models are generated, dumped with
`model_dump(mode="json")`, disguised the way language models disguise them, and must
parse back to the very same instance:

a) every key, at every depth, renamed to another naming convention (camelCase,
   PascalCase, kebab-case, "Title Case With Spaces", UPPER_SNAKE), chosen per key;
b) numbers written as strings ("42", "3.5", "1,234" for integers of 1000 and more);
c) booleans written as "yes" / "no" / "True" / "false";
d) the document in a ```json fence between prose, or inside {"result": ...};
e) every alignment step names the JSON path it changed, starting with "$".

And one must-refuse law: a `Literal["yes", "no"]` answer that contains both words never
yields a value; `ValidationFailed` is raised.

Runtime: a few seconds per law on two cores. Set REPAIR_PROPERTY_SCALE=10 for a longer hunt.
"""

from __future__ import annotations

import json
import os
from enum import Enum
from typing import Literal, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter

import repair

# the default run takes 40% of each test's examples, to keep the whole suite near three
# minutes on two cores; REPAIR_PROPERTY_SCALE=10 (or more) for a longer hunt
SCALE = 0.4 * float(os.environ.get("REPAIR_PROPERTY_SCALE", "1"))


def examples(n: int) -> settings:
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# ---------------------------------------------------------------------------------------
# Models: snake_case names of one to three words, nested models, lists of models,
# Optional fields, Literal and Enum fields, every JSON scalar type
# ---------------------------------------------------------------------------------------


class FavoriteColor(str, Enum):
    DARK_BLUE = "dark_blue"
    LIGHT_GREEN = "light_green"
    RED = "red"


class PostalAddress(BaseModel):
    street_name: str
    zip_code: str
    city: str
    country_code: Literal["US", "GB", "DE", "FR"]


class LineItem(BaseModel):
    product_name: str
    unit_price: float
    item_count: int
    is_gift: bool
    gift_message: Optional[str] = None


class CustomerOrder(BaseModel):
    first_name: str
    last_name: str
    middle_name: Optional[str] = None
    age_years: int
    is_active: bool
    loyalty_score: float
    favorite_color: FavoriteColor
    order_status: Literal["pending", "in_transit", "delivered"]
    home_address: PostalAddress
    billing_address: Optional[PostalAddress] = None
    line_items: list[LineItem]
    referral_count: Optional[int] = None


class RetryPolicy(BaseModel):
    max_retry_count: int
    backoff_factor_seconds: float
    retry_on_timeout: bool


class ServiceConfig(BaseModel):
    service_name: str
    is_email_verified: bool
    created_at_utc: str
    log_level: Literal["debug", "info", "warning", "error"]
    retry_policy: RetryPolicy
    fallback_policies: list[RetryPolicy]
    owner_team: Optional[str] = None
    owner_contact: Optional[PostalAddress] = None
    retry_status_codes: list[int]
    enabled_regions: list[Literal["eu_west", "us_east", "ap_south"]]
    feature_flags: list[bool]
    sample_rate: Optional[float] = None
    preferred_colors: list[FavoriteColor] = []


# A top-level list of models goes through TypeAdapter.
CustomerOrders = list[CustomerOrder]


class Consent(BaseModel):
    question_text: str
    consent_answer: Literal["yes", "no"]


# ---------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------

# The null words of policy section 6 ("N/A", "None", "-", ...): an Optional[str] holding one
# of them is read as null by design, so optional text is generated without them ("" stays
# text for a string field).
NULL_WORDS = {"n/a", "na", "none", "null", "nil", "-", "not applicable", "unknown", "undefined"}

# Text that looks like something else must stay text: numbers, booleans, JSON, fences,
# tags, field names in other conventions.
TRICKY = [
    "42", "3.5", "1,234", "$12.50", "15%", "yes", "no", "True", "false", "null", "N/A", "None",
    '{"a": 1}', "[1, 2]", '{"firstName": "x"}', "```", "```json\n{", "<think>", "</think>", "</thinking>", "</reasoning>",
    "[CONTENT]", "[/CONTENT]",
    "<json>", "Here is the JSON: {", "result", "zipCode", "Zip Code", "in_transit", "DARK_BLUE",
    "**bold**", "`code`", "a\nb", "\\d", '"quoted"', "it's", "\u00a0", "\ufeff",
]
text = st.one_of(st.text(min_size=0, max_size=30), st.sampled_from(TRICKY))
optional_text = st.one_of(st.none(), text.filter(lambda s: s.strip().casefold() not in NULL_WORDS))
ints = st.one_of(st.integers(-10**12, 10**12), st.integers(-2000, 2000))
floats = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e15, max_value=1e15)

addresses = st.builds(PostalAddress, street_name=text, zip_code=text, city=text)
line_items = st.builds(
    LineItem, product_name=text, unit_price=floats, item_count=ints, gift_message=optional_text
)
orders = st.builds(
    CustomerOrder,
    first_name=text,
    last_name=text,
    middle_name=optional_text,
    age_years=ints,
    loyalty_score=floats,
    home_address=addresses,
    billing_address=st.none() | addresses,
    line_items=st.lists(line_items, max_size=3),
    referral_count=st.none() | ints,
)
policies = st.builds(RetryPolicy, max_retry_count=ints, backoff_factor_seconds=floats)
configs = st.builds(
    ServiceConfig,
    service_name=text,
    created_at_utc=text,
    retry_policy=policies,
    fallback_policies=st.lists(policies, max_size=3),
    owner_team=optional_text,
    owner_contact=st.none() | addresses,
    retry_status_codes=st.lists(ints, max_size=3),
    feature_flags=st.lists(st.booleans(), max_size=3),
    sample_rate=st.none() | floats,
)

# name -> (schema, strategy of valid instances); the schema is a model or a TypeAdapter type.
CASES = {
    "CustomerOrder": (CustomerOrder, orders),
    "ServiceConfig": (ServiceConfig, configs),
    "list[CustomerOrder]": (CustomerOrders, st.lists(orders, max_size=3)),
    "Consent": (Consent, st.builds(Consent, question_text=text)),
}


def dump(schema, instance):
    return TypeAdapter(schema).dump_python(instance, mode="json")


instances = st.sampled_from(sorted(CASES)).flatmap(
    lambda name: st.tuples(st.just(CASES[name][0]), CASES[name][1])
)


# ---------------------------------------------------------------------------------------
# Disguises
# ---------------------------------------------------------------------------------------


def camel(words):
    return words[0] + "".join(w.capitalize() for w in words[1:])


CONVENTIONS = {
    "camelCase": camel,
    "PascalCase": lambda words: "".join(w.capitalize() for w in words),
    "kebab-case": "-".join,
    "Title Case": lambda words: " ".join(w.capitalize() for w in words),
    "UPPER_SNAKE": lambda words: "_".join(words).upper(),
}


def rename_keys(value, pick):
    """Every key, at every depth, in the convention `pick(key)` names."""
    if isinstance(value, dict):
        return {CONVENTIONS[pick(k)](k.split("_")): rename_keys(v, pick) for k, v in value.items()}
    if isinstance(value, list):
        return [rename_keys(v, pick) for v in value]
    return value


def number_text(n, thousands: bool) -> str:
    if isinstance(n, int) and thousands and abs(n) >= 1000:
        return f"{n:,}"
    return json.dumps(n)


def numbers_as_strings(value, thousands):
    if isinstance(value, dict):
        return {k: numbers_as_strings(v, thousands) for k, v in value.items()}
    if isinstance(value, list):
        return [numbers_as_strings(v, thousands) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value, thousands)
    return value


BOOL_WORDS = {True: ("yes", "True"), False: ("no", "false")}


def bools_as_words(value, pick):
    if isinstance(value, dict):
        return {k: bools_as_words(v, pick) for k, v in value.items()}
    if isinstance(value, list):
        return [bools_as_words(v, pick) for v in value]
    if isinstance(value, bool):
        return pick(BOOL_WORDS[value])
    return value


def wrap(doc: str, how: str) -> str:
    if how == "fence":
        return f"Sure! Here is the JSON you asked for:\n\n```json\n{doc}\n```\n\nLet me know if anything is missing."
    if how == "result":
        return '{"result": ' + doc + "}"
    raise AssertionError(how)


# ---------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------


def schema_steps_have_paths(text: str, schema) -> None:
    """(e) every alignment step carries a JSON path starting with `$`."""
    result = repair.repair(text, schema=schema)
    for step in result.steps:
        if step.pass_name == "schema":
            assert step.path.startswith("$"), str(step)


def parses_back(text: str, schema, instance) -> None:
    try:
        got = repair.parse(text, schema)
    except repair.ValidationFailed as exc:  # say what alignment did, not just "it failed"
        raise AssertionError(f"{exc}\nvalue: {exc.value!r}\nsteps: {[str(s) for s in exc.steps]}") from None
    assert got == instance
    schema_steps_have_paths(text, schema)


def rnd_picker(data, choices):
    rnd = data.draw(st.randoms(use_true_random=False), label="choices")
    return lambda _key: rnd.choice(choices)


# ---------------------------------------------------------------------------------------
# a) keys in another naming convention, at every depth
# ---------------------------------------------------------------------------------------


@examples(300)
@given(instances, st.sampled_from(sorted(CONVENTIONS)))
def test_keys_in_one_other_convention(pair, convention):
    schema, instance = pair
    renamed = rename_keys(dump(schema, instance), lambda _k: convention)
    parses_back(json.dumps(renamed), schema, instance)


@examples(300)
@given(instances, st.data())
def test_keys_in_mixed_conventions(pair, data):
    schema, instance = pair
    renamed = rename_keys(dump(schema, instance), rnd_picker(data, sorted(CONVENTIONS)))
    parses_back(json.dumps(renamed), schema, instance)


# ---------------------------------------------------------------------------------------
# b) numbers as strings, c) booleans as words
# ---------------------------------------------------------------------------------------


@examples(300)
@given(instances, st.booleans())
def test_numbers_as_strings(pair, thousands):
    schema, instance = pair
    disguised = numbers_as_strings(dump(schema, instance), thousands)
    parses_back(json.dumps(disguised), schema, instance)


@examples(200)
@given(instances, st.data())
def test_bools_as_words(pair, data):
    schema, instance = pair
    disguised = bools_as_words(dump(schema, instance), lambda words: words[data.draw(st.integers(0, 1), label="word")])
    parses_back(json.dumps(disguised), schema, instance)


# ---------------------------------------------------------------------------------------
# d) fenced between prose, or inside {"result": ...}
# ---------------------------------------------------------------------------------------


@examples(200)
@given(instances, st.sampled_from(["fence", "result"]), st.sampled_from([None, 2]))
def test_wrapped(pair, how, indent):
    schema, instance = pair
    doc = json.dumps(dump(schema, instance), indent=indent)
    parses_back(wrap(doc, how), schema, instance)


@examples(300)
@given(instances, st.sampled_from(["fence", "result"]), st.data())
def test_all_disguises_at_once(pair, how, data):
    schema, instance = pair
    value = dump(schema, instance)
    value = numbers_as_strings(value, data.draw(st.booleans(), label="thousands"))
    value = bools_as_words(value, lambda words: words[data.draw(st.integers(0, 1), label="word")])
    value = rename_keys(value, rnd_picker(data, sorted(CONVENTIONS)))
    parses_back(wrap(json.dumps(value), how), schema, instance)


# ---------------------------------------------------------------------------------------
# Must refuse: Literal["yes", "no"] given both words
# ---------------------------------------------------------------------------------------

CASINGS = [str, str.upper, str.capitalize]
prose = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ.!?", max_size=20)


@st.composite
def both_words(draw):
    """A value that names both options: "yes or no", "No, yes.", "**YES / no**", ..."""
    first = draw(st.sampled_from(["yes", "no"]))
    second = "no" if first == "yes" else "yes"
    sep = draw(st.sampled_from([
        " or ", ", ", "/", " / ", " and ", " or maybe ", "-or-", "; ", " then ", "_or_", " | ",
        "\n", " vs. ", " OR ", " (or ", "... ",
    ]))
    before = draw(st.sampled_from(["", "I think ", "Answer: ", "The answer is ", "**", "`"]) | prose.map(lambda t: t + " "))
    after = draw(st.sampled_from(["", ".", "!", " - hard to say", " (unclear)", "**", "`"]) | prose.map(lambda t: " " + t))
    a, b = draw(st.sampled_from(CASINGS))(first), draw(st.sampled_from(CASINGS))(second)
    return before + a + sep + b + after


class YesNo(str, Enum):
    YES = "yes"
    NO = "no"


class ConsentEnum(BaseModel):
    question_text: str
    consent_answer: YesNo


CONSENT_JSON_SCHEMA = {
    "type": "object",
    "properties": {"question_text": {"type": "string"}, "consent_answer": {"enum": ["yes", "no"]}},
    "required": ["question_text", "consent_answer"],
}


@examples(300)
@given(both_words(), st.sampled_from(["json", "unquoted", "list"]))
def test_literal_yes_no_both_words_refused(answer, form):
    if form == "json":
        text = json.dumps({"question_text": "Do you agree?", "consent_answer": answer})
    elif form == "unquoted":
        # A newline ends an unquoted value: keep the unquoted answer on one line.
        answer = answer.replace("\n", " ")
        text = '{"question_text": "Do you agree?", "consent_answer": ' + answer + "}"
    else:
        text = json.dumps({"question_text": "Do you agree?", "consent_answer": [answer]})
    for schema in (Consent, ConsentEnum, CONSENT_JSON_SCHEMA):
        with pytest.raises(repair.ValidationFailed):
            repair.parse(text, schema)
        with pytest.raises(repair.ValidationFailed):
            repair.loads(text, schema=schema)


@examples(150)
@given(both_words())
def test_top_level_literal_yes_no_both_words_refused(answer):
    for schema in (Literal["yes", "no"], YesNo, {"enum": ["yes", "no"]}, {"type": "string", "enum": ["yes", "no"]}):
        with pytest.raises(repair.ValidationFailed):
            repair.parse(json.dumps(answer), schema)


# ---------------------------------------------------------------------------------------
# Engine failures these properties found, kept as regression tests
# ---------------------------------------------------------------------------------------


def test_literal_yes_no_unquoted_with_comma_refused():
    text = '{"question_text": "Do you agree?", "consent_answer": yes, no}'
    with pytest.raises(repair.ValidationFailed):
        repair.parse(text, Consent)


THINK_CLOSER_ORDER = CustomerOrder(
    first_name="Ann", last_name="</think>", age_years=30, is_active=True, loyalty_score=0.5,
    favorite_color=FavoriteColor.RED, order_status="pending",
    home_address=PostalAddress(street_name="Main St", zip_code="02139", city="Boston", country_code="US"),
    line_items=[],
)


@pytest.mark.parametrize("how", ["fence", "prose"])
def test_think_closer_inside_a_string(how):
    instance = [THINK_CLOSER_ORDER]
    doc = json.dumps(dump(CustomerOrders, instance))
    text = wrap(doc, "fence") if how == "fence" else f"Sure! {doc} Anything else?"
    parses_back(text, CustomerOrders, instance)
