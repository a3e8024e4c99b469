"""`repair.integrations.ray.repair_batch` in Ray Data's map_batches, on a real local Ray
(2 CPUs) started once for the session: each row's `ok`, `value`, `steps` and `lossy` are
those of the local scan's record for the same text (`repair scan --field response`; the
steps but for the prose around the value, which `repair.repair` names and a scan does not), for
the pandas, numpy and pyarrow batch formats; and the function on its own, without Ray."""

from __future__ import annotations

import json
import random

import pytest

from repair.integrations.ray import repair_batch
from repair.scan import ScanOptions
from scan_logs import local_records


def _responses(n: int) -> list:
    """Model answers that each hold one value: valid, Python reprs, trailing commas,
    truncated, fenced, unquoted keys, prose around it."""
    rng = random.Random(21)
    shapes = ['{"id": %d, "ok": true}', "{'id': %d, 'ok': True}", '{"id": %d, "tags": ["a", "b",],}',
              '{"id": %d, "note": "cut off', 'Sure!\n```json\n{"id": %d}\n```', "{id: %d, status: 'done'}",
              'Here it is: {"id": %d, "x": [1, 2]} hope that helps']
    return [rng.choice(shapes) % i for i in range(n)]


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory):
    path = tmp_path_factory.mktemp("ray") / "calls.jsonl"
    rows = [{"id": i, "response": text} for i, text in enumerate(_responses(120))]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path), rows


# a row's steps are repair.repair's: they name the prose around the value, which a scan
# record (a value found in its text) does not count as a repair
AROUND = {"repair_leading_text", "repair_trailing_text"}


def _compare(rows, want):
    assert len(rows) == len(want)
    for row, rec in zip(rows, want):
        assert row["ok"] == rec["ok"]
        assert json.loads(row["value"]) == rec["value"]
        assert [s for s in row["steps"] if s not in AROUND] == rec["steps"]
        assert bool(row["lossy"]) == rec["lossy"]
        assert row["error"] is None


def test_repair_batch_without_ray(jsonl):
    pd = pytest.importorskip("pandas")
    path, rows = jsonl
    want = local_records([path], ScanOptions(field="response"))
    out = repair_batch(pd.DataFrame(rows), column="response")
    assert list(out.columns) == ["id", "response", "ok", "value", "steps", "lossy", "error"]
    _compare(out.to_dict("records"), want)
    prose = out[out["response"].str.startswith("Here it is")]
    assert len(prose) and all(list(steps) == ["repair_leading_text", "repair_trailing_text"] for steps in prose["steps"])
    out = repair_batch({"response": ["{a: 1,}", None, "no json here", "x" * 70000]}, column="response")
    assert list(out["ok"]) == [True, False, False, False] and out["value"][0] == '{"a": 1}'
    assert "missing" in out["error"][1] and "over the" in out["error"][3]
    with pytest.raises(KeyError, match="column 'text' not in the batch"):
        repair_batch({"response": ["{}"]})


@pytest.fixture(scope="session")
def ray_session():
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'repair[scale]')")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


@pytest.mark.parametrize("batch_format", ["pandas", "numpy", "pyarrow"])
def test_ray_data_map_batches_gives_the_local_scan_records(ray_session, jsonl, batch_format):
    path, rows = jsonl
    want = local_records([path], ScanOptions(field="response"))
    ds = ray_session.data.from_items(rows, override_num_blocks=4)
    out = ds.map_batches(repair_batch, fn_kwargs={"column": "response"}, batch_format=batch_format, batch_size=32)
    got = sorted(out.take_all(), key=lambda r: r["id"])
    assert [r["id"] for r in got] == list(range(len(rows)))
    _compare(got, want)
