#!/usr/bin/env python3
"""Benchmarks: `repair.loads` against `json_repair.loads` and `json.loads`, in one run.

    python benchmarks/run.py            # full run (~5 min), writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # smoke run, writes benchmarks/out/RESULTS-quick.md
    python benchmarks/run.py --only 1,4 --out /tmp/r.md

Sections (the bars are DESIGN.md "Quality bars"; the methods mirror research/peers.md §5):

  1. valid JSON, ~1 KB .. 10 MB          time(repair) <= 1.2 x time(json.loads)
  2. large malformed document (~1/KB)    throughput >= 10 x json_repair
  3. small malformed outputs             accuracy per kind; throughput >= 5 x json_repair
  4. growth on adversarial families      time(4n) / time(n) <= 4.5
  5. `import repair` time                 well under 100 ms

Every figure is the minimum over several repeats of `time.perf_counter` around the call
(garbage collector run before and disabled during each sample, as timeit does). All libraries see the same
inputs. Section 4 runs every measurement in a fresh subprocess with a time cap, so a
super-linear case cannot stall the run. Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"

# Always measure this checkout's engine, installed or not (also in the subprocesses).
sys.path.insert(0, str(SRC))
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))

MB = 1_000_000  # MB = 10^6 bytes of UTF-8, as in peers.md


# --------------------------------------------------------------------------- helpers


def timeit_min(fn, repeat=5, number=None, budget=None):
    """Best seconds per call of `fn()` over `repeat` samples of `number` calls each.

    number=None calibrates it so one sample takes >= ~50 ms (tiny inputs are looped); a first
    call that already takes that long counts as the first sample. Sampling stops once
    `budget` seconds have been spent; at least one sample always runs.
    Returns (seconds_per_call, result_of_the_last_call).
    """
    best, spent, result, samples = math.inf, 0.0, None, 0
    if number is None:
        once, result = _sample(fn, 1)
        if once >= 0.05:
            number, best, spent, samples = 1, once, once, 1
        else:
            number = max(1, min(100_000, int(0.05 / max(once, 1e-7))))
    while samples < repeat and not (budget is not None and samples and spent >= budget):
        result = None  # free the previous result before the next sample
        dt, result = _sample(fn, number)
        best, spent, samples = min(best, dt / number), spent + dt, samples + 1
    return best, result


def _sample(fn, number):
    """(seconds for `number` calls of fn, last result), the collector off as timeit does:
    with it on, a 10 MB parse mostly times full collections of whatever else is alive."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(number):
            result = fn()
        return time.perf_counter() - t0, result
    finally:
        gc.enable()


def attempt(fn, text):
    """fn(text), or the exception it raised (never raises itself)."""
    try:
        return fn(text)
    except Exception as exc:  # noqa: BLE001 - we report whatever escapes
        return exc


