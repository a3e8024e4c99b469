"""Repair a column of model output in Ray Data, one batch at a time:

    import ray
    from repair.integrations.ray import repair_batch

    ds = ray.data.read_json("s3://bucket/calls/")          # rows with a `response` column
    ds = ds.map_batches(repair_batch, fn_kwargs={"column": "response"}, batch_format="pandas")
    ds.filter(lambda row: not row["ok"]).write_json("s3://bucket/failed/")

`repair_batch(batch, column=..., schema=None)` takes the batch in the format Ray hands it
(a pandas DataFrame for batch_format="pandas", a dict of numpy arrays for "numpy" or the
default, a pyarrow Table for "pyarrow") and returns the same kind of batch: its columns,
plus for each row
  ok      whether a value was recovered (and fits the schema, if one is given)
  value   the value as JSON text (valid JSON), or null
  steps   the repair codes applied (`repair_trailing_comma`, ...), a list of strings: those of
          `repair.repair`, so prose around the value is a step (`repair_leading_text`),
          where a `repair scan` record, a value found in a log, does not count it
  lossy   whether a step may have changed or dropped data (a truncated value)
  error   why not, when ok is false
A row's text is repaired as `repair.repair` does it: the one value the text holds (or the
one repair picks among several); text longer than the scan's --max-repair limit that is not
valid JSON gives an error instead of an unbounded repair. `schema`: a pydantic model, a
JSON Schema dict, or a spec as `repair scan --schema` takes it (a file, or module:Model).

The function needs only the batch's own library (pandas, numpy or pyarrow); Ray itself is
not imported here.
"""

from __future__ import annotations

import json

from ..scan.options import MAX_REPAIR_CHARS

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    # (ok, value JSON text or None, steps, lossy, error or None): one row's new columns
    Row = tuple[bool, str | None, list[str], bool, str | None]

COLUMNS = ("ok", "value", "steps", "lossy", "error")


def repair_text(text: object, schema: Any = None, max_repair: int = MAX_REPAIR_CHARS) -> Row:
    """(ok, value JSON text or None, steps, lossy, error or None) for one row's text."""
    from .. import errors
    from ..core import repair

    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str):
        if text is None or text != text:  # None or NaN: a missing value
            return False, None, [], False, "no text: the row's value is missing"
        return False, None, [], False, f"not text: a {type(text).__name__}"
    if len(text) > max_repair:
        try:
            value = json.loads(text)
        except ValueError:
            return False, None, [], False, (f"the text is {len(text)} characters long and not valid JSON: over the "
                                            f"{max_repair} characters repaired (raise max_repair to repair it)")
        if schema is None:
            return True, json.dumps(value, ensure_ascii=False), [], False, None
    try:
        result = repair(text, schema=schema)
    except errors.RepairError as exc:
        steps = [s.code for s in getattr(exc, "steps", None) or ()]
        return False, None, steps, False, str(exc)
    return True, result.text, [s.code for s in result.steps], result.lossy, None


def _schema(schema: Any) -> Any:
    if isinstance(schema, str):
        from ..scan.process import load_schema

        return load_schema(schema)
    return schema


def repair_batch(batch: Any, column: str = "text", schema: Any = None, max_repair: int = MAX_REPAIR_CHARS) -> Any:
    """The batch with `ok`, `value`, `steps`, `lossy` and `error` added for the text in
    `column` (see the module's docstring); the same kind of batch as given."""
    schema = _schema(schema)
    kind = _kind(batch)
    texts = _texts(batch, column, kind)
    rows = [repair_text(text, schema, max_repair) for text in texts]
    cols = {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}
    return _with_columns(batch, cols, kind)


def _kind(batch: Any) -> str:
    if isinstance(batch, dict):
        return "dict"
    module = type(batch).__module__.split(".")[0]
    if module == "pandas":
        return "pandas"
    if module == "pyarrow":
        return "pyarrow"
    raise TypeError(f"repair_batch takes a pandas DataFrame, a pyarrow Table or a dict of arrays (Ray's batch formats), "
                    f"not {type(batch).__name__}")


def _texts(batch: Any, column: str, kind: str) -> list[Any]:
    names = batch.column_names if kind == "pyarrow" else list(batch.keys()) if kind == "dict" else list(batch.columns)
    if column not in names:
        raise KeyError(f"column {column!r} not in the batch (its columns: {', '.join(map(str, names))}); "
                       "pass column=... in fn_kwargs")
    if kind == "pyarrow":
        return batch.column(column).to_pylist()  # type: ignore[no-any-return]  # (pyarrow has no type hints: a list)
    values = batch[column]
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _with_columns(batch: Any, cols: dict[str, list[Any]], kind: str) -> Any:
    if kind == "pandas":
        out = batch.copy()
        for name in COLUMNS:
            out[name] = cols[name]
        return out
    if kind == "pyarrow":
        import pyarrow as pa

        types = {"ok": pa.bool_(), "value": pa.string(), "steps": pa.list_(pa.string()), "lossy": pa.bool_(),
                 "error": pa.string()}
        out = batch
        for name in COLUMNS:
            if name in out.column_names:
                out = out.drop_columns([name])
            out = out.append_column(name, pa.array(cols[name], type=types[name]))
        return out
    import numpy as np

    out = dict(batch)
    out["ok"] = np.array(cols["ok"], dtype=bool)
    out["lossy"] = np.array(cols["lossy"], dtype=bool)
    for name in ("value", "error", "steps"):
        arr = np.empty(len(cols[name]), dtype=object)
        arr[:] = cols[name]
        out[name] = arr
    return out
