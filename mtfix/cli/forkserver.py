"""The Python half of the daemon: a process that has already imported and loaded what ``check``
and ``clean`` need (spaCy and its pipelines, word frequencies, the detectors) and forks a child
for each CLI call, so a call with the daemon warm pays for its own work only.

A ``mtfix check`` or ``mtfix clean`` process (:func:`forward`) hands the server its arguments,
working directory, environment and its stdin, stdout and stderr themselves (``SCM_RIGHTS``), so
the child reads and writes exactly where the call would have (a terminal's progress display
included), then waits for the child's exit status and returns it. Ctrl-C and SIGTERM are
passed on to the child. The first call with no server running starts one in the background and
does its own work meanwhile. The LanguageTool daemon (:mod:`mtfix.languagetool.daemon`) is a
separate process that the children use like any call does.

A server is used only by calls that would have run the same code the same way: the same mtfix
(its sources' sizes and times, so an edited checkout counts as another), Python, installed
packages, cache and ``MTFIX_*`` settings; any other is replaced. Its files are next to the
LanguageTool daemon's (``$MTFIX_DAEMON_DIR``): ``forkserver.lock`` (held for its life),
``forkserver.json`` (its state), ``forkserver.sock`` and ``forkserver.log``. It stops after
``MTFIX_DAEMON_IDLE`` seconds without a call (default 1800), on SIGTERM or ``mtfix daemon
stop``, letting running calls finish. ``--no-daemon`` and ``MTFIX_NO_DAEMON=1`` bypass it.

Only this module's client half runs on every call, so it imports nothing heavy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from mtfix.lockfile import acquire, held, wait_released
from mtfix.paths import cache_root, daemon_dir
from mtfix.version import __version__

COMMANDS = ("check", "clean")
NO_DAEMON_ENV = "MTFIX_NO_DAEMON"
STATE_NAME = "forkserver.json"
LOCK_NAME = "forkserver.lock"
SOCKET_NAME = "forkserver.sock"
LOG_NAME = "forkserver.log"
# A server that failed to load is not started again by every call, only after this long.
RETRY_FAILED_S = 600.0
# How long a call waits for the server to take it on before it does the work itself.
CONNECT_TIMEOUT_S = 5.0
_MODULE = "mtfix.cli.forkserver"
_PACKAGE = Path(__file__).resolve().parent.parent


class LostServer(RuntimeError):
    """The server went away while its child ran the call: its outcome is unknown."""


def wanted(argv: Sequence[str], environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether this call goes to the server: a ``check`` or ``clean`` that may use the daemon
    and is not asking for help (which is faster here than a round trip)."""
    if not argv or argv[0] not in COMMANDS:
        return False
    if environ.get(NO_DAEMON_ENV, "").strip() not in ("", "0"):
        return False
    return not any(a in ("--no-daemon", "-h", "--help") for a in argv[1:])


def identity(environ: dict[str, str] | os._Environ[str] = os.environ) -> dict[str, str]:
    """What a server must share with a call to serve it."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            info = os.stat(os.path.join(root, name))
            digest.update(f"{root}/{name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    # Installing or removing a package (a detector plug-in, a new spaCy) touches these.
    for entry in sys.path:
        if entry.endswith("-packages") and os.path.isdir(entry):
            digest.update(f"{entry}:{os.stat(entry).st_mtime_ns}\n".encode())
    settings = sorted(
        (k, v) for k, v in environ.items() if k.startswith("MTFIX_") and k != NO_DAEMON_ENV
    )
    digest.update(json.dumps(settings).encode())
    return {
        "mtfix": __version__,
        "python": sys.executable,
        "cache": str(cache_root()),
        "code": digest.hexdigest()[:16],
    }


def read_state(directory: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((directory / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and "pid" in state else None


def status(directory: Path | None = None) -> dict[str, Any] | None:
    """The running server's state, or None."""
    directory = directory or daemon_dir()
    state = read_state(directory)
    return state if _live(directory, state) else None


# -- the client: every check and clean --------------------------------------------------------


def forward(argv: Sequence[str]) -> int | None:
    """Run this call in the server and return its exit status; None when it must run here
    (not wanted, or no usable server: then one is started for the next call)."""
    if not wanted(argv):
        return None
    directory = daemon_dir()
    ours = identity()
    state = read_state(directory)
    if _serves(directory, state, ours) and all(_is_open(fd) for fd in (0, 1, 2)):
        assert state is not None
        try:
            return _call(Path(state["socket"]), argv)
        except LostServer as exc:
            print(f"mtfix: error: {exc}", file=sys.stderr)
            return 3
        except OSError:
            # It did not take the call on: this call runs here, and the next finds a new one.
            _terminate(int(state["pid"]))
            spawn(directory)
            return None
    start(directory, state, ours)
    return None