def same(a, b):
    """Same JSON value: types matter (1 != 1.0 != True), dict key order does not.
    Iterative, so it works at any depth."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, BaseException) or isinstance(y, BaseException) or _jtype(x) != _jtype(y):
            return False
        if isinstance(x, dict):
            if x.keys() != y.keys():
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif x != y:
            return False
    return True


def _jtype(x):
    return "bool" if isinstance(x, bool) else type(x).__name__


def nbytes(text):
    return len(text.encode("utf-8"))


def fmt_time(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def fmt_size(n):
    if n >= MB:
        return f"{n / MB:.2f} MB"
    if n >= 1000:
        return f"{n / 1000:.1f} KB"
    return f"{n} B"


def fmt_rate(n, s):
    return "-" if not s else f"{n / s / MB:.2f} MB/s"


def fmt_x(x):
    return "-" if x is None else f"{x:.2f}x"


def verdict(ok):
    return "PASS" if ok else "FAIL"


def table(headers, rows):
    """A markdown table, padded so it also reads well on a terminal."""
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


class Report:
    """Collects sections; prints each as it is finished and renders the markdown file."""

    def __init__(self):
        self.parts = []

    def section(self, title, body, notes=()):
        text = f"## {title}\n\n{body}\n"
        if notes:
            text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
        self.parts.append(text)
        print("\n" + text, flush=True)


def libraries():
    """name -> loads callable; json_repair is optional so a missing install is reported."""
    import repair

    libs = {"json.loads": json.loads, "repair.loads": repair.loads}
    try:
        import json_repair

        libs["json_repair.loads"] = json_repair.loads
    except ImportError:
        print("json_repair is not installed: its columns stay empty (pip install json-repair)")
    return libs


# --------------------------------------------------------------------------- generated data

FIRST = ["Ada", "Björn", "Chloé", "Dmitri", "Émile", "Fatima", "Grace", "Hiroshi", "Ingrid", "José",
         "Kwame", "Léa", "Mei", "Nikolai", "Olúmidé", "Priya", "Quentin", "Rūta", "Søren", "Zoë"]
LAST = ["Lovelace", "Ødegaard", "Nguyễn", "Müller", "García", "Kowalski", "Tanaka", "Okafor",
        "Øster", "Smith", "Dvořák", "Ибрагимов", "王", "Fernández", "Ó Briain"]
WORDS = ["alpha", "beta", "café", "naïve", "Zürich", "東京", "données", "smörgåsbord", "привет",
         "🙂", "rocket🚀", "ascii", "Ελληνικά", "mañana", "straße", "北京", "한국어", "fiancé",
         "math∑", "€uro", "data", "graph", "node", "edge", "tree", "queue", "stack", "heap"]
CITIES = ["São Paulo", "Reykjavík", "Kraków", "Montréal", "Zürich", "Tōkyō", "Düsseldorf",
          "Łódź", "Ciudad de México", "Ho Chi Minh City", "Cairo", "Oslo"]
EVENTS = ["login", "logout", "purchase", "refund", "password_reset", "2fa_enabled", "export"]
BIOS = [
    'Says "hello" to everyone.\nLikes tabs\tand spaces.',
    "Path on Windows: C:\\Users\\{name}\\Documents — and a backslash \\ alone.",
    "Multi-line\nbio\r\nwith CRLF and a bell \u0007 and a null-ish \u0001 char.",
    "Quotes: “smart”, 'single', \"double\"; unicode: {word} ✓ ✗ → ←.",
    "Plain ASCII sentence about {word} with numbers 1, 2.5 and -3e7.",
    "Emoji party 🎉🎈 for {name} at {city}.",
]


def make_record(rng, i):
    """One realistic record: nested objects and arrays, unicode, escapes, all JSON types."""
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    city = rng.choice(CITIES)
    return {
        "id": i,
        "uuid": "%032x" % rng.getrandbits(128),
        "name": name,
        "email": f"user{i}@example.com",
        "active": rng.random() < 0.7,
        "score": round(rng.uniform(-1000, 1000), 4),
        "balance": rng.randint(-10**6, 10**12),
        "ratio": rng.random(),
        "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 5))],
        "address": {
            "street": f"{rng.randint(1, 999)} {rng.choice(WORDS)} St.",
            "city": city,
            "geo": {"lat": round(rng.uniform(-90, 90), 6), "lon": round(rng.uniform(-180, 180), 6)},
        },
        "bio": rng.choice(BIOS).format(name=name, city=city, word=rng.choice(WORDS)),
        "history": [
            {"ts": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z",
             "event": rng.choice(EVENTS), "delta": rng.randint(-50, 50)}
            for _ in range(rng.randint(0, 3))
        ],
        "manager": None if rng.random() < 0.3 else rng.randint(0, max(i, 1)),
        "prefs": {"theme": rng.choice(["dark", "light"]), "langs": rng.sample(["en", "fr", "de", "ja", "zh"], 2),
                  "beta": rng.random() < 0.1, "empty": {} if rng.random() < 0.5 else []},
    }


def make_records(target_bytes, seed):
    """Records whose compact JSON dump adds up to about `target_bytes`."""
    rng = random.Random(seed)
    records, size = [], 2
    while size < target_bytes:
        rec = make_record(rng, len(records))
        records.append(rec)
        size += nbytes(json.dumps(rec, ensure_ascii=False)) + 2
    return records


def valid_document(target_bytes, seed=1):
    """A JSON array of records, one per line; every third record is dumped with \\u escapes."""
    records = make_records(target_bytes, seed)
    lines = [json.dumps(r, ensure_ascii=(i % 3 == 0)) for i, r in enumerate(records)]
    return "[\n" + ",\n".join(lines) + "\n]"


class DefectWriter:
    """Serialises a value as JSON, injecting chosen defects at chosen opportunities.

    Opportunities are counted per slot: "sep" (a comma between members/elements), "end" (the
    closer of a non-empty container), "key" (an object key). `chosen` maps a defect kind to
    the set of opportunity indices where it is injected. Keys are identifiers without quotes
    or backslashes, so a single-quoted or unquoted key is unambiguous.
    """

    SLOTS = {"missing_comma": "sep", "trailing_comma": "end", "single_quoted_key": "key", "unquoted_key": "key"}

    def __init__(self, chosen=None):
        self.chosen = chosen or {}
        self.seen = Counter()
        self.made = Counter()

    def _take(self, slot):
        i = self.seen[slot]
        self.seen[slot] += 1
        for kind, where in self.chosen.items():
            if self.SLOTS[kind] == slot and i in where:
                self.made[kind] += 1
                return kind
        return None

    def _items(self, pairs, out, opener, closer, sep):
        out.append(opener)
        for j, (key, value) in enumerate(pairs):
            if j:
                out.append(sep.replace(",", "") if self._take("sep") else sep)
            if key is not None:
                kind = self._take("key")
                if kind and j and out[-1] == sep.replace(",", ""):
                    # no defect next to another: a dropped comma before an unquoted or
                    # single-quoted key ('"x" b: 1') reads as one string to json_repair
                    self.made[kind] -= 1
                    kind = None
                out.append(f"'{key}'" if kind == "single_quoted_key" else key if kind == "unquoted_key" else json.dumps(key))
                out.append(": ")
            self.write(value, out)
        if pairs and self._take("end"):
            out.append(",")
        out.append(closer)

    def write(self, value, out, top=False):
        if isinstance(value, dict):
            self._items(list(value.items()), out, "{", "}", ", ")
        elif isinstance(value, list):
            pairs = [(None, v) for v in value]
            if top:
                self._items(pairs, out, "[\n", "\n]", ",\n")
            else:
                self._items(pairs, out, "[", "]", ", ")
        else:
            out.append(json.dumps(value, ensure_ascii=False))
        return out


def malformed_document(target_bytes, per_kb=1.0, seed=2):
    """(text, records, Counter of injected defects): ~per_kb defects per 1000 bytes, in
    equal shares of missing commas, trailing commas, single-quoted keys, unquoted keys."""
    records = make_records(target_bytes, seed)
    dry = DefectWriter()
    clean = "".join(dry.write(records, [], top=True))
    quarter = max(1, round(nbytes(clean) / 1000 * per_kb / 4))
    rng = random.Random(seed)
    keys = rng.sample(range(dry.seen["key"]), 2 * quarter)
    chosen = {
        "missing_comma": set(rng.sample(range(dry.seen["sep"]), quarter)),
        "trailing_comma": set(rng.sample(range(dry.seen["end"]), quarter)),
        "single_quoted_key": set(keys[:quarter]),
        "unquoted_key": set(keys[quarter:]),
    }
    writer = DefectWriter(chosen)
    text = "".join(writer.write(records, [], top=True))
    return text, records, writer.made


# --------------------------------------------------------------------------- section 1


def bench_valid(report, libs, quick):
    sizes = [1_000, 100_000, 1 * MB] + ([] if quick else [10 * MB])
    base = libs["json.loads"]
    rows, ratios, notes = [], [], []
    for target in sizes:
        text = valid_document(target)
        size = nbytes(text)
        expected = base(text)
        checks, numbers, times = {}, {}, {}
        for name, fn in libs.items():
            got = attempt(fn, text)
            checks[name] = same(got, expected)
            if isinstance(got, BaseException):
                notes.append(f"{fmt_size(size)}: {name} raised {type(got).__name__}: {str(got)[:120]}")
                continue
            del got
            t0 = time.perf_counter()
            fn(text)
            numbers[name] = max(1, int(0.05 / max(time.perf_counter() - t0, 1e-7)))
        # Round-robin: one sample of each library per round, so background load hits all alike.
        for _ in range(7):
            for name in numbers:
                fn = libs[name]
                sec, _ = timeit_min(lambda fn=fn: fn(text), repeat=1, number=numbers[name])
                times[name] = min(sec, times.get(name, math.inf))
        ratio = times["repair.loads"] / times["json.loads"] if "repair.loads" in times else None
        ratios.append(ratio)
        rows.append([
            fmt_size(size),
            fmt_rate(size, times.get("json.loads")),
            fmt_rate(size, times.get("repair.loads")),
            fmt_rate(size, times.get("json_repair.loads")),
            fmt_x(ratio),
            "yes" if checks["repair.loads"] else "**NO**",
            "yes" if checks.get("json_repair.loads") else "no",
        ])
    steps = zero_steps(valid_document(100_000))
    ok = all(r is not None and r <= 1.2 for r in ratios) and all(r[5] == "yes" for r in rows)
    body = table(["size", "json.loads", "repair.loads", "json_repair.loads", "time repair/json",
                  "repair same value", "json_repair same value"], rows)
    body += f"\n\nBar: time(repair.loads) <= 1.2x time(json.loads) at every size, same value: **{verdict(ok)}**"
    notes = [
        "Arrays of nested records (unicode, \\\" \\\\ \\n \\t \\u escapes, every third record ASCII-escaped), one record per line.",
        "Measured round-robin (one sample of each library per round, 7 rounds, fast calls looped to >= 50 ms), min per library.",
        "json_repair.loads tries json.loads first, so on valid input it runs at stdlib speed.",
        f"Steps reported by repair.repair() on the 100 KB document: {steps}.",
    ] + notes
    report.section("1. Valid JSON", body, notes)


def zero_steps(text):
    """Number of steps repair.repair reports on valid text (should be 0), or why unknown."""
    import repair

    if not hasattr(repair, "repair"):
        return "n/a (repair.repair not available)"
    try:
        return len(repair.repair(text).steps)
    except Exception as exc:  # noqa: BLE001
        return f"error {type(exc).__name__}: {str(exc)[:80]}"


# --------------------------------------------------------------------------- section 2


def bench_large_malformed(report, libs, quick):
    text, expected, made = malformed_document(500_000 if quick else 5 * MB)
    size = nbytes(text)
    rows, times = [], {}
    for name, fn in libs.items():
        if name == "json.loads":
            res = attempt(fn, text)
            kind = type(res).__name__ if isinstance(res, BaseException) else "a value"
            rows.append([name, "-", "-", f"raises {kind}" if isinstance(res, BaseException) else kind])
            continue
        # json_repair takes ~9 s per call on 5 MB: the budget keeps it to one or two samples.
        guarded = lambda fn=fn: attempt(fn, text)  # noqa: E731
        times[name], got = timeit_min(guarded, repeat=5 if name == "repair.loads" else 3, number=1, budget=15)
        if isinstance(got, BaseException):
            recovered = f"raised {type(got).__name__}: {str(got)[:80]}"
        elif same(got, expected):
            recovered = "exact"
        else:
            if isinstance(got, list):
                bad = sum(not same(a, b) for a, b in zip(got, expected)) + abs(len(got) - len(expected))
                recovered = f"**different**: {bad:,} of {len(expected):,} records wrong or missing"
            else:
                recovered = f"**different**: a {type(got).__name__}, not the list"
        rows.append([name, fmt_time(times[name]), fmt_rate(size, times[name]), recovered])
    ratio = None
    if "repair.loads" in times and "json_repair.loads" in times:
        ratio = times["json_repair.loads"] / times["repair.loads"]
    body = table(["library", "time", "throughput", "recovered value"], rows)
    body += f"\n\nThroughput repair / json_repair: **{fmt_x(ratio)}** (bar >= 10x): **{verdict(ratio is not None and ratio >= 10)}**"
    notes = [
        f"{fmt_size(size)}, {len(expected):,} records, {sum(made.values()):,} defects "
        f"({sum(made.values()) / (size / 1000):.2f}/KB): "
        + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in sorted(made.items())) + ".",
        "Defects are placed where the repair is unambiguous (identifier keys; commas between members; "
        "never a dropped comma right before a damaged key), so the exact value is recoverable, as in peers.md §5.1.",
    ]
    report.section("2. Large malformed document", body, notes)


# --------------------------------------------------------------------------- section 3


def small_record(rng):
    """A small LLM-style answer object; strings hold no quotes or backslashes."""
    return {
        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "age": rng.randint(18, 90),
        "score": round(rng.uniform(0, 100), 2),
        "active": rng.random() < 0.5,
        "manager": None,
        "tags": [rng.choice(WORDS) for _ in range(rng.randint(1, 4))],
        "address": {"city": rng.choice(CITIES), "zip": f"{rng.randint(10000, 99999)}"},
        "summary": " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 15))),
    }


def own_corpus(n, seed):
    """Fallback for tests/corruption.py: n cases per kind as (kind, text, expected), five kinds."""
    rng = random.Random(seed)

    def trailing_comma(v):
        dry = DefectWriter()
        dry.write(v, [])
        ends = dry.seen["end"]
        chosen = {"trailing_comma": set(rng.sample(range(ends), rng.randint(1, ends)))}
        return "".join(DefectWriter(chosen).write(v, [])), v

    def single_quotes(v):
        def sq(x):
            if isinstance(x, dict):
                return "{" + ", ".join(f"'{k}': {sq(y)}" for k, y in x.items()) + "}"
            if isinstance(x, list):
                return "[" + ", ".join(sq(y) for y in x) + "]"
            return f"'{x}'" if isinstance(x, str) else json.dumps(x)
        return sq(v), v

    def fence_with_prose(v):
        return ("Sure! Here is the JSON you asked for:\n\n```json\n" + json.dumps(v, indent=2, ensure_ascii=False)
                + "\n```\n\nLet me know if you need anything else."), v

    def python_literals(v):
        return repr(v), v

    def truncated_tail(v):
        full = json.dumps(v, indent=2, ensure_ascii=False)
        start = full.rindex('"summary": "') + len('"summary": "')
        # somewhere inside the last string, after a letter: whether a cut-off trailing space
        # is kept is not specified, so no case depends on it
        cut = rng.choice([i for i in range(start + 1, len(full) - 3) if not full[i - 1].isspace()])
        return full[:cut], dict(v, summary=full[start:cut])

    kinds = [trailing_comma, single_quotes, fence_with_prose, python_literals, truncated_tail]
    out = []
    for i in range(n * len(kinds)):
        make = kinds[i % len(kinds)]
        text, expected = make(small_record(rng))
        out.append((make.__name__, text, expected))
    return out


def load_corpus(n, seed):
    """tests/corruption.py's corpus(n, seed) if it exists, else our own; plus its source."""
    path = ROOT / "tests" / "corruption.py"
    if path.exists():
        spec = importlib.util.spec_from_file_location("_bench_corruption", path)
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(path.parent))
        try:
            spec.loader.exec_module(module)
            return list(module.corpus(n, seed)), "tests/corruption.py corpus(n, seed)"
        except Exception as exc:  # noqa: BLE001 - fall back, but say so
            print(f"tests/corruption.py failed ({type(exc).__name__}: {exc}); using the built-in corpus")
        finally:
            sys.path.remove(str(path.parent))
    return own_corpus(n, seed), "built-in generator in benchmarks/run.py (tests/corruption.py absent)"


