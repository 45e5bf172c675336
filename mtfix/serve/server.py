"""Running the server: bind, warm up, serve with uvicorn, and stop everything on the way out.

The socket is bound before anything loads, so a port in use fails in a second. LanguageTool and
the model are loaded before the first request is accepted (:meth:`Engine.start`, in the main
thread). uvicorn turns Ctrl-C and SIGTERM into a graceful shutdown (requests in flight get
``GRACE_S`` seconds); the process then exits 130 or 143, and the ``finally`` here always stops
the model worker and the LanguageTool JVM (which, as a last guard, also dies with this process: see
:mod:`mtfix.languagetool.server`).
"""

from __future__ import annotations

import contextlib
import errno
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from mtfix.core import UnavailableError
from mtfix.pipeline import CleanResult
from mtfix.serve.app import create_app
from mtfix.serve.engine import Engine, ServeSettings
from mtfix.serve.review import OpenedFile, PostEditLog, Reviews

DEFAULT_PORT = 8081
DEFAULT_HOST = "127.0.0.1"
GRACE_S = 5


@dataclass(frozen=True)
class Listen:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    def url(self, port: int) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}/"


def bind(listen: Listen) -> socket.socket:
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((listen.host, listen.port))
    except OSError as exc:
        sock.close()
        why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
        raise UnavailableError(
            f"port {listen.port} on {listen.host} {why}: choose another with --port"
        ) from None
    sock.listen(128)
    return sock


def wait_until_serving(proc: subprocess.Popen[Any], url: str, timeout: float) -> None:
    """Wait for a server started as ``proc`` (a test's, a benchmark's) to answer at ``url``; it
    accepts connections while it warms up, so a check may also time out before it answers. An
    UnavailableError, with the process's last words, if it exits first or stays silent past
    ``timeout`` seconds (it is then killed)."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = proc.stderr.read() if proc.stderr else ""
            said = said.decode(errors="replace") if isinstance(said, bytes) else said
            raise UnavailableError(f"the server exited with {proc.returncode}: {said.strip()}")
        try:
            if requests.get(f"{url}/v2/healthcheck", timeout=2).ok:
                return
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    raise UnavailableError(f"the server did not answer within {timeout:g} s")


def _terminate(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


class _Server(uvicorn.Server):
    """uvicorn's server, remembering the signal that stopped it: whether uvicorn's raising it
    again after the shutdown reaches us depends on asyncio's own Ctrl-C handling, so the exit
    status is set here."""

    stopped_by: int | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopped_by = self.stopped_by or sig
        super().handle_exit(sig, frame)


def run(
    settings: ServeSettings,
    listen: Listen,
    log: Path,
    *,
    opened: Path | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM; ``on_ready`` gets the URL once requests are answered."""
    file = OpenedFile(opened) if opened is not None else None
    sock = bind(listen)
    engine = Engine(settings)
    reviews: Reviews | None = None
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        engine.start()

        def clean(
            text: str, source: str | None, progress: Callable[[int, int], None]
        ) -> CleanResult:
            return engine.clean(engine.document(text, source), progress=progress)[0]

        reviews = Reviews(clean, PostEditLog(log), file, settings.max_text_length)
        app = create_app(engine, reviews, host=listen.host)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=GRACE_S,
        )
        if on_ready is not None:
            on_ready(listen.url(sock.getsockname()[1]))
        server = _Server(config)
        server.run(sockets=[sock])
        if server.stopped_by is not None:
            raise SystemExit(128 + server.stopped_by)
    finally:
        # Stopping is under way: a second Ctrl-C or SIGTERM must not cut the clean-up short.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        if reviews is not None:
            reviews.close()
        engine.stop()
        with contextlib.suppress(OSError):
            sock.close()
