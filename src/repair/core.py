"""The entry points: `repair`, `loads`, `repair_json`.

Valid JSON goes through the stdlib's C decoder and comes back untouched with zero steps.
Anything else goes through extraction (find the value in the text) and the tolerant
parser, and every change is a Step, logged on the `repair` logger.
"""

from __future__ import annotations

import re
from json import JSONDecodeError
from logging import INFO

from .errors import RepairError, ValidationFailed
from .extract import RANK_TAG, STOP, Candidate, Extractor, choose, extraction_steps, join_values
from .lexical.decode import STRICT
from .lexical.parser import Engine, NoValue
from .limits import check_depth, check_options, check_size
from .serialize import dumps
from .steps import CODES, LOSSY_CODES, Step, build_steps, ends_cut_off, log_steps, logger, step_codes, text_end, unlogged_steps

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Iterable, TypeVar, Union, overload

    from .chars import AlwaysMatches
    from .errors import ErrorDetail
    from .extract.candidates import Read
    from .schema import CompiledSchema
    from .steps import PathStep, RawStep

    # what the entry points read: text, or UTF-8 bytes
    Text = Union[str, bytes, bytearray, memoryview]
    T = TypeVar("T")
else:
    def overload(func):  # (parse's typed variants below are for type checkers; the last definition wins)
        return func


_strict_decode = STRICT.decode  # NaN and Infinity are not JSON: they go to the repair path
_WS: AlwaysMatches = re.compile(r"[ \t\r\n]*")  # type: ignore[assignment]  # (`*`: matches everywhere)
_MAY_BE_JSON = frozenset('{["-0123456789tfn \t\r\n')  # first characters of JSON text


class RepairResult:
    """The outcome of `repair(text)`.

    `.value` is the repaired value, `.text` valid JSON for it (the input itself when it was
    already valid), `.steps` every change in text order, `.changed` whether there were any,
    `.lossy` whether any of them may have changed or dropped data, `.span` where the value
    is in the text (start and end offsets, its fence or tag included).
    """

    __slots__ = ("value", "steps", "original", "_text", "span", "errors")

    value: Any
    steps: tuple[Step, ...]
    original: str
    span: tuple[int, int]
    errors: list[ErrorDetail] | None

    def __init__(self, value: Any, steps: tuple[Step, ...], original: str, text: str | None = None,
                 span: tuple[int, int] | None = None, errors: list[ErrorDetail] | None = None) -> None:
        self.value = value
        self.steps = steps
        self.original = original
        self._text = text
        # (start, end) of the value in `original`, its fence or tag included
        self.span = (0, len(original)) if span is None else span
        # repair_all with a schema: the validation errors of a value that does not fit
        self.errors = errors

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = dumps(self.value)
        return self._text

    @property
    def changed(self) -> bool:
        return bool(self.steps)

    @property
    def truncated(self) -> bool:
        """Did the text end inside the value (cut off at max_tokens)?"""
        return ends_cut_off(self.steps, text_end(self.original))

    @property
    def lossy(self) -> bool:
        return not LOSSY_CODES.isdisjoint(s.code for s in self.steps)

    def __repr__(self) -> str:
        codes = ", ".join(s.code for s in self.steps[:6]) + (", ..." if len(self.steps) > 6 else "")
        return f"RepairResult(steps={len(self.steps)} [{codes}], text={self.text[:60]!r})"


def _as_text(text: object) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            doc = raw.decode("utf-8", errors="replace")
            raise RepairError(f"input is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", doc, exc.start, "encoding") from None
    raise TypeError(f"repair expects str or bytes, not {type(text).__name__}")


