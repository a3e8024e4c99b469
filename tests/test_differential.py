"""Differential test: our engine against the incumbent json_repair on the seeded corpus.

For every corruption kind in tests/corruption.py, 40 cases (fixed seed) go through
`repair.loads` and `json_repair.loads`; a case counts as right only when the value is
exactly the original (JSON types kept apart: True is not 1, 1 is not 1.0). json_repair
signals failure by returning "", which counts as wrong, as does any exception.

The table is printed (run with -s to see it), attached to the test report (-rA shows it
for a passing run) and written to benchmarks/out/differential.md. The bar from DESIGN.md:
more cases right than json_repair on every failure family, here ours >= theirs per kind.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import repair
from corruption import KINDS, corpus, first_difference, same

json_repair = pytest.importorskip("json_repair")

N_PER_KIND = 40
SEED = 1729
OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "out" / "differential.md"


def _ours(text: str):
    try:
        return True, repair.loads(text)
    except Exception as err:  # noqa: BLE001 - any exception is a wrong answer here
        return False, f"{type(err).__name__}: {err}"


def _theirs(text: str):
    try:
        value = json_repair.loads(text)
    except Exception as err:  # noqa: BLE001
        return False, f"{type(err).__name__}: {err}"
    if value == "":
        return False, '"" (json_repair gave up)'
    return True, value


def _show(ok: bool, value) -> str:
    if not ok:
        return f"error: {value}"
    s = json.dumps(value, ensure_ascii=False)
    return s if len(s) <= 200 else s[:200] + "..."


def _verdict(ok: bool, got, expected) -> str:
    if not ok:
        return f"error: `{got}`"
    where = first_difference(got, expected)
    return "right" if where is None else f"wrong at `{where}` (got != expected)"


def _fence(text: str) -> str:
    ticks = "````" if "```" in text else "```"
    return f"{ticks}\n{text}\n{ticks}"


def test_differential_against_json_repair(request):
    cases = corpus(N_PER_KIND, seed=SEED)
    rows: dict[str, list[int]] = {kind: [0, 0, 0] for kind in KINDS}  # cases, ours, theirs
    ours_time = theirs_time = 0.0
    we_lose: list[tuple] = []
    they_lose: list[tuple] = []
    for kind, text, expected in cases:
        t0 = time.perf_counter()
        ok_o, got_o = _ours(text)
        t1 = time.perf_counter()
        ok_t, got_t = _theirs(text)
        t2 = time.perf_counter()
        ours_time += t1 - t0
        theirs_time += t2 - t1
        right_o = ok_o and same(got_o, expected)
        right_t = ok_t and same(got_t, expected)
        row = rows[kind]
        row[0] += 1
        row[1] += right_o
        row[2] += right_t
        if right_t and not right_o:
            we_lose.append((kind, text, expected, (ok_o, got_o), (ok_t, got_t)))
        elif right_o and not right_t:
            they_lose.append((kind, text, expected, (ok_o, got_o), (ok_t, got_t)))

    total = [sum(r[i] for r in rows.values()) for i in range(3)]
    lines = [
        f"# Differential: repair vs json_repair {getattr(json_repair, '__version__', '')}".rstrip(),
        "",
        f"Corpus: tests/corruption.py, {N_PER_KIND} cases per kind, seed {SEED}. "
        "A case is right when the value is exactly the original.",
        "",
        "| kind | cases | ours | json_repair |",
        "|---|---:|---:|---:|",
    ]
    for kind in KINDS:
        n, o, t = rows[kind]
        flag = "" if o >= t else "  **<**"
        lines.append(f"| {kind} | {n} | {o} | {t}{flag} |")
    lines.append(f"| **total** | {total[0]} | {total[1]} | {total[2]} |")
    lines.append("")
    lines.append(f"Time over the corpus: ours {ours_time * 1e3:.1f} ms, json_repair {theirs_time * 1e3:.1f} ms.")

    def examples(title: str, items: list[tuple], limit: int = 6) -> None:
        """A few disagreements, one per kind first, shortest inputs first."""
        lines.extend(["", f"## {title} ({len(items)})"])
        by_kind: dict[str, list[tuple]] = {}
        for item in sorted(items, key=lambda it: len(it[1])):
            by_kind.setdefault(item[0], []).append(item)
        picked = [group[0] for group in by_kind.values()][:limit]
        for kind, text, expected, (ok_o, got_o), (ok_t, got_t) in picked:
            lines.extend([
                "",
                f"### {kind}",
                _fence(text if len(text) <= 800 else text[:800] + "\n[... cut ...]"),
                f"- expected: `{_show(True, expected)}`",
                f"- ours: {_verdict(ok_o, got_o, expected)}",
                f"- json_repair: {_verdict(ok_t, got_t, expected)}",
            ])

    examples("json_repair right, ours wrong", we_lose)
    examples("ours right, json_repair wrong", they_lose)
    report = "\n".join(lines) + "\n"

    print("\n" + report)
    request.node.add_report_section("call", "differential", report)
    try:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(report, encoding="utf-8")
    except OSError:  # a read-only checkout still gets the table on stdout
        pass

    behind = {k: (r[1], r[2]) for k, r in rows.items() if r[1] < r[2]}
    assert not behind, (
        "fewer cases right than json_repair for: "
        + ", ".join(f"{k} (ours {o}, json_repair {t})" for k, (o, t) in behind.items())
        + f"\nsee {OUT}"
    )
