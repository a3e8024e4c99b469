"""The entry points: `repair`, `loads`, `repair_json`.

Valid JSON goes through the stdlib's C decoder and comes back untouched with zero steps.
Anything else goes through extraction (find the value in the text) and the tolerant
parser, and every change is a Step, logged on the `repair` logger.
"""

from __future__ import annotations

import re
from logging import INFO

from .decoder import STRICT
from .errors import RepairError, ValidationFailed
from .extract import RANK_TAG, Candidate, Extractor, choose, extraction_steps
from .limits import check_depth, check_size
from .quick import quick_repair
from .serialize import dumps
from .steps import CODES, Step, build_steps, log_steps, logger


_strict_decode = STRICT.decode  # NaN and Infinity are not JSON: they go to the repair path
_FIRST_TOKEN = re.compile(r"[ \t\r\n]*")
_MAY_BE_JSON = frozenset('{["-0123456789tfn \t\r\n')  # first characters of JSON text


class RepairResult:
    """The outcome of `repair(text)`.

    `.value` is the repaired value, `.text` valid JSON for it (the input itself when it was
    already valid), `.steps` every change in text order, `.changed` whether there were any,
    `.lossy` whether any of them may have changed or dropped data.
    """

    __slots__ = ("value", "steps", "original", "_text")

    def __init__(self, value, steps: tuple[Step, ...], original: str, text: str | None = None) -> None:
        self.value = value
        self.steps = steps
        self.original = original
        self._text = text

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = dumps(self.value)
        return self._text

    @property
    def changed(self) -> bool:
        return bool(self.steps)

    @property
    def lossy(self) -> bool:
        return any(CODES[s.code].lossy for s in self.steps)

    def __repr__(self) -> str:
        codes = ", ".join(s.code for s in self.steps[:6]) + (", ..." if len(self.steps) > 6 else "")
        return f"RepairResult(steps={len(self.steps)} [{codes}], text={self.text[:60]!r})"


def _as_text(text) -> str:
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


