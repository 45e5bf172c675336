"""Every detector, and the rules-only pipeline around them, costs time linear (or nearly) in the
input: four times the text takes about four times as long, never the sixteen of a quadratic
step. Timed as a ratio within one run (the machine is shared and noisy), the best of a few tries
at each size."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from mtfix import detect
from mtfix.core import Document
from mtfix.formats.bitext import from_texts
from mtfix.languagetool.settings import LanguageToolSettings
from mtfix.languagetool.supervisor import Supervisor
from mtfix.pipeline import RULES_ONLY, Pipeline, PipelineOptions
from mtfix.segment import segment
from tests.conftest import ROOT, SEED

DEV = ROOT / "eval" / "suites" / "mlqe-pe" / "ro-en"
GROWTH = 4
# Linear is 4, n log n a little more, quadratic 16.
MAX_RATIO = 8.0


def _best(fn: Callable[[], object], tries: int = 3) -> float:
    times = []
    for _ in range(tries):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _ratio(
    make: Callable[[int], Document], run: Callable[[Document], object], n: int, tries: int = 3
) -> float:
    small, large = make(n), make(GROWTH * n)
    run(small)  # loads what the detector loads once
    return _best(lambda: run(large), tries - 1) / max(_best(lambda: run(small), tries), 1e-3)


def _news(k: int) -> Document:
    # The seed article repeated: every sentence repeats, every name recurs, the worst case for
    # the detectors that compare sentences and names across the document.
    return segment("\n\n".join([SEED.read_text(encoding="utf-8")] * k))


def _corpus(lines: int) -> Document:
    text = (DEV / "dev.mt").read_text(encoding="utf-8").splitlines()
    return segment("\n".join((text * 4)[:lines]), lines=True)


@pytest.mark.parametrize("name", ["entities", "mt-artifacts", "syntax"])
@pytest.mark.parametrize(("make", "n"), [(_news, 2), (_corpus, 600)], ids=["news", "lines"])
def test_detectors_are_near_linear(name: str, make: Callable[[int], Document], n: int) -> None:
    (detector,) = detect.load([name])
    # The parser is slow enough that half the text measures it as well.
    ratio = _ratio(make, detector.detect, n // 2 if name == "syntax" else n)
    assert ratio < MAX_RATIO, f"{name}: {GROWTH}x the text took {ratio:.1f}x the time"


def test_qa_checks_are_near_linear() -> None:
    mt = (DEV / "dev.mt").read_text(encoding="utf-8").splitlines() * 4
    src = (DEV / "dev.src").read_text(encoding="utf-8").splitlines() * 4

    def bilingual(lines: int) -> Document:
        return from_texts(
            "\n".join(mt[:lines]),
            "\n".join(src[:lines]),
            lines=True,
            target_name="mt",
            source_name="src",
        )

    (detector,) = detect.load(["qa"])
    ratio = _ratio(bilingual, detector.detect, 600)
    assert ratio < MAX_RATIO, f"qa: {GROWTH}x the text took {ratio:.1f}x the time"


def test_rules_only_cleaning_is_near_linear() -> None:
    detectors = ("entities", "mt-artifacts")
    pipeline = Pipeline(PipelineOptions(detectors=detectors, rewriters=RULES_ONLY))
    ratio = _ratio(_news, pipeline.clean_document, 2)
    assert ratio < MAX_RATIO, f"clean: {GROWTH}x the text took {ratio:.1f}x the time"


def test_segmenting_a_long_line_is_near_linear() -> None:
    line = "word " * 20_000
    small = _best(lambda: segment(line))
    large = _best(lambda: segment(line * GROWTH))
    assert large / small < MAX_RATIO
    # Past spaCy's own limit of a million characters, still one Document.
    assert segment("word " * 220_000).sentences


@pytest.fixture(scope="module")
def uncached_languagetool() -> Iterator[str]:
    # LanguageTool's sentence cache would answer the repeated and the shared text from memory:
    # the cost measured here is the checking's.
    settings = replace(LanguageToolSettings.from_env(), cache_sentences=0)
    with Supervisor(settings) as server:
        server.wait_ready()
        yield server.url


@pytest.mark.languagetool
def test_languagetool_requests_are_near_linear(
    uncached_languagetool: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MTFIX_LANGUAGETOOL_URL", uncached_languagetool)
    (detector,) = detect.load(["languagetool"])
    ratio = _ratio(_news, detector.detect, 1, tries=2)
    assert ratio < MAX_RATIO, f"languagetool: {GROWTH}x the text took {ratio:.1f}x the time"
    # A run with no sentence break: LanguageTool alone would be quadratic on it.
    words = SEED.read_text(encoding="utf-8").replace(".", " ").split()

    def line(chars: int) -> Document:
        return segment(" ".join(words * 20)[:chars])

    ratio = _ratio(line, detector.detect, 3_000, tries=2)
    assert ratio < MAX_RATIO, f"one long line: {GROWTH}x the text took {ratio:.1f}x the time"