def bench_small_malformed(report, libs, quick):
    corpus, source = load_corpus(30 if quick else 200, seed=3)  # n cases per kind
    by_kind = defaultdict(list)
    for kind, text, expected in corpus:
        by_kind[kind].append((text, expected))
    names = list(libs)
    rows, total_time, total_ok = [], Counter(), Counter()
    total_bytes = sum(nbytes(t) for _, t, _ in corpus)
    for kind, cases in sorted(by_kind.items()):
        texts = [t for t, _ in cases]
        row = [kind, len(cases)]
        for name in names:
            ok = sum(same(attempt(libs[name], t), e) for t, e in cases)
            total_ok[name] += ok
            row.append(f"{100 * ok / len(cases):.0f}%")
        for name in ("repair.loads", "json_repair.loads"):
            if name not in libs:
                row.append("-")
                continue
            fn = libs[name]
            sec, _ = timeit_min(lambda fn=fn: [attempt(fn, t) for t in texts], repeat=3 if quick else 5, budget=10)
            total_time[name] += sec
            row.append(fmt_time(sec / len(cases)))
        rows.append(row)
    n = len(corpus)
    rows.append(["**all**", n] + [f"{100 * total_ok[m] / n:.1f}%" for m in names]
                + [fmt_time(total_time[m] / n) if m in total_time else "-" for m in ("repair.loads", "json_repair.loads")])
    headers = ["kind", "cases"] + [f"{m} right" for m in names] + ["repair per doc", "json_repair per doc"]
    ratio = total_time["json_repair.loads"] / total_time["repair.loads"] if total_time["repair.loads"] and total_time["json_repair.loads"] else None
    body = table(headers, rows)
    body += (f"\n\nThroughput: repair {fmt_rate(total_bytes, total_time['repair.loads'])}, "
             f"json_repair {fmt_rate(total_bytes, total_time['json_repair.loads'])}; "
             f"repair / json_repair **{fmt_x(ratio)}** (bar >= 5x): **{verdict(ratio is not None and ratio >= 5)}**")
    worse = [r[0] for r in rows[:-1] if "json_repair.loads" in libs
             and float(r[2 + names.index("repair.loads")][:-1]) < float(r[2 + names.index("json_repair.loads")][:-1])]
    body += f"\n\nKinds where repair is right less often than json_repair: {', '.join(worse) or 'none'}"
    notes = [
        f"Corpus: {source}; {n:,} documents, {fmt_size(total_bytes)} in all, seed 3.",
        "\"right\" = returned the expected value (types matter, key order does not); an exception counts as wrong.",
        "Per-doc times: minimum over repeats of one pass over that kind's documents, divided by their count.",
    ]
    report.section("3. Small malformed outputs", body, notes)


