"""``flock`` locks on files: the kernel drops one when its holder dies, so a process killed with
SIGKILL leaves a lock anyone can take, and that is how a stale state file is told from a live
one (the daemons in :mod:`mtfix.languagetool.daemon` and :mod:`mtfix.cli.forkserver`)."""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def held(path: Path) -> bool:
    """Whether a live process holds the lock on ``path``."""
    try:
        with open(path, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
    except OSError:
        return False


def wait_released(path: Path, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for the lock on ``path`` to be let go; False if it is
    still held then."""
    deadline = time.monotonic() + timeout
    while held(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@contextlib.contextmanager
def exclusive(path: Path, timeout: float) -> Iterator[None]:
    """Hold the lock on ``path`` for the ``with`` block, waiting up to ``timeout`` seconds for
    it (TimeoutError after that)."""
    with open(path, "a") as handle:
        if not acquire(handle, timeout):
            raise TimeoutError(f"{path}: held by another process for {timeout:g}s")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def acquire(handle: IO[Any], timeout: float) -> bool:
    """Take the lock on an open file within ``timeout`` seconds; False if another holds it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
