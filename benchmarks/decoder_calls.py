#!/usr/bin/env python3
"""How often repair hands text to the stdlib's C JSON decoder, and how much of it.

    python benchmarks/decoder_calls.py            # markdown table on stdout
    python benchmarks/decoder_calls.py --verbose  # also the bindings wrapped and the calls per entry point

The engine leans on C for speed: whole texts through `JSONDecoder.decode`, well-formed
stretches through `raw_decode`, single strings through `scanstring`. A call is cheap per
character but not free (each one slices or re-reads text), and a failed attempt is wasted
work, so the number of calls and the characters handed over say how much of the input is
read in C more than once.

Counted entry points, wherever the package binds them (found by walking the attributes of
every loaded `repair` module, of the classes those modules define, and the default arguments
of their functions, so nothing here names a module of the engine):

- a `json.decoder.JSONDecoder` instance: its `decode(s)` and `raw_decode(s, idx)`;
- a method bound to such an instance (`_decode = STRICT.decode`);
- the `scanstring` function (C or Python, `json.decoder.scanstring`), `scanstring(s, end)`;
- a C scanner object (`json.scanner.c_make_scanner(...)`), called as `scan(s, idx)`;
- `json.loads`, also when reached as an attribute of the `json` module.

"Handed" counts the characters the decoder may read: len(s) - start of the call. "Read"
counts those it actually went through: to the end of the value it returned, or to the error
position of a failed call. Calls nested inside one counted call (decode calling raw_decode
on the same decoder) are not counted twice. Nothing is timed here.
"""

from __future__ import annotations

import argparse
import json
import json.decoder
import json.scanner
import sys
import types
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # always this checkout's engine

import repair  # noqa: E402

JSONDecoder = json.decoder.JSONDecoder
SCANSTRINGS = tuple(f for f in (json.decoder.scanstring, getattr(json.decoder, "c_scanstring", None),
                                json.decoder.py_scanstring) if f is not None)
SCANNER_TYPE = json.scanner.c_make_scanner if isinstance(json.scanner.c_make_scanner, type) else None
DECODER_METHODS = ("decode", "raw_decode")

# Five typical broken answers.
INPUTS = [
    ("fenced, trailing comma",
     'Here is the JSON you asked for:\n\n```json\n{\n  "name": "Ada Lovelace",\n  "email": "ada@example.com",\n'
     '  "roles": ["admin", "editor",],\n  "address": {"city": "London", "zip": "NW1 6XE",},\n'
     '  "active": true,\n  "score": 97.5,\n}\n```\n\nLet me know if you need anything else.',
     {"name": "Ada Lovelace", "email": "ada@example.com", "roles": ["admin", "editor"],
      "address": {"city": "London", "zip": "NW1 6XE"}, "active": True, "score": 97.5}),
    ("prose + Python dict",
     "Sure! Based on the document, the extracted record is {'invoice': 'INV-2041', 'paid': True, "
     "'due': None, 'lines': [{'sku': 'A-17', 'qty': 3, 'price': 9.99}, {'sku': 'B-02', 'qty': 1, "
     "'price': 120.0}], 'notes': \"customer's second order\"}. I hope this helps.",
     {"invoice": "INV-2041", "paid": True, "due": None,
      "lines": [{"sku": "A-17", "qty": 3, "price": 9.99}, {"sku": "B-02", "qty": 1, "price": 120.0}],
      "notes": "customer's second order"}),
    ("truncated object",
     '{"id": 7, "title": "Quarterly report", "tags": ["finance", "q3"], "items": [{"sku": "A1", '
     '"qty": 2, "desc": "Widget, large"}, {"sku": "B2", "qty": 5, "desc": "Gadget"}, {"sku": "C3", '
     '"qty": 1, "desc": "Spare parts, boxed',
     {"id": 7, "title": "Quarterly report", "tags": ["finance", "q3"],
      "items": [{"sku": "A1", "qty": 2, "desc": "Widget, large"}, {"sku": "B2", "qty": 5, "desc": "Gadget"},
                {"sku": "C3", "qty": 1, "desc": "Spare parts, boxed"}]}),
    ("<think> + missing comma",
     "<think>\nThe user wants the meeting as JSON. Date first, then the attendees.\n"
     "I should not forget the room.\n</think>\n\n"
     '{\n  "meeting": "Design review",\n  "date": "2024-05-02"\n  "attendees": ["Mei", "José", "Søren"],\n'
     '  "room": {"name": "Blue", "floor": 3}\n  "duration_min": 45\n}',
     {"meeting": "Design review", "date": "2024-05-02", "attendees": ["Mei", "José", "Søren"],
      "room": {"name": "Blue", "floor": 3}, "duration_min": 45}),
    ("[CONTENT] + comments",
     '## Output\n[CONTENT]\n{\n  // the product requirement\n  "Original Requirements": "A CLI todo app",\n'
     '  "Product Goals": ["fast", "simple"], /* keep it short */\n  "Competitive Analysis": [\n'
     '    "Todoist: polished",  // market leader\n    "Taskwarrior: powerful"\n  ],\n'
     '  "Requirement Pool": [["P0", "add tasks"], ["P1", "due dates"]]\n}\n[/CONTENT]',
     {"Original Requirements": "A CLI todo app", "Product Goals": ["fast", "simple"],
      "Competitive Analysis": ["Todoist: polished", "Taskwarrior: powerful"],
      "Requirement Pool": [["P0", "add tasks"], ["P1", "due dates"]]}),
]


