"""One JVM running LanguageTool's HTTP server.

The jars come from Maven Central (``languagetool/pom.xml``, fetched by ``make languagetool``) into
``$MTFIX_CACHE/languagetool/<version>/lib``; nothing is downloaded at run time. The JVM runs with a
bounded heap (``-Xmx``, :mod:`mtfix.languagetool.settings`), exits on running out of it rather
than limping on, is told to abandon a check that runs past the request timeout, maps the AppCDS
archive when one was built (:mod:`mtfix.languagetool.cds`), and is started with the kernel's
parent-death signal set, so it dies with the thread that started it even when that process is
killed with SIGKILL.

Most code wants a :class:`~mtfix.languagetool.supervisor.Supervisor` (which keeps one of these
alive), :func:`mtfix.languagetool.server.shared_url` or :func:`mtfix.languagetool.client.check`,
not this class.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from mtfix.languagetool import LANGUAGETOOL_VERSION, LanguageToolError, cds
from mtfix.languagetool.install import find_java, free_port, require_jars
from mtfix.languagetool.settings import LanguageToolSettings, java_size

_PR_SET_PDEATHSIG = 1
# Resolved once, in the parent: the child calls it between fork and exec, where loading a
# library could deadlock on a lock another thread held at the fork.
_prctl: Callable[..., int] | None
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _prctl = None
# LanguageTool's own limit on one check, a backstop behind the client's timeout: a check that
# nobody waits for any more stops burning a core. Never below a cold first check's rule loading.
_MIN_CHECK_LIMIT_S = 60.0


def _die_with_parent() -> None:
    # Runs in the child between fork and exec. SIGKILL, not SIGTERM: a stopped (SIGSTOP) JVM
    # would hold a SIGTERM pending for ever.
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def process_state(pid: int) -> str:
    """The kernel's one-letter state of ``pid`` (R, S, T for stopped, Z...), or "" if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0]


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` in bytes (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class LanguageToolServer:
    """One LanguageTool HTTP server process; a context manager that always stops it."""

    def __init__(
        self,
        version: str = LANGUAGETOOL_VERSION,
        java: Path | None = None,
        settings: LanguageToolSettings | None = None,
    ) -> None:
        self.version = version
        self._java = java
        self.settings = settings or LanguageToolSettings.from_env()
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._log_file: Path | None = None
        self.port: int | None = None
        self.started_at = 0.0
        self.ready_s = 0.0
        self.cds = False

    @property
    def url(self) -> str:
        if self.port is None:
            raise LanguageToolError("LanguageTool server is not running")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc is not None else None

    def rss(self) -> int:
        return rss_bytes(self._proc.pid) if self.running and self._proc is not None else 0

    def command(self, java: Path, port: int, config: Path) -> list[str]:
        archive = cds.archive(java, self.version)
        self.cds = archive is not None
        return [
            str(java),
            f"-Xmx{java_size(self.settings.heap)}",
            "-Xss2m",
            # Out of heap, the JVM would go on answering with errors; exiting lets the supervisor
            # start a fresh one.
            "-XX:+ExitOnOutOfMemoryError",
            *(["-XX:TieredStopAtLevel=1"] if self.settings.jit == "quick" else []),
            *(cds.java_options(archive) if archive is not None else []),
            "-cp",
            cds.classpath(self.version, patched=archive is not None),
            "org.languagetool.server.HTTPServer",
            "--port",
            str(port),
            "--config",
            str(config),
        ]

    def start(self, port: int | None = None) -> LanguageToolServer:
        if self.running:
            return self
        java = self._java or find_java()
        require_jars(self.version)
        self.port = port or free_port()
        self._workdir = tempfile.TemporaryDirectory(prefix="mtfix-languagetool-")
        workdir = Path(self._workdir.name)
        config = workdir / "server.properties"
        limit_ms = int(max(self.settings.timeout + 5, _MIN_CHECK_LIMIT_S) * 1000)
        properties = {"maxCheckTimeMillis": limit_ms, "cacheSize": self.settings.cache_sentences}
        config.write_text("".join(f"{k}={v}\n" for k, v in properties.items()), encoding="utf-8")
        self._log_file = workdir / "server.log"
        self.started_at = time.monotonic()
        with open(self._log_file, "wb") as log:
            self._proc = subprocess.Popen(
                self.command(java, self.port, config),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.ready_s = time.monotonic() - self.started_at
        return self

    def _wait_ready(self) -> None:
        timeout = self.settings.startup_timeout
        deadline = time.monotonic() + timeout
        probe = f"{self.url}/v2/languages"
        while time.monotonic() < deadline:
            proc = self._proc
            if proc is None:
                raise LanguageToolError("LanguageTool server was stopped while starting")
            if proc.poll() is not None:
                raise LanguageToolError(
                    f"LanguageTool server exited with code {proc.returncode}: {self.log_tail()}"
                )
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(probe, timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.1)
        raise LanguageToolError(f"LanguageTool server did not answer within {timeout:g}s")

    def healthy(self, timeout: float) -> bool:
        """Whether the server answers a cheap request within ``timeout`` seconds."""
        if not self.running:
            return False
        try:
            with urllib.request.urlopen(f"{self.url}/v2/languages", timeout=timeout) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self) -> str:
        if self._log_file is None or not self._log_file.exists():
            return ""
        lines = self._log_file.read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else "(no output)"

    def stop(self, grace: float = 5.0) -> None:
        """Stop the JVM: SIGTERM and ``grace`` seconds, then SIGKILL; a stopped (SIGSTOP) or
        zero-grace JVM is killed at once."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            if grace <= 0 or process_state(proc.pid) == "T":
                proc.kill()
            else:
                proc.terminate()
            try:
                proc.wait(timeout=max(grace, 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None
            self._log_file = None

    def __enter__(self) -> LanguageToolServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