def repair(text, *, schema=None, strict: bool = False, max_size: int | None = None,
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
    if text[:1] in _MAY_BE_JSON:  # (prose first: skip a decode that must fail)
        try:
            value = _strict_decode(text)
        except (ValueError, RecursionError):
            pass
        else:
            return RepairResult(value, (), text, text)
    return _repair_slow(text, strict)


def _limited(text: str, schema, strict: bool, max_size, max_depth):
    """repair with limits: (result, validated value for a schema)."""
    check_size(text, max_size)
    if schema is not None:
        result, validated = _repair_with_schema(text, schema, strict)
    else:
        result, validated = repair(text, strict=strict), None
    check_depth(text, result.value, max_depth)
    return result, validated


def _candidates(text: str, with_reasoning: bool = False, known: dict | None = None):
    if not text.strip():
        raise RepairError("empty input: there is no JSON value to repair", text, 0, "empty")
    ex = Extractor(text, known)
    candidates = ex.scan(with_reasoning=with_reasoning)
    if not candidates:
        raise RepairError(
            f"no JSON value found in the text ({len(text)} characters of prose, no object, array or scalar)",
            text, 0,
        )
    return ex, candidates


def _refuse_lossy(text: str, steps) -> None:
    for step in steps:
        if CODES[step.code].lossy:
            raise RepairError(f"strict mode refuses a lossy repair: {step.code}: {step.message}", text, step.pos, "lossy_refused")


def _quick_first(text: str):
    """The quick path on a text that opens with `{` or `[` (token-level defects only: see
    quick.py): (its answer when the value fills the text, else None; the quick-path
    answers extraction may reuse, by offset)."""
    start = _FIRST_TOKEN.match(text).end()
    if start >= len(text) or text[start] not in "{[":
        return None, {}
    quick = quick_repair(text, start, prefix=True)
    if quick is not None and _FIRST_TOKEN.match(text, quick[2]).end() == len(text):
        return quick, {}
    return None, {start: quick}  # text after the value, or not quick: extraction decides


def _repair_slow(text: str, strict: bool) -> RepairResult:
    whole, known = _quick_first(text)
    if whole is not None:
        return _result(text, whole[0], build_steps(text, whole[1]), strict)
    return _repair_parsed(text, strict, known)


def _value_slow(text: str):
    """The value `_repair_slow` would give, without the steps: for `loads` when nothing
    will read them (not strict, the `repair` logger off at INFO). Extraction still
    records its raw steps as it goes; only turning them into Steps is skipped."""
    whole, known = _quick_first(text)
    if whole is not None:
        return whole[0]
    return choose(_candidates(text, known=known)[1]).value


def _repair_parsed(text: str, strict: bool, known: dict | None = None) -> RepairResult:
    """Extraction and the tolerant parser: the full path, for any text. `known`: quick-path
    answers already computed for bare values, by offset (None where it gave up)."""
    ex, candidates = _candidates(text, known=known)
    chosen = choose(candidates)
    raw = extraction_steps(text, chosen, candidates, ex.think_spans) + chosen.steps
    return _result(text, chosen.value, build_steps(text, raw), strict)


def _result(text: str, value, steps, strict: bool) -> RepairResult:
    if strict:
        _refuse_lossy(text, steps)
    log_steps(steps)
    result = RepairResult(value, steps, text)
    if not steps:
        result._text = text  # valid JSON our parser read where json.loads could not (depth)
    return result


def _repair_with_schema(text: str, schema, strict: bool):
    """Align every candidate value to the schema, validate it, keep the best; return
    (result, validated value or model instance)."""
    from .schema import best_fit, choice_steps, compile_schema

    compiled = compile_schema(schema)
    try:
        value = _strict_decode(text)
    except (ValueError, RecursionError):
        ex, candidates = _candidates(text, with_reasoning=True)
    else:
        ex, candidates = None, [Candidate(RANK_TAG, len(text) - len(text.lstrip()), len(text), value, [])]
    # alignment reads JSON written inside a string with this same repair, handed down
    fit = best_fit(candidates, choose(candidates), compiled, reparse=lambda inner: repair(inner).value)
    chosen = fit.candidate
    raw = [] if ex is None else extraction_steps(text, chosen, candidates, ex.think_spans, choice_step=False)
    steps = build_steps(text, raw + choice_steps(fit, candidates) + chosen.steps + fit.steps)
    if strict:
        _refuse_lossy(text, steps)
    log_steps(steps)
    if fit.errors is not None:
        raise ValidationFailed(fit.errors, fit.value, steps, text, chosen.start)
    original_ok = not steps and ex is None
    return RepairResult(fit.value, steps, text, text if original_ok else None), fit.validated


def parse(text, schema, *, strict: bool = False, max_size: int | None = None, max_depth: int | None = None):
    """Repair, align to `schema` and validate: the pydantic model instance (or the value
    pydantic's TypeAdapter returns; for a JSON Schema dict, the validated value).

    Raises `ValidationFailed` (a `RepairError`) with `.errors`, `.value` and `.steps` when
    the value does not fit.
    """
    if max_size is not None or max_depth is not None:
        return _limited(_as_text(text), schema, strict, max_size, max_depth)[1]
    return _repair_with_schema(_as_text(text), schema, strict)[1]


def loads(text, *, schema=None, strict: bool = False, max_size: int | None = None, max_depth: int | None = None):
    """Like `json.loads`, for model output: the repaired value. Valid JSON costs what
    `json.loads` costs. With `schema`, the value aligned to it (and validated)."""
    if schema is not None or max_size is not None or max_depth is not None:
        return repair(text, schema=schema, strict=strict, max_size=max_size, max_depth=max_depth).value
    if type(text) is str:
        if text[:1] in _MAY_BE_JSON:
            try:
                return _strict_decode(text)
            except (ValueError, RecursionError):
                pass
        if strict or logger.isEnabledFor(INFO):
            return _repair_slow(text, strict).value
        return _value_slow(text)
    return repair(text, strict=strict).value


def repair_json(text, *, schema=None, strict: bool = False, indent=None, ensure_ascii: bool = False,
                max_size: int | None = None, max_depth: int | None = None) -> str:
    """Valid JSON text for the repaired value. Valid input comes back unchanged unless an
    `indent` asks for reformatting."""
    result = repair(text, schema=schema, strict=strict, max_size=max_size, max_depth=max_depth)
    if not result.steps and indent is None and not ensure_ascii:
        return result.original
    return dumps(result.value, indent=indent, ensure_ascii=ensure_ascii)
