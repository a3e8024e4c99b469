"""ActionNode: ask a model for structured output, repair it locally, and re-ask only for
what local repair cannot fix, saying exactly what was wrong.

Compared with MetaGPT's ActionNode (research/metagpt-repair.md §2): the format example
is neutral (placeholders, never sample content a model copies), a re-ask names the
failing fields and shows the failed answer once instead of resending the same prompt, a
reply cut off at max_tokens is continued rather than thrown away, the loop stops early
when the same errors come back, and final failure is one `FillFailed` carrying every
attempt and the best partial value, never a tenacity RetryError.

Faults (a callback that raises or times out, empty or garbage replies, replies that never
validate) all spend the same bounded budget; see `ActionNode` for the policy.
"""

from __future__ import annotations

import enum
import inspect
import json
import logging
import math
import re
import typing
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Union

from .action_stream import StreamEvent as StreamEvent  # (public here too: repair.action.StreamEvent)
from .action_stream import _Answer, _ToolArguments
from .errors import RepairError
from .extract.tags import last_content_block
from .steps import ends_cut_off, log_steps, text_end, unlogged_steps

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError
    from typing_extensions import TypeVar  # (a default for the type variable: PEP 696)

    from .errors import ErrorDetail
    from .llm.config import LLMConfig
    from .steps import Step
    from .streaming import Snapshot

    # the model a node validates against: from_model's, or BaseModel for a node built from
    # children (its model is made from them at run time)
    _T = TypeVar("_T", bound=BaseModel, default=BaseModel)

    # the check of one answer: (the instance or None, the value read, the steps, the errors)
    _Check = tuple[Any, Any, tuple[Step, ...], list[ErrorDetail]]
    # the best answer so far: (its error count, its value, its errors)
    _Best = tuple[int, Any, list[ErrorDetail]]
else:
    _T = typing.TypeVar("_T")
_M = typing.TypeVar("_M", bound="BaseModel")

logger = logging.getLogger("repair.action")

Mode = typing.Literal["text", "json_schema", "tools"]
MODES: tuple[Mode, ...] = ("text", "json_schema", "tools")

# An OpenAI-style message, {"role": ..., "content": ...}
Message = dict[str, Any]
# What `fill` and the others call: a callable taking the messages and returning a str, bytes,
# None or a reply with `.text` (and `.finish_reason`, `.usage`, `.tool_calls`), or an
# awaitable of one, or (streaming) an iterable of pieces; the adapters of repair.llm are
# such callables. Or the `LLMConfig` that `repair.llm.from_config` reads.
LLM = Union[Callable[[list[Message]], Any], "LLMConfig"]

CONTINUE_PROMPT = (
    "Your previous answer was cut off. Continue exactly where it stopped, without repeating "
    "anything and without any introduction."
)
CONTINUE_TAIL_PROMPT = (
    "Your previous answer was cut off. Above are only its last {shown:,} characters (of {total:,}: the start "
    "is left out to keep this request small). Continue exactly where it stopped, without repeating anything "
    "and without any introduction."
)
MAX_CONTINUATIONS = 3
CONTINUATION_TAIL_CHARS = 8000  # a cut-off answer is sent back for its continuation as at most its last this many characters
ATTEMPT_EXCERPT_CHARS = 10_000  # an Attempt keeps at most this many characters of its answer (head and tail)
BYTES_PER_TOKEN_ESTIMATE = 3  # without usable usage, a call counts one token per this many UTF-8 bytes sent and received
SHOWN_ANSWER_CHARS = 4000  # a failed answer is shown back in a re-ask clipped to this (head and tail)
MAX_FEEDBACK_ERRORS = 20  # errors listed in a re-ask, each line clipped to FEEDBACK_LINE_CHARS
FEEDBACK_LINE_CHARS = 300


@dataclass
class Attempt:
    """One model call: what came back, what local repair did, what was still wrong."""

    kind: str  # "ask", "reask" or "continue": which messages were sent
    raw: str  # the reply's text ("" when the call failed), an excerpt of it when it is long: see below
    steps: tuple[Step, ...] = ()
    errors: list[ErrorDetail] = field(default_factory=list)
    usage: Mapping[str, Any] | None = None
    finish_reason: str | None = None
    error: str | None = None  # the call itself failed: "LLMError: ...", "TimeoutError: ..." (key redacted)
    raw_length: int | None = None  # the length of the whole reply (that of `raw` unless set)
    tokens: int = 0  # what the call counted against `max_tokens` (see ActionNode; 0 for a failed call)

    # `raw` is bounded so that the attempts of a fill, and a FillFailed that carries them,
    # never hold every answer in full: a reply longer than the node's
    # `attempt_excerpt_chars` (ATTEMPT_EXCERPT_CHARS, 10,000) keeps its first and last
    # halves of that many characters around a line saying how many were left out. The
    # validated answer is whole in `FillResult.content`.

    def __post_init__(self) -> None:
        if self.raw_length is None:
            self.raw_length = len(self.raw)

    @property
    def clipped(self) -> bool:
        """Is `raw` an excerpt (the reply was longer)?"""
        return self.raw_length != len(self.raw)


@dataclass
class FillResult(Generic[_T]):
    """What a fill ends with: `instance`, the validated instance of the node's model (a
    `Ticket` for `ActionNode.from_model(Ticket)`); `value`, the same as plain JSON data;
    `content`, the model's final text (joined across continuations; a tool call's
    arguments in mode "tools"); `attempts`, every call."""

    instance: _T
    value: Any
    content: str  # the model's final text (joined across continuations)
    attempts: list[Attempt]

    @property
    def usage(self) -> dict[str, int]:
        """The usage the server reported, summed over the attempts (counts that are not
        whole numbers of at least 0 are left out; `Attempt.tokens` is what the budget counted)."""
        total: dict[str, int] = {}
        for attempt in self.attempts:
            usage = attempt.usage if isinstance(attempt.usage, Mapping) else {}
            for k, v in usage.items():
                if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                    total[k] = total.get(k, 0) + v
        return total


