"""Shared fixtures: one real LanguageTool server for the whole test session, on request.

A test that needs LanguageTool (it checks text with the default detectors, or runs a command that
does) is marked ``languagetool`` (per test, or per module with ``pytestmark``); the first one
starts the server (supervised, as every mtfix server is), and every later one, and its
subprocesses (the CLI, batch workers), talk to it through ``MTFIX_LANGUAGETOOL_URL``, so the JVM
starts once. Unmarked tests never start Java: ``pytest -m "not languagetool"`` runs on a machine
without it.

No test may leave a LanguageTool daemon behind, nor use the user's: ``MTFIX_NO_DAEMON`` is set
for the session and ``MTFIX_DAEMON_DIR`` points into the session's temporary directory; the
daemon's own tests unset the first and give each test a directory of its own (``daemon_env``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtfix.core import Document, Span
from mtfix.languagetool.supervisor import Supervisor

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpora" / "geneva-summit-mt.txt"

os.environ["MTFIX_NO_DAEMON"] = "1"
os.environ.setdefault("MTFIX_DAEMON_DIR", tempfile.mkdtemp(prefix="mtfix-test-daemon-"))


@pytest.fixture(autouse=True)
def _languagetool_when_marked(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("languagetool"):
        request.getfixturevalue("languagetool_url")


@pytest.fixture(scope="session")
def languagetool_url() -> Iterator[str]:
    if url := os.environ.get("MTFIX_LANGUAGETOOL_URL"):
        yield url
        return
    with Supervisor() as server:
        os.environ["MTFIX_LANGUAGETOOL_URL"] = server.url
        try:
            server.wait_ready()
            yield server.url
        finally:
            del os.environ["MTFIX_LANGUAGETOOL_URL"]


@pytest.fixture
def daemon_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment whose CLI calls use a daemon of their own (in ``tmp_path/daemon``),
    stopped, and if need be killed, at the end."""
    from tests.languagetool.processes import serving

    directory = tmp_path / "daemon"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MTFIX_LANGUAGETOOL_URL", "MTFIX_NO_DAEMON")
    }
    env |= {"MTFIX_DAEMON_DIR": str(directory), "MTFIX_LANGUAGETOOL_HEAP": "1g"}
    yield env
    stop = [sys.executable, "-m", "mtfix", "daemon", "stop"]
    subprocess.run(stop, env=env, capture_output=True, timeout=60)
    for module in ("mtfix.languagetool.daemon", "mtfix.cli.forkserver"):
        for pid in serving(directory, module):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def document_of(*sentences: str) -> Document:
    """A one-paragraph Document of the given sentences joined by single spaces, segmented by
    construction (no segmenter), for tests of what comes after segmentation."""
    text = " ".join(sentences)
    spans, pos = [], 0
    for s in sentences:
        spans.append(Span(pos, pos + len(s)))
        pos += len(s) + 1
    return Document(text, (Span(0, len(text)),), tuple(spans))
