"""The stdlib's C JSON decoder, refusing NaN and Infinity.

Python's decoder accepts `NaN`, `Infinity` and `-Infinity`, which are not JSON; everywhere
the engine hands text to C (the valid-JSON fast path, the quick path, the parser's
well-formed stretches, scan's valid lines) such a constant must send the text to the
repair path instead, where it becomes null with a repair_nonfinite_number step.
"""

from __future__ import annotations

from json.decoder import JSONDecoder


class NonFinite(ValueError):
    """NaN or Infinity met by the C decoder: the text is not JSON."""


def _refuse(name: str):
    raise NonFinite(name)


STRICT = JSONDecoder(parse_constant=_refuse)