class FillFailed(RepairError):
    """The model never produced a valid answer within the budget.

    `.attempts` holds every call (a failed call has `.error` set; a long answer is kept as
    an excerpt, its head and tail, with `.raw_length` its whole length), `.value` the best
    partial value (from the answer with the fewest errors; None when no answer came) and
    `.errors` that answer's errors (or the last failed call's). The message lists what
    happened in each call and what to try next. When the last call raised, that exception
    is chained as `__cause__` (as the callback raised it: the adapters' errors never hold
    the key, but a callback of your own is only masked in `.attempts` and the message).
    """

    def __init__(self, message: str, attempts: list[Attempt], value: Any, errors: list[ErrorDetail]) -> None:
        super().__init__(message, attempts[-1].raw if attempts else "", 0, "fill")
        self.args = (message,)  # no "(at line 1, column 1)": the failure is not at a place in a text
        self.attempts = attempts
        self.value = value
        self.errors = errors

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (FillFailed, (self.args[0], self.attempts, self.value, self.errors))


class ActionNode(Generic[_T]):
    """A node of structured output, as in MetaGPT: a key, an expected type, an instruction,
    an example, and optional children (then the node stands for an object of them).

    How `fill` / `afill` deal with faults. There is one budget: at most `max_retries + 1`
    calls that ask, whatever went wrong (plus up to MAX_CONTINUATIONS continuations of a
    cut-off answer each). Every call is an `Attempt`; when the budget is spent the loop
    raises `FillFailed` carrying all of them.

    - The callback raises (an adapter's `LLMError` after its own HTTP retries: a timeout, a
      refused connection, HTTP 5xx; or any `Exception` from a callback of your own): the
      attempt gets `.error` ("LLMError: ...", the API key redacted) and `.raw == ""`, and the
      *same messages* are sent again. The model never saw them, so there is nothing for it
      to correct and no "your answer was wrong" re-ask. An `LLMError` with `.retryable`
      false (HTTP 4xx such as a wrong key, an unknown model or a used-up quota, a refusal,
      a 200 that is not a chat reply) ends the loop at once: asking again would get the
      same answer.
      KeyboardInterrupt, SystemExit and asyncio.CancelledError are never caught. A callback
      returning something that is neither a str, bytes, None nor an object with `.text`
      is a programming error: TypeError at once. `fill` cannot interrupt a blocking
      callback, so a callback of your own must enforce its own timeout (the adapters do).
    - The answer is empty (None, "", whitespace only; never "continued") or holds no JSON
      (prose, binary junk, a huge reply): a failed attempt, re-asked saying so.
    - The answer does not validate: re-asked naming the failing fields.
    - The loop also stops early when two answers in a row have the same errors (two empty
      answers, two without JSON, the same invalid fields; a failed call in between does
      not count), and at the `max_tokens` budget.
    - The budget counts, for each answer, the `total_tokens` of its usage; when that is
      missing, None, not a number, 0 or negative, `prompt_tokens + completion_tokens` if both
      are usable; else an estimate, one token per BYTES_PER_TOKEN_ESTIMATE (3) UTF-8 bytes
      of the messages sent and the answer (more than most tokenizers make of them). A
      report never adds budget back. A failed call counts nothing. Each `Attempt.tokens`
      says what was counted.
    - The prompt never grows: a re-ask is the original messages plus the failed answer,
      clipped to SHOWN_ANSWER_CHARS (4,000) characters (head and tail), plus at most
      MAX_FEEDBACK_ERRORS (20) error lines of at most FEEDBACK_LINE_CHARS (300) characters,
      however many attempts came before and however large they were. A continuation is the
      original messages plus the last `continuation_tail_chars` (CONTINUATION_TAIL_CHARS,
      8,000) characters of the answer so far, the request saying that only its end is shown
      when it is longer: the whole answer is kept and joined locally, never resent.
    - Memory stays bounded too: each `Attempt` keeps at most `attempt_excerpt_chars`
      (ATTEMPT_EXCERPT_CHARS, 10,000) characters of its answer, head and tail, so a
      `FillFailed` after many huge answers does not hold them all.

    Set the bounds on a node (`node.continuation_tail_chars = 2000`) or a subclass.
    """

    continuation_tail_chars: int = CONTINUATION_TAIL_CHARS
    attempt_excerpt_chars: int = ATTEMPT_EXCERPT_CHARS

    def __init__(self, key: str, expected_type: Any = str, instruction: str = "", example: Any = None,
                 children: Iterable[ActionNode[Any]] | None = None) -> None:
        self.key = key
        self.expected_type = expected_type
        self.instruction = instruction
        self.example = example
        self.children: list[ActionNode[Any]] = list(children or [])
        self._model: type[_T] | None = None
        self.content = ""  # after fill: the model's text
        self.instruct_content: _T | None = None  # after fill: the validated instance

    # ------------------------------------------------------------------ building
    def add_child(self, node: ActionNode[Any]) -> None:
        self.children.append(node)
        self._model = None

    def add_children(self, nodes: Iterable[ActionNode[Any]]) -> None:
        for node in nodes:
            self.add_child(node)

    @classmethod
    def from_model(cls, model: type[_M], key: str | None = None) -> ActionNode[_M]:
        """A node from a pydantic model: one child per field, the field's description as
        its instruction; validation uses the model itself (`ActionNode.from_model(Ticket)`
        is an `ActionNode[Ticket]`, whose fill gives a `FillResult[Ticket]`)."""
        # (`cls` is unbound in the type variable: this node is the one validating against `model`)
        node = typing.cast("ActionNode[_M]", cls(key or model.__name__, model, model.__doc__ or ""))
        for name, info in model.model_fields.items():
            node.children.append(cls(info.alias or name, info.annotation, info.description or ""))
        node._model = model
        return node

    def output_model(self) -> type[_T]:
        """The pydantic model replies are validated against."""
        if self._model is None:
            from pydantic import create_model

            fields: dict[str, Any]
            if self.children:
                fields = {c.key: (c.expected_type, _required(c.expected_type)) for c in self.children}
            else:
                fields = {self.key: (self.expected_type, ...)}
            # (only a node built from children gets here, whose _T is BaseModel: its default)
            self._model = typing.cast("type[_T]", create_model(_class_name(self.key), **fields))
        return self._model

    # ------------------------------------------------------------------ prompting
    def compile(self, context: str, mode: Mode = "text") -> str:
        """The prompt: the context, the format (a JSON object inside [CONTENT] and
        [/CONTENT], each field with its type and instruction), then the constraint.

        In the modes where the server is given the schema ("json_schema") or the tool
        ("tools"), the format example is left out: the fields with their types and
        instructions, then what to answer with."""
        nodes = self.children or [self]
        lines = [f"- {n.key}: {_type_name(n.expected_type)}" + (f"  # {n.instruction}" if n.instruction else "") for n in nodes]
        if mode != "text":
            how = ("Answer with one JSON object with these fields, nothing before or after it." if mode == "json_schema"
                   else f"Call the tool {self.tool_name()} once, with these fields as its arguments.")
            return (f"## context\n{context}\n\n-----\n\n## fields\n" + "\n".join(lines) + "\n\n"
                    f"## constraint\nUse the same language as the context. {how}")
        example = {n.key: _placeholder(n.expected_type, n.key) for n in nodes}
        return (
            f"## context\n{context}\n\n-----\n\n"
            "## format\nAnswer with one JSON object inside [CONTENT] and [/CONTENT], shaped like this "
            "(the <...> parts describe what to write; replace each with real content):\n"
            f"[CONTENT]\n{json.dumps(example, indent=2, ensure_ascii=False)}\n[/CONTENT]\n\n"
            "## fields\n" + "\n".join(lines) + "\n\n"
            "## constraint\nUse the same language as the context. Output only the [CONTENT] block: "
            "valid JSON with double quotes, no comments, nothing before or after it."
        )

    def reask_prompt(self, errors: list[ErrorDetail], mode: Mode = "text") -> str:
        """Feedback naming exactly the failing fields and what was wrong with each (at most
        MAX_FEEDBACK_ERRORS lines, each clipped to FEEDBACK_LINE_CHARS)."""
        shown = errors[:MAX_FEEDBACK_ERRORS]
        lines = [_brief(f"- {_error_line(e)}", FEEDBACK_LINE_CHARS) for e in shown]
        more = f"\n- ... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        if mode == "tools":
            head = (f"Your answer above could not be used. Fix these problems and call the tool {self.tool_name()} "
                    "again with the complete arguments:\n")
        elif mode == "json_schema":
            head = ("Your answer above could not be used. Fix these problems and answer again with the "
                    "complete JSON object, nothing else:\n")
        else:
            head = ("Your answer above could not be used. Fix these problems and answer again with the "
                    "complete JSON object inside [CONTENT] and [/CONTENT], nothing else:\n")
        return head + "\n".join(lines) + more

    def tool_definition(self) -> dict[str, Any]:
        """The node as one OpenAI tool definition (`repair.tools.tool_schema` of the output
        model): what mode="tools" sends, for a callable of your own to send too."""
        from .tools import tool_schema

        return tool_schema(self.output_model())

    def tool_name(self) -> str:
        """The name of the node's tool in mode="tools" (the output model's class name)."""
        return str(self.output_model().__name__)

    # ------------------------------------------------------------------ filling
    def fill(self, context: str, llm: LLM, *, max_retries: int = 3, max_tokens: int | None = None,
             repair_llm_output: bool = True, system: str | None = None, mode: Mode = "text") -> FillResult[_T]:
        """Ask `llm` (a callable taking OpenAI-style messages and returning a str or a reply
        with `.text`, `.finish_reason`, `.usage`, `.tool_calls`; sync or async) until the
        answer validates.

        `mode`: "text" (the default) asks for the JSON inside [CONTENT] in the prompt;
        "json_schema" also asks the server for structured output with the node's schema
        (an adapter's `response_format`, Ollama's `format`); "tools" sends the node as one
        tool the model must call and reads the call's arguments. Either way the answer is
        repaired and validated here, and re-asked as in "text"; see the class docstring.

        Raises `FillFailed` when `max_retries` re-asks (or retries after a failed call) are
        spent; see the class docstring for how each fault is handled."""
        llm, max_retries, repair_llm_output = _unpack_config(llm, max_retries, repair_llm_output)
        llms = _Llms.for_mode(llm, mode, self)
        loop = self._loop(context, max_retries, max_tokens, repair_llm_output, system, mode)
        reply: Any = None
        while True:
            try:
                call = loop.send(reply)
            except StopIteration as done:
                result: FillResult[_T] = done.value
                return result
            reply = _call_sync(llms.of(call), call.messages)

    async def afill(self, context: str, llm: LLM, *, max_retries: int = 3, max_tokens: int | None = None,
                    repair_llm_output: bool = True, system: str | None = None, mode: Mode = "text",
                    ) -> FillResult[_T]:
        """`fill` for async code: awaits `llm.acall` (the adapters) or an async callback;
        a sync callback is called as it is."""
        llm, max_retries, repair_llm_output = _unpack_config(llm, max_retries, repair_llm_output)
        llms = _Llms.for_mode(llm, mode, self)
        loop = self._loop(context, max_retries, max_tokens, repair_llm_output, system, mode)
        reply: Any = None
        while True:
            try:
                call = loop.send(reply)
            except StopIteration as done:
                result: FillResult[_T] = done.value
                return result
            reply = await _call_async(llms.of(call), call.messages)

    # ------------------------------------------------------------------ streaming
    def stream(self, context: str, llm: LLM, *, max_retries: int = 3, max_tokens: int | None = None,
               repair_llm_output: bool = True, system: str | None = None, mode: Mode = "text",
               ) -> Generator[StreamEvent[FillResult[_T]], None, FillResult[_T]]:
        """`fill`, showing each answer while the model writes it: a generator of
        `StreamEvent`s (repair.action.StreamEvent).

            for event in node.stream("Build a todo app", llm=llm):
                show(event.attempt, event.value)      # the partial instance, as it grows
            result = event.result                     # the FillResult, on the last event

        Each event has `.attempt` (the number of the call, as counted in `.attempts`),
        `.kind` ("ask", "reask", "continue") and `.snapshot`, the answer's value so far as
        `repair.StreamParser` reads it with the node's schema (`.value`, `.done`,
        `.changed`, ...); an event comes whenever that value changes. When an answer does
        not validate, the call's last event carries `.errors` and the re-ask is streamed
        next, exactly as `fill` makes it (the same messages, budget, `Attempt` records,
        continuation of a cut-off answer, whose value goes on growing). The last event
        carries `.result`, the `FillResult` (also the generator's return value);
        `FillFailed` is raised as `fill` raises it. Closing the generator early closes the
        model's stream.

        `llm`: an adapter (anything with `.stream(messages)`, used for every call), a
        callable returning an iterable of text pieces (str or bytes; its `finish_reason`
        and `usage`, if it has them, are read once it is exhausted), or a one-shot
        callable as for `fill` (then one snapshot per answer). Snapshots are read with
        local repair even when `repair_llm_output` is false; the check of each answer is
        `fill`'s.

        `mode` as for `fill`. In mode "tools" the snapshots are of the tool call's
        arguments as they arrive (an adapter's `on_tool_call_delta`, assembled by
        `repair.tools.ToolCallStream`); text the model writes before calling is read
        until the call begins.
        """
        llm, max_retries, repair_llm_output = _unpack_config(llm, max_retries, repair_llm_output)
        llms = _Llms.for_mode(llm, mode, self)
        loop = self._loop(context, max_retries, max_tokens, repair_llm_output, system, mode)
        answer = _Answer(self.output_model(), join_continuation)
        number, kind, reply = 0, "ask", None
        try:
            while True:
                try:
                    call = loop.send(reply)
                except StopIteration as done:
                    result: FillResult[_T] = done.value
                    yield _last_event(answer, number, kind, result)
                    return result
                if call.why:  # the previous call's answer is done with: say why a new one is asked
                    yield StreamEvent(number, kind, answer.snapshot, list(call.why))
                number, kind = number + 1, call.kind
                answer.begin(continuing=kind == "continue")
                items = _stream_call(llms.of(call), call.messages, answer, mode == "tools")
                try:
                    for item in items:  # snapshots, then the reply
                        if isinstance(item, (_Reply, _CallFailed)):
                            reply = item
                        else:
                            yield StreamEvent(number, kind, item)
                finally:
                    items.close()
        finally:
            loop.close()

    async def astream(self, context: str, llm: LLM, *, max_retries: int = 3, max_tokens: int | None = None,
                      repair_llm_output: bool = True, system: str | None = None, mode: Mode = "text",
                      ) -> AsyncGenerator[StreamEvent[FillResult[_T]], None]:
        """`stream` for async code: an async generator of the same `StreamEvent`s.

            async for event in node.astream("Build a todo app", llm=llm):
                ...

        `llm`: an adapter (its `.astream(messages)`), a callable returning an async or sync
        iterable of text pieces (or an awaitable of one), or a one-shot callable as for
        `afill` (`.acall`, async or sync). The last event carries `.result`; `FillFailed`
        is raised as `afill` raises it. `aclose()` the generator to stop early. `mode` as
        for `stream`.
        """
        llm, max_retries, repair_llm_output = _unpack_config(llm, max_retries, repair_llm_output)
        llms = _Llms.for_mode(llm, mode, self)
        loop = self._loop(context, max_retries, max_tokens, repair_llm_output, system, mode)
        answer = _Answer(self.output_model(), join_continuation)
        number, kind, reply = 0, "ask", None
        try:
            while True:
                try:
                    call = loop.send(reply)
                except StopIteration as done:
                    yield _last_event(answer, number, kind, done.value)
                    return
                if call.why:
                    yield StreamEvent(number, kind, answer.snapshot, list(call.why))
                number, kind = number + 1, call.kind
                answer.begin(continuing=kind == "continue")
                items = _astream_call(llms.of(call), call.messages, answer, mode == "tools")
                try:
                    async for item in items:
                        if isinstance(item, (_Reply, _CallFailed)):
                            reply = item
                        else:
                            yield StreamEvent(number, kind, item)
                finally:
                    await items.aclose()
        finally:
            loop.close()

    def _loop(self, context: str, max_retries: int, max_tokens: int | None, repair_llm_output: bool,
              system: str | None, mode: Mode = "text") -> Generator[_Call, Any, FillResult[_T]]:
        """The retry loop as a generator: it yields each `_Call` to make and receives its
        reply (or a `_CallFailed`), so `fill`, `afill`, `stream` and `astream` share every
        decision."""
        model = self.output_model()
        prompt = self.compile(context, mode)
        base: list[Message] = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        attempts: list[Attempt] = []
        best: _Best | None = None  # the best answer so far
        previous: list[ErrorDetail] | None = None  # the errors of the last answer checked
        messages, kind, asks = base, "ask", 0
        why: list[ErrorDetail] | None = None
        while True:
            received = yield _Call(messages, kind, why)
            if isinstance(received, _CallFailed):
                attempts.append(received.attempt(kind))
                reason = None
                if not received.retryable:
                    reason = "an error that asking again cannot fix"
                elif asks >= max_retries:
                    reason = f"max_retries={max_retries} used up"
                _log_failed_call(self.key, len(attempts), kind, received.text, reason is None)
                if reason:
                    raise self._failed(attempts, reason, best) from received.exc
                asks += 1
                why = attempts[-1].errors
                continue  # the same messages again: the model never saw them
            reply = _as_reply(received)
            calls = reply.tool_calls if mode == "tools" else None  # (a tool call's answer has no text)
            called = bool(calls)
            text = _call_text(calls) if calls else reply.text
            answer = self._attempt(kind, reply, messages, text)
            attempts.append(answer)
            number = len(attempts)  # the call whose attempt carries the check of the (joined) text
            continued = 0
            if calls:
                instance, value, steps, errors = _check_call(calls, model, repair_llm_output)
            else:
                instance, value, steps, errors = _check(text, model, repair_llm_output)
            # (a tool call is not continued: its repaired arguments are checked, and re-asked if need be)
            while not called and _cut_off(reply, text, steps, repair_llm_output) and continued < MAX_CONTINUATIONS and not _over_budget(attempts, max_tokens):
                continued += 1
                asked = continuation(base, text, self.continuation_tail_chars)
                received = yield _Call(asked, "continue")
                if isinstance(received, _CallFailed):
                    attempts.append(received.attempt("continue"))
                    _log_failed_call(self.key, len(attempts), "continue", received.text, False)
                    break  # check what came so far; a re-ask, if needed, retries the call
                reply = _as_reply(received)
                answer = self._attempt("continue", reply, asked)
                attempts.append(answer)
                number = len(attempts)
                text = join_continuation(text, reply.text)
                instance, value, steps, errors = _check(text, model, repair_llm_output)
            answer.steps, answer.errors = steps, errors
            log_steps(steps)  # once per answer: the checks above log nothing (a cut-off part was read twice)
            _log_attempt(self.key, number, answer.kind, errors)
            if not errors:
                self.content, self.instruct_content = text, instance
                return FillResult(instance, value, text, attempts)
            if best is None or len(errors) < best[0]:
                best = (len(errors), value, errors)
            same_again = previous is not None and _error_keys(errors) == _error_keys(previous)
            previous = errors
            reason = None
            if asks >= max_retries:
                reason = f"{max_retries} re-ask(s) used"
            elif same_again:
                reason = "the same errors came back twice"
            elif _over_budget(attempts, max_tokens):
                reason = f"the token budget of {max_tokens} is spent"
            if reason:
                raise self._failed(attempts, reason, best)
            asks += 1
            kind, why = "reask", errors
            messages = base + [
                {"role": "assistant", "content": _clip(text)},
                {"role": "user", "content": self.reask_prompt(errors, mode)},
            ]

    def _attempt(self, kind: str, reply: _Reply, sent: list[Message], text: str | None = None) -> Attempt:
        """The record of one answer to the messages `sent`: its text (or `text`: a tool
        call's arguments) clipped to `attempt_excerpt_chars`, and the tokens it counts
        against the budget."""
        text = reply.text if text is None else text
        return Attempt(kind, _excerpt(text, self.attempt_excerpt_chars), usage=reply.usage,
                       finish_reason=reply.finish_reason, raw_length=len(text),
                       tokens=_tokens(reply.usage, sent, text))

    def _failed(self, attempts: list[Attempt], reason: str, best: _Best | None) -> FillFailed:
        """The final error: what happened in every call, and what to try next."""
        if best is None:  # no answer ever came: the last failed call stands for the errors
            value, errors = None, attempts[-1].errors
        else:
            value, errors = best[1], best[2]
        lines = [_attempt_line(i, a) for i, a in enumerate(attempts, 1)]
        if len(lines) > 12:
            lines = lines[:4] + [f"  ... {len(lines) - 10} more call(s), see .attempts ..."] + lines[-6:]
        message = (f"ActionNode {self.key!r} got no valid answer in {len(attempts)} call(s) ({reason}):\n"
                   + "\n".join(lines) + "\n" + _advice(attempts))
        return FillFailed(message, attempts, value, errors)


