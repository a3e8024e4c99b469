"""The entry points: `repair`, `loads`, `repair_json`.

Valid JSON goes through the stdlib's C decoder and comes back untouched with zero steps.
Anything else goes through extraction (find the value in the text) and the tolerant
parser, and every change is a Step, logged on the `repair` logger.
"""

from __future__ import annotations

from json.decoder import JSONDecoder

from .errors import RepairError
from .extract import Extractor, choose, extraction_steps
from .serialize import dumps
from .steps import CODES, Step, build_steps, log_steps


class _NotJSON(ValueError):
    pass


def _reject_constant(name: str):
    raise _NotJSON(name)  # NaN and Infinity are not JSON: send them to the repair path


_strict_decode = JSONDecoder(parse_constant=_reject_constant).decode


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
            raise RepairError(f"input is not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", doc, exc.start) from None
    raise TypeError(f"repair expects str or bytes, not {type(text).__name__}")


def repair(text, *, strict: bool = False) -> RepairResult:
    """Repair raw model output into a JSON value, recording every step.

    Raises `RepairError` when no value can be recovered (empty text, prose only), or, with
    `strict=True`, when a lossy repair would be needed.
    """
    text = _as_text(text)
    try:
        value = _strict_decode(text)
    except (ValueError, RecursionError):
        pass
    else:
        return RepairResult(value, (), text, text)
    return _repair_slow(text, strict)


def _repair_slow(text: str, strict: bool) -> RepairResult:
    if not text.strip():
        raise RepairError("empty input: there is no JSON value to repair", text, 0)
    ex = Extractor(text)
    candidates = ex.scan()
    if not candidates:
        raise RepairError(
            f"no JSON value found in the text ({len(text)} characters of prose, no object, array or scalar)",
            text, 0,
        )
    chosen = choose(candidates)
    raw = extraction_steps(text, chosen, candidates, ex.think_spans) + chosen.steps
    steps = build_steps(text, raw)
    if strict:
        for step in steps:
            if CODES[step.code].lossy:
                raise RepairError(f"strict mode refuses a lossy repair: {step.code}: {step.message}", text, step.pos)
    log_steps(steps)
    result = RepairResult(chosen.value, steps, text)
    if not steps:
        result._text = text  # valid JSON our parser read where json.loads could not (depth)
    return result


def loads(text, *, strict: bool = False):
    """Like `json.loads`, for model output: the repaired value. Valid JSON costs what
    `json.loads` costs."""
    if type(text) is str:
        try:
            return _strict_decode(text)
        except (ValueError, RecursionError):
            pass
        return _repair_slow(text, strict).value
    return repair(text, strict=strict).value


def repair_json(text, *, strict: bool = False, indent=None, ensure_ascii: bool = False) -> str:
    """Valid JSON text for the repaired value. Valid input comes back unchanged unless an
    `indent` asks for reformatting."""
    result = repair(text, strict=strict)
    if not result.steps and indent is None and not ensure_ascii:
        return result.original
    return dumps(result.value, indent=indent, ensure_ascii=ensure_ascii)