class Tally:
    """Calls, characters handed and characters read, per entry point; a depth counter keeps
    calls nested in a counted call (decode -> raw_decode) from being counted again."""

    def __init__(self):
        self.calls, self.handed, self.read = Counter(), Counter(), Counter()
        self.depth = 0

    def run(self, entry, fn, s, start, args, kwargs, end_of):
        outer = self.depth == 0
        if outer:
            self.calls[entry] += 1
            self.handed[entry] += max(0, len(s) - start)
        self.depth += 1
        try:
            result = fn(*args, **kwargs)
        except ValueError as exc:  # JSONDecodeError: read up to its position
            if outer:
                self.read[entry] += max(0, getattr(exc, "pos", start) - start)
            raise
        except StopIteration as exc:  # the C scanner's "no value here"
            if outer:
                self.read[entry] += max(0, (exc.value if isinstance(exc.value, int) else start) - start)
            raise
        finally:
            self.depth -= 1
        if outer:
            self.read[entry] += max(0, end_of(result, s) - start)
        return result

    def reset(self):
        self.calls.clear()
        self.handed.clear()
        self.read.clear()


TALLY = Tally()


def _end_of_pair(result, s):
    return result[1]


def _end_of_text(result, s):
    return len(s)


def wrap_method(bound, entry):
    """A counting stand-in for decoder.decode or decoder.raw_decode, bound or not."""
    if bound.__func__ is JSONDecoder.raw_decode or getattr(bound, "__name__", "") == "raw_decode":
        def raw_decode(s, idx=0, *rest, **kw):
            return TALLY.run(entry, bound, s, idx, (s, idx) + rest, kw, _end_of_pair)
        return raw_decode

    def decode(s, *rest, **kw):
        return TALLY.run(entry, bound, s, 0, (s,) + rest, kw, _end_of_text)
    return decode


class CountingDecoder:
    """Stands in for a JSONDecoder instance: decode and raw_decode are counted, everything
    else is the real decoder's."""

    def __init__(self, inner, entry):
        self._inner = inner
        self.decode = wrap_method(inner.decode, entry + ".decode")
        self.raw_decode = wrap_method(inner.raw_decode, entry + ".raw_decode")

    def __getattr__(self, name):
        return getattr(self._inner, name)


def wrap_scanstring(fn, entry):
    def scanstring(s, end, *rest, **kw):
        return TALLY.run(entry, fn, s, end, (s, end) + rest, kw, _end_of_pair)
    return scanstring


def wrap_scanner(scanner, entry):
    def scan(s, idx, *rest, **kw):
        return TALLY.run(entry, scanner, s, idx, (s, idx) + rest, kw, _end_of_pair)
    return scan


def wrap_loads(fn, entry):
    def loads(s, *rest, **kw):
        return TALLY.run(entry, fn, s, 0, (s,) + rest, kw, _end_of_text)
    return loads


ORIGINAL_LOADS = json.loads


