#!/usr/bin/env python3
"""Seeded long-run fuzzing of `repair`: many generated inputs, the laws checked on each.

    python benchmarks/fuzz.py                          # 100,000 inputs -> benchmarks/FUZZ.md
    python benchmarks/fuzz.py --count 5000 --out /tmp/fuzz.md --findings /tmp/findings
    python benchmarks/fuzz.py --seed 7 --replay 12345  # show input 12345 of seed 7 and check it

The inputs come from tests/fuzz_strategies.py, the generators the hypothesis tests use
(tests/test_fuzz.py), in turn: arbitrary text, grammar-based almost-JSON (a generated
value, serialized in some style, with 0-4 pieces of structural damage), and schema mode
(a value near a JSON Schema, with the mistakes alignment is for, repaired with it).
Input `i` of seed `s` is the same text on every machine and in every run, whatever
--jobs is, so any finding is replayed with `--replay i`.

On every input (with its schema, in schema mode): `repair.repair` returns or raises
RepairError (ValidationFailed is one), nothing else; the output of
`repair_json` is valid JSON; repairing it again takes zero steps and gives the same
value; an undamaged, faithfully written value comes back exactly; and the input takes
less than --slow seconds (all laws together). An input still running after --hang seconds
is killed (the worker is replaced) and recorded as a hang.

Each finding is minimized (text findings by delta debugging, wrong values by shrinking
the value), deduplicated, and saved as JSON under --findings; the report (--out) gives the
machine, the seed and size of the run, inputs per second, the findings with minimal
repros (Python expressions that evaluate to the input), and the slowest inputs. The
engine is imported from this checkout's src/, installed or not. Not part of the test run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing as mp
import os
import platform
import re
import subprocess
import sys
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import repair  # noqa: E402
import fuzz_strategies as fs  # noqa: E402

DEFAULT_SEED = 20251121
TOP_SLOW = 15


# ---------------------------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------------------------


def run_one(seed: int, index: int, slow: float):
    """(generator, outcome or violation kind, seconds, length, violation or None)."""
    case = fs.case_for(seed, index)
    t0 = time.perf_counter()
    try:
        outcome = fs.check(case.text, case.expected, schema=case.schema_obj)
        violation = None
    except fs.Violation as v:
        outcome, violation = v.kind, v
    took = time.perf_counter() - t0
    if violation is None and took > slow:
        violation = fs.Violation("slow", f"all laws took {took:.2f} s on {len(case.text)} chars")
        outcome = "slow"
    return case, outcome, took, violation


def worker(wid: int, seed: int, slow: float, tasks, results, cur_index, cur_start) -> None:
    """Take chunks [start, end) from `tasks`, send one summary per chunk to `results`.
    `cur_index[wid]`/`cur_start[wid]` say what this worker is on, for the hang watch."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's
    while True:
        chunk = tasks.get()
        if chunk is None:
            return
        start, end = chunk
        counts: Counter = Counter()
        lengths: Counter = Counter()
        max_len: dict[str, int] = {}
        seconds = 0.0
        slowest: list[tuple[float, int, str, int]] = []
        found = []
        for i in range(start, end):
            cur_start[wid] = time.monotonic()
            cur_index[wid] = i
            case, outcome, took, violation = run_one(seed, i, slow)
            seconds += took
            counts[(case.generator, outcome)] += 1
            lengths[case.generator] += len(case.text)
            max_len[case.generator] = max(max_len.get(case.generator, 0), len(case.text))
            slowest.append((took, i, case.generator, len(case.text)))
            if len(slowest) > 4 * TOP_SLOW:
                slowest = sorted(slowest, reverse=True)[:TOP_SLOW]
            if violation is not None:
                found.append({"index": i, "kind": violation.kind, "where": violation.where,
                              "detail": violation.detail, "generator": case.generator,
                              "style": case.style, "damage": case.damage, "seconds": took})
        cur_index[wid] = -1
        results.put({"chunk": chunk, "counts": dict(counts), "lengths": dict(lengths),
                     "max_len": max_len, "seconds": seconds,
                     "slowest": sorted(slowest, reverse=True)[:TOP_SLOW], "found": found})


