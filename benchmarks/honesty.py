"""Honesty: is every word of the input that is missing from the repaired value covered by
a step that says so?

A word (a run of letters and digits) of the raw text that does not appear in the repaired
value must appear in the `found` of a step that is either lossy (the repair may have
dropped data) or, by the policy, not data at all: prose around the value, a comment, a
reasoning block, a fence or tag, a literal or number spelling. A document is honest when
every missing word is covered. Reports the share of honest documents per damage kind.

    python benchmarks/honesty.py [--n 400] [--seed 1] [--show 5]

The documents are generated from tests/corruption.py values with heavy damage (several
defects at once: deleted quotes, commas, brackets, stray closers and words, a repeated
fragment, a cut at a random point), and the shared-style heavy cases in
tests/heavy_cases.py when present.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from honesty_check import corpus, honest  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=0, help="print this many dishonest documents")
    args = ap.parse_args(argv)
    by_kind: dict[str, list[int]] = {}
    shown = 0
    total = good = 0
    for kind, text in corpus(args.n, args.seed):
        ok, uncovered = honest(text)
        for k in kind.split("+"):
            by_kind.setdefault(k, [0, 0])
            by_kind[k][0] += ok
            by_kind[k][1] += 1
        total += 1
        good += ok
        if not ok and shown < args.show:
            shown += 1
            print(f"--- {kind}: uncovered {sorted(uncovered)[:8]}\n{text[:300]!r}\n")
    print(f"honest: {good}/{total} = {100 * good / total:.1f}%")
    for k, (ok, n) in sorted(by_kind.items()):
        print(f"  {k:16s} {ok}/{n} = {100 * ok / n:.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
