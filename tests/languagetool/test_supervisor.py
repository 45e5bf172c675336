"""The supervisor keeps one URL while the JVM behind it dies, hangs or is recycled: requests
are retried on the replacement, a hung request is a one-line timeout, memory stays bounded."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import urllib.parse
from contextlib import suppress
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from mtfix.languagetool import LanguageToolError, LanguageToolRequestError, client
from mtfix.languagetool import supervisor as supervisor_module
from mtfix.languagetool.cds import WARM_UP_TEXT
from mtfix.languagetool.settings import MIB, LanguageToolSettings, default_heap, parse_size
from mtfix.languagetool.supervisor import Supervisor
from mtfix.segment import chunks, segment
from tests.conftest import SEED
from tests.languagetool.processes import alive, children, wait_for

PARAMS = {"language": "en-US"}
TYPO = "This sentense has a eror."


def _settings(**kw: object) -> LanguageToolSettings:
    base = {"heap": 1024 * MIB, "timeout": 30.0, "retries": 2, "startup_timeout": 120.0}
    return LanguageToolSettings(**{**base, **kw})  # type: ignore[arg-type]


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def point_at(supervisor: Supervisor) -> Supervisor:
        monkeypatch.setenv("MTFIX_LANGUAGETOOL_URL", supervisor.url)
        return supervisor

    return point_at


def _java_cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


@pytest.mark.languagetool
@pytest.mark.faults
def test_a_dead_or_hung_jvm_is_replaced_behind_the_same_url(use, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with Supervisor(_settings()) as supervisor:
        use(supervisor).wait_ready()
        first = supervisor.java_pid
        assert first is not None and "-Xmx1024m" in _java_cmdline(first)
        assert client.check(TYPO, PARAMS)

        # Killed while a request is in flight: the request is retried on the new JVM.
        long = " ".join([SEED.read_text(encoding="utf-8")[:9000]] * 2)
        answer: list[object] = []
        worker = threading.Thread(target=lambda: answer.append(client.check(long, PARAMS)))
        worker.start()
        time.sleep(0.5)
        os.kill(first, signal.SIGKILL)
        worker.join(timeout=300)
        assert answer and isinstance(answer[0], list) and answer[0]
        stats = supervisor.stats()
        assert stats["restarts"] == 1 and stats["java_pid"] not in (None, first)
        assert not alive(first)

        # Stopped (SIGSTOP) under a request: the health checks find it hung and replace it,
        # and the request is answered by the new JVM.
        second = stats["java_pid"]
        os.kill(second, signal.SIGSTOP)
        assert client.check(TYPO, PARAMS)
        assert supervisor.stats()["restarts"] == 2 and wait_for(lambda: not alive(second), 10)

        # With a timeout shorter than that, the request fails in one line when it runs out,
        # and the next one finds the JVM replaced.
        monkeypatch.setenv("MTFIX_LANGUAGETOOL_TIMEOUT", "4")
        third = supervisor.stats()["java_pid"]
        os.kill(third, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(LanguageToolRequestError, match=r"did not answer within 4s") as err:
            client.check(TYPO, PARAMS)
        assert time.monotonic() - started < 4 + 3 and "\n" not in str(err.value)
        assert wait_for(lambda: supervisor.stats()["restarts"] == 3, 120)
        assert client.check(TYPO, PARAMS)
        assert wait_for(lambda: not alive(third), 10)
    assert not alive(supervisor.stats()["java_pid"] or 0)


@pytest.mark.languagetool
def test_recycled_on_schedule_without_failing_a_request(use) -> None:  # type: ignore[no-untyped-def]
    with Supervisor(_settings(recycle_requests=3)) as supervisor:
        use(supervisor).wait_ready()
        first = supervisor.java_pid
        for _ in range(3):
            assert client.check(TYPO, PARAMS)
        # The new JVM starts (and is warmed) while the old one still serves.
        deadline = time.monotonic() + 180
        while supervisor.stats()["recycles"] == 0 and time.monotonic() < deadline:
            assert client.check(TYPO, PARAMS)
            time.sleep(0.5)
        stats = supervisor.stats()
        assert stats["recycles"] == 1 and stats["restarts"] == 0
        assert stats["java_pid"] != first and wait_for(lambda: not alive(first or 0), 30)
        assert [e["kind"] for e in stats["events"]][-1] == "recycle"
        # Requests go on while the new JVM warms: the swap may come a request or two later.
        served = re.search(r"after (\d+) requests", stats["events"][-1]["reason"])
        assert served is not None and int(served.group(1)) >= 3


@pytest.mark.languagetool
def test_closed_while_it_warms_the_jvm_is_stopped_without_waiting_for_the_warm_up(
    use, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The warm-up's first check takes seconds; a command interrupted meanwhile closes its
    # supervisor at exit, and must not wait for that check to be answered.
    warming, warm_ups = threading.Event(), []
    forward = supervisor_module._forward
    warm_up = urllib.parse.quote_plus(WARM_UP_TEXT).encode()

    def watched(url: str, method: str, path: str, body: bytes, *rest: Any) -> Any:
        if warm_up not in body:
            return forward(url, method, path, body, *rest)
        warming.set()
        try:
            reply = forward(url, method, path, body, *rest)
        except Exception:
            warm_ups.append("cut off")
            raise
        warm_ups.append("answered")
        return reply

    def ask() -> None:
        with suppress(LanguageToolError):
            client.check(TYPO, PARAMS)

    monkeypatch.setattr(supervisor_module, "_forward", watched)
    others = set(children(os.getpid()))  # the test session's own server
    supervisor = use(Supervisor(_settings()).start())
    # A request before the JVM is up: its settings are what the warm-up checks with.
    threading.Thread(target=ask, daemon=True).start()
    assert warming.wait(120), "the JVM was never warmed"
    java = set(children(os.getpid())) - others
    supervisor.close()
    assert warm_ups == ["cut off"] and java and not any(alive(pid) for pid in java)


def test_no_server_is_started_for_a_thread_still_asking_at_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MTFIX_LANGUAGETOOL_URL", raising=False)
    monkeypatch.setattr(client, "_process", None)
    monkeypatch.setattr(client, "_exiting", True)
    with pytest.raises(LanguageToolError, match="not started while this process exits"):
        client.check(TYPO, PARAMS)
    assert client._process is None


def test_a_jvm_that_cannot_start_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for java that dies at once, as a JVM with too little memory does.
    fake = tmp_path / "java"
    fake.write_text("#!/bin/sh\necho 'Error occurred during initialization of VM' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("MTFIX_JAVA", str(fake))
    with Supervisor(_settings(retries=1)) as supervisor:
        monkeypatch.setenv("MTFIX_LANGUAGETOOL_URL", supervisor.url)
        with pytest.raises(LanguageToolError) as err:
            client.check(TYPO, PARAMS)
    message = str(err.value)
    assert "\n" not in message and not isinstance(err.value, LanguageToolRequestError)
    assert "exited with code 1: Error occurred during initialization of VM" in message


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTFIX_LANGUAGETOOL_HEAP", "1536m")
    monkeypatch.setenv("MTFIX_LANGUAGETOOL_TIMEOUT", "7.5")
    monkeypatch.setenv("MTFIX_LANGUAGETOOL_RECYCLE_REQUESTS", "0")
    monkeypatch.setenv("MTFIX_LANGUAGETOOL_CACHE", "0")
    settings = LanguageToolSettings.from_env()
    assert settings.heap == 1536 * MIB and settings.timeout == 7.5 and settings.cache_sentences == 0
    assert settings.recycle_requests == 0 and settings.rss_ceiling == (1536 + 768) * MIB
    assert parse_size("2g", "x") == 2048 * MIB
    assert 768 * MIB <= default_heap() <= 2048 * MIB
    bad = [
        ("MTFIX_LANGUAGETOOL_HEAP", "lots"),
        ("MTFIX_LANGUAGETOOL_TIMEOUT", "0"),
        ("MTFIX_LANGUAGETOOL_CACHE", "-1"),
    ]
    for name, value in bad:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=name):
            LanguageToolSettings.from_env()
        monkeypatch.delenv(name)


def test_chunks_are_bounded_contiguous_and_cut_long_runs_after_a_space() -> None:
    seed = SEED.read_text(encoding="utf-8")
    doc = segment("\n\n".join([seed] * 5))
    spans = chunks(doc, 20_000, 1_000)
    assert all(len(s) <= 20_000 for s in spans) and len(spans) >= 3
    assert all(a.end <= b.start for a, b in pairwise(spans))
    # Every sentence is in exactly one chunk.
    assert all(sum(c.contains(s) for c in spans) == 1 for s in doc.sentences)
    line = ("word " * 999 + "wordy ") * 3
    pieces = chunks(segment(line), 20_000, 1_000)
    assert all(len(p) <= 1_000 for p in pieces)
    assert "".join(p.of(line) for p in pieces) == line.strip()
    assert all(p.of(line).endswith(" ") for p in pieces[:-1])
    hard = "x" * 2500
    assert [len(p) for p in chunks(segment(hard), 20_000, 1_000)] == [1000, 1000, 500]


@pytest.mark.languagetool
def test_a_long_line_is_checked_in_pieces_with_exact_offsets() -> None:
    from mtfix.detect.languagetool import LanguageToolDetector

    # 12,000 characters with no sentence break and misspellings throughout.
    words = ("the committee said that the government would " * 300).split()
    for i in range(10, len(words), 400):
        words[i] = "sistem"
    text = " ".join(words)
    flags = LanguageToolDetector().detect(segment(text))
    spelled = [f for f in flags if f.rule.startswith("MORFOLOGIK")]
    assert len(spelled) == len(range(10, len(words), 400))
    assert all(f.span.of(text) == "sistem" for f in spelled)