class Pool:
    """Workers with a hang watch: a worker stuck on one input for more than `hang`
    seconds is killed and replaced; the rest of its chunk is queued again."""

    def __init__(self, jobs: int, seed: int, slow: float, hang: float) -> None:
        self.ctx = mp.get_context("fork" if sys.platform != "win32" else "spawn")
        self.jobs, self.seed, self.slow, self.hang = jobs, seed, slow, hang
        # SimpleQueue writes in the calling process, with no feeder thread: a result put
        # before a worker is killed is never lost.
        self.tasks = self.ctx.SimpleQueue()
        self.results = self.ctx.SimpleQueue()
        self.cur_index = self.ctx.Array("q", [-1] * jobs, lock=False)
        self.cur_start = self.ctx.Array("d", [0.0] * jobs, lock=False)
        self.chunk_of: dict[int, tuple[int, int]] = {}
        self.procs: list = [None] * jobs
        for w in range(jobs):
            self._start(w)

    def _start(self, w: int) -> None:
        self.cur_index[w] = -1
        p = self.ctx.Process(target=worker, args=(w, self.seed, self.slow, self.tasks, self.results,
                                                  self.cur_index, self.cur_start), daemon=True)
        p.start()
        self.procs[w] = p

    def run(self, chunks: list[tuple[int, int]], on_result, on_hang) -> None:
        pending = {c: None for c in chunks}  # chunks not yet reported
        for c in chunks:
            self.tasks.put(c)
        # which chunk each worker is on: the one containing its current index
        while pending:
            if not self.results.empty():
                res = self.results.get()
                chunk = tuple(res["chunk"])
                if chunk in pending:
                    del pending[chunk]
                    on_result(res)
                continue
            time.sleep(0.05)
            now = time.monotonic()
            for w, p in enumerate(self.procs):
                i = self.cur_index[w]
                if i >= 0 and now - self.cur_start[w] > self.hang:
                    p.kill()
                    p.join()
                    chunk = next(c for c in pending if c[0] <= i < c[1])
                    del pending[chunk]
                    on_hang(i, now - self.cur_start[w])
                    for part in ((chunk[0], i), (i + 1, chunk[1])):
                        if part[0] < part[1]:
                            pending[part] = None
                            self.tasks.put(part)
                    self._start(w)
                elif not p.is_alive():
                    raise RuntimeError(f"fuzz worker {w} died (exit code {p.exitcode})")

    def close(self) -> None:
        for _ in self.procs:
            self.tasks.put(None)
        for p in self.procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()


# ---------------------------------------------------------------------------------------
# Minimizing
# ---------------------------------------------------------------------------------------


def _verdict(text: str, expected: Any = fs.MISSING, schema: Any = None):
    try:
        fs.check(text, expected, schema=schema)
    except fs.Violation as v:
        return v
    return None


def _keeps(kind: str, where: str, schema: Any = None):
    def pred(text: str) -> bool:
        v = _verdict(text, schema=schema)
        return v is not None and v.kind == kind and v.where == where
    return pred