def start(
    directory: Path | None = None,
    state: dict[str, Any] | None = None,
    ours: dict[str, str] | None = None,
) -> None:
    """Start a server for calls like this one unless one is running (or failed just now);
    one of another mtfix or other settings is stopped."""
    directory = directory or daemon_dir()
    ours = ours or identity()
    state = state or read_state(directory)
    if _live(directory, state):
        assert state is not None
        if _same(state, ours):
            return
        _terminate(int(state["pid"]))
    elif _failed_recently(state, ours):
        return
    spawn(directory)


def ready(directory: Path | None = None) -> bool:
    """Whether a server for calls like this one is taking calls."""
    directory = directory or daemon_dir()
    return _serves(directory, read_state(directory), identity())


def _serves(directory: Path, state: dict[str, Any] | None, ours: dict[str, str]) -> bool:
    return _live(directory, state) and _same(state or {}, ours)


def _live(directory: Path, state: dict[str, Any] | None) -> bool:
    """``state`` is that of a server that loaded and still holds its lock."""
    return state is not None and "failed" not in state and held(directory / LOCK_NAME)


def _same(state: dict[str, Any], ours: dict[str, str]) -> bool:
    return all(state.get(k) == v for k, v in ours.items())


def _failed_recently(state: dict[str, Any] | None, ours: dict[str, str]) -> bool:
    """A server of this very code failed to load a moment ago: starting another would too."""
    if state is None or "failed" not in state or state.get("code") != ours["code"]:
        return False
    return time.time() - float(state.get("time", 0)) < RETRY_FAILED_S


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _call(path: Path, argv: Sequence[str]) -> int:
    request = {
        "argv": list(argv),
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "prog": _program_name(),
    }
    payload = json.dumps(request).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(CONNECT_TIMEOUT_S)
        sock.connect(str(path))
        socket.send_fds(sock, [len(payload).to_bytes(4, "big") + payload], [0, 1, 2])
        replies = sock.makefile("rb")
        first = replies.readline()
        if not first:
            raise OSError("the server closed the connection")
        child = int(json.loads(first)["pid"])
        sock.settimeout(None)
        previous = {sig: signal.signal(sig, _passer(child)) for sig in _PASSED}
        try:
            last = replies.readline()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if not last:
        raise LostServer(f"the mtfix daemon went away while process {child} ran this command")
    return int(json.loads(last)["exit"])


