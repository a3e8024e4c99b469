"""A scan as a Dask graph over byte ranges of the inputs (`ranges.py`): on a local cluster
or on any Dask cluster, with the records of a local scan.

    >>> from repair.scan import dask_scan
    >>> bag = dask_scan(["s3://logs/2024-*/app.log.gz"], only="failed")   # a dask.bag.Bag of records
    >>> bag.map(lambda r: r["error_kind"]).frequencies().compute()

Each range is one task, scanned on the guess that it starts outside any block; a small
task per range then checks its predecessor's end (`ranges.rescan`), which only in the rare
case of a block crossing the boundary scans the range again, and a running sum of line
counts makes the line numbers those of the whole input. Only small things (line counts,
how a range ends) go from task to task: a range's records stay on the worker that scanned
it, until the task that gives them their line numbers, on that worker. Partition i of the
bag is range i: records in input order, partition after partition.

`scan_dask` is what `repair scan --engine dask` runs: the same graph, each range's records
as JSONL bytes from the start (no dict per record to pickle), given their line numbers
and sent back, or written by the worker as a part of --output DIR, in order.

Needs dask (`pip install 'repair[scale]'`); the inputs must be readable from the workers
(shared paths, or URLs: s3://, gs://, https://).
"""

from __future__ import annotations

import operator
from collections import Counter

from .options import BLOCK_BYTES, limits
from .options import ScanOptions
from .output import rebase
from .process import load_schema
from .ranges import absolute, plan, rescan, scan_range, starts_inside

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Iterator

    from .output import Record, Tally
    from .ranges import Range, RangeResult, State

    Warn = Callable[[str], object]  # called with a message for the user

EXTRA = "pip install 'repair[scale]'"


def _dask() -> Any:  # the dask module
    try:
        import dask
        import dask.bag  # noqa: F401
    except ImportError:
        raise ImportError(f"the dask engine needs dask, which is not installed: {EXTRA}") from None
    return dask


def _graph(paths: Iterable[str], options: ScanOptions, blocksize: int, warn: Warn, stats: Counter[str],
           jsonl: bool = False) -> list[tuple[Range, Any, Any, Any]]:
    """[(range, delayed first RangeResult, delayed rescan of it or None, delayed lines
    before it)] for every range: the records are the rescan's when there is one, else the
    first's."""
    dask = _dask()
    delayed = dask.delayed
    load_schema(options.schema)  # a bad spec fails here, once, not on every worker
    out: list[tuple[Range, Any, Any, Any]] = []
    state: Any = None
    before: Any = 0
    for rng in plan(paths, blocksize, warn, stats):
        # scanned in input order (the scheduler would order the ranges by their keys, at
        # random): the first results are written while the last ranges are scanned
        with dask.annotate(priority=-len(out)):
            first = delayed(scan_range, pure=True)(rng, options, jsonl=jsonl)
        # how the range ends and its lines: small, computed where `first` is, so that
        # the records themselves never travel from worker to worker
        ends = delayed(_ends, pure=True)(first)
        if rng.index == 0:
            again, before = None, 0
        else:
            again = delayed(rescan, pure=True)(rng, state, options, jsonl)
        out.append((rng, first, again, before))
        state = delayed(_state, pure=True)(ends, again)
        before = delayed(operator.add, pure=True)(before, delayed(operator.itemgetter(0), pure=True)(ends))
    return out


def _ends(first: RangeResult) -> tuple[int, State]:
    """(lines, state) of a range's first scan."""
    return first.lines, first.state


def _state(ends: tuple[int, State], again: RangeResult | None) -> State:
    """How the range ends: the rescan's state when there is one (its lines are the same)."""
    return again.state if again is not None else ends[1]


def _records(first: RangeResult, again: RangeResult | None, before: int) -> list[Record]:
    return absolute(again or first, before)


