"""The index's writer lock, and worker processes that never outlive their command.

One `wire reindex`, `add`, `import` or `check --repair` writes at a time. The
lock is an flock on INDEX/LOCK, which the kernel releases when its holder dies,
so a killed writer never blocks the next one; the file names the holder (pid and
command) so a waiting writer can say what it waits for, and a writer taking over
from one that died says so.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .search import SearchError

# How long a writer waits for another to finish, unless told otherwise (--wait).
DEFAULT_WAIT_SECONDS = 60.0

LOCK_FILE = "LOCK"
POLL_SECONDS = 0.1
# Linux prctl option: the kernel signals a process when the thread that forked it dies.
PR_SET_PDEATHSIG = 1

Notify = Callable[[str], None]


class IndexBusyError(SearchError):
    """Another writer held the index for longer than we were asked to wait."""


def holder_of(lock_path: Path) -> str:
    """Who the lock file says holds the lock: "`wire add` (pid 123)", or ""."""
    try:
        text = lock_path.read_text(errors="replace").strip()
    except OSError:
        return ""
    pid, _, command = text.partition(" ")
    return f"`{command or 'wire'}` (pid {pid})" if pid.isdigit() else ""


def is_running(pid: int) -> bool:
    """True when a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def command_name() -> str:
    """This process's command as a person typed it: "wire import"."""
    args = [Path(sys.argv[0]).name, *(a for a in sys.argv[1:2] if not a.startswith("-"))]
    return " ".join(args) or "wire"


@contextmanager
def index_lock(index_dir: Path, *, wait: float = 0.0, notify: Notify | None = None) -> Iterator[None]:
    """Hold the index's writer lock, waiting up to `wait` seconds for it.

    `notify` gets one line when this has to wait and when it takes over the lock
    of a writer that died.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir / LOCK_FILE
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, lock_path, wait, notify)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # released cleanly: nobody to take over from
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_locked(index_dir: Path) -> bool:
    """True while a writer holds the index (a probe: it may change at once)."""
    try:
        fd = os.open(index_dir / LOCK_FILE, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _acquire(fd: int, lock_path: Path, wait: float, notify: Notify | None) -> None:
    deadline = time.monotonic() + wait
    waiting = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = holder_of(lock_path) or "another writer"
            if time.monotonic() >= deadline:
                hint = "" if wait else " (use --wait SECONDS to wait for it)"
                raise IndexBusyError(f"{lock_path.parent} is busy: {holder} is writing to it{hint}") from None
            if not waiting and notify:
                notify(f"waiting for {holder} to finish (up to {wait:.0f} s)...")
            waiting = True
            time.sleep(POLL_SECONDS)
    previous = holder_of(lock_path)
    if previous and notify:
        # A clean release empties the file, so a name left in it is a writer that died.
        notify(f"took over the index lock from {previous}, which stopped without releasing it")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {command_name()}\n".encode(), 0)


_forking_pid = 0


def _note_forking_pid() -> None:
    global _forking_pid
    _forking_pid = os.getpid()


def _die_with_parent() -> None:
    """In a forked worker: be killed when the process that forked it dies.

    Whoosh's multi-process writer forks workers that inherit the lock; after a
    kill -9 of the command they lived on, parented to init, holding it.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: nothing to set
        return
    if os.getppid() != _forking_pid:  # the parent died before prctl took effect
        os._exit(1)


os.register_at_fork(before=_note_forking_pid, after_in_child=_die_with_parent)
