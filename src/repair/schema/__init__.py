"""Schema mode, in stages (docs/policy.md §6):

    compile.py  a pydantic model, a JSON Schema dict or a type -> a Shape tree + a validator
    keys.py     which property each key names: case, naming convention, alias, typo
    shape.py    wrappers, one-item lists, single values, maps of objects, JSON in a string
    coerce.py   numbers, booleans, null words, enum options, markdown around a value
    align.py    the Aligner: walks the value and dispatches to the three above
    choose.py   aligns and validates every candidate value and keeps the best fit

Nothing here imports the pipeline: the pipeline hands the Aligner its repair as `reparse`.
pydantic and jsonschema are imported on first compile only.
"""

from .align import Aligner
from .choose import SchemaFit, best_fit, choice_steps
from .compile import CompiledSchema, Shape, compile_schema, normalize

__all__ = ["Aligner", "CompiledSchema", "SchemaFit", "Shape", "best_fit", "choice_steps", "compile_schema", "normalize"]
