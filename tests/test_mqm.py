"""MQM: one table from lower-cased category to dimension and severity, and the penalty."""

from __future__ import annotations

import pytest

from mtfix import mqm
from mtfix.core import Flag, Severity, Span, category_key


def _flag(category: str, severity: Severity = Severity.WARNING) -> Flag:
    return Flag(Span(0, 1), "x", "R", category, "m", severity)


@pytest.mark.parametrize(
    ("category", "severity", "dimension", "mqm_severity"),
    [
        ("TYPOS", Severity.ERROR, "linguistic-conventions", "major"),
        ("typos", Severity.WARNING, "linguistic-conventions", "minor"),
        ("name-consistency", Severity.ERROR, "accuracy", "major"),
        ("placeholder", Severity.ERROR, "design-and-markup", "critical"),
        ("terminology", Severity.ERROR, "terminology", "major"),
        ("number-format", Severity.WARNING, "locale-conventions", "minor"),
        ("consistency", Severity.WARNING, "style", "minor"),
        ("something-new", Severity.HINT, "linguistic-conventions", "minor"),
    ],
)
def test_mqm_classification(
    category: str, severity: Severity, dimension: str, mqm_severity: str
) -> None:
    c = mqm.classify(category, severity)
    assert (c.dimension.value, c.severity.value) == (dimension, mqm_severity)


def test_mqm_penalty_per_100_words_and_breakdown() -> None:
    flags = [_flag("placeholder"), _flag("number"), _flag("typos"), _flag("typos")]
    classes = [mqm.of(f) for f in flags]
    # critical 10 + major 5 + minor 1 + minor 1 = 17 points over 200 words.
    assert mqm.points(classes) == 17
    assert mqm.penalty(17, 200) == pytest.approx(8.5)
    assert mqm.summary(classes, 200)["penalty"] == 8.5
    assert mqm.breakdown(classes) == {
        "accuracy": {"minor": 0, "major": 1, "critical": 0, "points": 5},
        "design-and-markup": {"minor": 0, "major": 0, "critical": 1, "points": 10},
        "linguistic-conventions": {"minor": 2, "major": 0, "critical": 0, "points": 2},
    }


@pytest.mark.parametrize("category", ["something-new", "Something-New", "SOMETHING_NEW"])
def test_an_unknown_category_counts_by_the_default_and_the_flags_severity(category: str) -> None:
    # Detectors may add categories before this table knows them: they still count.
    assert mqm.classify(category, Severity.ERROR) == mqm.Classification(mqm.DEFAULT[0], mqm.MAJOR)
    assert mqm.classify(category, Severity.HINT).severity is mqm.MINOR


def test_a_stored_flag_counts_as_it_did_when_raised() -> None:
    flag = _flag("TYPOS", Severity.ERROR)
    assert mqm.of_record(flag.to_dict()) == mqm.of(flag)


@pytest.mark.parametrize(
    "raw, key",
    [
        ("TYPOS", "typos"),
        ("PUNCTUATION", "punctuation"),
        ("punctuation", "punctuation"),
        ("CONFUSED_WORDS", "confused-words"),
        ("Name Consistency", "name-consistency"),
    ],
)
def test_every_category_is_spelt_one_way(raw: str, key: str) -> None:
    assert category_key(raw) == key
    assert _flag(raw).category == key
    assert mqm.classify(raw) == mqm.classify(key)