def repair(text: Text, *, schema: Any = None, strict: bool = False, max_size: int | None = None,
           max_depth: int | None = None) -> RepairResult:
    """Repair raw model output into a JSON value, recording every step.

    With `schema` (a pydantic model, a JSON Schema dict, or any type pydantic's
    TypeAdapter accepts) the value is aligned to it and validated; see docs/policy.md §6.
    Raises `RepairError` when no value can be recovered (empty text, prose only), with
    `strict=True` when a lossy repair would be needed, and `ValidationFailed` when the
    value does not fit the schema. `max_size` (characters) and `max_depth` (nested
    containers) are limits for untrusted input, off by default; see limits.py.
    """
    text = _as_text(text)
    if max_size is not None or max_depth is not None:
        return _limited(text, schema, strict, max_size, max_depth)[0]
    if schema is not None:
        return _repair_with_schema(text, schema, strict)[0]
    hint = 0
    if text[:1] in _MAY_BE_JSON:  # (prose first: skip a decode that must fail)
        try:
            value = _strict_decode(text)
        except (ValueError, RecursionError) as exc:
            hint = _defect_at(exc)
        else:
            return RepairResult(value, (), text, text)
    return _repair_slow(text, strict, hint)


def _defect_at(exc: BaseException) -> int:
    """Where the C decoder found the first defect of a text that opens with a value: the
    text before it is JSON as far as it goes, so the engine need not try C there again.
    0 when unknown (and for "Extra data": the value before it is whole and valid)."""
    if isinstance(exc, JSONDecodeError) and exc.msg != "Extra data":
        return exc.pos
    return 0


def _limited(text: str, schema: Any, strict: bool, max_size: int | None,
             max_depth: int | None) -> tuple[RepairResult, Any]:
    """repair with limits: (result, validated value for a schema). The engine refuses a
    container past max_depth where it opens; a valid text the C decoder read whole is
    measured after."""
    check_options(max_size=max_size, max_depth=max_depth)
    check_size(text, max_size)
    if schema is not None:
        result, validated = _repair_with_schema(text, schema, strict, max_depth)
    else:
        hint = 0
        try:
            value = _strict_decode(text)
        except (ValueError, RecursionError) as exc:
            hint = _defect_at(exc)
            result = _repair_slow(text, strict, hint, max_depth)
        else:
            result = RepairResult(value, (), text, text)
        validated = None
    check_depth(text, result.value, max_depth)
    return result, validated


def reader(text: str, hint: int = 0, max_depth: int | None = None, quiet: bool = False) -> Read:
    """The engine over `text` as extraction calls it: `read(pos)` -> (value, end, raw
    steps) of the value starting at `pos`, or None. Each offset is read once. `hint`:
    see _defect_at. `quiet`: the caller wants the value alone (Engine.quiet)."""
    engine = Engine(text, STOP, max_depth=max_depth, valid_until=hint, quiet=quiet)
    memo: dict[int, tuple[Any, int, list[RawStep]] | None] = {}

    def read(pos: int) -> tuple[Any, int, list[RawStep]] | None:
        if pos in memo:
            return memo[pos]
        engine.steps = []
        try:
            value, end = engine.parse(pos)
        except NoValue:
            got = None
        else:
            got = (value, end, engine.steps)
        memo[pos] = got
        return got

    return read


def _whole(text: str, read: Read) -> tuple[Any, list[RawStep]] | None:
    """When the text opens with `{` or `[` (or with a key and its colon, the object's `{`
    missing) and the value read there fills it (trailing whitespace aside), that value and
    its raw steps: no extraction is needed."""
    start = _WS.match(text).end()
    if start >= len(text) or text[start] not in '{["':
        return None
    got = read(start)
    if got is None or _WS.match(text, got[1]).end() != len(text):
        return None
    if text[start] == '"' and got[0].__class__ is not dict:
        return None  # (a string: extraction decides whether it is the answer)
    return got[0], got[2]


def _candidates(text: str, with_reasoning: bool = False, read: Read | None = None, max_depth: int | None = None,
                join: bool = True) -> tuple[Extractor, list[Candidate]]:
    """(the extractor, the candidate values of `text`); with `join`, values that form one
    list are joined (repair_all wants every value on its own). Refuses a text with none."""
    if not text.strip():
        raise RepairError("empty input: there is no JSON value to repair", text, 0, "empty")
    ex = Extractor(text, lambda inner: reader(inner, 0, max_depth), read)
    candidates = ex.scan(with_reasoning=with_reasoning)
    if join:
        candidates = join_values(text, candidates)
    if not candidates:
        raise RepairError(
            f"no JSON value found in the text ({len(text)} characters of prose, no object, array or scalar)",
            text, 0,
        )
    return ex, candidates


