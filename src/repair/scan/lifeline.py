"""Worker processes that die with their parent, whatever kills it (SIGKILL included), and
never hold its output open.

A worker forked by a process pool inherits the parent's stdout and the write ends of the
pool's own pipes, so when the parent is killed outright nothing tells the worker, and
`repair scan --jobs 2 big.log | wc -l` would wait for it forever. Three guards, each enough
where it works:

- the worker's stdout is /dev/null: its results go back through the pool, never to stdout,
  so a worker that lingers cannot keep a pipe reader waiting;
- on Linux, PR_SET_PDEATHSIG: the kernel sends the worker SIGKILL when the parent dies;
- anywhere (fork start method), a "lifeline" pipe whose write end only the parent holds: a
  thread in the worker waits on its read end, and its EOF (the parent is gone) ends the
  worker at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1


class Lifeline:
    """Made in the parent before the workers start; `arm` runs first thing in each worker."""

    def __init__(self) -> None:
        self.parent = os.getpid()
        self.read_fd, self.write_fd = os.pipe()

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def arm(self, forked: bool) -> None:
        """In the worker: the three guards (the pipe only when forked: a spawned worker
        has no copy of the parent's descriptors)."""
        _stdout_to_devnull()
        _die_with_parent_linux()
        if forked:
            os.close(self.write_fd)  # our copy: with it open we would never see EOF
            threading.Thread(target=_watch, args=(self.read_fd,), name="repair-lifeline", daemon=True).start()
        if os.getppid() != self.parent:  # the parent died before a guard was in place
            os._exit(1)


def _stdout_to_devnull() -> None:
    try:
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
    finally:
        os.close(devnull)


def _die_with_parent_linux() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc to load (a static build): the lifeline pipe remains
        pass


def _watch(fd: int) -> None:
    while True:
        try:
            if not os.read(fd, 1):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    os._exit(1)
