"""The server in-process (Starlette's test client) on the session's LanguageTool, rules only; the
tests that need a real socket start ``mtfix serve`` itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mtfix.pipeline import CleanResult
from mtfix.serve.app import create_app
from mtfix.serve.engine import Engine, ServeSettings
from mtfix.serve.review import OpenedFile, PostEditLog, Reviews
from mtfix.serve.server import wait_until_serving

pytest.importorskip("starlette")
from starlette.testclient import TestClient

BASE = "http://127.0.0.1"


@pytest.fixture(scope="session")
def rules_engine(languagetool_url: str) -> Iterator[Engine]:
    engine = Engine(ServeSettings(model=None))
    engine.start()
    yield engine
    engine.stop()


def reviews_for(engine: Engine, log: Path, opened: Path | None = None) -> Reviews:
    def clean(text: str, source: str | None, progress: Callable[[int, int], None]) -> CleanResult:
        return engine.clean(engine.document(text, source), progress=progress)[0]

    file = OpenedFile(opened) if opened is not None else None
    return Reviews(clean, PostEditLog(log), file, engine.settings.max_text_length)


def client_for(engine: Engine, log: Path, opened: Path | None = None) -> TestClient:
    return TestClient(create_app(engine, reviews_for(engine, log, opened)), base_url=BASE)


@pytest.fixture
def client(rules_engine: Engine, tmp_path: Path) -> TestClient:
    return client_for(rules_engine, tmp_path / "post-edits.jsonl")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    args: list[str], *, own_languagetool: bool = False, timeout: float = 150
) -> tuple[subprocess.Popen[str], str]:
    """``mtfix ARGS --port P`` as a process, once it answers; with ``own_languagetool`` it
    starts its own LanguageTool rather than using the session's."""
    port = free_port()
    env = dict(os.environ)
    if own_languagetool:
        env.pop("MTFIX_LANGUAGETOOL_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtfix", *args, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"{BASE}:{port}"
    wait_until_serving(proc, url, timeout)
    return proc, url
