"""The warm mtfix process behind check and clean: started in the background by the first call,
it runs later calls in children of its own with the caller's arguments, directory,
environment and standard streams, and gives back their exit status; a call it cannot serve
alike (another mtfix, other settings) replaces it; Ctrl-C reaches the child; `mtfix daemon stop`
stops it. Each test has its own MTFIX_DAEMON_DIR and leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mtfix.cli import forkserver
from mtfix.lockfile import held
from tests.languagetool.processes import alive, wait_for

MTFIX = [sys.executable, "-m", "mtfix"]


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["check", "a.txt"], {}, True),
        (["clean", "-", "--format", "json"], {"MTFIX_NO_DAEMON": "0"}, True),
        (["check", "a.txt", "--no-daemon"], {}, False),
        (["clean", "--help"], {}, False),
        (["check", "a.txt"], {"MTFIX_NO_DAEMON": "1"}, False),
        (["batch", "in", "--out", "o"], {}, False),
        ([], {}, False),
    ],
)
def test_which_calls_go_to_the_server(
    argv: list[str], environ: dict[str, str], expected: bool
) -> None:
    assert forkserver.wanted(argv, environ) is expected


def test_other_settings_make_another_server() -> None:
    base = forkserver.identity({"MTFIX_LANGUAGETOOL_HEAP": "1g"})
    assert forkserver.identity({"MTFIX_LANGUAGETOOL_HEAP": "1g"}) == base
    assert forkserver.identity({"MTFIX_LANGUAGETOOL_HEAP": "2g"})["code"] != base["code"]
    # Whether a call may use the daemon is not a setting of the server.
    assert forkserver.identity({"MTFIX_LANGUAGETOOL_HEAP": "1g", "MTFIX_NO_DAEMON": "0"}) == base


@pytest.fixture
def env(daemon_env: dict[str, str]) -> dict[str, str]:
    return daemon_env


def _serving(env: dict[str, str]) -> dict[str, object]:
    directory = Path(env["MTFIX_DAEMON_DIR"])
    assert wait_for(lambda: forkserver.status(directory) is not None, 120), _log(env)
    state = forkserver.status(directory)
    assert state is not None
    return state


def _log(env: dict[str, str]) -> str:
    path = Path(env["MTFIX_DAEMON_DIR"]) / forkserver.LOG_NAME
    return path.read_text() if path.exists() else "(no log)"


def _served(env: dict[str, str]) -> int:
    """How many calls the server has run."""
    return _log(env).count(" exited ")


def _mtfix(
    env: dict[str, str], *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MTFIX, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300
    )


@pytest.mark.languagetool
def test_later_calls_run_in_the_server_as_they_would_here(
    env: dict[str, str], tmp_path: Path
) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text('This sentense has a eror. He said: "Yes.\n', encoding="utf-8")
    alone = _mtfix(env, "check", "doc.txt", "--no-daemon", cwd=tmp_path)
    assert alone.returncode == 1 and "MORFOLOGIK_RULE_EN_US" in alone.stdout, alone.stderr

    first = _mtfix(env, "check", "doc.txt", cwd=tmp_path)  # runs here and starts the server
    assert (first.returncode, first.stdout) == (1, alone.stdout), first.stderr
    state = _serving(env)
    assert _served(env) == 0

    # A relative path, the caller's directory: the same answer, from the server's child.
    again = _mtfix(env, "check", "doc.txt", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (1, alone.stdout), again.stderr
    assert _served(env) == 1
    piped = _mtfix(env, "check", "-", stdin=doc.read_text())
    assert (piped.returncode, piped.stdout) == (1, alone.stdout.replace("doc.txt", "<stdin>"))
    here = _mtfix(env, "clean", "doc.txt", "--no-model", "--no-daemon", cwd=tmp_path).stdout
    done = _mtfix(env, "clean", "doc.txt", "--no-model", "-o", "out.txt", cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "out.txt").read_text() == here, done.stderr
    missing = _mtfix(env, "check", "absent.txt", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.startswith("mtfix: error: ") and "absent.txt" in missing.stderr
    assert _served(env) == 4 and forkserver.status(Path(env["MTFIX_DAEMON_DIR"])) == state

    # Other settings: that call runs here, and replaces the server with one of its own.
    other = {**env, "MTFIX_MAX_INPUT_BYTES": "1000000"}
    assert _mtfix(other, "check", "doc.txt", cwd=tmp_path).stdout == alone.stdout
    assert wait_for(lambda: not alive(int(state["pid"])), 30)  # type: ignore[call-overload]
    replacement = _serving(other)
    assert replacement["pid"] != state["pid"] and replacement["code"] != state["code"]

    stop = _mtfix(other, "daemon", "stop")
    assert stop.returncode == 0 and stop.stdout.strip() == "stopped"
    assert wait_for(lambda: not alive(int(replacement["pid"])), 30)  # type: ignore[call-overload]
    assert not (Path(env["MTFIX_DAEMON_DIR"]) / forkserver.STATE_NAME).exists()
    assert "stopped (signal SIGTERM)" in _log(env)


@pytest.mark.languagetool
def test_ctrl_c_reaches_the_child(env: dict[str, str]) -> None:
    subprocess.run([*MTFIX, "daemon", "start"], env=env, capture_output=True, timeout=300)
    _serving(env)
    # The child waits on stdin, which this test holds open; the call is interrupted there.
    call = _waiting_on_stdin(env)
    log = Path(env["MTFIX_DAEMON_DIR"]) / forkserver.LOG_NAME
    assert wait_for(lambda: _children(env), 30), "the call never reached the server"
    (child,) = _children(env)
    time.sleep(0.5)
    call.send_signal(signal.SIGINT)
    # Waited for with stdin still open: communicate() would close it at once, and a child that
    # reads the end of its input before the forwarded signal lands exits 2 ("file is empty").
    call.wait(timeout=60)
    _, err = call.communicate()
    assert call.returncode == 1 and "Aborted!" in err, (err, log.read_text())
    assert wait_for(lambda: not alive(child), 10)


def _waiting_on_stdin(env: dict[str, str]) -> subprocess.Popen[str]:
    """A check of stdin, which the caller holds open: its child waits there."""
    return subprocess.Popen(
        [*MTFIX, "check", "-"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children(env: dict[str, str]) -> list[int]:
    state = forkserver.status(Path(env["MTFIX_DAEMON_DIR"]))
    if state is None:
        return []
    out = subprocess.run(["ps", "-o", "pid=,ppid=", "-e"], capture_output=True, text=True)
    pairs = (line.split() for line in out.stdout.splitlines())
    return [int(pid) for pid, ppid in pairs if int(ppid) == state["pid"]]


@pytest.mark.languagetool
def test_a_server_killed_mid_call_is_reported_and_leaves_its_lock(env: dict[str, str]) -> None:
    subprocess.run([*MTFIX, "daemon", "start"], env=env, capture_output=True, timeout=300)
    state = _serving(env)
    call = _waiting_on_stdin(env)
    assert wait_for(lambda: _children(env), 30), "the call never reached the server"
    (child,) = _children(env)
    os.kill(int(state["pid"]), signal.SIGKILL)  # type: ignore[call-overload]
    assert call.wait(timeout=60) == 3
    # The lock went with the server, though its child still runs (waiting on stdin).
    assert alive(child) and not held(Path(env["MTFIX_DAEMON_DIR"]) / forkserver.LOCK_NAME)
    assert forkserver.status(Path(env["MTFIX_DAEMON_DIR"])) is None
    _, err = call.communicate("Fine words.\n", timeout=60)
    assert f"while process {child} ran" in err, err
    assert wait_for(lambda: not alive(child), 60)