def dask_scan(paths: Iterable[str], *, field: str | None = None, schema: str | None = None, only: str | None = None,
              blocksize: int = BLOCK_BYTES, max_repair: int = limits.MAX_REPAIR_CHARS,
              warn: Warn | None = None) -> Any:  # a dask.bag.Bag
    """A `dask.bag.Bag` of the records (dicts) of a scan of `paths` (paths, globs, fsspec
    URLs), one partition per byte range of about `blocksize` bytes, in input order.
    Inputs that cannot be scanned are named through `warn` (default: a warning) when the
    bag is built."""
    import dask.bag as db

    options = ScanOptions(field=field, schema=schema, only=only, max_repair=max_repair)
    if warn is None:
        import warnings

        def warn(message: str) -> None:
            warnings.warn(message, stacklevel=3)

    dask = _dask()
    parts = [dask.delayed(_records, pure=True)(first, again, before)
             for _, first, again, before in _graph(paths, options, blocksize, warn, Counter())]
    if not parts:
        return db.from_sequence([], npartitions=1)  # type: ignore[no-untyped-call]  # (dask leaves it unannotated)
    return db.from_delayed(parts)  # type: ignore[no-untyped-call]  # (dask leaves it unannotated)


class RangeOutput:
    """What one range gives the command line: `data` (JSONL bytes, empty when the worker
    wrote a part), `tally` (counts), `bytes` read, messages (`skipped`: the input turned
    out damaged; `notes`). `failed` is always False: only a local scan stops early."""

    __slots__ = ("data", "tally", "bytes", "skipped", "notes")
    failed = False

    def __init__(self, data: bytes, tally: Tally, size: int, skipped: list[str], notes: list[str]) -> None:
        self.data, self.tally, self.bytes, self.skipped, self.notes = data, tally, size, skipped, notes

    def __reduce__(self) -> tuple[type[RangeOutput], tuple[bytes, Tally, int, list[str], list[str]]]:
        return (RangeOutput, (self.data, self.tally, self.bytes, self.skipped, self.notes))


def _range_output(first: RangeResult, again: RangeResult | None, before: int, index: int, output: str | None,
                  fmt: str) -> RangeOutput:
    """One range's records as JSONL bytes, or written as part `index` of `output` (a
    Parquet part from the records as dicts: the range was scanned so)."""
    settled = again or first
    if output is not None and fmt != "jsonl":
        from .partitions import write_part

        write_part(output, index, fmt, records=absolute(settled, before))
        data = b""
    else:
        data = rebase(settled.data, before)
        if output is not None:
            from .partitions import write_part

            write_part(output, index, fmt, data)
            data = b""
    return RangeOutput(data, settled.tally, settled.bytes, settled.skipped, settled.notes)


def scan_dask(paths: Iterable[str], options: ScanOptions, *, scheduler: str | None = None, workers: int = 2,
              blocksize: int = BLOCK_BYTES, output: str | None = None, fmt: str = "jsonl",
              stats: Counter[str] | None = None, warn: Warn | None = None, client: Any = None) -> Iterator[RangeOutput]:
    """The RangeOutput of every range, in order (an iterator), computed on the Dask
    cluster at `scheduler` (an address), or on `client`, or on a local cluster of `workers`
    processes started for this scan. With `output` (a directory or URL) the workers write
    the parts and the results hold no records: the way for inputs larger than the
    cluster's memory, since results wait on the workers until they are written here in
    order. stats["bytes"] and stats["skipped"] are counted as in a local scan. Missing
    packages and a bad --output-format raise here (ImportError, ValueError), before any
    work."""
    stats = Counter() if stats is None else stats
    warn = warn or (lambda message: None)
    _dask()
    if scheduler is None and client is None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ImportError(f"the dask engine needs dask.distributed, which is not installed: {EXTRA}") from None
    if options.fail_fast:
        raise ValueError("--fail-fast needs the local engine: a distributed scan does not stop at a record")
    graph = _graph(paths, options, blocksize, warn, stats, jsonl=output is None or fmt == "jsonl")
    if output is not None:
        from .partitions import prepare, require

        require(fmt)
        prepare(output)
    if not graph:  # nothing could be read: no cluster to start
        return iter(())
    return _computed(graph, options, output, fmt, _client(scheduler, workers, client), stats, warn)


