"""Keeping credentials out of sight: the holder that hides the API key and Basic auth from
every repr, the split of `user:password@` out of base_url, and the masking of anything
shaped like a credential in an error text."""

from __future__ import annotations

import re
from typing import Generic, TypeVar

_V = TypeVar("_V")


class _Secret(Generic[_V]):
    """Holds a credential (the API key; Basic auth's (user, password)) so that no repr,
    vars() dump or debugger shows it."""

    __slots__ = ("value",)

    def __init__(self, value: _V) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


_SECRET_SHAPES = [
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1\2***"),
    (re.compile(r"\b(sk-)[A-Za-z0-9_-]{12,}"), r"\1***"),
    (re.compile(r"(?i)\b((?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password)[\"']?\s*[:=]\s*[\"']?)"
                r"[^\s\"',;&]{6,}"), r"\1***"),
]


def _mask_secrets(text: str) -> str:
    """Mask what looks like a credential in an error text: `Bearer <token>`, `sk-...`
    keys, and `api_key=...` / `"password": "..."` style pairs. For errors whose key we do
    not hold (a callback of your own); the adapters also mask their own key exactly."""
    for pattern, replacement in _SECRET_SHAPES:
        text = pattern.sub(replacement, text)
    return text


def _split_userinfo(url: str) -> tuple[str, _Secret[tuple[str, str]] | None]:
    """(url without `user:password@`, _Secret((user, password)) or None)."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None  # httpx will say what is wrong with it
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), _Secret((unquote(user), unquote(password)))
