"""Where LanguageTool is, and one check request with a deadline.

:func:`endpoint` finds the server, in this order:

1. ``MTFIX_LANGUAGETOOL_URL``: a server someone else runs (a batch driver's supervisor, which is
   how the batch's workers share one; a test session's; any LanguageTool server);
2. the daemon (:mod:`mtfix.languagetool.daemon`), when the command asked for it
   (:func:`use_daemon`: ``check`` and ``clean`` do) and ``MTFIX_NO_DAEMON`` is unset;
3. this process's own supervisor, started on first use and stopped at exit.

:func:`check` sends one text and returns LanguageTool's matches as JSON objects. A supervisor
(which answers ``/mtfix/status``) does the waiting and retrying itself and answers within its
bounds; a plain server gets ``MTFIX_LANGUAGETOOL_TIMEOUT`` per request and a few retries when it
cannot be reached. Every failure is a one-line :class:`~mtfix.languagetool.LanguageToolError`
(cannot be used) or :class:`~mtfix.languagetool.LanguageToolRequestError` (this request failed).
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mtfix.languagetool import LanguageToolError, LanguageToolRequestError, http
from mtfix.languagetool.http import STATUS_PATH, one_line
from mtfix.languagetool.settings import LanguageToolSettings
from mtfix.languagetool.supervisor import BACKOFF_S, CHECK_PATH, TIMEOUT_HEADER, Supervisor

URL_ENV = "MTFIX_LANGUAGETOOL_URL"
NO_DAEMON_ENV = "MTFIX_NO_DAEMON"
_PROBE_TIMEOUT_S = 3.0

Origin = Literal["url", "daemon", "process"]


@dataclass(frozen=True)
class Endpoint:
    url: str
    # An mtfix supervisor: it waits out restarts and retries, and answers errors as one line.
    supervised: bool
    origin: Origin


_lock = threading.Lock()
_process: Supervisor | None = None
_daemon_wanted = False
_daemon: str | None = None
_one_command = False
_exiting = False
_supervised: dict[str, bool] = {}


def use_daemon(wanted: bool = True) -> None:
    """Let this process use the daemon (unless ``MTFIX_NO_DAEMON`` is set): the CLI's ``check``
    and ``clean`` do; library calls and batches run their own server."""
    global _daemon_wanted
    _daemon_wanted = wanted


def for_one_command(one: bool = True) -> None:
    """This process is one command (``check``, ``clean``): a server of its own starts for the
    quickest first answers (MTFIX_LANGUAGETOOL_JIT), not for a long life."""
    global _one_command
    _one_command = one


def daemon_enabled() -> bool:
    return _daemon_wanted and os.environ.get(NO_DAEMON_ENV, "").strip() in ("", "0")


def endpoint(*, refresh: bool = False) -> Endpoint:
    """Where to send requests; ``refresh`` after a connection failure (a daemon that has gone is
    then replaced)."""
    if url := os.environ.get(URL_ENV, "").strip():
        url = url.rstrip("/")
        return Endpoint(url, _is_supervised(url), "url")
    if daemon_enabled():
        return Endpoint(_daemon_url(refresh), True, "daemon")
    return Endpoint(process_supervisor().url, True, "process")


def _daemon_url(refresh: bool) -> str:
    """The daemon's URL, looked up (or the daemon started) once and again only after a failure:
    a document's many requests do not each read the daemon's files."""
    global _daemon
    with _lock:
        if _daemon is None or refresh:
            from mtfix.languagetool import daemon

            _daemon = daemon.ensure(refresh=refresh)
        return _daemon


def process_supervisor() -> Supervisor:
    """This process's own supervised server, started on first use."""
    global _process
    with _lock:
        if _exiting:
            raise LanguageToolError("LanguageTool is not started while this process exits")
        if _process is None:
            settings = LanguageToolSettings.from_env(jit="quick" if _one_command else "full")
            _process = Supervisor(settings).start()
            atexit.register(_at_exit)
            stop_on_sigterm()
        return _process


def shutdown() -> None:
    """Stop this process's own server, if it started one."""
    global _process
    with _lock:
        supervisor, _process = _process, None
    if supervisor is not None:
        supervisor.close()


def _at_exit() -> None:
    """Stop this process's server for good: a detector's thread still asking (the command was
    interrupted) must not start another while the interpreter ends."""
    global _exiting
    _exiting = True
    shutdown()


def stop_on_sigterm() -> None:
    """SIGTERM would otherwise end Python without running atexit; turning it into SystemExit
    does (the parent-death signal is the guard behind it)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _is_supervised(url: str) -> bool:
    if url not in _supervised:
        try:
            response = http.request("GET", url + STATUS_PATH, timeout=_PROBE_TIMEOUT_S)
            answer = json.loads(response.body) if response.status == 200 else {}
        except (*http.RequestFailure, ValueError):
            return False  # unreachable now: ask again next time
        _supervised[url] = isinstance(answer, dict) and answer.get("supervisor") is True
    return _supervised[url]


def _budget(settings: LanguageToolSettings) -> float:
    """How long a supervisor may take at worst before it answers: each try may wait for a new
    JVM and then for the check."""
    return (settings.retries + 1) * (settings.startup_timeout + settings.timeout) + 10


def check(
    text: str, params: Mapping[str, str], settings: LanguageToolSettings | None = None
) -> list[dict[str, Any]]:
    """LanguageTool's matches for ``text`` (its ``/v2/check`` JSON), offsets into ``text``."""
    settings = settings or LanguageToolSettings.from_env()
    body = urllib.parse.urlencode({**params, "text": text}).encode("utf-8")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        TIMEOUT_HEADER: f"{settings.timeout:g}",
    }
    failures = 0
    refresh = False
    while True:
        where = endpoint(refresh=refresh)
        wait = _budget(settings) if where.supervised else settings.timeout
        try:
            response = http.request("POST", where.url + CHECK_PATH, body, headers, wait)
        except TimeoutError:
            raise LanguageToolRequestError(
                f"LanguageTool at {where.url} did not answer within {wait:g}s "
                "(MTFIX_LANGUAGETOOL_TIMEOUT sets the limit)"
            ) from None
        except http.RequestFailure as exc:
            failures += 1
            if failures > settings.retries:
                reason = getattr(exc, "strerror", None) or type(exc).__name__
                raise LanguageToolError(
                    f"LanguageTool at {where.url} cannot be reached ({reason})"
                ) from None
            time.sleep(BACKOFF_S * 2 ** (failures - 1))
            refresh = True
            continue
        code, data = response.status, response.body
        if code == 503 and response.retry_after == "0" and failures < settings.retries:
            # A supervisor going away (the daemon's idle timeout): find or start another.
            failures += 1
            refresh = True
            continue
        if code == 200:
            try:
                return list(json.loads(data)["matches"])
            except (ValueError, KeyError, TypeError):
                raise LanguageToolRequestError(
                    f"LanguageTool at {where.url} answered something that is not a check "
                    f"result: {one_line(data)}"
                ) from None
        message = one_line(data)
        if where.supervised and code == 503:
            raise LanguageToolError(message)
        if where.supervised and code in (502, 504):
            raise LanguageToolRequestError(message)
        raise LanguageToolRequestError(f"LanguageTool answered {code}: {message}")