# ---------------------------------------------------------------------- replies
@dataclass(frozen=True)
class _Call:
    """One model call the loop asks for: the messages, which kind of call it is, and why
    it is made (the errors of the answer or failed call before it; None for the first
    ask and for a continuation)."""

    messages: list[Message]
    kind: str  # "ask", "reask" or "continue"
    why: list[ErrorDetail] | None = None


@dataclass(frozen=True)
class _Reply:
    text: str
    finish_reason: str | None = None
    usage: Mapping[str, Any] | None = None
    tool_calls: list[Any] | None = None  # as `repair.llm.Reply` has them (None: none)


def _as_reply(result: object) -> _Reply:
    """A callback's return value as a _Reply; None or a None `.text` is an empty answer;
    `.tool_calls` are kept when the result has them."""
    if result is None or isinstance(result, (str, bytes, bytearray)):
        return _Reply(_answer_text(result))
    if not hasattr(result, "text"):
        raise TypeError(f"the LLM callback returned {type(result).__name__}; return a str or an object with .text")
    return _Reply(_answer_text(getattr(result, "text")), getattr(result, "finish_reason", None), getattr(result, "usage", None),
                  _tool_call_list(getattr(result, "tool_calls", None)))


def _tool_call_list(calls: object) -> list[Any] | None:
    """Tool calls as a list (None for none: also an empty list or something that is no list)."""
    if isinstance(calls, (list, tuple)) and calls:
        return list(calls)
    return None


