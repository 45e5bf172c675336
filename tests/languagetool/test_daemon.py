"""The daemon that keeps LanguageTool warm between CLI calls: started by the first call, found
by the next, supervised (its JVM replaced, itself replaced when killed or hung), one when calls race
to start it, gone after its idle timeout or `mtfix daemon stop`, and never left by a test (each
has its own MTFIX_DAEMON_DIR, stopped at the end)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.languagetool.processes import alive, children, serving, wait_for

pytestmark = pytest.mark.languagetool

MTFIX = [sys.executable, "-m", "mtfix"]


@pytest.fixture
def env(daemon_env: dict[str, str]) -> dict[str, str]:
    return daemon_env


def _daemons(directory: Path) -> list[int]:
    return serving(directory, "mtfix.languagetool.daemon")


def _state(env: dict[str, str]) -> dict[str, object]:
    return dict(json.loads((Path(env["MTFIX_DAEMON_DIR"]) / "daemon.json").read_text()))


def _check(env: dict[str, str], doc: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [*MTFIX, "check", str(doc), "--detectors", "languagetool", *extra]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_started_found_replaced_and_stopped(env: dict[str, str], tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("This sentense has a eror.\n", encoding="utf-8")
    first = _check(env, doc)
    assert first.returncode == 1 and "MORFOLOGIK_RULE_EN_US" in first.stdout, first.stderr
    state = _state(env)
    daemon = int(state["pid"])  # type: ignore[call-overload]
    assert alive(daemon) and _daemons(Path(env["MTFIX_DAEMON_DIR"])) == [daemon]
    (java,) = children(daemon)

    # The next call finds it: same daemon, same JVM, no JVM of its own.
    again = _check(env, doc)
    assert again.stdout == first.stdout and _state(env)["pid"] == daemon
    assert children(daemon) == [java]
    status = subprocess.run([*MTFIX, "daemon", "status"], env=env, capture_output=True, text=True)
    assert status.returncode == 0 and f"pid {daemon}" in status.stdout
    assert "0 restarts" in status.stdout

    # Its JVM killed: the daemon replaces it and the next call is answered.
    os.kill(java, signal.SIGKILL)
    assert _check(env, doc).stdout == first.stdout
    status = subprocess.run([*MTFIX, "daemon", "status"], env=env, capture_output=True, text=True)
    assert "1 restarts" in status.stdout
    (java,) = children(daemon)

    # The daemon itself killed: its JVM dies with it, and the next call starts a new daemon.
    os.kill(daemon, signal.SIGKILL)
    assert wait_for(lambda: not alive(java), 30), "the JVM outlived its daemon"
    assert _check(env, doc).stdout == first.stdout
    replacement = int(_state(env)["pid"])  # type: ignore[call-overload]
    assert replacement != daemon and alive(replacement)
    (java,) = children(replacement)

    # --no-daemon: this call's own JVM, the daemon untouched.
    own = _check(env, doc, "--no-daemon")
    assert own.stdout == first.stdout and int(_state(env)["pid"]) == replacement  # type: ignore[call-overload]

    # The daemon hung (SIGSTOP): the next call finds it unanswering, kills it and starts another.
    os.kill(replacement, signal.SIGSTOP)
    assert _check(env, doc).stdout == first.stdout
    assert wait_for(lambda: not alive(replacement) and not alive(java), 30)
    replacement = int(_state(env)["pid"])  # type: ignore[call-overload]
    (java,) = children(replacement)

    stop = subprocess.run([*MTFIX, "daemon", "stop"], env=env, capture_output=True, text=True)
    assert stop.returncode == 0 and stop.stdout.strip() == "stopped"
    assert wait_for(lambda: not alive(replacement) and not alive(java), 30)
    assert not (Path(env["MTFIX_DAEMON_DIR"]) / "daemon.json").exists()
    status = subprocess.run([*MTFIX, "daemon", "status"], env=env, capture_output=True, text=True)
    assert status.returncode == 1 and "no daemon running" in status.stdout


def test_racing_starts_make_one_daemon_which_stops_when_idle(env: dict[str, str]) -> None:
    env = {**env, "MTFIX_DAEMON_IDLE": "4"}
    starts = [
        subprocess.Popen([*MTFIX, "daemon", "start"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    urls = {p.communicate(timeout=300)[0].split()[2] for p in starts}
    assert all(p.returncode == 0 for p in starts)
    directory = Path(env["MTFIX_DAEMON_DIR"])
    (daemon,) = _daemons(directory)
    assert urls == {_state(env)["url"]}
    (java,) = children(daemon)
    # Nobody uses it: it stops by itself, JVM and all, and leaves no state behind.
    assert wait_for(lambda: not alive(daemon), 60), "the daemon outlived its idle timeout"
    assert not alive(java) and not (directory / "daemon.json").exists()
    log = (directory / "daemon.log").read_text()
    assert "stopped (idle for 4s)" in log
