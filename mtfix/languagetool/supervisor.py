"""A stable loopback URL in front of a LanguageTool server that is kept alive.

The supervisor is a small HTTP proxy (the standard library's threading HTTP server) that forwards
LanguageTool's API (``/v2/...``) to the JVM it owns, and a supervision thread that

- starts the JVM (in that one long-lived thread: the parent-death signal is tied to the thread
  that forks, so a JVM forked by a short-lived thread would die with it);
- replaces it when it exits, or hangs: a request that failed or timed out, or a periodic health
  check, triggers a probe, and :data:`PROBE_FAILURES` failed probes in a row mean it is hung;
- recycles it on schedule, after ``recycle_requests`` checks or once its resident memory passes
  the ceiling (long-running LanguageTool servers grow), by starting the new JVM first, warming it
  with the last request's settings, switching to it and letting the old one finish its requests,
  so clients never wait for a recycle;
- with an idle timeout (the daemon), stops everything once no request came for that long.

A request whose JVM dies under it (connection refused or reset) waits for the replacement and is
sent again, up to ``retries`` times with a growing pause; one that gets no answer within the
request timeout (``X-Mtfix-Timeout``, else ``settings.timeout``) is answered 504 rather than
retried: LanguageTool's slow cases come from the text, so a retry would only double the wait,
and the next request goes to a replaced server if this one is hung. Errors come back as one line
of text: 503 LanguageTool cannot be started, 502 the server died on the request too often, 504 it
timed out.

Every worker of a batch, and every CLI call that uses the daemon, talks to the same URL whatever
happened to the JVMs behind it: that is how they all see the restarted server.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from mtfix.languagetool import LANGUAGETOOL_VERSION, LanguageToolError, http
from mtfix.languagetool.cds import WARM_UP_TEXT
from mtfix.languagetool.http import STATUS_PATH
from mtfix.languagetool.install import find_java, require_jars
from mtfix.languagetool.jvm import LanguageToolServer
from mtfix.languagetool.settings import MIB, LanguageToolSettings, java_size

STOP_PATH = "/mtfix/stop"
TIMEOUT_HEADER = "X-Mtfix-Timeout"
CHECK_PATH = "/v2/check"
# Health checks: every PROBE_INTERVAL_S, each allowed PROBE_TIMEOUT_S; PROBE_FAILURES in a row
# (about 20 s) mean the JVM is hung, not just busy.
PROBE_INTERVAL_S = 2.0
PROBE_TIMEOUT_S = 5.0
PROBE_FAILURES = 3
# The pause before a retry, doubled each time.
BACKOFF_S = 0.5
# A recycle whose new JVM would not start is tried again this much later.
RECYCLE_RETRY_S = 60.0
_TICK_S = 0.5
_EVENTS_KEPT = 50


@dataclass
class _Backend:
    server: LanguageToolServer
    generation: int
    in_flight: int = 0
    requests: int = 0
    probe_failures: int = 0
    last_probe: float = field(default_factory=time.monotonic)
    probe_now: bool = False
    retired_at: float = 0.0


class _Unavailable(Exception):
    pass


class Supervisor:
    """Owns one LanguageTool JVM at a time behind :attr:`url`; a context manager."""

    def __init__(
        self,
        settings: LanguageToolSettings | None = None,
        *,
        port: int = 0,
        idle_timeout: float = 0.0,
        stoppable: bool = False,
        exit_on_failure: bool = False,
        version: str = LANGUAGETOOL_VERSION,
    ) -> None:
        self.settings = settings or LanguageToolSettings.from_env()
        self.version = version
        # Stop after this long without a request (0: never): the daemon's idle timeout.
        self.idle_timeout = idle_timeout
        # Whether POST /mtfix/stop may stop it (the daemon's `mtfix daemon stop`).
        self.stoppable = stoppable
        # Stop, rather than answer 503 for ever, once LanguageTool cannot start (the daemon:
        # the next CLI call then starts one and reports the cause itself).
        self.exit_on_failure = exit_on_failure
        self._requested_port = port
        self._cond = threading.Condition()
        self._current: _Backend | None = None
        self._retired: list[_Backend] = []
        self._starting: LanguageToolServer | None = None
        self._generation = 0
        self._failed: str | None = None
        self._start_failures = 0
        self._restarts = 0
        self._recycles = 0
        self._requests = 0
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._last_request_at: float | None = None
        self._next_recycle = 0.0
        self._last_params: dict[str, str] | None = None
        self._events: deque[dict[str, Any]] = deque(maxlen=_EVENTS_KEPT)
        self._closing = threading.Event()
        self._wake = threading.Event()
        self._exit_reason = ""
        self._http: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self.started_at = time.time()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Supervisor:
        """Listen at once and start the JVM in the background; a missing Java or missing jars
        fail here, in the caller, rather than in the first request."""
        find_java()
        require_jars(self.version)
        self._http = _ProxyServer(("127.0.0.1", self._requested_port), self)
        self._threads = [
            threading.Thread(target=self._supervise, name="mtfix-lt-supervisor", daemon=True),
            # A short poll: close() waits for it, at the exit of every command.
            threading.Thread(
                target=self._http.serve_forever, args=(0.05,), name="mtfix-lt-proxy", daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()
        return self

    @property
    def port(self) -> int:
        if self._http is None:
            raise LanguageToolError("the LanguageTool supervisor is not running")
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def java_pid(self) -> int | None:
        with self._cond:
            return self._current.server.pid if self._current is not None else None

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until a JVM answers (or raise why none will)."""
        limit = timeout if timeout is not None else self.settings.startup_timeout * 2
        deadline = time.monotonic() + limit
        with self._cond:
            while self._current is None:
                if self._failed is not None:
                    raise LanguageToolError(self._failed)
                if self._closing.is_set():
                    raise LanguageToolError("the LanguageTool supervisor was stopped")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LanguageToolError(f"LanguageTool did not start within {limit:g}s")
                self._cond.wait(min(remaining, 1.0))

    def close(self) -> None:
        """Stop the proxy and every JVM; safe to call twice, from any thread."""
        self._closing.set()
        self._wake.set()
        with self._cond:
            starting = self._starting
            self._cond.notify_all()
        if starting is not None:
            starting.stop(grace=0)
        supervisor = self._threads[0] if self._threads else None
        if supervisor is not None and supervisor is not threading.current_thread():
            supervisor.join(timeout=30)
        self._stop_all()
        if self._http is not None:
            with contextlib.suppress(Exception):
                self._http.shutdown()
            self._http.server_close()

    def request_stop(self, reason: str) -> None:
        """Ask the supervision thread to stop everything (from a signal handler, a request)."""
        if not self._exit_reason:
            self._exit_reason = reason
        self._closing.set()
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._closing.is_set()

    @property
    def exit_reason(self) -> str:
        return self._exit_reason

    def wait_stopping(self, timeout: float | None = None) -> bool:
        """Block until the supervisor is stopping (idle, a stop request, a failure)."""
        return self._closing.wait(timeout)

    def __enter__(self) -> Supervisor:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- what the status endpoint reports ------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        with self._cond:
            current = self._current
            now = time.monotonic()
            return {
                "supervisor": True,
                "pid": os.getpid(),
                "version": self.version,
                "url": self.url if self._http is not None else None,
                "ready": current is not None,
                "failed": self._failed,
                "stopping": self._closing.is_set(),
                "java_pid": current.server.pid if current is not None else None,
                "cds": current.server.cds if current is not None else None,
                "generation": self._generation,
                "requests": self._requests,
                "in_flight": self._in_flight,
                "restarts": self._restarts,
                "recycles": self._recycles,
                "rss_bytes": current.server.rss() if current is not None else 0,
                "heap_bytes": self.settings.heap,
                "heap": java_size(self.settings.heap),
                "rss_ceiling_bytes": self.settings.rss_ceiling,
                "timeout_s": self.settings.timeout,
                "retries": self.settings.retries,
                "startup_timeout_s": self.settings.startup_timeout,
                "recycle_requests": self.settings.recycle_requests,
                "idle_timeout_s": self.idle_timeout,
                "idle_s": round(now - self._last_activity, 1),
                "uptime_s": round(time.time() - self.started_at, 1),
                "events": list(self._events),
            }

    def _event(self, kind: str, reason: str) -> None:
        self._events.append({"at": round(time.time(), 3), "kind": kind, "reason": reason})

    # -- the supervision thread ----------------------------------------------------------------

    def _supervise(self) -> None:
        try:
            while not self._closing.is_set():
                self._tick()
                self._wake.wait(_TICK_S)
                self._wake.clear()
        except Exception as exc:  # a bug here must not leave a JVM nobody watches
            self._exit_reason = f"supervisor failed: {type(exc).__name__}: {exc}"
            with self._cond:
                self._failed = self._exit_reason
                self._cond.notify_all()
        finally:
            self._closing.set()
            self._stop_all()

    def _tick(self) -> None:
        with self._cond:
            current, failed = self._current, self._failed
        if current is None:
            if failed is None:
                self._start_backend()
            return
        returncode = current.server.returncode
        if returncode is not None:
            self._replace(current, f"the JVM exited with code {returncode}")
            return
        now = time.monotonic()
        if current.probe_now or now - current.last_probe >= PROBE_INTERVAL_S:
            current.last_probe, current.probe_now = now, False
            if current.server.healthy(PROBE_TIMEOUT_S):
                current.probe_failures = 0
            else:
                current.probe_failures += 1
                if current.probe_failures >= PROBE_FAILURES:
                    self._replace(current, f"hung: {PROBE_FAILURES} health checks unanswered")
                    return
        self._maybe_recycle(current, now)
        self._reap(now)
        self._maybe_idle(now)

    def _maybe_recycle(self, current: _Backend, now: float) -> None:
        if now < self._next_recycle:
            return
        settings = self.settings
        if settings.recycle_requests and current.requests >= settings.recycle_requests:
            self._recycle(current, f"after {current.requests} requests")
            return
        rss = current.server.rss()
        if rss > settings.rss_ceiling:
            self._recycle(
                current,
                f"resident memory {rss // MIB} MiB over the {settings.rss_ceiling // MIB} MiB "
                "ceiling",
            )

    def _maybe_idle(self, now: float) -> None:
        if not self.idle_timeout:
            return
        with self._cond:
            idle = self._in_flight == 0 and now - self._last_activity > self.idle_timeout
        if idle:
            self.request_stop(f"idle for {self.idle_timeout:g}s")

    def _launch(self) -> LanguageToolServer:
        """A new JVM, started from this thread; raises LanguageToolError."""
        server = LanguageToolServer(self.version, settings=self.settings)
        with self._cond:
            self._starting = server
        try:
            if self._closing.is_set():
                raise LanguageToolError("the LanguageTool supervisor was stopped")
            server.start()
            # Still "starting" while it warms: that first check takes seconds, and close() (at
            # the exit of a command the user interrupted) must not wait for it.
            self._warm(server)
        finally:
            with self._cond:
                self._starting = None
        if self._closing.is_set():
            server.stop(grace=0)
            raise LanguageToolError("the LanguageTool supervisor was stopped")
        return server

    def _warm(self, server: LanguageToolServer) -> None:
        """One small check with the settings clients last used, so the rules they need are
        loaded before the first of their requests arrives."""
        with self._cond:
            params = self._last_params
        if params is None:
            return
        body = urllib.parse.urlencode({**params, "text": WARM_UP_TEXT}).encode()
        with contextlib.suppress(*http.RequestFailure):
            _forward(server.url, "POST", CHECK_PATH, body, _FORM, self.settings.startup_timeout)

    def _start_backend(self) -> None:
        try:
            server = self._launch()
        except LanguageToolError as exc:
            if self._closing.is_set():
                return
            self._start_failures += 1
            self._event("start-failed", str(exc))
            if self._start_failures > self.settings.retries:
                with self._cond:
                    self._failed = str(exc)
                    self._cond.notify_all()
                if self.exit_on_failure:
                    self.request_stop(f"LanguageTool cannot start: {exc}")
            else:
                self._closing.wait(BACKOFF_S * 2**self._start_failures)
            return
        with self._cond:
            self._generation += 1
            self._current = _Backend(server, self._generation)
            self._start_failures = 0
            self._cond.notify_all()
        self._event("started", f"JVM {server.pid} ready in {server.ready_s:.1f}s")

    def _replace(self, backend: _Backend, reason: str) -> None:
        """An unplanned restart: the JVM is dead or hung; requests wait for the next one."""
        with self._cond:
            if self._current is backend:
                self._current = None
                self._restarts += 1
        self._event("restart", f"JVM {backend.server.pid}: {reason}")
        backend.server.stop(grace=0)
        self._start_backend()

    def _recycle(self, backend: _Backend, reason: str) -> None:
        """A planned replacement: the new JVM is started and warmed while the old one serves."""
        try:
            server = self._launch()
        except LanguageToolError as exc:
            self._event("recycle-failed", str(exc))
            self._next_recycle = time.monotonic() + RECYCLE_RETRY_S
            return
        with self._cond:
            self._generation += 1
            self._current = _Backend(server, self._generation)
            if backend is not None:
                backend.retired_at = time.monotonic()
                self._retired.append(backend)
            self._recycles += 1
            self._cond.notify_all()
        self._event("recycle", f"JVM {backend.server.pid} -> {server.pid}: {reason}")

    def _reap(self, now: float) -> None:
        with self._cond:
            done = [
                b
                for b in self._retired
                if b.in_flight == 0 or now - b.retired_at > self.settings.timeout + 5
            ]
            self._retired = [b for b in self._retired if b not in done]
        for backend in done:
            backend.server.stop(grace=2)

    def _stop_all(self) -> None:
        with self._cond:
            backends = [*self._retired, *([self._current] if self._current else [])]
            self._retired, self._current = [], None
            self._cond.notify_all()
        for backend in backends:
            backend.server.stop(grace=0)

    # -- what request threads call -------------------------------------------------------------

    def _acquire(self) -> _Backend:
        with self._cond:
            self._last_activity = time.monotonic()
            while self._current is None:
                if self._failed is not None:
                    raise _Unavailable(self._failed)
                if self._closing.is_set():
                    raise _Unavailable("the LanguageTool supervisor is stopping")
                self._cond.wait(1.0)
            backend = self._current
            backend.in_flight += 1
            self._in_flight += 1
            return backend

    def _release(self, backend: _Backend, *, check: bool = False) -> None:
        with self._cond:
            backend.in_flight -= 1
            self._in_flight -= 1
            self._last_activity = time.monotonic()
            if check:
                backend.requests += 1
                self._requests += 1
                self._last_request_at = time.time()

    def _suspect(self, backend: _Backend) -> None:
        """A request failed on ``backend``: probe it now rather than at the next interval."""
        backend.probe_now = True
        self._wake.set()

    def _remember(self, body: bytes) -> None:
        params = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        params.pop("text", None)
        params.pop("data", None)
        with self._cond:
            self._last_params = params

    def handle(
        self, method: str, path: str, body: bytes, content_type: str, timeout: float
    ) -> _Reply:
        """Forward one request to the current JVM, waiting out restarts and retrying."""
        check = path.split("?", 1)[0] == CHECK_PATH
        if check and method == "POST":
            self._remember(body)
        failures = 0
        while True:
            try:
                backend = self._acquire()
            except _Unavailable as exc:
                # Stopping (idle, or told to): the client may find or start another.
                retry = self._failed is None
                return _Reply.error(503, f"LanguageTool cannot be used: {exc}", retry=retry)
            try:
                reply = _forward(backend.server.url, method, path, body, content_type, timeout)
            except TimeoutError:
                self._release(backend)
                self._suspect(backend)
                return _Reply.error(
                    504,
                    f"LanguageTool did not answer within {timeout:g}s "
                    "(MTFIX_LANGUAGETOOL_TIMEOUT sets the limit)",
                )
            except http.RequestFailure as exc:
                self._release(backend)
                self._suspect(backend)
                failures += 1
                reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
                if failures > self.settings.retries:
                    return _Reply.error(
                        502,
                        f"LanguageTool failed {failures} times on one request ({reason})",
                    )
                self._closing.wait(BACKOFF_S * 2 ** (failures - 1))
                self._drop_if_dead(backend)
                continue
            self._release(backend, check=check)
            return reply

    def _drop_if_dead(self, backend: _Backend) -> None:
        """Take a JVM that died under a request out of service at once, so the retry waits for
        its replacement instead of failing on it again; the supervision thread starts that."""
        with self._cond:
            if self._current is backend and not backend.server.running:
                self._current = None
                self._restarts += 1
                self._retired.append(backend)
                self._event("restart", f"JVM {backend.server.pid} died under a request")
        self._wake.set()