class _Llms:
    """Which llm each call goes to: in a mode other than "text", an adapter configured for
    it (`with_options`) asks, and the plain adapter continues a cut-off answer (a
    continuation goes on from the middle of the JSON, which a server constraining its
    output to the schema would not let it do)."""

    def __init__(self, asking: Callable[[list[Message]], Any], continuing: Callable[[list[Message]], Any]) -> None:
        self.asking, self.continuing = asking, continuing

    def of(self, call: _Call) -> Callable[[list[Message]], Any]:
        return self.continuing if call.kind == "continue" else self.asking

    @classmethod
    def for_mode(cls, llm: Callable[[list[Message]], Any], mode: str, node: ActionNode[Any]) -> _Llms:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(map(repr, MODES))}, not {mode!r}")
        if mode == "text":
            return cls(llm, llm)
        from .llm import Ollama, OpenAICompatible

        model = node.output_model()
        if isinstance(llm, OpenAICompatible):
            if mode == "json_schema":
                return cls(llm.with_options(response_format=model), llm.with_options(response_format=None))
            choice = {"type": "function", "function": {"name": node.tool_name()}}
            return cls(llm.with_options(tools=[node.tool_definition()], tool_choice=choice), llm)
        if isinstance(llm, Ollama):  # (Ollama has no tool_choice: the prompt asks for the call)
            if mode == "json_schema":
                return cls(llm.with_options(format=model), llm.with_options(format=None))
            return cls(llm.with_options(tools=[node.tool_definition()]), llm)
        return cls(llm, llm)  # a callable of your own: sending the schema or the tool is its part


