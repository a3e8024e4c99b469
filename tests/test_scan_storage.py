"""`repair scan` on inputs that are not plain local paths: globs, `file://`, fsspec's
`memory://` filesystem, and http from a server on 127.0.0.1 started here. Compression is
found by the first bytes wherever the bytes come from."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import sys
import threading

import pytest

from repair.cli import Exit
from repair.scan import storage
from scan_helpers import records, run

LOG = (
    "2024-05-01 INFO starting\n"
    "2024-05-01 INFO request={'q': 'hotels'} response={\"n\": [1, 2,]}\n"
    "2024-05-01 WARN cut off: {\"status\": \"pend\n"
)


def _plain_records(tmp_path, capsys):
    path = tmp_path / "plain.log"
    path.write_text(LOG)
    code, out, _ = run([str(path)], capsys)
    assert code == Exit.OK
    return [{k: v for k, v in r.items() if k != "file"} for r in records(out)]


def _without_file(recs):
    return [{k: v for k, v in r.items() if k != "file"} for r in recs]


def test_a_glob_is_its_matches_in_order(tmp_path, capsys):
    for name in ("b.log", "a.log.gz", "c.txt"):
        data = LOG.encode()
        (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    code, out, err = run([str(tmp_path / "*.log*")], capsys)
    assert code == Exit.OK and err == ""
    files = [r["file"] for r in records(out)]
    assert files == [str(tmp_path / "a.log.gz")] * 3 + [str(tmp_path / "b.log")] * 3


def test_a_glob_that_matches_nothing_is_named(tmp_path, capsys):
    code, out, err = run([str(tmp_path / "none-*.log")], capsys)
    assert code == Exit.UNREPAIRABLE and out == ""
    assert "none-*.log: cannot read: no file matches this pattern" in err


def test_file_urls(tmp_path, capsys):
    want = _plain_records(tmp_path, capsys)
    (tmp_path / "app.log.gz").write_bytes(gzip.compress(LOG.encode()))
    url = "file://" + str(tmp_path / "app.log.gz")
    code, out, err = run([url], capsys)
    assert code == Exit.OK and err == ""
    recs = records(out)
    assert {r["file"] for r in recs} == {url} and _without_file(recs) == want
    code, out, _ = run(["file://" + str(tmp_path / "app.*.gz")], capsys)
    assert code == Exit.OK and _without_file(records(out)) == want


@pytest.fixture
def memory_fs():
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"/repair-test-{id(fs)}"
    yield fs, root
    if fs.exists(root):
        fs.rm(root, recursive=True)


def test_memory_filesystem_compressed_and_globbed(tmp_path, capsys, memory_fs):
    want = _plain_records(tmp_path, capsys)
    fs, root = memory_fs
    fs.pipe(f"{root}/logs/1.log", LOG.encode())
    fs.pipe(f"{root}/logs/2.log", gzip.compress(LOG.encode()))  # no .gz in the name: the bytes say gzip
    fs.pipe(f"{root}/logs/3.bin", b"\x7fELF" + b"\x00" * 64)
    code, out, err = run([f"memory://{root}/logs/*"], capsys)
    assert code == Exit.SKIPPED
    recs = records(out)
    assert [r["file"] for r in recs] == [f"memory://{root}/logs/1.log"] * 3 + [f"memory://{root}/logs/2.log"] * 3
    assert _without_file(recs[:3]) == want and _without_file(recs[3:]) == want
    assert f"memory://{root}/logs/3.bin: an ELF executable" in err


def test_a_missing_object_is_named(capsys, memory_fs):
    _, root = memory_fs
    code, out, err = run([f"memory://{root}/absent.log"], capsys)
    assert code == Exit.UNREPAIRABLE and out == ""
    assert f"memory://{root}/absent.log: cannot read" in err and "Traceback" not in err


def test_without_fsspec_a_url_names_the_extra(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "fsspec", None)  # as if not installed
    good = tmp_path / "a.log"
    good.write_text(LOG)
    code, out, err = run(["s3://bucket/app.log", str(good)], capsys)
    assert code == Exit.SKIPPED and len(records(out)) == 3
    assert "s3://bucket/app.log: cannot read" in err and "fsspec" in err and "pip install 'repair[cloud]'" in err


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def http_dir(tmp_path, loopback_without_proxy):
    """A directory served over http on 127.0.0.1 for the length of one test."""
    pytest.importorskip("fsspec")
    pytest.importorskip("aiohttp")
    served = tmp_path / "served"
    served.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_url_gzip_by_its_bytes(tmp_path, capsys, http_dir):
    want = _plain_records(tmp_path, capsys)
    served, base = http_dir
    (served / "app.log").write_bytes(gzip.compress(LOG.encode()))
    code, out, err = run([f"{base}/app.log", f"{base}/missing.log"], capsys)
    assert code == Exit.SKIPPED
    recs = records(out)
    assert {r["file"] for r in recs} == {f"{base}/app.log"} and _without_file(recs) == want
    assert f"{base}/missing.log: cannot read" in err and "Traceback" not in err


def test_expand_keeps_order_and_leaves_urls_with_queries_alone():
    assert storage.expand(["-", "https://h/x.log?sig=a*b"]) == ["-", "https://h/x.log?sig=a*b"]
    assert storage.protocol("S3://b/k") == "s3" and storage.protocol("/tmp/a") is None
    assert json.dumps(storage.expand(["/no/such/dir/*.log"])) == '["/no/such/dir/*.log"]'