def _computed(graph: list[tuple[Range, Any, Any, Any]], options: ScanOptions, output: str | None, fmt: str,
              client: _client, stats: Counter[str], warn: Warn) -> Iterator[RangeOutput]:
    with client as cl:
        futures: list[Any] = []
        try:
            for result in _results(cl, graph, options, output, fmt, futures):
                stats["bytes"] += result.bytes
                for message in result.notes:
                    warn(message)
                for message in result.skipped:
                    warn(message)
                    stats["skipped"] += 1
                yield result
        finally:
            cl.cancel([f for f in futures if f is not None])


def _results(cl: Any, graph: list[tuple[Range, Any, Any, Any]], options: ScanOptions, output: str | None, fmt: str,
             futures: list[Any]) -> Iterator[RangeOutput]:
    """The RangeOutput of every range, in order; `futures` holds those not fetched yet.
    With `output` the workers write the parts (a task per range, on the worker that holds
    the range's records). Without, only the scans are tasks: each range's JSONL bytes
    come here as soon as it is scanned, and the driver, which waits on the cluster anyway,
    checks how the range before ended (`ranges.starts_inside`), has the range scanned again
    in the rare case that says so, and gives the records their line numbers. No small task
    waits behind a scan on a busy worker, and nothing runs after the last scan but the
    fetch of its bytes."""
    dask = _dask()
    if output is not None:
        futures += cl.compute([dask.delayed(_range_output, pure=True)(first, again, before, i, output, fmt)
                               for i, (_, first, again, before) in enumerate(graph)])
        for i in range(len(futures)):
            result = futures[i].result()
            futures[i] = None  # done with it: the cluster may drop it
            yield result
        return
    futures += cl.compute([first for _, first, _, _ in graph])
    state: State | None = None
    before = 0
    for i, (rng, _, _, _) in enumerate(graph):
        if rng.index == 0:
            state, before = None, 0
        first = futures[i].result()
        futures[i] = None  # done with it: the cluster may drop it
        settled = first
        if starts_inside(rng, state):  # (rare: a block crosses the range's start) scanned again, on the cluster
            futures.append(cl.submit(scan_range, rng, options, state.taken, state.dangling, True,  # type: ignore[union-attr]  # (starts_inside: `state` is set)
                                     pure=False))
            settled = futures[-1].result()
            futures[-1] = None
        yield RangeOutput(rebase(settled.data, before), settled.tally, settled.bytes, settled.skipped, settled.notes)
        state, before = settled.state, before + first.lines


class _client:
    """The client to compute on: the one given, one connected to `scheduler`, or a local
    cluster of `workers` single-threaded processes (closed at the end)."""

    def __init__(self, scheduler: str | None, workers: int, client: Any) -> None:
        self.scheduler, self.workers, self.given = scheduler, workers, client
        self.owned: list[Any] = []  # the client and cluster started here

    def __enter__(self) -> Any:  # a distributed.Client
        if self.given is not None:
            return self.given
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ImportError(f"the dask engine needs dask.distributed, which is not installed: {EXTRA}") from None
        if self.scheduler is not None:
            client = Client(self.scheduler)  # type: ignore[no-untyped-call]  # (distributed leaves it unannotated)
        else:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]  # (distributed leaves it unannotated)
                                   dashboard_address=":0", silence_logs=50)
            self.owned.append(cluster)
            client = Client(cluster)  # type: ignore[no-untyped-call]  # (distributed leaves it unannotated)
        self.owned.insert(0, client)
        return client

    def __exit__(self, *exc: object) -> None:
        for thing in self.owned:
            thing.close()
