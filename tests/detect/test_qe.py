"""The model-qe detector: BAD runs of the quality estimator as flags, with the real model."""

from __future__ import annotations

import pytest

from mtfix.core import Span
from mtfix.detect.qe import ModelQeDetector, bad_runs
from mtfix.diff import tokens
from mtfix.formats.bitext import from_texts
from mtfix.model.qe import WordEstimate, load_estimator
from mtfix.segment import segment


def _estimates(text: str, probs: list[float | None]) -> list[WordEstimate]:
    return [WordEstimate(t, p) for t, p in zip(tokens(text), probs, strict=True)]


def test_consecutive_bad_words_are_one_span_and_punctuation_alone_is_none() -> None:
    text = "We can admit the cloak , from here ."
    words = _estimates(text, [0.1, 0.2, 0.9, 0.7, 0.95, 0.1, 0.2, 0.1, 0.99])
    runs = bad_runs(words, 0.6)
    assert [(s.of(text), round(p, 2)) for s, p in runs] == [("admit the cloak", 0.95)]
    assert bad_runs(_estimates("A b", [None, 0.9]), 0.6) == [(Span(2, 3), 0.9)]


@pytest.mark.model
def test_the_detector_flags_what_the_estimator_marks_and_says_how_sure() -> None:
    text = (
        "Only 200 metres later, we arrive at the Former Bandy, covered with young rind, from "
        "where to admit the cloak.\nThe Government appoints a prefect to each county."
    )
    doc = segment(text, lines=True)
    estimator = load_estimator("gemma-qe")
    flags = ModelQeDetector().detect(doc)
    assert flags and all(f.rule == "QE_BAD" and f.category == "fluency" for f in flags)
    for flag in flags:
        p = float(flag.message.rsplit("p=", 1)[1].rstrip(")"))
        assert p >= estimator.flag_threshold
        assert flag.span.of(text).strip() == flag.span.of(text)
    # The garbled first line draws the flags, not the fluent second one.
    second = text.index("\n")
    assert sum(f.span.start < second for f in flags) >= sum(f.span.start > second for f in flags)
    # Probabilities come from the head over the backbone: a fluent line scores lower.
    garbled, fluent = estimator.estimate(text.split("\n"))
    mean = [sum(w.bad or 0 for w in ws) / len(ws) for ws in (garbled, fluent)]
    assert mean[0] > mean[1]


@pytest.mark.model
def test_with_a_source_the_source_aware_model_judges_the_translation_against_it() -> None:
    mt = "The Government appoints a mayor to each city."
    estimator = load_estimator("gemma-qe-src")
    assert estimator.with_source
    faithful, unfaithful = estimator.estimate(
        [mt, mt],
        [
            "Guvernul numește un primar în fiecare oraș.",
            "Guvernul numește un prefect în fiecare județ.",
        ],
    )
    at = {w.token.text: i for i, w in enumerate(faithful)}
    # The same English is likelier BAD where the source says something else.
    assert (unfaithful[at["mayor"]].bad or 0) > (faithful[at["mayor"]].bad or 0)
    mean = [sum(w.bad or 0 for w in ws) / len(ws) for ws in (faithful, unfaithful)]
    assert mean[1] > mean[0]
    # A document with a source is read by it, and its flags are accuracy errors.
    garbled = "Only 200 metres later, we arrive at the Former Bandy, from where to admit the cloak."
    source = "Doar 200 de metri mai târziu, ajungem la fosta Bandy, de unde admirăm peisajul."
    doc = from_texts(garbled, source, lines=True, target_name="mt", source_name="src")
    flags = ModelQeDetector().detect(doc)
    assert flags and all(f.category == "accuracy" for f in flags)