# --------------------------------------------------------------------------- section 4

# name, builder(n), n for the full run, n for --quick. Inputs LLMs really produce at scale;
# several are json_repair's super-linear cases in peers.md §5.2.
GROWTH = [
    ("long string (unclosed, escapes)", lambda n: '{"code": "' + "ab\\n" * n, 100_000, 20_000),
    ("many inner quotes", lambda n: '{"k": "' + 'a"b' * n + '"}', 5_000, 2_000),
    ("deep unclosed nesting [ * n", lambda n: "[" * n, 50_000, 10_000),
    ("many commas", lambda n: '{"a": [' + "1,," * n + "]}", 50_000, 10_000),
    ("prose without JSON", lambda n: "Sure, here is what I found about the topic. " * n, 20_000, 5_000),
    ("prose full of braces", lambda n: "see {this} and [that], or {maybe: [not} it. " * n, 10_000, 2_000),
    ("single-quoted long string", lambda n: "{'a': '" + "x" * n + "'}", 200_000, 50_000),
    ("many unclosed records", lambda n: "[\n" + '{"k": "v"\n' * n, 20_000, 5_000),
]
WORKER_LIBS = {"repair": ("repair", "loads"), "json_repair": ("json_repair", "loads")}


def worker(lib, family, n):
    """Subprocess entry: time one library on one growth input, print a JSON line."""
    module, attr = WORKER_LIBS[lib]
    fn = getattr(__import__(module), attr)
    text = GROWTH[family][1](n)
    sec, res = timeit_min(lambda: attempt(fn, text), repeat=5, budget=2)
    outcome = f"{type(res).__name__}" if isinstance(res, BaseException) else "value"
    print(json.dumps({"seconds": sec, "outcome": outcome}))


