"""One LanguageTool supervisor kept warm between CLI calls, the way build tools keep a daemon.

The daemon is a detached Python process (``python -m mtfix.languagetool.daemon run``) running a
:class:`~mtfix.languagetool.supervisor.Supervisor`, so it is supervised like any other server
(a dead or hung JVM is replaced, recycled on schedule). Its files are in
``$MTFIX_DAEMON_DIR`` (default ``$MTFIX_CACHE/daemon``):

- ``daemon.lock``: held (:mod:`mtfix.lockfile`) by the daemon for as long as it lives, which
  tells a stale ``daemon.json`` from a live one;
- ``daemon.json``: its pid, URL and versions, written once it listens;
- ``start.lock``: taken by a CLI call while it looks for a daemon and, finding none, starts one:
  two calls racing to start one end up with one;
- ``daemon.log``: the daemon's own output.

It stops after ``MTFIX_DAEMON_IDLE`` seconds without a request (default 1800), on ``mtfix daemon
stop``, or when LanguageTool cannot start at all; its JVM dies with it (parent-death signal).
A daemon of another mtfix or LanguageTool version, or for another cache, is replaced.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mtfix.io import write_text
from mtfix.languagetool import LANGUAGETOOL_VERSION, LanguageToolError
from mtfix.languagetool.http import RequestFailure, request, supervisor_status
from mtfix.languagetool.install import find_java, require_jars
from mtfix.languagetool.jvm import process_state
from mtfix.languagetool.settings import LanguageToolSettings
from mtfix.lockfile import acquire, exclusive, held, wait_released
from mtfix.paths import cache_root, daemon_dir
from mtfix.version import __version__

IDLE_ENV = "MTFIX_DAEMON_IDLE"
DEFAULT_IDLE_S = 1800.0
STATE_NAME = "daemon.json"
LOCK_NAME = "daemon.lock"
START_LOCK_NAME = "start.lock"
LOG_NAME = "daemon.log"
# A daemon process listens within a second or two of its start (its JVM starts behind it).
SPAWN_TIMEOUT_S = 30.0
_MODULE = "mtfix.languagetool.daemon"


def idle_timeout() -> float:
    raw = os.environ.get(IDLE_ENV, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_IDLE_S
    except ValueError:
        value = -1
    if value <= 0:
        raise LanguageToolError(f"{IDLE_ENV}={raw!r}: expected a number of seconds > 0")
    return value


def _identity() -> dict[str, str]:
    """What a daemon must match to be used: the same mtfix, LanguageTool and cache."""
    return {"mtfix": __version__, "version": LANGUAGETOOL_VERSION, "cache": str(cache_root())}


def read_state(directory: Path | None = None) -> dict[str, Any] | None:
    directory = directory or daemon_dir()
    try:
        state = json.loads((directory / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and "url" in state and "pid" in state else None


def _is_daemon(pid: int) -> bool:
    try:
        return _MODULE in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _usable(state: dict[str, Any] | None, directory: Path) -> bool:
    if state is None or not held(directory / LOCK_NAME):
        return False
    if any(state.get(k) != v for k, v in _identity().items()):
        return False
    answer = supervisor_status(str(state["url"]), timeout=2.0)
    if answer is None or answer.get("pid") != state["pid"]:
        return False
    return not answer.get("failed") and not answer.get("stopping")


def ensure(*, refresh: bool = False) -> str:
    """The URL of a usable daemon, starting one if there is none; ``refresh`` skips the quick
    look (the caller just failed to reach the one it knew)."""
    directory = daemon_dir()
    if not refresh and _usable(state := read_state(directory), directory):
        assert state is not None
        return str(state["url"])
    directory.mkdir(parents=True, exist_ok=True)
    settings = LanguageToolSettings.from_env()
    wait = settings.startup_timeout + SPAWN_TIMEOUT_S
    with _starting(directory / START_LOCK_NAME, wait):
        state = read_state(directory)
        if _usable(state, directory):
            assert state is not None
            return str(state["url"])
        _retire(directory, state)
        # Missing Java or jars are this call's error to report, in one line, not the daemon's.
        find_java()
        require_jars()
        return _spawn(directory)


@contextlib.contextmanager
def _starting(path: Path, timeout: float) -> Iterator[None]:
    try:
        with exclusive(path, timeout):
            yield
    except TimeoutError:
        raise LanguageToolError(
            f"{path}: another mtfix has been starting the daemon for {timeout:g}s"
        ) from None


def _retire(directory: Path, state: dict[str, Any] | None) -> None:
    """Remove what is left of a daemon that is gone, or stop one that cannot be used."""
    if state is not None and held(directory / LOCK_NAME):
        pid = int(state["pid"])
        if _is_daemon(pid):
            # A stopped (SIGSTOP) daemon would hold a SIGTERM pending for ever.
            stopped = process_state(pid) == "T"
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL if stopped else signal.SIGTERM)
            if not wait_released(directory / LOCK_NAME, 10.0):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                wait_released(directory / LOCK_NAME, 5.0)
    with contextlib.suppress(FileNotFoundError):
        (directory / STATE_NAME).unlink()


def _spawn(directory: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "MTFIX_LANGUAGETOOL_URL"}
    env.setdefault("MTFIX_CACHE", str(cache_root()))
    cmd = [sys.executable, "-m", _MODULE, "run", "--dir", str(directory)]
    cmd += ["--idle", f"{idle_timeout():g}"]
    with open(directory / LOG_NAME, "ab") as log:
        # A session of its own: the daemon outlives this call and ignores its terminal's signals.
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd="/",
            start_new_session=True,
        )
    deadline = time.monotonic() + SPAWN_TIMEOUT_S
    while time.monotonic() < deadline:
        state = read_state(directory)
        if state is not None and state.get("pid") == proc.pid:
            return str(state["url"])
        if proc.poll() is not None:
            raise LanguageToolError(
                f"the LanguageTool daemon exited with code {proc.returncode}: "
                f"{_log_tail(directory)}"
            )
        time.sleep(0.05)
    proc.kill()
    raise LanguageToolError(f"the LanguageTool daemon did not start within {SPAWN_TIMEOUT_S:g}s")


def _log_tail(directory: Path) -> str:
    try:
        lines = (directory / LOG_NAME).read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(no output)"


def status(directory: Path | None = None) -> dict[str, Any] | None:
    """The running daemon's status (see Supervisor.stats), or None."""
    directory = directory or daemon_dir()
    state = read_state(directory)
    if state is None or not held(directory / LOCK_NAME):
        return None
    answer = supervisor_status(str(state["url"]))
    return {**state, **answer, "dir": str(directory)} if answer else {**state, "answering": False}