def ddmin(text: str, pred, budget: float = 60.0) -> str:
    """A smaller text for which pred still holds: drop chunks of halving size, then try
    plainer characters (ASCII letters for letters, a space for spaces)."""
    deadline = time.monotonic() + budget
    n = 2
    while len(text) >= 2 and time.monotonic() < deadline:
        size = max(1, len(text) // n)
        shrunk = False
        i = 0
        while i < len(text) and time.monotonic() < deadline:
            cand = text[:i] + text[i + size:]
            if cand and pred(cand):
                text = cand
                shrunk = True
            else:
                i += size
        if shrunk:
            n = max(2, n - 1)
        elif size == 1:
            break
        else:
            n = min(len(text), n * 2)
    for i in range(len(text)):
        if time.monotonic() > deadline:
            break
        c = text[i]
        for plain in ("a", " ", "0"):
            if c != plain and (c.isalpha() if plain == "a" else c.isspace() if plain == " " else c.isdigit()):
                cand = text[:i] + plain + text[i + 1:]
                if pred(cand):
                    text = cand
                    break
    return text


def _shrink_value_candidates(v):
    """Smaller values than v, simplest first (one level; the loop re-enters)."""
    if isinstance(v, dict):
        items = list(v.items())
        for _, x in items:
            yield x
        for k in list(v):
            yield {kk: vv for kk, vv in items if kk != k}
        for k, x in items:
            for y in _shrink_value_candidates(x):
                yield {kk: (y if kk == k else vv) for kk, vv in items}
        for k, x in items:
            for k2 in _shrink_value_candidates(k):
                if k2 not in v:
                    yield {(k2 if kk == k else kk): vv for kk, vv in items}
    elif isinstance(v, list):
        yield from v
        for i in range(len(v)):
            yield v[:i] + v[i + 1:]
        for i, x in enumerate(v):
            for y in _shrink_value_candidates(x):
                yield v[:i] + [y] + v[i + 1:]
    elif isinstance(v, str):
        if v:
            yield ""
            if len(v) > 1:
                yield v[: len(v) // 2]
                yield v[len(v) // 2:]
            for i in range(len(v)):
                yield v[:i] + v[i + 1:]
    elif isinstance(v, bool) or v is None:
        return
    elif v != 0:
        yield 0


def minimize_wrong_value(case: fs.Case, budget: float = 60.0):
    """Shrink the value of a wrong_value case, re-serializing it in the same style each
    time; returns (text, value)."""
    import random as _random

    def fails(value) -> str | None:
        """A faithful text for `value` (some writing of it in the case's style) that
        repairs to something else, or None."""
        for attempt in range(8):
            src = fs.RandomSource(_random.Random(f"min:{attempt}"))
            text, _, faithful = fs.serialize_as(value, src, case.style)
            if faithful:
                v = _verdict(text, value)
                if v is not None and v.kind == "wrong_value":
                    return text
        return None

    value, text = case.value, case.text
    deadline = time.monotonic() + budget
    progress = True
    while progress and time.monotonic() < deadline:
        progress = False
        for cand in _shrink_value_candidates(value):
            if time.monotonic() > deadline:
                break
            t = fails(cand)
            if t is not None:
                value, text, progress = cand, t, True
                break
    return text, value


# ---------------------------------------------------------------------------------------
# Showing inputs
# ---------------------------------------------------------------------------------------

_RUN = re.compile(r"(.{1,12}?)\1{4,}", re.DOTALL)  # only on our own findings, offline


def as_python(text: str, limit: int = 600) -> str:
    """A Python expression that evaluates to `text`, with long runs written as `'x' * k`."""
    parts = []
    pos = 0
    for m in _RUN.finditer(text):
        if m.start() > pos:
            parts.append(repr(text[pos:m.start()]))
        unit = m.group(1)
        parts.append(f"{unit!r} * {len(m.group()) // len(unit)}")
        pos = m.start() + len(m.group()) // len(unit) * len(unit)
        if pos < m.end():
            parts.append(repr(text[pos:m.end()]))
            pos = m.end()
    if pos < len(text):
        parts.append(repr(text[pos:]))
    expr = " + ".join(parts) or "''"
    if len(expr) > limit:
        expr = expr[: limit - 40] + f" ... [{len(text)} chars; full text in the finding file]"
    return expr


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def machine() -> list[tuple[str, str]]:
    from run import cpu_model, in_checkout, memory_total  # benchmarks/run.py, beside this script

    cpu, mem = cpu_model(), memory_total()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        commit += " (src/ has uncommitted changes)" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores (shared with other work: timings are indicative)"),
        ("memory", mem),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("platform", platform.platform()),
        ("repair", f"{repair.__version__} from {in_checkout(Path(repair.__file__).parent)}, commit {commit}"),
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
    ]


def write_report(path: Path, args, stats, groups, slowest, wall, findings_dir: Path, facts) -> None:
    total = sum(stats["counts"].values())
    lines = ["# Fuzzing report", "",
             f"`python benchmarks/fuzz.py --seed {args.seed} --count {args.count} --jobs {args.jobs}` "
             "(generators in tests/fuzz_strategies.py, shared with tests/test_fuzz.py). "
             "Regenerate with the same command; replay one input with "
             f"`python benchmarks/fuzz.py --seed {args.seed} --replay INDEX`.", "",
             "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in facts]
    lines += ["", "## Run", "",
              "| inputs | seed | jobs | wall time | inputs/s | CPU seconds in the laws | slow if over | killed if over |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|",
              f"| {total:,} | {args.seed} | {args.jobs} | {wall:.1f} s | {total / wall:,.0f} | "
              f"{stats['seconds']:.1f} s | {args.slow:g} s | {args.hang:g} s |", "",
              "Each input is checked with three repair calls (`repair`, `repair_json`, and `repair` "
              "again on the output), so inputs/s is a third of repairs/s.", "",
              "| generator | inputs | repaired | unchanged (valid JSON) | refused (RepairError) | "
              "findings | mean length | max length |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for gen in fs.GENERATORS:
        c = {o: n for (g, o), n in stats["counts"].items() if g == gen}
        n = sum(c.values())
        bad = n - c.get("repaired", 0) - c.get("unchanged", 0) - c.get("refused", 0)
        lines.append(f"| {gen} | {n:,} | {c.get('repaired', 0):,} | {c.get('unchanged', 0):,} | "
                     f"{c.get('refused', 0):,} | {bad:,} | {stats['lengths'].get(gen, 0) / max(n, 1):,.0f} | "
                     f"{stats['max_len'].get(gen, 0):,} |")
    lines += ["", "## Findings", ""]
    if not groups:
        lines.append("None: every input obeyed every law.")
    else:
        lines += [f"{sum(g['count'] for g in groups):,} input(s) broke a law, in {len(groups)} group(s) "
                  f"(kind of law and, for exceptions, where it was raised). Each group is saved as "
                  f"`{findings_dir.relative_to(ROOT) if findings_dir.is_relative_to(ROOT) else findings_dir}/"
                  "finding-NN.json` with the full texts.", ""]
        for n, g in enumerate(groups, 1):
            lines += [f"### {n}. {g['kind']}" + (f" at {g['where']}" if g["where"] else "")
                      + f" ({g['count']:,} inputs)", "",
                      f"- first inputs: {', '.join(map(str, g['indices'][:8]))}"
                      f" ({', '.join(sorted(set(g['generators'])))})",
                      f"- what happened: {g['detail']}", ""]
            for m in g["minimal"]:
                lines += ["  Minimal repro:", "", "  ```python", f"  text = {m['python']}"]
                if "schema" in m:
                    lines.append(f"  schema = {json.dumps(m['schema'])}  # repair.repair(text, schema=schema)")
                if "expected" in m:
                    lines.append(f"  expected = {json.dumps(m['expected'], ensure_ascii=False)!r}")
                lines += [f"  # {m['verdict']}", "  ```", ""]
    notes = findings_dir / "NOTES.md"
    if notes.exists():
        lines += ["## Analysis", "", notes.read_text(encoding="utf-8").strip(), ""]
    lines += ["## Slowest inputs", "",
              "All laws together (three repair calls) on one input; the machine is shared, so a "
              "spike can be load rather than the input.", "",
              "| index | generator | length | time | input |", "|---:|---|---:|---:|---|"]
    for took, i, gen, length in slowest:
        text = fs.case_for(args.seed, i).text
        shown = as_python(text, 120).replace("|", "\\|").replace("`", "\\`")
        lines.append(f"| {i} | {gen} | {length:,} | {took * 1000:.1f} ms | `{shown}` |")
    atheris = findings_dir / "atheris.json"
    lines += ["", "## Atheris", ""]
    if atheris.exists():
        a = json.loads(atheris.read_text(encoding="utf-8"))
        lines += [a.get("summary", "").strip(), ""]
    else:
        lines.append("No atheris run recorded (benchmarks/fuzz_atheris.py writes "
                     f"{atheris.name} next to the findings).")
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------


def replay(seed: int, index: int) -> int:
    case = fs.case_for(seed, index)
    print(f"input {index} of seed {seed}: {case.generator}"
          + (f", style {case.style}, damage {case.damage}" if case.generator != "text" else ""))
    print("text =", as_python(case.text, 10_000))
    if case.schema is not None:
        print("schema =", json.dumps(case.schema_obj))
    if case.expected is not fs.MISSING:
        print("expected =", json.dumps(case.expected, ensure_ascii=False))
    t0 = time.perf_counter()
    try:
        outcome = fs.check(case.text, case.expected, schema=case.schema_obj)
    except fs.Violation as v:
        print(f"VIOLATION {v} ({time.perf_counter() - t0:.3f} s)")
        traceback.print_exception(v.__cause__) if v.__cause__ else None
        return 1
    print(f"ok: {outcome} ({time.perf_counter() - t0:.3f} s)")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--count", type=int, default=100_000, help="inputs to run (default 100000)")
    ap.add_argument("--start", type=int, default=0, help="first input index (default 0)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, default=HERE / "FUZZ.md", help="report (markdown)")
    ap.add_argument("--findings", type=Path, default=HERE / "fuzz_findings", help="folder for findings")
    ap.add_argument("--slow", type=float, default=1.0, help="an input slower than this is a finding (s)")
    ap.add_argument("--hang", type=float, default=30.0, help="kill a worker stuck this long on one input (s)")
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--minimize", type=float, default=60.0, help="seconds per finding group to minimize")
    ap.add_argument("--replay", type=int, metavar="INDEX", help="check one input, print it and exit")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the report from the last run's run.json (after editing NOTES.md or a new atheris run)")
    args = ap.parse_args(argv)
    if args.replay is not None:
        return replay(args.seed, args.replay)
    if args.report_only:
        saved = json.loads((args.findings / "run.json").read_text(encoding="utf-8"))
        for k in ("seed", "count", "jobs", "slow", "hang"):
            setattr(args, k, saved["args"][k])
        stats = saved["stats"]
        stats["counts"] = Counter({tuple(k.split("/", 1)): v for k, v in stats["counts"].items()})
        write_report(args.out, args, stats, saved["groups"], [tuple(x) for x in saved["slowest"]], saved["wall"],
                     args.findings, saved["machine"])
        return 0

    end = args.start + args.count
    chunks = [(a, min(end, a + args.chunk)) for a in range(args.start, end, args.chunk)]
    stats = {"counts": Counter(), "lengths": Counter(), "max_len": {}, "seconds": 0.0}
    slowest: list = []
    raw: list[dict] = []
    done = [0]
    t0 = time.monotonic()
    tty = sys.stderr.isatty()

    def on_result(res):
        for k, v in res["counts"].items():
            stats["counts"][k] += v
        stats["lengths"].update(res["lengths"])
        for g, m in res["max_len"].items():
            stats["max_len"][g] = max(stats["max_len"].get(g, 0), m)
        stats["seconds"] += res["seconds"]
        slowest.extend(tuple(x) for x in res["slowest"])
        slowest[:] = sorted(slowest, reverse=True)[:TOP_SLOW]
        raw.extend(res["found"])
        done[0] += res["chunk"][1] - res["chunk"][0]
        if tty or done[0] % (args.chunk * 20) == 0 or done[0] == args.count:
            rate = done[0] / max(time.monotonic() - t0, 1e-9)
            print(f"\r{done[0]:,}/{args.count:,} inputs, {rate:,.0f}/s, {len(raw)} findings",
                  end="" if tty else "\n", file=sys.stderr, flush=True)

    def on_hang(i, seconds):
        case = fs.case_for(args.seed, i)
        raw.append({"index": i, "kind": "hang", "where": "", "generator": case.generator,
                    "style": case.style, "damage": case.damage, "seconds": seconds,
                    "detail": f"still running after {seconds:.0f} s on {len(case.text)} chars; worker killed"})
        stats["counts"][(case.generator, "hang")] += 1
        done[0] += 1

    pool = Pool(args.jobs, args.seed, args.slow, args.hang)
    try:
        pool.run(chunks, on_result, on_hang)
    finally:
        pool.close()
    wall = time.monotonic() - t0
    print(file=sys.stderr)

    groups = group_and_minimize(raw, args)
    save_findings(args.findings, groups, args.seed)
    facts = machine()
    run = {"args": {k: getattr(args, k) for k in ("seed", "count", "jobs", "slow", "hang")},
           "stats": dict(stats, counts={f"{g}/{o}": n for (g, o), n in stats["counts"].items()}),
           "groups": groups, "slowest": slowest, "wall": wall, "machine": facts}
    (args.findings / "run.json").write_text(json.dumps(run, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    write_report(args.out, args, stats, groups, slowest, wall, args.findings, facts)
    print(f"{sum(stats['counts'].values()):,} inputs in {wall:.1f} s "
          f"({sum(stats['counts'].values()) / wall:,.0f}/s), {len(raw)} findings in {len(groups)} groups; "
          f"report: {args.out}", file=sys.stderr)
    return 1 if groups else 0


def group_and_minimize(raw: list[dict], args) -> list[dict]:
    by: dict[tuple, list[dict]] = defaultdict(list)
    for f in sorted(raw, key=lambda f: f["index"]):
        by[(f["kind"], f["where"])].append(f)
    groups = []
    for (kind, where), fs_ in sorted(by.items(), key=lambda kv: -len(kv[1])):
        g = {"kind": kind, "where": where, "count": len(fs_), "indices": [f["index"] for f in fs_],
             "generators": [f["generator"] for f in fs_], "detail": fs_[0]["detail"], "minimal": []}
        seen = set()
        # the shortest few inputs of the group are the best starting points
        starts = sorted(fs_, key=lambda f: len(fs.case_for(args.seed, f["index"]).text))[:3]
        for f in starts:
            case = fs.case_for(args.seed, f["index"])
            print(f"minimizing {kind} {where} (input {f['index']}, {len(case.text)} chars)", file=sys.stderr)
            if kind in ("slow", "hang"):
                text, expected = case.text, fs.MISSING  # timing findings are kept as they are
            elif kind == "wrong_value":
                text, expected = minimize_wrong_value(case, args.minimize / len(starts))
            else:
                text = ddmin(case.text, _keeps(kind, where, case.schema_obj), args.minimize / len(starts))
                expected = fs.MISSING
            if text in seen:
                continue
            seen.add(text)
            v = _verdict(text, expected, case.schema_obj) if kind not in ("slow", "hang") else None
            m = {"index": f["index"], "text": text, "python": as_python(text),
                 "verdict": str(v) if v else f["detail"]}
            if case.schema is not None:
                m["schema"] = case.schema_obj
            if expected is not fs.MISSING:
                m["expected"] = expected
            g["minimal"].append(m)
        g["minimal"].sort(key=lambda m: len(m["text"]))
        groups.append(g)
    return groups


def save_findings(folder: Path, groups: list[dict], seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("finding-*.json"):
        old.unlink()
    for n, g in enumerate(groups, 1):
        record = dict(g, seed=seed, original=[fs.case_for(seed, i).text for i in g["indices"][:3]])
        (folder / f"finding-{n:02d}.json").write_text(
            json.dumps(record, ensure_ascii=True, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
