"""One sentence at a time on llama.cpp, on the shipped adapter's real conversion: the ``auto``
backend sends a lone greedy row there and everything else to ctranslate2, rewrites as
ctranslate2 does, and keeps llama.cpp's own log lines off the user's terminal."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from mtfix.model import llamacpp_backend
from mtfix.model.backend import Backend
from mtfix.model.backends import open_backend
from mtfix.model.load import adapter_info, resolve

pytestmark = pytest.mark.model

SHIPPED = resolve("gemma-mtfix-ctx").resolve()
SENTENCES = [
    "The goverment announced the new budget on Tuesday.",
    "The talks ended in Geneva without a joint statement.",
]


class Counted:
    """The backend's real lone-row runtime, counting its calls."""

    def __init__(self, backend: Backend) -> None:
        assert backend.single_row is not None
        self.inner, self.calls = backend.single_row, 0

    def __call__(self, ids: Sequence[int], budget: int) -> list[int]:
        self.calls += 1
        return self.inner(ids, budget)


def test_a_lone_greedy_row_runs_on_llama_cpp_and_the_rest_on_ctranslate2() -> None:
    auto = open_backend("auto", SHIPPED, batch_size=1)
    alone = open_backend("ctranslate2", SHIPPED, batch_size=1)
    assert alone.single_row is None
    counted = Counted(auto)
    auto.single_row = counted
    try:
        lone = auto.rewrite(SENTENCES[:1])
        assert counted.calls == 1
        # The same rewrite as ctranslate2's (a plain misspelling: int8 and Q8_0 agree on it).
        assert lone == alone.rewrite(SENTENCES[:1])
        assert lone[0] is not None and "government" in lone[0] and "Tuesday" in lone[0]
        auto.rewrite(SENTENCES)
        auto.beams = 2
        assert len(auto.rewrites(SENTENCES[:1])[0]) == 2
        assert counted.calls == 1
    finally:
        auto.single_row, auto.beams = counted.inner, 1


def test_a_row_stops_at_its_budget() -> None:
    info = adapter_info(SHIPPED)
    auto = open_backend("auto", SHIPPED)
    assert auto.codec is not None and auto.single_row is not None
    ids = auto._encode_prompt(auto.prompt.format(source=SENTENCES[1]))
    assert len(auto.single_row(ids, 3)) == 3
    full = auto.single_row(ids, auto.budget([ids]))
    assert 3 < len(full) <= auto.budget([ids])
    assert auto.codec.eos_id not in full
    assert llamacpp_backend.conversion_path(info).exists()


def test_the_conversion_is_reused_not_rebuilt() -> None:
    info = adapter_info(SHIPPED)
    path = llamacpp_backend.ensure_converted(info)
    before = path.stat().st_mtime_ns
    assert llamacpp_backend.ensure_converted(info) == path
    assert path.stat().st_mtime_ns == before
    assert info.key in path.name


def test_llama_cpp_logs_stay_off_stderr(tmp_path: Path) -> None:
    # llama.cpp warns on every context it makes ("using full-size SWA cache"); mtfix's stderr
    # carries its own messages only.
    code = (
        "from mtfix.model.backends import open_backend; from mtfix.model.load import resolve; "
        "b = open_backend('auto', resolve('gemma-mtfix-ctx').resolve()); "
        f"print(b.rewrite([{SENTENCES[1]!r}])[0])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Geneva" in done.stdout
    assert done.stderr == ""


def test_without_llama_cpp_every_row_stays_on_ctranslate2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llamacpp_backend, "installed_version", lambda: None)
    assert open_backend("auto", SHIPPED).single_row is None


def test_a_missing_sdist_leaves_lone_rows_on_ctranslate2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A cache without the conversion or the sdist it needs: a warning, and ctranslate2 alone.
    monkeypatch.setattr(llamacpp_backend, "conversion_path", lambda info: tmp_path / "x.gguf")
    monkeypatch.setattr(llamacpp_backend, "sdist_path", lambda v: tmp_path / "missing.tar.gz")
    assert open_backend("auto", SHIPPED).single_row is None
    assert "missing.tar.gz: missing" in caplog.text
