"""The engine's state, explicit so that it can stop and go on: the kind of each open
container, what the machine expects next, and one `Frame` per open container.

(The cursor and the text written so far are the engine's own: `Engine.parse`.)
"""

from __future__ import annotations

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Protocol

    from ..steps import RawStep

    class Scanner(Protocol):
        """The engine as the construct functions (strings.py, numbers.py, literals.py,
        trivia.py) see it: the text, its length, the raw steps recorded so far, where a
        value must stop, and whether the innermost open container is an object that is an
        item of a list. (A Protocol: they cannot import the engine that imports them.)"""

        text: str
        n: int
        steps: list[RawStep]

        def add(self, code: str, pos: int, message: str, found: str = ..., put: str = ...) -> None: ...
        def at_end(self, pos: int) -> bool: ...
        def find_stop(self, start: int, end: int) -> int: ...
        def object_in_list(self) -> bool: ...

OBJ, ARR = 0, 1  # the kind of a container
VALUE, KEY, COLON, AFTER = 0, 1, 2, 3  # what comes next: a value, a key, its colon, or what follows a value


class Frame:
    """One open container.

    `closer` is the bracket the input should close it with (`)` for a Python tuple); the
    output always closes it as its `kind` says. `open_at` is the index of its opener in
    the output (a Python set's `{` is rewritten there), `comma_at` the output index of a
    comma not yet followed by a member (-1: none) and `comma_pos` its offset in the text.
    `key` is the pending key (None when a run read it: `key_pos` then says where).
    `items` counts the members written so far (a run of several counts once: it is
    nonzero exactly when a member was written).
    """

    __slots__ = ("kind", "closer", "open_pos", "open_at", "comma_pos", "comma_at", "key", "key_pos", "items", "fails", "colon_pos",
                 "listed", "bare_end", "key_at")

    def __init__(self, kind: int, closer: str, open_pos: int, open_at: int) -> None:
        self.kind = kind
        self.closer = closer
        self.open_pos = open_pos
        self.open_at = open_at
        self.comma_pos = -1
        self.comma_at = -1
        self.key: str | None = None
        self.key_pos = -1
        self.items = 0
        self.fails = 0  # failed attempts to read the rest of it in C
        self.colon_pos = -1  # where the pending key's colon is, when a span copied the key
        self.listed = False  # an object whose opener was `[` (`["a": 1]`): closed by `]`, it is written `[{...}]`
        self.bare_end = -1  # where the last bare word read as an item ends (items one per line)
        self.key_at = -1  # the output index of the pending key, when the engine wrote it

    def member_done(self) -> None:
        """A member (or item) is complete: no comma is pending any more."""
        self.items += 1
        self.comma_pos = self.comma_at = -1
