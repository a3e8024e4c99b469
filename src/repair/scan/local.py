"""A scan on this machine: inputs read in order, batches scanned in this process or in N
worker processes, results in input order.

The parent reads and cuts batches (`batches.py`, work done in C on every byte); the workers
do the rest, a whole batch at a time, so what crosses between processes is one bytes
object each way per megabyte of log. A batch is scanned on the guess that it starts
outside any block; the rare batch that does not (the one before it ended inside a block,
or with a fenced block cut at its limit) is scanned again, once its predecessor's result
says so, with the open block's lines in front of it. The output is then byte for byte that
of one process.
"""

from __future__ import annotations

import collections
import signal
from collections import Counter

from .batches import Batch, batches, merged
from .encodings import utf8_pieces
from .inputs import Input, InputError
from .lifeline import Lifeline
from .options import limits
from .options import ScanOptions
from .process import load_schema, scan_batch
from .storage import expand
from .units import batch_units

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from concurrent.futures import Future
    from typing import Callable, Generator, Iterable, Iterator

    from .process import BatchResult
    from .units import Unit

    Warn = Callable[[str], object]  # called with a message for the user


def input_batches(paths: Iterable[str], stats: Counter[str], warn: Warn) -> Iterator[Batch]:
    """The batches of every input in turn. An input that cannot be read, is binary or
    turns out damaged is named through `warn`, counted in stats["skipped"] (and under its
    kind), and the scan goes on; stats["bytes"] counts the text read. Globs and URLs are
    expanded and opened by `storage`."""
    for path in expand(paths):
        name = "<stdin>" if path == "-" else path
        try:
            source = Input(path, name)
        except InputError as exc:
            _skip(exc, stats, warn)
            continue
        try:
            for batch in batches(utf8_pieces(source, limits.READ_BYTES, warn), name):
                stats["bytes"] += len(batch.data)
                yield batch
        except InputError as exc:
            _skip(exc, stats, warn)
        finally:
            source.close()


def _skip(exc: InputError, stats: Counter[str], warn: Warn) -> None:
    warn(str(exc))
    stats["skipped"] += 1
    stats[exc.kind] += 1


def _carry(batch: Batch, result: BatchResult) -> Batch | None:
    """The open block at the end of `batch` as a batch of its own, or None."""
    if result.carry is None:
        return None
    cuts = frozenset(n for n in batch.cuts if n >= result.carry_line)
    return Batch(batch.name, batch.data[result.carry:], result.carry_line, cuts, True)


def scan_local(paths: Iterable[str], options: ScanOptions, *, jobs: int = 1, stats: Counter[str] | None = None,
               warn: Warn | None = None) -> Generator[BatchResult, None, None]:
    """Yield a `BatchResult` per batch of the inputs, in order (stop after one with
    `.failed`). `paths`: file paths, `-` for stdin. Closing the generator stops the
    workers."""
    stats = Counter() if stats is None else stats
    warn = warn or (lambda message: None)
    load_schema(options.schema)  # a bad spec fails here, once, not in every worker
    source = input_batches(paths, stats, warn)
    if jobs <= 1:
        yield from _inline(source, options)
    else:
        yield from _pooled(source, options, jobs)


def _inline(source: Iterable[Batch], options: ScanOptions) -> Iterator[BatchResult]:
    carry, dangling = None, False
    for batch in source:
        if batch.first_line == 1:  # a new input
            if carry is not None:
                result = scan_batch(carry, options)
                yield result
                if result.failed:
                    return
            carry, dangling = None, False
        elif carry is not None:
            batch, carry, dangling = merged(carry, batch), None, False
        result = scan_batch(batch, options, dangling)
        yield result
        if result.failed:
            return
        carry, dangling = _carry(batch, result), result.dangling
    if carry is not None:
        yield scan_batch(carry, options)


def _init_worker(lifeline: Lifeline, forked: bool, schema_spec: str | None) -> None:
    lifeline.arm(forked)
    # signals are the parent's to handle: workers end when it shuts the pool down
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    load_schema(schema_spec)


def _pooled(source: Iterable[Batch], options: ScanOptions, jobs: int) -> Iterator[BatchResult]:
    import multiprocessing  # (here: a scan in one process does not need it)
    from concurrent.futures import ProcessPoolExecutor

    from .records import _repair_all

    _repair_all()  # the engine imported once here, before the workers fork, not once in each
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    forked = context.get_start_method() == "fork"
    lifeline = Lifeline()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                               initargs=(lifeline, forked, options.schema))
    pending: collections.deque[tuple[Batch, Future[BatchResult], bool]] = collections.deque()  # [batch, future, the `dangling` it was scanned with]
    carry, dangling = None, False

    def settle(entry: tuple[Batch, Future[BatchResult], bool]) -> Iterator[BatchResult]:
        """The result of the oldest batch, scanned again if it started in another state."""
        nonlocal carry, dangling
        batch, fut, guessed = entry
        if batch.first_line == 1:
            if carry is not None:
                yield pool.submit(scan_batch, carry, options).result()
            carry, dangling = None, False
        if carry is not None:
            batch, carry, dangling = merged(carry, batch), None, False
            result = pool.submit(scan_batch, batch, options).result()
        elif dangling != guessed:
            result = pool.submit(scan_batch, batch, options, dangling).result()
        else:
            result = fut.result()
        carry, dangling = _carry(batch, result), result.dangling
        yield result

    try:
        for batch in source:
            pending.append((batch, pool.submit(scan_batch, batch, options), False))
            while pending and (len(pending) >= 2 * jobs or pending[0][1].done() or batch.idle):
                for result in settle(pending.popleft()):
                    yield result
                    if result.failed:
                        return
        while pending:
            for result in settle(pending.popleft()):
                yield result
                if result.failed:
                    return
        if carry is not None:
            yield pool.submit(scan_batch, carry, options).result()
    finally:
        for entry in pending:
            entry[1].cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        lifeline.close()


def read_units(path: str, field: str | None = None, warn: Warn | None = None) -> Iterator[Unit]:
    """Every unit of one input in order, (line, kind, raw bytes, notes): what a scan of it
    repairs (`repair fixtures add` reads a record's text back with this). InputError when
    the input cannot be read."""
    carry, dangling = None, False
    stats: Counter[str] = Counter()
    said: list[str] = []
    for batch in input_batches([path], stats, said.append):
        if carry is not None:
            batch, carry = merged(carry, batch), None
        got = batch_units(batch, field, dangling)
        yield from got.units
        dangling = got.dangling
        if got.carry is not None:
            carry = Batch(batch.name, batch.data[got.carry:], got.carry_line,
                          frozenset(n for n in batch.cuts if n >= got.carry_line), True)
    if stats["skipped"]:
        raise InputError(said[-1], "unreadable")
