"""Watching the processes a test starts: their Java children, whether a pid is alive, and a
record of every JVM seen, to prove none outlives its owner."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def children(pid: int, command: str = "java") -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=,ppid=,comm=", "-e"], capture_output=True, text=True)
    return [
        int(p)
        for p, ppid, comm in (line.split(None, 2) for line in out.stdout.splitlines())
        if int(ppid) == pid and comm.strip() == command
    ]


def serving(directory: Path, module: str) -> list[int]:
    """The processes running ``python -m module`` for the daemon directory ``directory``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if module.encode() in cmdline and str(directory).encode() in cmdline:
            found.append(int(proc.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose: it holds no memory and serves nothing.
    stat = Path(f"/proc/{pid}/stat")
    state = stat.read_text().rsplit(")", 1)[1].split()[0] if stat.exists() else "Z"
    return state != "Z"


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def stdout_log(pid: int) -> Path | None:
    """The file a process's stdout goes to (a JVM's server log)."""
    try:
        target = Path(os.readlink(f"/proc/{pid}/fd/1"))
    except OSError:
        return None
    return target if target.is_file() else None


def has_checked(pid: int) -> bool:
    """Whether the LanguageTool JVM ``pid`` has answered a check (its log says so)."""
    log = stdout_log(pid)
    return log is not None and "Check done" in log.read_text(errors="replace")


class JavaWatch:
    """Every Java child a process has had while this watched it."""

    def __init__(self, parent: int) -> None:
        self.parent = parent
        self.seen: set[int] = set()

    def poll(self) -> list[int]:
        now = children(self.parent)
        self.seen.update(now)
        return now

    def until_exit(self, proc: subprocess.Popen[str], timeout: float) -> None:
        """Keep watching until ``proc`` ends (or raise TimeoutExpired)."""
        deadline = time.monotonic() + timeout
        while proc.poll() is None:
            self.poll()
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            time.sleep(0.5)

    def all_gone(self, timeout: float = 30.0) -> bool:
        return wait_for(lambda: not any(alive(p) for p in self.seen), timeout)