def _program_name() -> str:
    """The name click gives this program in usage lines (``python -m mtfix`` when run so)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name.endswith(".__main__"):
        return f"python -m {spec.name.removesuffix('.__main__')}"
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "mtfix"


_PASSED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _passer(child: int) -> Any:
    def pass_on(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    return pass_on


def spawn(directory: Path) -> None:
    """Start a server in the background; it exits at once if another has its lock."""
    import subprocess

    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOG_NAME, "ab") as log:
        # A session of its own: the server outlives this call and ignores its terminal's signals.
        subprocess.Popen(
            [sys.executable, "-m", _MODULE, "--dir", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd="/",
            start_new_session=True,
        )


def stop(directory: Path | None = None, timeout: float = 30.0) -> bool:
    """Stop the server (running calls finish first); False when none was running."""
    directory = directory or daemon_dir()
    state = read_state(directory)
    if state is None or not held(directory / LOCK_NAME):
        return False
    _terminate(int(state["pid"]))
    wait_released(directory / LOCK_NAME, timeout)
    return True


def _terminate(pid: int) -> None:
    from mtfix.languagetool.jvm import process_state

    try:
        ours = _MODULE in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return
    if ours:
        # A stopped (SIGSTOP) server would hold a SIGTERM pending for ever.
        stopped = process_state(pid) == "T"
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL if stopped else signal.SIGTERM)


# -- the server process ------------------------------------------------------------------------


def serve(directory: Path, idle: float) -> int:
    """The server's main: take the lock, load, then fork a child per call until idle or told
    to stop."""
    directory.mkdir(parents=True, exist_ok=True)
    lock: IO[str] = open(directory / LOCK_NAME, "a")  # noqa: SIM115 (held for the process's life)
    # A replaced server lets go once its running calls are done; a second new one gives up.
    if not acquire(lock, 10.0):
        return 0
    ours = identity()
    started = time.monotonic()
    try:
        _preload()
    except Exception as exc:
        state = {**ours, "pid": os.getpid(), "failed": f"{type(exc).__name__}: {exc}"}
        _write_state(directory, state | {"time": time.time()})
        print(f"mtfix forkserver {os.getpid()}: loading failed: {state['failed']}", flush=True)
        return 1
    path = directory / SOCKET_NAME
    server = _Server(lock, _listen(path), idle)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, server.stop)
    _write_state(
        directory,
        {
            **ours,
            "pid": os.getpid(),
            "socket": str(path),
            "started": time.time(),
            "load_s": round(time.monotonic() - started, 2),
            "idle_timeout_s": idle,
            "log": str(directory / LOG_NAME),
        },
    )
    print(f"mtfix forkserver {os.getpid()}: serving on {path}", flush=True)
    reason = server.run()
    current = read_state(directory)
    if current is not None and current.get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (directory / STATE_NAME).unlink()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    print(f"mtfix forkserver {os.getpid()}: stopped ({reason})", flush=True)
    lock.close()
    return 0


def _preload() -> None:
    """Import and load what a check or clean uses, by checking a short text with every
    detector that needs no other process."""
    import mtfix.cli.text
    import mtfix.formats.inputs
    import mtfix.render  # noqa: F401 (the commands and what they import when run)
    from mtfix.detect import DEFAULT_DETECTORS
    from mtfix.pipeline import RULES_ONLY, Pipeline, PipelineOptions

    detectors = tuple(d for d in DEFAULT_DETECTORS if d != "languagetool")
    pipeline = Pipeline(PipelineOptions(detectors=detectors, rewriters=RULES_ONLY))
    pipeline.check("Mr Smith arrived in Geneva on Monday. I will. We analyzed that the talks.")


def _listen(path: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Bound under a name of its own and renamed: a caller never meets a half-made socket.
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    listener.bind(str(temporary))
    listener.listen(16)
    os.replace(temporary, path)
    return listener


def _write_state(directory: Path, state: dict[str, Any]) -> None:
    from mtfix.io import write_text

    write_text(directory / STATE_NAME, json.dumps(state, indent=2) + "\n")


class _Server:
    """The accept loop: a child per call, its exit status sent back to the caller when it
    ends (each child is watched through a pidfd, beside the listening socket)."""

    def __init__(self, lock: IO[str], listener: socket.socket, idle: float) -> None:
        self.lock = lock
        self.listener = listener
        self.idle = idle
        self.running: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, caller)
        self.stopping: list[str] = []

    def stop(self, signum: int, frame: object) -> None:
        self.stopping.append(signal.Signals(signum).name)

    def run(self) -> str:
        """Serve until idle or stopped (running calls finish first); the reason it ended."""
        last = time.monotonic()
        while True:
            if not self.running and self.stopping:
                reason = f"signal {self.stopping[0]}"
                break
            if not self.running and time.monotonic() - last > self.idle:
                reason = f"idle for {self.idle:g}s"
                break
            waiting = [*self.running]
            if not self.stopping:
                waiting.append(self.listener.fileno())
            try:
                ready, _, _ = select.select(waiting, [], [], 1.0)
            except InterruptedError:
                continue
            for fd in ready:
                if fd in self.running:
                    self._finish(fd)
                else:
                    with contextlib.suppress(OSError):
                        self._start()
                last = time.monotonic()
        self.listener.close()
        return reason

    def _start(self) -> None:
        conn, _ = self.listener.accept()
        conn.settimeout(CONNECT_TIMEOUT_S)
        try:
            request, fds = _receive(conn)
        except (OSError, ValueError):
            conn.close()
            return
        pid = os.fork()
        if pid == 0:
            self._let_go(conn)
            _child(request, fds)
        for fd in fds:
            os.close(fd)
        self.running[os.pidfd_open(pid)] = (pid, conn)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")

    def _let_go(self, conn: socket.socket) -> None:
        """In a child: close what is the server's, its lock above all, which a child that
        outlived the server would otherwise hold for it."""
        self.lock.close()
        self.listener.close()
        conn.close()
        for pidfd, (_, caller) in self.running.items():
            os.close(pidfd)
            caller.close()

    def _finish(self, pidfd: int) -> None:
        pid, conn = self.running.pop(pidfd)
        os.close(pidfd)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        # Logged before the caller hears: whoever reads the log after a call sees it there.
        print(f"mtfix forkserver {os.getpid()}: process {pid} exited {code}", flush=True)
        with contextlib.suppress(OSError), conn:
            # A child killed by a signal exits as a shell reports it.
            answer = {"exit": code if code >= 0 else 128 - code}
            conn.sendall(json.dumps(answer).encode() + b"\n")


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    if len(fds) != 3 or len(data) < 4:
        for fd in fds:
            os.close(fd)
        raise ValueError("a request needs a length, a payload and three descriptors")
    size = int.from_bytes(data[:4], "big")
    payload = bytearray(data[4:])
    while len(payload) < size:
        chunk = conn.recv(size - len(payload))
        if not chunk:
            raise ValueError("the request was cut short")
        payload += chunk
    return json.loads(payload), fds


def _child(request: dict[str, Any], fds: list[int]) -> None:
    """Become the call: its descriptors, directory, environment and arguments; never returns."""
    code = 1
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        _reopen_standard_streams()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [request["prog"], *request["argv"]]
        code = _run_cli(request["argv"], request["prog"])
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _reopen_standard_streams() -> None:
    """Streams on the call's descriptors, buffered as Python buffers them at start-up."""
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", 1 if os.isatty(1) else -1, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", 1, encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115


def _run_cli(argv: list[str], prog: str) -> int:
    from mtfix.cli import main

    try:
        main(args=argv, prog_name=prog)
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    from mtfix.languagetool.daemon import idle_timeout

    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--idle", type=float, default=None)
    args = parser.parse_args(argv)
    return serve(args.dir or daemon_dir(), args.idle or idle_timeout())


if __name__ == "__main__":
    sys.exit(main())