def _refuse_lossy(text: str, steps: Iterable[Step]) -> None:
    for step in steps:
        if CODES[step.code].lossy:
            raise RepairError(f"strict mode refuses a lossy repair: {step.code}: {step.message}", text, step.pos, "lossy_refused")


def _repair_slow(text: str, strict: bool, hint: int = 0, max_depth: int | None = None) -> RepairResult:
    """Extraction and the engine: the full path, for any text."""
    read = reader(text, hint, max_depth)
    whole = _whole(text, read)
    if whole is not None:
        return _result(text, whole[0], build_steps(text, whole[1]), strict)
    ex, candidates = _candidates(text, read=read, max_depth=max_depth)
    chosen = choose(candidates, text)
    raw = extraction_steps(text, chosen, candidates, ex.think_spans) + chosen.steps
    result = _result(text, chosen.value, build_steps(text, raw), strict)
    result.span = chosen.span
    return result


def _value_slow(text: str, hint: int = 0) -> Any:
    """The value `_repair_slow` would give, without building Steps: for `loads` when
    nothing will read them (not strict, the `repair` logger off at INFO)."""
    read = reader(text, hint, quiet=True)
    whole = _whole(text, read)
    if whole is not None:
        return whole[0]
    return choose(_candidates(text, read=read)[1], text).value


def _result(text: str, value: Any, steps: tuple[Step, ...], strict: bool) -> RepairResult:
    if strict:
        _refuse_lossy(text, steps)
    log_steps(steps)
    result = RepairResult(value, steps, text)
    if not steps:
        result._text = text  # valid JSON our parser read where json.loads could not (depth)
    return result


def _reparse(inner: str) -> Any:
    """JSON written inside a string, read for alignment: its steps belong to the string's
    own repair, not to the log (the alignment step that used it is logged)."""
    with unlogged_steps():
        return repair(inner).value


def _repair_with_schema(text: str, schema: Any, strict: bool,
                        max_depth: int | None = None) -> tuple[RepairResult, Any]:
    """Align every candidate value to the schema, validate it, keep the best; return
    (result, validated value or model instance)."""
    from .schema import best_fit, choice_steps, compile_schema

    compiled = compile_schema(schema)
    ex: Extractor | None
    try:
        value = _strict_decode(text)
    except (ValueError, RecursionError):
        ex, candidates = _candidates(text, with_reasoning=True, max_depth=max_depth)
    else:
        ex, candidates = None, [Candidate(RANK_TAG, len(text) - len(text.lstrip()), len(text), value, [])]
    # alignment reads JSON written inside a string with this same repair, handed down
    fit = best_fit(candidates, choose(candidates, text), compiled, reparse=_reparse)
    chosen = fit.candidate
    raw: list[RawStep] = [] if ex is None else extraction_steps(text, chosen, candidates, ex.think_spans, choice_step=False)
    steps = build_steps(text, raw + choice_steps(fit, candidates) + chosen.steps + fit.steps)
    if strict:
        _refuse_lossy(text, steps)
    log_steps(steps)
    if fit.errors is not None:
        raise ValidationFailed(fit.errors, fit.value, steps, text, chosen.start)
    original_ok = not steps and ex is None
    return RepairResult(fit.value, steps, text, text if original_ok else None), fit.validated


@overload
def parse(text: Text, schema: type[T], *, strict: bool = False, max_size: int | None = None,
          max_depth: int | None = None) -> T: ...
@overload
def parse(text: Text, schema: dict[str, Any], *, strict: bool = False, max_size: int | None = None,
          max_depth: int | None = None) -> Any: ...
@overload
def parse(text: Text, schema: object, *, strict: bool = False, max_size: int | None = None,
          max_depth: int | None = None) -> Any: ...
def parse(text: Text, schema: object, *, strict: bool = False, max_size: int | None = None,
          max_depth: int | None = None) -> Any:
    """Repair, align to `schema` and validate: the pydantic model instance (or the value
    pydantic's TypeAdapter returns; for a JSON Schema dict, the validated value).

    Typed: a class gives its instances (`parse(text, Invoice) -> Invoice`), a generic
    alias its type (`parse(text, list[int]) -> list[int]`); a JSON Schema dict and type
    forms that are not classes (`Optional[int]`, `Literal[...]`, `Annotated[...]`) give Any.

    Raises `ValidationFailed` (a `RepairError`) with `.errors`, `.value` and `.steps` when
    the value does not fit.
    """
    if max_size is not None or max_depth is not None:
        return _limited(_as_text(text), schema, strict, max_size, max_depth)[1]
    return _repair_with_schema(_as_text(text), schema, strict)[1]