def _call_text(calls: list[Any]) -> str:
    """The text of a tool-call answer: the first call's arguments as they came (OpenAI's
    JSON string; Ollama's object written as JSON)."""
    call = calls[0] if calls else None
    function = call.get("function") if isinstance(call, Mapping) else None
    arguments = function.get("arguments") if isinstance(function, Mapping) else None
    if isinstance(arguments, str):
        return arguments
    try:
        return json.dumps(arguments, ensure_ascii=False) if arguments is not None else ""
    except (TypeError, ValueError):
        return repr(arguments)


def _answer_text(text: object) -> str:
    """An answer's text as str: None is empty, bytes are read as UTF-8 (bad bytes replaced)."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", errors="replace")
    return str(text)


class _CallFailed:
    """What the loop receives instead of a reply when the callback raised."""

    def __init__(self, exc: Exception, llm: object) -> None:
        from .llm import LLMError

        self.exc = exc
        self.retryable = not isinstance(exc, LLMError) or exc.retryable
        self.text = _describe(exc, llm)

    def attempt(self, kind: str) -> Attempt:
        return Attempt(kind, "", errors=[{"loc": (), "msg": f"the call failed: {self.text}", "type": "call_failed"}],
                       error=self.text)


def _describe(exc: BaseException, llm: object) -> str:
    """'Type: message', the API key (and anything shaped like one) masked, clipped."""
    from .llm._secrets import _mask_secrets

    try:
        detail = " ".join(str(exc).split())
    except Exception:  # an exception whose __str__ fails still counts as one failed call
        detail = ""
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    redact = getattr(llm, "_redact", None)
    if callable(redact):
        text = redact(text)
    return _brief(_mask_secrets(text), 500)


def _call_sync(llm: Callable[[list[Message]], Any], messages: list[Message]) -> Any:
    """The callback's result, or a _CallFailed if it raised an Exception."""
    try:
        result = llm(messages)
    except Exception as exc:
        return _CallFailed(exc, llm)
    if inspect.isawaitable(result):
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            try:
                return asyncio.run(_await(result))
            except Exception as exc:
                return _CallFailed(exc, llm)
        result.close() if hasattr(result, "close") else None
        raise RuntimeError("the LLM callback is async and an event loop is running: use `await node.afill(...)`")
    return result


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def _call_async(llm: Callable[[list[Message]], Any], messages: list[Message]) -> Any:
    acall = getattr(llm, "acall", None)
    try:
        result = acall(messages) if acall is not None else llm(messages)
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:
        return _CallFailed(exc, llm)
    return result


