"""MQM: which dimension each flag's category belongs to, how severe it is, and the penalty.

MQM (Multidimensional Quality Metrics, the typology behind professional translation QA) sorts
errors into dimensions and weighs them by severity: minor 1, major 5, critical 10 points; the
penalty is the points per 100 words. Every detector's category maps here by its one spelling,
:func:`mtfix.core.category_key` (LanguageTool's "TYPOS" is "typos", "CONFUSED_WORDS" is
"confused-words"; a flag stored before that spelling was fixed classifies the same), so
reports, batch triage and eval all classify a flag the same way. A category may pin a severity
(a broken placeholder is always critical); otherwise the detector's own severity decides: an
error is major, anything less minor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mtfix.core import Flag, Severity, category_key


class Dimension(StrEnum):
    ACCURACY = "accuracy"
    # MQM 1.0 called this dimension "fluency".
    LINGUISTIC = "linguistic-conventions"
    TERMINOLOGY = "terminology"
    STYLE = "style"
    LOCALE = "locale-conventions"
    MARKUP = "design-and-markup"


class MQMSeverity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


WEIGHTS: dict[MQMSeverity, int] = {
    MQMSeverity.MINOR: 1,
    MQMSeverity.MAJOR: 5,
    MQMSeverity.CRITICAL: 10,
}


@dataclass(frozen=True)
class Classification:
    dimension: Dimension
    severity: MQMSeverity


A, L, T, S, LC, M = (
    Dimension.ACCURACY,
    Dimension.LINGUISTIC,
    Dimension.TERMINOLOGY,
    Dimension.STYLE,
    Dimension.LOCALE,
    Dimension.MARKUP,
)
MINOR, MAJOR, CRITICAL = MQMSeverity.MINOR, MQMSeverity.MAJOR, MQMSeverity.CRITICAL

# category (as category_key spells it) -> (dimension, pinned severity or None for the flag's own).
CATEGORIES: dict[str, tuple[Dimension, MQMSeverity | None]] = {
    # LanguageTool's categories.
    "typos": (L, None),
    "grammar": (L, None),
    "punctuation": (L, MINOR),
    "casing": (L, MINOR),
    "typography": (L, MINOR),
    "compounding": (L, MINOR),
    "confused-words": (A, None),
    "false-friends": (A, None),
    "semantics": (A, None),
    "collocations": (L, None),
    "nonstandard-phrases": (L, MINOR),
    "misc": (L, None),
    "repetitions": (L, MINOR),
    "redundancy": (S, MINOR),
    "style": (S, MINOR),
    "repetitions-style": (S, MINOR),
    "plain-english": (S, MINOR),
    "gender-neutrality": (S, MINOR),
    "wikipedia": (S, MINOR),
    "american-english-style": (LC, MINOR),
    "british-english": (LC, MINOR),
    "regionalisms": (LC, MINOR),
    # mtfix's MT-artifact and syntax detectors.
    "name-consistency": (A, MAJOR),
    "orphan-fragment": (A, MAJOR),
    "stray-first-person": (A, MAJOR),
    "repeated-sentence": (A, MAJOR),
    "truncated-sentence": (A, MAJOR),
    "doubled-phrase": (L, None),
    "unbalanced-quote": (L, MINOR),
    "stray-glyph": (M, MINOR),
    # The word-level quality estimator (mtfix.detect.qe): BAD spans, read without and with a
    # source.
    "fluency": (L, None),
    "accuracy": (A, None),
    # Bilingual QA (mtfix.detect.qa).
    "number": (A, MAJOR),
    "number-format": (LC, MINOR),
    "untranslated": (A, MAJOR),
    "omission": (A, CRITICAL),
    "url": (A, MAJOR),
    "markup": (M, MAJOR),
    "markup-order": (M, MINOR),
    "placeholder": (M, CRITICAL),
    "terminology": (T, MAJOR),
    "consistency": (S, MINOR),
    "whitespace": (M, MINOR),
    "end-punctuation": (L, MINOR),
}
# A category no one has classified yet is still counted, as the most common kind of MT error.
DEFAULT = (L, None)


def classify(category: str, severity: Severity = Severity.WARNING) -> Classification:
    dimension, pinned = CATEGORIES.get(category_key(category), DEFAULT)
    if pinned is None:
        pinned = MAJOR if severity is Severity.ERROR else MINOR
    return Classification(dimension, pinned)


def of(flag: Flag) -> Classification:
    return classify(flag.category, flag.severity)


_WORD = re.compile(r"\w+")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def of_record(record: Mapping[str, Any]) -> Classification:
    """The class of a flag read back from JSON (``Flag.to_dict``: a batch manifest, a report),
    by the same table, so a stored flag counts as it did when it was raised."""
    return classify(str(record["category"]), Severity(record["severity"]))


def points(classes: Iterable[Classification]) -> int:
    return sum(WEIGHTS[c.severity] for c in classes)


def penalty(points: int, words: int) -> float:
    """MQM points per 100 words (of the text checked: the MT, since a CJK source has no words)."""
    return 100.0 * points / max(words, 1)


def breakdown(classes: Iterable[Classification]) -> dict[str, dict[str, int]]:
    """Counts per dimension and severity, plus the dimension's points: what reports tabulate."""
    table: dict[str, dict[str, int]] = {}
    for c in classes:
        row = table.setdefault(c.dimension.value, {s.value: 0 for s in MQMSeverity} | {"points": 0})
        row[c.severity.value] += 1
        row["points"] += WEIGHTS[c.severity]
    return dict(sorted(table.items()))


def summary(classes: Iterable[Classification], words: int) -> dict[str, Any]:
    """The MQM block of clean's JSON, a batch's summary.json and an eval report: words, points,
    the penalty per 100 words and the breakdown by dimension."""
    classes = list(classes)
    total = points(classes)
    return {
        "words": words,
        "points": total,
        "penalty": round(penalty(total, words), 2),
        "by_dimension": breakdown(classes),
    }
