"""``mtfix serve`` and ``mtfix review`` as processes: a real LanguageTool client, and shutdown on
SIGTERM and Ctrl-C with no Java left behind (each starts its own LanguageTool here)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import requests

from tests.conftest import SEED
from tests.serve.conftest import start_server

pytestmark = pytest.mark.languagetool


def _java_children(proc: subprocess.Popen[str]) -> list[psutil.Process]:
    return [
        p for p in psutil.Process(proc.pid).children(recursive=True) if "java" in p.name().lower()
    ]


def _stop(proc: subprocess.Popen[str], sig: int, java: list[psutil.Process]) -> int:
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    _, alive = psutil.wait_procs(java, timeout=15)
    assert not alive, f"Java left behind: {[p.pid for p in alive]}"
    return code


def test_a_real_client_checks_the_seed_article_then_sigterm_stops_java(tmp_path: Path) -> None:
    import language_tool_python

    proc, url = start_server(
        ["serve", "--no-model", "--log", str(tmp_path / "log.jsonl")], own_languagetool=True
    )
    try:
        java = _java_children(proc)
        assert len(java) == 1, "mtfix serve runs its own LanguageTool here"
        tool = language_tool_python.LanguageTool("en-US", remote_server=url)
        text = SEED.read_text(encoding="utf-8")
        matches = tool.check(text)
        found = [
            (m.rule_id, text[m.offset : m.offset + m.error_length], m.replacements) for m in matches
        ]
        name = [f for f in found if f[0] == "NAME_VARIANT"]
        assert [(word, fixes[0]) for _, word, fixes in name] == [("Byden", "Biden")]
        fragments = {word.strip() for rule, word, _ in found if rule == "ORPHAN_FRAGMENT"}
        assert {"I will.", "Can be done.", "You can."} <= fragments
        doubled = [word for rule, word, _ in found if rule == "DOUBLED_PHRASE"]
        assert "hypersonic weapons and hypersonic weapons" in doubled
        spelling = [
            fixes
            for rule, word, fixes in found
            if rule == "MORFOLOGIK_RULE_EN_US" and word == "monopolyists"
        ]
        assert spelling and spelling[0][0] == "monopolists"
        tool.close()
    finally:
        code = _stop(proc, signal.SIGTERM, java)
    assert code == 128 + signal.SIGTERM


def test_ctrl_c_stops_mtfix_review_and_its_java(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Byden met Putin. You can.", encoding="utf-8")
    proc, url = start_server(
        ["review", str(article), "--no-browser", "--no-model", "--log", str(tmp_path / "l.jsonl")],
        own_languagetool=True,
    )
    try:
        java = _java_children(proc)
        assert len(java) == 1
        document = requests.get(f"{url}/api/document", timeout=10).json()
        assert document == {"name": "article.txt", "text": article.read_text(), "writable": True}
    finally:
        code = _stop(proc, signal.SIGINT, java)
    assert code == 130
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def test_a_port_in_use_is_a_one_line_environment_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "mtfix", "serve", "--no-model", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 3
    assert run.stderr.strip().splitlines() == [
        f"mtfix: error: port {port} on 127.0.0.1 is in use: choose another with --port "
        "(run `mtfix doctor`)"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"\x00\x01binary", "binary file")],
)
def test_review_of_a_bad_file_is_a_one_line_input_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    article = tmp_path / "article.txt"
    if content is not None:
        article.write_bytes(content)
    run = subprocess.run(
        [sys.executable, "-m", "mtfix", "review", str(article), "--no-browser", "--no-model"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"mtfix: error: {article}: {message}")
