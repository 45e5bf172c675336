"""A local LanguageTool server whose lifetime mtfix owns.

The jars come from Maven Central (``languagetool/pom.xml``, fetched by ``make languagetool``) into
``$MTFIX_CACHE/languagetool/<version>/lib``; nothing is downloaded at run time. One server serves
every document of a process: it starts on first use on a free loopback port and stops at exit,
on SIGTERM, and on Ctrl-C. As a last guard against orphans (the parent killed with SIGKILL), the
JVM is started with the kernel's parent-death signal set, so it dies with its parent.

``MTFIX_LANGUAGETOOL_URL`` points mtfix at a server that is already running (a batch node's
shared server, a test session's), in which case mtfix starts and stops nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from mtfix.core import UnavailableError
from mtfix.languagetool import LANGUAGETOOL_VERSION
from mtfix.paths import cache_root

STARTUP_TIMEOUT_S = 90.0
_PR_SET_PDEATHSIG = 1


class LanguageToolError(UnavailableError):
    """LanguageTool cannot be used; the message says why and how to fix it."""


def jar_dir(version: str = LANGUAGETOOL_VERSION) -> Path:
    return cache_root() / "languagetool" / version / "lib"


def find_java() -> Path:
    """The java binary: ``MTFIX_JAVA``, then ``$JAVA_HOME/bin/java``, then ``java`` on PATH."""
    candidates = [os.environ.get("MTFIX_JAVA")]
    if java_home := os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(java_home) / "bin" / "java"))
    candidates.append(shutil.which("java"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise LanguageToolError(
        "Java not found: install Java 17+ (apt-get install openjdk-17-jre-headless) "
        "or set MTFIX_JAVA / JAVA_HOME"
    )


def java_version(java: Path) -> str:
    out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30)
    first = (out.stderr or out.stdout).splitlines()
    return first[0] if first else "unknown"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask the kernel to SIGTERM the JVM when we die.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class LanguageToolServer:
    """One LanguageTool HTTP server process; a context manager that always stops it."""

    def __init__(self, version: str = LANGUAGETOOL_VERSION, java: Path | None = None) -> None:
        self.version = version
        self._java = java
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise LanguageToolError("LanguageTool server is not running")
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> LanguageToolServer:
        if self.running:
            return self
        java = self._java or find_java()
        jars = jar_dir(self.version)
        if not (jars / f"languagetool-server-{self.version}.jar").is_file():
            raise LanguageToolError(
                f"LanguageTool {self.version} jars not found in {jars}: run `make languagetool`"
            )
        self.port = _free_port()
        # Kept open for the server's lifetime and closed in stop(), hence no `with`.
        self._log = tempfile.NamedTemporaryFile(prefix="mtfix-languagetool-", suffix=".log")  # noqa: SIM115
        cmd = [
            str(java),
            "-Xss2m",
            "-cp",
            str(jars / "*"),
            "org.languagetool.server.HTTPServer",
            "--port",
            str(self.port),
        ]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        probe = f"{self.url}/v2/languages"
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise LanguageToolError(
                    f"LanguageTool server exited with code {self._proc.returncode}: "
                    f"{self._log_tail()}"
                )
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(probe, timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.2)
        raise LanguageToolError(f"LanguageTool server did not answer within {STARTUP_TIMEOUT_S}s")

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        lines = Path(self._log.name).read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else "(no output)"

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LanguageToolServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


_shared: LanguageToolServer | None = None
_shared_lock = threading.Lock()


def _stop_on_sigterm() -> None:
    # SIGTERM would otherwise end Python without running atexit; turning it into SystemExit does.
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(SystemExit(143)))


def shared_url() -> str:
    """The URL of the process-wide server, starting it on first use."""
    if url := os.environ.get("MTFIX_LANGUAGETOOL_URL"):
        return url.rstrip("/")
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.running:
            _shared = LanguageToolServer().start()
            atexit.register(shutdown_shared)
            _stop_on_sigterm()
        return _shared.url


def shutdown_shared() -> None:
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.stop()
            _shared = None