def _stream_call(llm: Callable[[list[Message]], Any], messages: list[Message], answer: _Answer,
                 tools: bool = False) -> Generator[Snapshot | _Reply | _CallFailed, None, None]:
    """Make one call for `stream`, streamed when `llm` can: yields a Snapshot whenever the
    answer's value changes, then the reply (a _Reply, or a _CallFailed if the call raised,
    also after some pieces: the loop then sends the same messages again). With `tools`,
    the answer read is the tool call's arguments as they arrive (see `_ToolArguments`)."""
    opener = getattr(llm, "stream", None)
    reader = _ToolArguments(answer) if tools else None
    if callable(opener):
        try:
            source = opener(messages, **_delta_option(llm, reader))
        except Exception as exc:
            source = _CallFailed(exc, llm)
    else:
        source = _call_sync(llm, messages)  # (an async callback is run as fill runs it)
    if isinstance(source, _CallFailed):
        yield source
        return
    if not _is_stream(source, asynchronous=False):
        yield from _whole_answer(source, answer, tools)
        return
    try:
        try:
            pieces = iter(source)
        except Exception as exc:
            yield _CallFailed(exc, llm)
            return
        while True:
            try:
                piece = next(pieces)
            except StopIteration:
                break
            except Exception as exc:
                yield _CallFailed(exc, llm)
                return
            yield from _read_piece(piece, answer, reader)
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            close()  # (a TextStream lets go of its connection; nothing happens once it has ended)
    yield from _streamed_reply(source, answer, reader)


async def _astream_call(llm: Callable[[list[Message]], Any], messages: list[Message], answer: _Answer,
                        tools: bool = False) -> AsyncGenerator[Snapshot | _Reply | _CallFailed, None]:
    """`_stream_call` for `astream`: the adapter's `.astream`, or a callback's async (or
    sync) iterable of pieces, or its whole answer."""
    opener = getattr(llm, "astream", None)
    reader = _ToolArguments(answer) if tools else None
    if callable(opener):
        try:
            source = opener(messages, **_delta_option(llm, reader))
        except Exception as exc:
            source = _CallFailed(exc, llm)
    else:
        source = await _call_async(llm, messages)  # (`.acall`, or the callback, awaited if async)
    if isinstance(source, _CallFailed):
        yield source
        return
    if not _is_stream(source, asynchronous=True):
        for item in _whole_answer(source, answer, tools):
            yield item
        return
    is_async = hasattr(source, "__aiter__")
    try:
        try:
            pieces = source.__aiter__() if is_async else iter(source)
        except Exception as exc:
            yield _CallFailed(exc, llm)
            return
        while True:
            try:
                piece = await pieces.__anext__() if is_async else next(pieces)
            except (StopIteration, StopAsyncIteration):
                break
            except Exception as exc:
                yield _CallFailed(exc, llm)
                return
            for snap in _read_piece(piece, answer, reader):
                yield snap
    finally:
        close = getattr(source, "aclose", None) if is_async else None
        if callable(close):
            await close()
        elif callable(getattr(source, "close", None)):
            source.close()
    for item in _streamed_reply(source, answer, reader):
        yield item


def _is_stream(result: object, *, asynchronous: bool) -> bool:
    """Is a callback's result a stream of text pieces, rather than a whole answer?"""
    if result is None or isinstance(result, (str, bytes, bytearray, dict)):
        return False  # (a dict is neither: _as_reply says so)
    if hasattr(result, "__aiter__") and (asynchronous or not hasattr(result, "__iter__")):
        if not asynchronous:
            raise TypeError(f"the LLM callback returned an async iterable ({type(result).__name__}): "
                            "use `async for event in node.astream(...)`")
        return True
    return hasattr(result, "__iter__")  # (checked before .text: a TextStream has a .text too)


def _whole_answer(result: object, answer: _Answer, tools: bool = False) -> Iterator[Snapshot | _Reply]:
    """A one-shot answer in a streaming fill: one snapshot, then the reply."""
    reply = _as_reply(result)
    fed = answer.feed(_call_text(reply.tool_calls) if tools and reply.tool_calls else reply.text)
    snap = answer.end() or fed
    if snap is not None:
        yield snap
    yield reply


def _delta_option(llm: object, reader: _ToolArguments | None) -> dict[str, Any]:
    """The keyword that hands an adapter's tool-call deltas to `reader` (none for other llms,
    whose stream's `tool_calls`, if it has them, are read once it is done)."""
    from .llm._drive import Driven

    return {"on_tool_call_delta": reader.delta} if reader is not None and isinstance(llm, Driven) else {}


def _read_piece(piece: Any, answer: _Answer, reader: _ToolArguments | None) -> Iterator[Snapshot]:
    """The snapshots one streamed text piece (and the tool-call deltas that came with it) gave."""
    if reader is None:
        snap = answer.feed(piece)
        if snap is not None:
            yield snap
        return
    yield from reader.text(piece)


def _streamed_reply(source: object, answer: _Answer, reader: _ToolArguments | None = None,
                    ) -> Iterator[Snapshot | _Reply]:
    """The last snapshot of a streamed answer (if it changed), then its reply: the text
    read, with the stream's finish_reason, usage and tool calls when it has them."""
    if reader is not None:
        yield from reader.drain(_tool_call_list(getattr(source, "tool_calls", None)))
    snap = answer.end()
    if snap is not None:
        yield snap
    text = answer.text if reader is None else reader.said
    yield _Reply(text, getattr(source, "finish_reason", None), getattr(source, "usage", None),
                 _tool_call_list(getattr(source, "tool_calls", None)))


