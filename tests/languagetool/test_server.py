"""The LanguageTool server's lifecycle: it starts, answers, and never outlives its owner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mtfix.languagetool.server import LanguageToolError, LanguageToolServer
from tests.conftest import SEED

pytestmark = pytest.mark.languagetool


def _java_children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=,ppid=,comm=", "-e"], capture_output=True, text=True)
    return [
        int(p)
        for p, ppid, comm in (line.split(None, 2) for line in out.stdout.splitlines())
        if int(ppid) == pid and comm.strip() == "java"
    ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose: it holds no memory and serves nothing.
    state = (
        Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "Z"
    )
    return state != "Z"


def _wait_for(predicate, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_context_manager_starts_and_stops_the_server() -> None:
    with LanguageToolServer() as server:
        assert server.running and server.url.startswith("http://127.0.0.1:")
        pid = server._proc.pid  # type: ignore[union-attr]
        # LanguageTool keeps answers per sentence, and accepted the setting (it started).
        properties = (server._log_file.parent / "server.properties").read_text()  # type: ignore[union-attr]
        assert "cacheSize=5000" in properties.splitlines()
    assert not server.running
    assert _wait_for(lambda: not _alive(pid), 15)


def test_missing_jars_give_a_fix_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTFIX_CACHE", str(tmp_path))
    with pytest.raises(LanguageToolError, match="make languagetool"):
        LanguageToolServer().start()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_orphaned_java_after_interrupt_or_kill(sig: signal.Signals) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MTFIX_LANGUAGETOOL_URL"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtfix", "check", str(SEED)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert _wait_for(lambda: bool(_java_children(proc.pid)), 120), "server never started"
        java = _java_children(proc.pid)[0]
        proc.send_signal(sig)
        proc.wait(timeout=60)
        assert _wait_for(lambda: not _alive(java), 30), f"java {java} outlived mtfix ({sig.name})"
    finally:
        if proc.poll() is None:
            proc.kill()