_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class _Reply:
    status: int
    content_type: str
    body: bytes
    # Retry-After: 0, this supervisor is going away and another may serve the request.
    retry: bool = False

    @classmethod
    def error(cls, status: int, message: str, *, retry: bool = False) -> _Reply:
        return cls(status, "text/plain; charset=utf-8", message.encode("utf-8"), retry)


def _forward(
    url: str, method: str, path: str, body: bytes, content_type: str, timeout: float
) -> _Reply:
    headers = {"Content-Type": content_type} if body else {}
    response = http.request(method, url + path, body, headers, timeout)
    return _Reply(response.status, response.content_type or _FORM, response.body)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], supervisor: Supervisor) -> None:
        self.supervisor = supervisor
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # a request log on stderr would be noise in every CLI call

    def _send(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        if reply.retry:
            self.send_header("Retry-After", "0")
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(reply.body)

    def _timeout(self) -> float:
        default = self.server.supervisor.settings.timeout
        try:
            value = float(self.headers.get(TIMEOUT_HEADER, default))
        except ValueError:
            return default
        return value if value > 0 else default

    def _proxy(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        supervisor = self.server.supervisor
        content_type = self.headers.get("Content-Type", _FORM)
        self._send(supervisor.handle(method, self.path, body, content_type, self._timeout()))

    def do_GET(self) -> None:
        if self.path == STATUS_PATH:
            body = json.dumps(self.server.supervisor.stats()).encode()
            self._send(_Reply(200, "application/json", body))
        elif self.path.startswith("/v2/"):
            self._proxy("GET")
        else:
            self._send(_Reply.error(404, f"no such path: {self.path}"))

    def do_POST(self) -> None:
        supervisor = self.server.supervisor
        if self.path == STOP_PATH:
            if not supervisor.stoppable:
                self._send(_Reply.error(403, "this LanguageTool supervisor is not stoppable"))
                return
            self._send(_Reply(200, "text/plain", b"stopping"))
            supervisor.request_stop("stopped on request")
        elif self.path.startswith("/v2/"):
            self._proxy("POST")
        else:
            self._send(_Reply.error(404, f"no such path: {self.path}"))
