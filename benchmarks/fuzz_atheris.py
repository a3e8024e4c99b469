#!/usr/bin/env python3
"""Coverage-guided fuzzing of `repair` with atheris (libFuzzer for Python).

    pip install atheris
    python benchmarks/fuzz_atheris.py --time 600     # 10 minutes -> benchmarks/fuzz_findings/atheris.json

The driver seeds a corpus with the fixtures' texts and a dictionary with the tokens the
engine makes decisions on (tests/fuzz_strategies.py), then runs this file again as the
libFuzzer child (`--child`, any libFuzzer flags after it) with the engine's modules
instrumented. Each input is read one of five ways (the first byte chooses): UTF-8 text,
any code points (lone surrogates included), raw bytes (`repair` takes bytes too), a
string of tokens, or text repaired with one of the fuzz JSON Schemas (schema mode). The laws are those of benchmarks/fuzz.py (`fuzz_strategies.check`):
only RepairError may escape, the output is valid JSON, repairing it again takes no
step; libFuzzer's -timeout catches a hang. A broken law does not stop the run: it is
written to a JSON-lines log (one line per new kind and place), so a known bug cannot
mask the next one. At the end the driver writes a summary (executions, coverage,
corpus, findings) that benchmarks/fuzz.py puts in FUZZ.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))


# ---------------------------------------------------------------------------------------
# The libFuzzer child
# ---------------------------------------------------------------------------------------


def child(argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports():
        import repair
        import repair.core, repair.extract, repair.parser, repair.strings, repair.scalars  # noqa: E401,F401
        import repair.brackets, repair.stray, repair.serialize, repair.steps, repair.chars  # noqa: E401,F401
        import repair.schema.align, repair.schema.coerce, repair.schema.compile  # noqa: E401,F401
        import repair.schema.choose, repair.schema.keys, repair.schema.shape  # noqa: E401,F401
        try:
            import repair.quick  # noqa: F401 - the quick path, where the engine has one
        except ImportError:
            pass
    import fuzz_strategies as fs

    log_path = os.environ["REPAIR_ATHERIS_LOG"]
    seen: set[tuple[str, str]] = set()
    tokens = fs.TOKENS + fs.RUN_TOKENS

    def record(kind: str, where: str, detail: str, text, schema) -> None:
        if (kind, where) in seen:
            return
        seen.add((kind, where))
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": kind, "where": where, "detail": detail[:500],
                                 "text": text if isinstance(text, str) else text.decode("latin-1"),
                                 "bytes": isinstance(text, bytes), "schema": schema}, ensure_ascii=True) + "\n")

    def one_input(data: bytes) -> None:
        if not data:
            return
        mode = data[0] % 5
        schema = None
        fdp = atheris.FuzzedDataProvider(data[1:])
        if mode == 0:
            text = data[1:].decode("utf-8", errors="replace")
        elif mode == 1:
            text = fdp.ConsumeUnicode(len(data))
        elif mode == 2:
            raw = data[1:]
            try:
                repair.repair(raw)
            except repair.RepairError:
                return
            except Exception as exc:  # noqa: BLE001 - the law under test
                record("exception", fs._where(exc), f"repair(bytes) raised {type(exc).__name__}: {exc}", raw, None)
            return
        elif mode == 3:
            n = fdp.ConsumeIntInRange(0, 60)
            text = "".join(tokens[i] for i in fdp.ConsumeIntListInRange(n, 0, len(tokens) - 1))
        else:  # schema mode: one of the fuzz schemas, then the text
            schema = fs.SCHEMAS[fdp.ConsumeIntInRange(0, len(fs.SCHEMAS) - 1)]
            text = fdp.ConsumeUnicode(len(data))
        try:
            fs.check(text, schema=schema)
        except fs.Violation as v:
            record(v.kind, v.where, v.detail, text, schema)

    atheris.Setup([sys.argv[0]] + argv, one_input)
    atheris.Fuzz()


# ---------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------


def _dictionary(path: Path) -> None:
    import fuzz_strategies as fs

    lines = []
    for tok in dict.fromkeys(fs.TOKENS + fs.RUN_TOKENS):
        raw = tok.encode("utf-8", "surrogatepass")
        esc = "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else f"\\x{b:02x}" for b in raw)
        lines.append(f'"{esc}"')
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def _seed_corpus(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for path in sorted((ROOT / "fixtures").rglob("*.txt")):
        if path.stat().st_size <= 4096:
            shutil.copyfile(path, folder / f"fixture-{n:04d}")
            n += 1
    return n


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        child(argv[1:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time", type=int, default=600, help="seconds to fuzz (default 600)")
    ap.add_argument("--timeout", type=int, default=20, help="libFuzzer -timeout per input (s)")
    ap.add_argument("--max-len", type=int, default=4096)
    ap.add_argument("--corpus", type=Path, help="corpus folder (default: a temporary one)")
    ap.add_argument("--summary", type=Path, default=HERE / "fuzz_findings" / "atheris.json")
    args = ap.parse_args(argv)
    import importlib.util

    if importlib.util.find_spec("atheris") is None:
        print("atheris is not installed; pip install atheris", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="repair-atheris-"))
    corpus = args.corpus or work / "corpus"
    seeds = _seed_corpus(corpus)
    _dictionary(work / "tokens.dict")
    log = work / "findings.jsonl"
    log.touch()
    cmd = [sys.executable, __file__, "--child", str(corpus), f"-max_total_time={args.time}",
           f"-timeout={args.timeout}", f"-max_len={args.max_len}", f"-dict={work / 'tokens.dict'}",
           "-print_final_stats=1", f"-artifact_prefix={work}/", "-rss_limit_mb=4096"]
    print(" ".join(cmd), file=sys.stderr)
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=dict(os.environ, REPAIR_ATHERIS_LOG=str(log)), capture_output=True, text=True,
                          errors="replace")
    wall = time.monotonic() - t0
    out = proc.stderr + proc.stdout
    (work / "libfuzzer.log").write_text(out, encoding="utf-8")
    stats = dict(re.findall(r"stat::(\w+):\s*(\d+)", out))
    done = re.findall(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", out)
    last = re.findall(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", out)
    execs, cov, ft, corp, corp_size = (done or last or [("?",) * 5])[-1]
    execs = stats.get("number_of_executed_units", execs)
    crashed = [line for line in out.splitlines() if "ERROR: libFuzzer" in line or "Uncaught Python exception" in line
               or line.startswith("==") and "ERROR" in line]
    findings = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]

    import repair  # noqa: E402 - after the child: only for the version line

    rate = f"{int(execs) / wall:,.0f}" if str(execs).isdigit() and wall else "?"
    lines = [
        f"`python benchmarks/fuzz_atheris.py --time {args.time}` with atheris {atheris_version()} "
        f"(libFuzzer, the engine's modules instrumented), {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}: "
        f"{wall:.0f} s, {int(execs) if str(execs).isdigit() else execs:,} executions ({rate}/s, each "
        f"checking the laws with three repair calls), coverage {cov} edges / {ft} features, corpus "
        f"{corp} inputs ({corp_size}) grown from {seeds} fixture texts, libFuzzer exit code {proc.returncode}.",
        "",
    ]
    if crashed:
        lines += ["libFuzzer stopped on:", "", "```", *crashed[:10], "```", ""]
    if findings:
        lines += [f"{len(findings)} broken law(s), first input of each kind and place:", ""]
        for f in findings:
            text = f["text"] if not f["bytes"] else f["text"].encode("latin-1")
            lines += [f"- {f['kind']}" + (f" at {f['where']}" if f["where"] else "") + f": {f['detail'][:300]}",
                      f"  input ({'bytes' if f['bytes'] else 'text'}, {len(text)}): `{repr(text)[:300]}`"
                      + (f" with schema `{json.dumps(f['schema'])}`" if f.get("schema") else "")]
    else:
        lines.append("No law was broken: no exception but RepairError, every output valid JSON and "
                     "idempotent, no input over the per-input timeout.")
    summary = {"summary": "\n".join(lines), "executions": execs, "seconds": round(wall, 1), "coverage": cov,
               "features": ft, "corpus": corp, "exit_code": proc.returncode, "findings": findings,
               "repair": repair.__version__}
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    print(summary["summary"], file=sys.stderr)
    print(f"libFuzzer log and artifacts: {work}", file=sys.stderr)
    return 0 if not findings and not crashed else 1


def atheris_version() -> str:
    try:
        from importlib.metadata import version

        return version("atheris")
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    sys.exit(main())