def _last_event(answer: _Answer, number: int, kind: str, result: FillResult[_T]) -> StreamEvent[FillResult[_T]]:
    """The event that ends a streaming fill: the validated value, and the result."""
    steps = next((a.steps for a in reversed(result.attempts) if a.error is None), ())
    return StreamEvent(number, kind, answer.settled(result.value, steps), result=result)


def _unpack_config(llm: LLM, max_retries: int, repair_llm_output: bool,
                   ) -> tuple[Callable[[list[Message]], Any], int, bool]:
    """Accept an `LLMConfig` from `repair.llm.from_config` in place of the callback."""
    if hasattr(llm, "llm") and hasattr(llm, "repair_llm_output"):
        return llm.llm, getattr(llm, "max_retries", max_retries), llm.repair_llm_output
    return llm, max_retries, repair_llm_output


# ---------------------------------------------------------------------- checking
def _check(text: str, model: type[BaseModel], repair_llm_output: bool) -> _Check:
    """(instance, plain value, steps, errors) for one answer. Logs no steps: the loop logs
    those of the reading it keeps (a cut-off answer is checked again once continued)."""
    with unlogged_steps():
        return _check_quietly(text, model, repair_llm_output)


def _check_quietly(text: str, model: type[BaseModel], repair_llm_output: bool) -> _Check:
    if not text.strip():
        return None, None, (), [{"loc": (), "msg": "the answer was empty", "type": "empty"}]
    if repair_llm_output:
        from .core import _repair_with_schema
        from .errors import ValidationFailed

        try:
            result, instance = _repair_with_schema(text, model, False)
        except ValidationFailed as exc:
            return None, exc.value, exc.steps, exc.errors
        except RepairError as exc:
            return None, None, (), [{"loc": (), "msg": exc.msg, "type": "no_json"}]
        return instance, result.value, result.steps, []
    # no local repair: the [CONTENT] block must be JSON as it stands
    from pydantic import ValidationError

    body = last_content_block(text)
    body = text if body is None else body
    try:
        value = json.loads(body)
    except ValueError as exc:
        return None, None, (), [{"loc": (), "msg": f"not valid JSON: {exc}", "type": "json_invalid"}]
    try:
        return model.model_validate(value), value, (), []
    except ValidationError as exc:
        return None, value, (), _pydantic_errors(exc)


def _check_call(calls: list[Any], model: type[BaseModel], repair_llm_output: bool) -> _Check:
    """`_check` for a tool-call answer: the first call, its arguments repaired and aligned to
    the node's model as `repair.tools.parse_tool_calls` does it (without local repair: its
    arguments must be JSON as they stand), its name matched to the node's tool."""
    with unlogged_steps():
        return _check_call_quietly(calls[0], model, repair_llm_output)


def _check_call_quietly(call: object, model: type[BaseModel], repair_llm_output: bool) -> _Check:
    from .errors import ValidationFailed
    from .tools import parse_tool_calls

    if repair_llm_output:
        try:
            found = parse_tool_calls([call], tools=[model])[0]
        except ValidationFailed as exc:  # (its errors are at "arguments", ...: the node's fields are at the top)
            errors: list[ErrorDetail] = [
                {"loc": e["loc"][1:] if e["loc"][:1] == ("arguments",) else e["loc"], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors]
            return None, exc.value, exc.steps, errors
        except RepairError as exc:
            return None, None, (), [{"loc": (), "msg": f"the tool call cannot be used: {exc.msg}", "type": "no_json"}]
        return found.parsed, found.arguments, found.steps, []
    from pydantic import ValidationError

    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping):
        return None, None, (), [{"loc": (), "msg": "the tool call has no function", "type": "no_json"}]
    name = function.get("name")
    if name != model.__name__:
        return None, None, (), [{"loc": (), "msg": f"the answer called {name!r}, not the tool {model.__name__!r}",
                                 "type": "no_json"}]
    value = function.get("arguments")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            return None, None, (), [{"loc": (), "msg": f"the arguments are not valid JSON: {exc}", "type": "json_invalid"}]
    try:
        return model.model_validate(value), value, (), []
    except ValidationError as exc:
        return None, value, (), _pydantic_errors(exc)