def measure_growth(lib, family, n, timeout):
    """(seconds or None, note) for one measurement in a fresh process, capped at `timeout`."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", lib, str(family), str(n)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    except subprocess.TimeoutExpired:
        return None, f"> {timeout:g} s"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return None, f"crashed (rc {proc.returncode}: {last[:60]})"
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["seconds"], data["outcome"]


def bench_growth(report, libs, quick, timeout):
    rows, worst = [], []
    for i, (name, build, n_full, n_quick) in enumerate(GROWTH):
        n = n_quick if quick else n_full
        row = [name, f"{n:,}", fmt_size(nbytes(build(n)))]
        for lib in ("repair", "json_repair"):
            if f"{lib}.loads" not in libs:
                row += ["-", "-", "-"]
                continue
            t1, o1 = measure_growth(lib, i, n, timeout)
            # json_repair: if n already hit the cap, 4n would too; don't spend another cap on it.
            t4, o4 = measure_growth(lib, i, 4 * n, timeout) if t1 is not None else (None, "skipped")
            ratio = t4 / t1 if t1 and t4 else None
            cell = lambda t, o: (fmt_time(t) if t is not None else o) + (f" ({o})" if t is not None and o != "value" else "")  # noqa: E731
            row += [cell(t1, o1), cell(t4, o4)]
            if ratio is not None:
                row.append(fmt_x(ratio))
            elif t1 is not None and t4 is None and o4.startswith(">"):
                row.append(f"> {timeout / t1:.1f}x")
            else:
                row.append("-")
            if lib == "repair":
                bad_outcome = any(o not in ("value", "RepairError") for o in (o1, o4))
                worst.append((name, ratio, bad_outcome))
        rows.append(row)
    ok = all(r is not None and r <= 4.5 and not bad for _, r, bad in worst)
    failing = [f"{nm} ({fmt_x(r)})" for nm, r, bad in worst if r is None or r > 4.5 or bad]
    body = table(["family", "n", "size at n", "repair t(n)", "repair t(4n)", "repair ratio",
                  "json_repair t(n)", "json_repair t(4n)", "json_repair ratio"], rows)
    body += f"\n\nBar: repair t(4n)/t(n) <= 4.5 on every family, no exception but RepairError: **{verdict(ok)}**"
    if failing:
        body += f"\n\nOver the bar or failing: {', '.join(failing)}"
    notes = [
        f"Each cell: a fresh process, minimum of up to 5 samples (fast calls looped to >= 50 ms; stops after 2 s), "
        f"capped at {timeout:g} s; "
        "≈4 is linear, ≈16 quadratic.",
        "An outcome other than a value is shown in brackets (RepairError is the expected answer for prose without JSON).",
    ]
    report.section("4. Growth: time at n and 4n", body, notes)


# --------------------------------------------------------------------------- section 5


def bench_import(report, runs=7):
    probe = "import sys, repair; print(','.join(m for m in ('pydantic', 'regex', 'json_repair', 'httpx', 'requests') if m in sys.modules))"
    totals, heavy, error = [], "", None
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", probe], capture_output=True, text=True, env=ENV)
        if proc.returncode != 0:
            error = (proc.stderr.strip().splitlines() or ["?"])[-1]
            break
        heavy = proc.stdout.strip()
        for line in proc.stderr.splitlines():
            parts = line.split("|")
            if line.startswith("import time:") and len(parts) == 3 and parts[2].strip() == "repair" \
                    and parts[2].startswith(" repair"):
                totals.append(int(parts[1]))
    if error or not totals:
        body = f"`import repair` failed: {error or 'no importtime line for repair'}"
        report.section("5. Import time", body)
        return
    best = min(totals) / 1000
    body = table(["measure", "value"], [
        ["`import repair`, cumulative (min of %d runs)" % len(totals), f"{best:.1f} ms"],
        ["median", f"{sorted(totals)[len(totals) // 2] / 1000:.1f} ms"],
        ["heavy modules loaded by it", heavy or "none"],
    ])
    body += f"\n\nBar: well under 100 ms: **{verdict(best < 100)}**"
    report.section("5. Import time", body, ["From `python -X importtime -c \"import repair\"`, the cumulative µs of the `repair` package."])


# --------------------------------------------------------------------------- machine facts


def machine_facts():
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass

    def version(dist):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    return [
        ["date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")],
        ["python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"],
        ["platform", platform.platform()],
        ["CPU", cpu],
        ["cores", f"{os.cpu_count()} (usable: {affinity})"],
        ["memory", mem],
        ["repair", f"{version('repair')} from {SRC}, commit {commit.stdout.strip() or 'none yet'}"],
        ["json_repair", version("json-repair")],
    ]


# --------------------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (smoke run)")
    parser.add_argument("--out", type=Path, help="markdown output (default benchmarks/RESULTS.md, "
                        "or benchmarks/out/RESULTS-quick.md with --quick)")
    parser.add_argument("--only", default="1,2,3,4,5", help="comma-separated sections to run (default all)")
    parser.add_argument("--timeout", type=float, default=20.0, help="cap per growth measurement, seconds (default 20)")
    parser.add_argument("--worker", nargs=3, metavar=("LIB", "FAMILY", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        lib, family, n = args.worker
        worker(lib, int(family), int(n))
        return 0

    out = args.out or (HERE / "out" / "RESULTS-quick.md" if args.quick else HERE / "RESULTS.md")
    only = {int(s) for s in args.only.split(",") if s.strip()}
    libs = libraries()
    report = Report()
    facts = machine_facts()
    print(table(["machine", ""], facts))
    started = time.perf_counter()

    if 1 in only:
        bench_valid(report, libs, args.quick)
    if 2 in only:
        bench_large_malformed(report, libs, args.quick)
    if 3 in only:
        bench_small_malformed(report, libs, args.quick)
    if 4 in only:
        bench_growth(report, libs, args.quick, args.timeout)
    if 5 in only:
        bench_import(report)

    elapsed = time.perf_counter() - started
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    head = (f"# Benchmark results{' (quick run)' if args.quick else ''}\n\n"
            f"Generated by `{command.strip()}` in {elapsed:.0f} s. Not asserted by the test suite; "
            "see benchmarks/README.md.\n\n" + table(["machine", ""], facts) + "\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(head + "\n" + "\n".join(report.parts))
    print(f"\nwrote {out} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
