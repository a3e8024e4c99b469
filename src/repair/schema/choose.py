"""Choosing among candidate values (docs/policy.md §6, "Candidates"): when the text holds
several values, each is aligned and validated, and the best fit wins: one that validates
beats one that does not, then fewer lossy steps, then extraction's own choice, then its
rank, then the last.

Candidates come from extraction (`.start`, `.value`, `.steps`, `.rank`, `.label`,
`.outer_start`); the pipeline builds them and turns the raw steps into Steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Protocol, Sequence

from ..steps import CODES
from .align import Aligner
from .compile import CompiledSchema

if TYPE_CHECKING:
    from ..errors import ErrorDetail
    from ..steps import PathStep, RawStep


class CandidateLike(Protocol):
    """What choosing reads of extraction's Candidate (this layer does not import extraction)."""

    @property
    def start(self) -> int: ...
    @property
    def value(self) -> Any: ...
    @property
    def steps(self) -> list[RawStep]: ...
    @property
    def rank(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def outer_start(self) -> int: ...


class SchemaFit(NamedTuple):
    candidate: Any  # the chosen candidate: one of those given (extraction's Candidate)
    value: Any  # its value, aligned
    steps: list[PathStep]  # alignment's raw steps
    validated: Any  # what the validator returned (a model instance, for pydantic)
    errors: list[ErrorDetail] | None  # validation errors, None when it validated
    fitting: int  # how many candidates validated


def best_fit(candidates: Sequence[CandidateLike], default: CandidateLike, compiled: CompiledSchema,
             reparse: Callable[[str], object]) -> SchemaFit:
    """Align and validate every candidate; the best one. `default` is the candidate
    extraction would choose without a schema; `reparse` is handed to the Aligner."""
    trials = []
    for index, cand in enumerate(candidates):
        aligner = Aligner(cand.start, reparse)
        aligned = aligner.align(cand.value, compiled.shape)
        validated, errors = compiled.validate(aligned)
        lossy = sum(1 for s in aligner.steps + cand.steps if CODES[s[0]].lossy)
        score = (errors is None, -lossy, cand is default, cand.rank, index)
        trials.append((score, cand, aligned, aligner.steps, validated, errors))
    _, chosen, aligned, steps, validated, errors = max(trials, key=lambda t: t[0])
    fitting = sum(t[0][0] for t in trials)
    return SchemaFit(chosen, aligned, steps, validated, errors, fitting)


def choice_steps(fit: SchemaFit, candidates: Sequence[CandidateLike]) -> list[PathStep]:
    """The lossy `repair_schema_choice` step naming the alternatives; none for one candidate."""
    if len(candidates) <= 1:
        return []
    chosen = fit.candidate
    others = ", ".join(f"{c.label} at offset {c.outer_start}" for c in candidates if c is not chosen)
    why = "the only one that fits the schema" if fit.fitting == 1 else "the best fit to the schema"
    return [("repair_schema_choice", chosen.outer_start,
             f"chose the {chosen.label} at offset {chosen.outer_start}, {why}, out of {len(candidates)}; also found: {others}", "", "", "$")]
