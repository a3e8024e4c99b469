"""`repair scan --engine dask` and `repair.scan.dask_scan` on a real Dask LocalCluster of 2
worker processes, started once for the session: the records, their order and their
contents are the local scan's, on generated logs cut into many ranges (blocks crossing
range ends included), plain and gzip; --output writes the same records as parts."""

from __future__ import annotations

import gzip
import json
import random

import pytest

pytest.importorskip("distributed", reason="dask[distributed] is not installed (pip install 'repair[scale]')")

from repair.cli import Exit  # noqa: E402
from repair.scan import ScanOptions, dask_scan  # noqa: E402
from repair.scan.dask import scan_dask  # noqa: E402
from scan_helpers import records, run  # noqa: E402
from scan_logs import generated_log, local_records  # noqa: E402

BLOCKSIZE = 4096  # small ranges: dozens per input, so blocks and lines cross range ends


@pytest.fixture(scope="session")
def dask_client():
    """A LocalCluster of 2 single-threaded worker processes, for the whole session."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    here = tmp_path_factory.mktemp("dask-logs")
    plain = here / "agent.log"
    plain.write_text(generated_log(random.Random(11), 600))
    packed = here / "older.log.gz"
    packed.write_bytes(gzip.compress(generated_log(random.Random(12), 200).encode()))
    return [str(plain), str(packed)]


def test_scan_dask_gives_the_local_records(dask_client, logs):
    want = local_records(logs)
    got = b"".join(r.data for r in scan_dask(logs, ScanOptions(), client=dask_client, blocksize=BLOCKSIZE))
    got = [json.loads(line) for line in got.splitlines()]
    assert len(got) == len(want) > 300
    assert got == want


def test_dask_scan_bag_holds_the_local_records(dask_client, logs):
    bag = dask_scan(logs, only="changed", blocksize=BLOCKSIZE)
    assert bag.npartitions > 5
    got = bag.compute()
    want = local_records(logs, ScanOptions(only="changed"))
    assert sorted(got, key=lambda r: (r["file"], r["line"], r["index"])) == want
    assert got == want  # and already in that order


def test_cli_engine_dask_on_a_scheduler(dask_client, logs, capsys):
    code, out, err = run([*logs, "--engine", "dask", "--scheduler", dask_client.scheduler.address,
                          "--blocksize", str(BLOCKSIZE), "--stats"], capsys)
    assert code == Exit.OK
    code, want, want_err = run([*logs, "--stats"], capsys)
    assert out == want and err == want_err  # the same records, byte for byte, and the same --stats


def test_cli_output_parts(dask_client, logs, capsys, tmp_path):
    jsonl, parquet = tmp_path / "jsonl", tmp_path / "parquet"
    scheduler = ["--engine", "dask", "--scheduler", dask_client.scheduler.address, "--blocksize", str(BLOCKSIZE)]
    code, out, _ = run([*logs, *scheduler, "--output", str(jsonl)], capsys)
    assert code == Exit.OK and out == ""
    parts = sorted(jsonl.iterdir())
    assert parts[0].name == "part-00000.jsonl" and len(parts) > 5
    assert records("".join(p.read_text() for p in parts)) == local_records(logs)
    pq = pytest.importorskip("pyarrow.parquet")
    code, _, _ = run([*logs, *scheduler, "--output", str(parquet), "--output-format", "parquet"], capsys)
    assert code == Exit.OK
    rows = pq.read_table(str(parquet)).to_pylist()
    want = local_records(logs)
    assert len(rows) == len(want)
    assert [(r["file"], r["line"], r["index"], r["ok"]) for r in rows] == [(r["file"], r["line"], r["index"], r["ok"]) for r in want]
    assert [json.loads(r["value"]) for r in rows if r["ok"]] == [r["value"] for r in want if r["ok"]]


def test_cli_engine_dask_refuses_what_it_cannot_do(capsys, logs):
    code, _, err = run([logs[0], "--engine", "dask", "--fail-fast"], capsys)
    assert code == Exit.USAGE and "--fail-fast needs the local engine" in err
    code, _, err = run([logs[0], "--scheduler", "tcp://127.0.0.1:1"], capsys)
    assert code == Exit.USAGE and "--scheduler needs --engine dask" in err