def stand_in(obj, entry):
    """A counting stand-in for `obj` when it is a decoder entry point, else None."""
    if isinstance(obj, JSONDecoder):
        return CountingDecoder(obj, entry)
    if (isinstance(obj, types.MethodType) and isinstance(obj.__self__, JSONDecoder)
            and obj.__func__.__name__ in DECODER_METHODS):
        return wrap_method(obj, entry)
    if any(obj is f for f in SCANSTRINGS):
        return wrap_scanstring(obj, entry)
    if SCANNER_TYPE is not None and isinstance(obj, SCANNER_TYPE):
        return wrap_scanner(obj, entry)
    if obj is ORIGINAL_LOADS:
        return wrap_loads(obj, entry)
    return None


def engine_modules():
    return sorted((name, mod) for name, mod in list(sys.modules.items())
                  if isinstance(mod, types.ModuleType) and (name == "repair" or name.startswith("repair.")))


def patch():
    """Replace every decoder entry point bound in the loaded repair modules (module
    attributes, attributes of the classes they define, default arguments of their
    functions) and json.loads itself. Returns (undo callables, names of what was wrapped)."""
    undo, wrapped = [], []

    def swap(holder, attr, obj, label):
        new = stand_in(obj, label)
        if new is None:
            return
        setattr(holder, attr, new)
        undo.append(lambda: setattr(holder, attr, obj))
        wrapped.append(label)

    swap(json, "loads", json.loads, "json.loads")
    for name, mod in engine_modules():
        for attr, obj in list(vars(mod).items()):
            swap(mod, attr, obj, f"{name}.{attr}")
            if isinstance(obj, type) and obj.__module__ == name:
                for cattr, cobj in list(vars(obj).items()):
                    swap(obj, cattr, cobj, f"{name}.{attr}.{cattr}")
            if isinstance(obj, types.FunctionType) and obj.__module__ == name:
                for slot in ("__defaults__", "__kwdefaults__"):
                    old = getattr(obj, slot)
                    if not old:
                        continue
                    items = old.items() if isinstance(old, dict) else enumerate(old)
                    new = {k: stand_in(v, f"{name}.{attr}({k})") or v for k, v in items}
                    if any(new[k] is not v for k, v in items):
                        setattr(obj, slot, new if isinstance(old, dict) else tuple(new[i] for i in range(len(old))))
                        undo.append(lambda obj=obj, slot=slot, old=old: setattr(obj, slot, old))
                        wrapped.append(f"{name}.{attr} ({slot})")
    return undo, wrapped


def table(headers, rows):
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
                     + [line(r) for r in cells[1:]])


def same(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and type(a) is type(b)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list the wrapped bindings and calls per entry point")
    args = parser.parse_args(argv)

    for _, text, _ in INPUTS:  # warm-up: lazily imported modules are loaded before the walk
        repair.loads(text)
    undo, wrapped = patch()
    if wrapped == ["json.loads"]:
        print("note: no decoder entry point found in the repair modules; only json.loads is counted", file=sys.stderr)
    rows, per_entry, total = [], [], Counter()
    try:
        for name, text, expected in INPUTS:
            TALLY.reset()
            try:
                value = repair.loads(text)
                right = "yes" if same(value, expected) else "**no**"
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                right = f"raised {type(exc).__name__}"
            calls, handed, read = sum(TALLY.calls.values()), sum(TALLY.handed.values()), sum(TALLY.read.values())
            size = len(text.encode("utf-8"))
            total.update(bytes=size, calls=calls, handed=handed, read=read)
            rows.append([name, size, calls, handed, f"{handed / size:.2f}", read, f"{read / size:.2f}", right])
            per_entry.append([name, ", ".join(f"{e.removeprefix('repair.')} {c}" for e, c in sorted(TALLY.calls.items()))
                              or "none"])
    finally:
        for u in reversed(undo):
            u()
    rows.append(["**all**", total["bytes"], total["calls"], total["handed"], f"{total['handed'] / total['bytes']:.2f}",
                 total["read"], f"{total['read'] / total['bytes']:.2f}", ""])
    print(table(["input", "bytes", "C-decoder calls", "chars handed", "handed / bytes", "chars read",
                 "read / bytes", "value right"], rows))
    if args.verbose:
        print("\nCalls per entry point (binding.method):\n")
        print(table(["input", "calls"], per_entry))
        print("\nWrapped bindings: " + ", ".join(wrapped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