def _pydantic_errors(exc: ValidationError) -> list[ErrorDetail]:
    """A pydantic ValidationError's errors, in the shape of `Attempt.errors`."""
    return [{"loc": tuple(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors(include_url=False)]


def _cut_off(reply: _Reply, text: str, steps: tuple[Step, ...], repair_llm_output: bool) -> bool:
    """Was the answer cut off? The server says so, or the repair of it (`steps`, from the
    check just done: each answer is repaired once) closed a value the text left open."""
    if not text.strip():
        return False  # nothing to continue from (a reasoning model spent its tokens thinking?)
    if reply.finish_reason == "length":
        return True
    return repair_llm_output and ends_cut_off(steps, text_end(text))


def continuation(base: list[Message], text: str, tail_chars: int) -> list[Message]:
    """The messages asking to continue the cut-off answer `text`: `base`, then the answer's
    last `tail_chars` characters as the assistant's turn (all of it when it is no longer),
    then the request to continue, which says so when only the end is shown."""
    shown = text[max(len(text) - max(tail_chars, 0), 0):]
    prompt = CONTINUE_PROMPT if len(shown) == len(text) else CONTINUE_TAIL_PROMPT.format(shown=len(shown), total=len(text))
    return base + [{"role": "assistant", "content": shown}, {"role": "user", "content": prompt}]


def join_continuation(head: str, tail: str) -> str:
    """Join a cut-off answer and its continuation: drop a fence or tag the model re-opened
    and any overlap it repeated."""
    tail = re.sub(r"^\s*(?:```(?:json)?\s*\n|\[CONTENT\]\s*)", "", tail, count=1, flags=re.IGNORECASE)
    for k in range(min(len(head), len(tail), 200), 0, -1):
        if head.endswith(tail[:k]):
            return head + tail[k:]
    return head + tail


def _over_budget(attempts: list[Attempt], max_tokens: int | None) -> bool:
    if max_tokens is None:
        return False
    return sum(a.tokens for a in attempts) >= max_tokens


def _tokens(usage: object, sent: list[Message], text: str) -> int:
    """What one answer counts against the budget: the usage the server reported when it is
    usable, else an estimate from the size of what was sent and received. Never negative,
    so no report can give budget back."""
    if isinstance(usage, Mapping):
        total = _count(usage.get("total_tokens"))
        if total:  # (0 is no usable count: the prompt alone has tokens)
            return total
        prompt, completion = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
        if prompt and completion is not None:
            return prompt + completion
    size = sum(_utf8_size(m.get("content")) for m in sent) + _utf8_size(text)
    return -(-size // BYTES_PER_TOKEN_ESTIMATE)


def _count(value: object) -> int | None:
    """A token count as reported, rounded up; None unless it is a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not (math.isfinite(value) and value >= 0):
        return None
    return math.ceil(value)


def _utf8_size(text: object) -> int:
    return len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else 0


def _error_keys(errors: list[ErrorDetail]) -> set[tuple[tuple[str | int, ...], str | None]]:
    return {(tuple(e.get("loc", ())), e.get("type")) for e in errors}


def _log_attempt(key: str, number: int, kind: str, errors: list[ErrorDetail]) -> None:
    if errors:
        shown = "; ".join(_error_line(e) for e in errors[:3])
        logger.info("ActionNode %r call %d (%s): %d error(s): %s", key, number, kind, len(errors), shown)
    else:
        logger.info("ActionNode %r call %d (%s): valid", key, number, kind)


def _log_failed_call(key: str, number: int, kind: str, error: str, again: bool) -> None:
    then = "sending the same messages again" if again else "not retried"
    logger.warning("ActionNode %r call %d (%s) failed: %s; %s", key, number, kind, error, then)


def _attempt_line(number: int, attempt: Attempt) -> str:
    """One line of FillFailed's message: what happened in that call."""
    head = f"  call {number} ({attempt.kind}): "
    if attempt.error is not None:
        return head + _brief(f"the call failed: {attempt.error}", 400)
    if attempt.errors:
        shown = "; ".join(_error_line(e) for e in attempt.errors[:3])
        more = f" (+{len(attempt.errors) - 3} more)" if len(attempt.errors) > 3 else ""
        return head + _brief(f"{len(attempt.errors)} error(s): {shown}{more}", 400)
    return head + f"{attempt.raw_length} characters, joined with the next part"


def _advice(attempts: list[Attempt]) -> str:
    """What to try next, from what went wrong."""
    types = {e.get("type") for a in attempts for e in a.errors}
    tips = []
    if "call_failed" in types:
        tips.append("for failed calls, do what the error says" +
                    (" (the last exception is chained as __cause__)" if attempts[-1].error else ""))
    if "empty" in types:
        empty_cut = any(a.finish_reason == "length" and (not a.raw.strip() or _has_error(a, "empty")) for a in attempts)
        tips.append("for empty answers, " + ("raise the model's max_tokens (it stopped at the limit before "
                                              "answering)" if empty_cut else "check the server's chat template and log"))
    if "no_json" in types or "json_invalid" in types:
        tips.append("for answers without JSON, check that the prompt reaches the model intact or try a stronger model")
    if types - {"call_failed", "empty", "no_json", "json_invalid"}:
        tips.append("for invalid fields, describe them more precisely in the instructions or raise max_retries")
    return "Next: " + "; ".join(tips) + ". Every attempt is in .attempts, the best partial value in .value."


def _has_error(attempt: Attempt, kind: str) -> bool:
    return any(e.get("type") == kind for e in attempt.errors)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clip(text: str, limit: int = SHOWN_ANSWER_CHARS) -> str:
    """A failed answer as shown back to the model: at most `limit` characters (head and
    tail), control characters and lone surrogates replaced, so any server accepts it."""
    if len(text) > limit:
        head = (limit - 5) // 2
        text = text[:head] + "\n...\n" + text[len(text) - (limit - 5 - head):]
    text = _CONTROL.sub("\ufffd", text)
    return text.encode("utf-8", errors="replace").decode("utf-8")


def _excerpt(text: str, limit: int) -> str:
    """`text`, or when it is longer than `limit` its first and last halves of `limit`
    characters around a line saying how many were left out."""
    if len(text) <= limit:
        return text
    head = max(limit, 0) // 2
    tail = max(limit, 0) - head
    left_out = len(text) - head - tail
    return f"{text[:head]}\n[... {left_out:,} characters left out ...]\n{text[len(text) - tail:]}"


def _brief(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_line(error: Mapping[str, Any]) -> str:
    """`field.path: message` for one validation error."""
    return f"{_path(error.get('loc', ()))}: {error.get('msg', '')}"


def _path(loc: Iterable[str | int]) -> str:
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


# ---------------------------------------------------------------------- types
def _required(tp: Any) -> Any:
    return None if _is_optional(tp) else ...


def _is_optional(tp: Any) -> bool:
    return type(None) in typing.get_args(tp)


def _class_name(key: str) -> str:
    return re.sub(r"\W+", "_", key).strip("_") + "_AN" if key else "Output_AN"


def _type_name(tp: Any) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is str:
        return "string"
    if tp is int:
        return "integer"
    if tp is float:
        return "number"
    if tp is bool:
        return "boolean"
    if origin is typing.Literal:
        return "one of " + ", ".join(json.dumps(a) for a in args)
    if origin in (list, set, tuple, typing.List) and args:  # noqa: UP006
        return f"list of {_type_name(args[0])}"
    if origin is dict and len(args) == 2:
        return f"object of {_type_name(args[1])}"
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_type_name(a) for a in rest) + " or null"
    if origin is typing.Union:
        return " or ".join(_type_name(a) for a in args)
    if hasattr(tp, "model_fields"):
        return "object with " + ", ".join(tp.model_fields)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(json.dumps(m.value) for m in tp)
    return getattr(tp, "__name__", str(tp))


def _placeholder(tp: Any, key: str) -> Any:
    """A neutral example: says what goes there, holds no content a model could copy."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, set, tuple, typing.List) and args:  # noqa: UP006
        return [_placeholder(args[0], key)]
    if hasattr(tp, "model_fields"):
        return {(f.alias or n): _placeholder(f.annotation, n) for n, f in tp.model_fields.items()}
    return f"<{_type_name(tp)}: {key}>"