def stop(directory: Path | None = None, timeout: float = 30.0) -> bool:
    """Stop the daemon; False when none was running."""
    from mtfix.languagetool.supervisor import STOP_PATH

    directory = directory or daemon_dir()
    state = read_state(directory)
    if state is None or not held(directory / LOCK_NAME):
        with contextlib.suppress(FileNotFoundError):
            (directory / STATE_NAME).unlink()
        return False
    with contextlib.suppress(*RequestFailure):
        request("POST", str(state["url"]) + STOP_PATH, timeout=5.0)
    if not wait_released(directory / LOCK_NAME, timeout):
        _retire(directory, state)
    with contextlib.suppress(FileNotFoundError):
        (directory / STATE_NAME).unlink()
    return True


# -- the daemon process ------------------------------------------------------------------------


def run(directory: Path, idle: float) -> int:
    """The daemon's main: hold the lock, serve until idle or stopped, clean up."""
    from mtfix.languagetool.supervisor import Supervisor

    directory.mkdir(parents=True, exist_ok=True)
    lock: IO[str] = open(directory / LOCK_NAME, "a")  # noqa: SIM115 (held for the process's life)
    if not acquire(lock, 0):
        print("mtfix daemon: another daemon holds the lock", file=sys.stderr)
        return 1
    # C1 only: a translator waits for the first answer of the day, and over the daemon's life of
    # sporadic checks C2 never paid back its compile time here (README, Reliability and limits).
    settings = LanguageToolSettings.from_env(jit="quick")
    supervisor = Supervisor(
        settings, idle_timeout=idle, stoppable=True, exit_on_failure=True
    ).start()

    def stop_now(signum: int, frame: object) -> None:
        supervisor.request_stop(f"signal {signal.Signals(signum).name}")

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop_now)
    state = {
        **_identity(),
        "pid": os.getpid(),
        "url": supervisor.url,
        "started": time.time(),
        "idle_timeout_s": idle,
        "log": str(directory / LOG_NAME),
    }
    write_text(directory / STATE_NAME, json.dumps(state, indent=2) + "\n")
    print(f"mtfix daemon {os.getpid()}: listening on {supervisor.url}", flush=True)
    while not supervisor.wait_stopping(1.0):
        pass
    supervisor.close()
    current = read_state(directory)
    if current is not None and current.get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (directory / STATE_NAME).unlink()
    print(f"mtfix daemon {os.getpid()}: stopped ({supervisor.exit_reason or 'done'})", flush=True)
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run the daemon in this process")
    run_parser.add_argument("--dir", type=Path, default=None)
    run_parser.add_argument("--idle", type=float, default=None)
    args = parser.parse_args(argv)
    return run(args.dir or daemon_dir(), args.idle or idle_timeout())


if __name__ == "__main__":
    sys.exit(main())
