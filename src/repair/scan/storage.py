"""Where a scan's inputs live: local paths, globs, and fsspec URLs (`s3://`, `gs://`,
`https://`, `memory://`, ...).

`expand(paths)` turns what the user gave into the inputs to read, in order: a glob
(`logs/*.gz`, `s3://bucket/2024-*/app.log*`) becomes its matches, sorted; anything else
stays as it is. `open_raw(path)` opens one input's bytes, as they are stored: the scan
detects compression from the first bytes itself (`inputs.py`), so a `.gz` object in a
bucket is read exactly as a local one. `size_of(path)` is its stored size when the storage
says (byte ranges need it).

Local paths and `file://` URLs need nothing more; other URLs need fsspec and the package of
their protocol (s3fs, gcsfs, aiohttp for http), all optional: `pip install 'repair[cloud]'`.
Without them the input is refused with a message that says so, like any unreadable input.
"""

from __future__ import annotations

import errno
import glob
import os
import re
from urllib.parse import unquote, urlsplit

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Iterable

EXTRA = "pip install 'repair[cloud]'"
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_GLOB = re.compile(r"[*?[]")


class StorageError(OSError):
    """An input whose storage cannot be reached from here (a missing optional package)."""


def protocol(path: str) -> str | None:
    """"s3", "https", "file", ... for a URL; None for a local path (or `-`)."""
    match = _URL.match(path)
    return match.group(1).lower() if match else None


def _local(path: str) -> str | None:
    """The local path of a local path or a `file://` URL; None for other URLs."""
    proto = protocol(path)
    if proto is None:
        return path
    if proto == "file":
        parts = urlsplit(path)
        return unquote(parts.path) if parts.netloc in ("", "localhost") else None
    return None


def _fsspec() -> Any:  # the fsspec module (no type hints: Any)
    try:
        import fsspec
    except ImportError:
        raise StorageError(errno.EINVAL, f"reading URLs needs fsspec, which is not installed: {EXTRA}") from None
    return fsspec


def filesystem(path: str) -> tuple[Any, str]:
    """(fsspec filesystem, path within it) for a URL that is not local."""
    fsspec = _fsspec()
    try:
        return fsspec.core.url_to_fs(path)  # type: ignore[no-any-return]  # (fsspec has no type hints: it is (fs, path))
    except ImportError as exc:  # the protocol's own package (s3fs, gcsfs, aiohttp) is missing
        raise StorageError(errno.EINVAL, f"{exc} ({EXTRA} installs the usual ones)") from None
    except ValueError as exc:  # an unknown protocol
        raise StorageError(errno.EINVAL, f"{exc}") from None


def _is_glob(path: str) -> bool:
    # an http(s) URL's `?` starts its query: such URLs are never globs
    return protocol(path) not in ("http", "https") and _GLOB.search(path) is not None


def expand(paths: Iterable[str]) -> list[str]:
    """The inputs `paths` name, in order; each glob replaced by its matches, sorted. A glob
    that matches nothing stays as it is (reading it then says so); a URL whose storage
    cannot be reached stays too (reading it says why)."""
    out = []
    for path in paths:
        if path == "-" or not _is_glob(path):
            out.append(path)
            continue
        local = _local(path)
        if local is not None:
            found = sorted(glob.glob(local, recursive=True))
            prefix = "file://" if protocol(path) == "file" else ""
            found = [prefix + p for p in found if os.path.isfile(p)]
        else:
            try:
                fs, inner = filesystem(path)
                found = [fs.unstrip_protocol(p) for p in sorted(fs.glob(inner)) if fs.isfile(p)]
            except Exception:  # noqa: BLE001 - unreachable storage: reading the pattern says why
                found = []
        if found:
            out.extend(found)
        else:
            out.append(path)
    return out


def open_raw(path: str) -> BinaryIO:
    """A binary file object over the stored bytes of `path` (OSError when it cannot be
    read; StorageError when this machine lacks what its URL needs)."""
    local = _local(path)
    if local is not None:
        if _is_glob(path) and not os.path.exists(local):
            raise FileNotFoundError(errno.ENOENT, "no file matches this pattern")
        return open(local, "rb")
    fs, inner = filesystem(path)
    if _is_glob(path) and not fs.exists(inner):
        raise FileNotFoundError(errno.ENOENT, "no file matches this pattern")
    try:
        return fs.open(inner, "rb")  # type: ignore[no-any-return]  # (fsspec has no type hints: a binary file)
    except ImportError as exc:
        raise StorageError(errno.EINVAL, f"{exc} ({EXTRA} installs the usual ones)") from None


def size_of(path: str) -> int | None:
    """The stored size of `path` in bytes, or None when the storage does not say."""
    local = _local(path)
    if local is not None:
        return os.path.getsize(local)
    fs, inner = filesystem(path)
    try:
        size = fs.size(inner)
    except (OSError, ValueError, NotImplementedError):
        return None
    return int(size) if size is not None else None
