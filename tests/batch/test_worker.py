"""What a batch worker does when LanguageTool fails: one document's failed request is that
document's failure (errors.jsonl, and the batch goes on); LanguageTool gone stops the batch.
The real failures are injected in tests/languagetool/test_faults.py; here the detector raises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mtfix.batch import worker
from mtfix.batch.worker import Task
from mtfix.detect.languagetool import LanguageToolDetector
from mtfix.languagetool import LanguageToolError, LanguageToolRequestError
from mtfix.pipeline import RULES_ONLY, PipelineOptions

OPTIONS = PipelineOptions(detectors=("languagetool", "mt-artifacts"), rewriters=RULES_ONLY)


@pytest.fixture(autouse=True)
def _fresh_pipelines() -> Iterator[None]:
    worker._pipeline.cache_clear()
    yield
    worker._pipeline.cache_clear()


def _raising(error: Exception):  # type: ignore[no-untyped-def]
    def detect(self: LanguageToolDetector, doc: object) -> list[object]:
        raise error

    return detect


def test_a_failed_request_fails_only_its_document(monkeypatch: pytest.MonkeyPatch) -> None:
    timeout = LanguageToolRequestError("LanguageTool did not answer within 1s")
    monkeypatch.setattr(LanguageToolDetector, "detect", _raising(timeout))
    outcome = worker.clean_document(OPTIONS, Task("a.txt", "The talks ended. I will."))
    assert outcome.result is None and not outcome.invalid
    assert outcome.error == "LanguageTool did not answer within 1s"


def test_languagetool_gone_stops_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    gone = LanguageToolError("LanguageTool at http://127.0.0.1:1 cannot be reached")
    monkeypatch.setattr(LanguageToolDetector, "detect", _raising(gone))
    with pytest.raises(LanguageToolError, match="cannot be reached"):
        worker.clean_document(OPTIONS, Task("a.txt", "The talks ended. I will."))
