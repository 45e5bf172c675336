"""Progress: stages reach the reporter installed for the context, and nothing else."""

from __future__ import annotations

from mtfix import progress
from mtfix.pipeline import Pipeline, PipelineOptions


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def start(self, stage: str, total: int | None, unit: str) -> None:
        self.events.append(("start", (stage, total)))

    def advance(self, n: int) -> None:
        self.events.append(("advance", n))

    def finish(self) -> None:
        self.events.append(("finish", None))


def test_a_stage_without_a_reporter_shows_nothing() -> None:
    with progress.stage("work", 3) as advance:
        advance(3)


def test_the_pipeline_reports_each_detector_and_rewriter_with_its_sentences() -> None:
    recorder = Recorder()
    options = PipelineOptions(detectors=("mt-artifacts",), rewriters=("rules",))
    text = "The talks the talks ended. Byden met Biden.\n\nI will."
    with progress.reporting(recorder):
        result = Pipeline(options).clean(text)
    sentences = len(result.document.sentences)
    starts = [e[1] for e in recorder.events if e[0] == "start"]
    assert starts[0] == ("detect: mt-artifacts", sentences)
    assert starts[1][0] == "rewrite: rules"
    assert ("advance", sentences) in recorder.events
    assert [e[0] for e in recorder.events].count("finish") == len(starts)
    recorder.events.clear()
    Pipeline(options).clean(text)
    assert recorder.events == []