def loads(text: Text, *, schema: Any = None, strict: bool = False, max_size: int | None = None,
          max_depth: int | None = None) -> Any:
    """Like `json.loads`, for model output: the repaired value. Valid JSON costs what
    `json.loads` costs. With `schema`, the value aligned to it (and validated)."""
    if schema is not None or max_size is not None or max_depth is not None:
        return repair(text, schema=schema, strict=strict, max_size=max_size, max_depth=max_depth).value
    if type(text) is str:
        hint = 0
        if text[:1] in _MAY_BE_JSON:
            try:
                return _strict_decode(text)
            except (ValueError, RecursionError) as exc:
                hint = _defect_at(exc)
        if strict or logger.isEnabledFor(INFO):
            return _repair_slow(text, strict, hint).value
        return _value_slow(text, hint)
    return repair(text, strict=strict).value


def repair_all(text: Text, *, schema: Any = None, strict: bool = False, max_size: int | None = None,
               max_depth: int | None = None) -> list[RepairResult]:
    """Every value the text holds, in text order: one `RepairResult` each, with its own
    `.span` (start and end offsets in the text) and its own steps (the fence or tag
    around it included; the text between values is not a step of any of them).

    For NDJSON, logs with several values per line, a model that answered twice. Values
    inside `<think>` blocks count only when there is none outside. With `schema`, each
    value is aligned to it; one that does not fit has `.errors` (and is still returned).
    Raises `RepairError` when the text holds no value at all, and under `strict=True`
    when a value needed a lossy repair."""
    text = _as_text(text)
    check_options(max_size=max_size, max_depth=max_depth)
    check_size(text, max_size)
    _, candidates = _candidates(text, read=reader(text, 0, max_depth), max_depth=max_depth, join=False)
    compiled: CompiledSchema | None = None
    if schema is not None:
        from .schema import best_fit, compile_schema

        compiled = compile_schema(schema)
    results: list[RepairResult] = []
    for cand in candidates:
        raw: list[RawStep | PathStep] = [*cand.wrap_steps, *cand.steps]
        value, errors = cand.value, None
        if compiled is not None:
            fit = best_fit([cand], cand, compiled, reparse=_reparse)
            value, errors = fit.value, fit.errors
            raw += fit.steps
        steps = build_steps(text, raw)
        if strict:
            _refuse_lossy(text, steps)
        log_steps(steps)
        check_depth(text, value, max_depth)
        results.append(RepairResult(value, steps, text, None, cand.span, errors))
    return results


def repair_all_codes(text: str) -> list[tuple[Any, tuple[int, int], list[str]]]:
    """What `repair_all(text)` gives (no schema, no limits), as (value, span, step codes in
    text order) per value, without building Steps or logging them: for a caller that reads
    only the codes, when the `repair` logger is off at INFO (the caller checks)."""
    _, candidates = _candidates(text, read=reader(text), join=False)
    return [(cand.value, cand.span, step_codes([*cand.wrap_steps, *cand.steps])) for cand in candidates]


def loads_all(text: Text, *, schema: Any = None, strict: bool = False, max_size: int | None = None,
              max_depth: int | None = None) -> list[Any]:
    """The values of `repair_all`, in text order."""
    return [r.value for r in repair_all(text, schema=schema, strict=strict, max_size=max_size, max_depth=max_depth)]


def repair_json(text: Text, *, schema: Any = None, strict: bool = False, indent: int | str | None = None,
                ensure_ascii: bool = False,
                max_size: int | None = None, max_depth: int | None = None) -> str:
    """Valid JSON text for the repaired value. Valid input comes back unchanged unless an
    `indent` asks for reformatting."""
    result = repair(text, schema=schema, strict=strict, max_size=max_size, max_depth=max_depth)
    if not result.steps and indent is None and not ensure_ascii:
        return result.original
    return dumps(result.value, indent=indent, ensure_ascii=ensure_ascii)
