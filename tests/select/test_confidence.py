"""The calibrated confidence: its features, its stored form, and how it is fitted and checked."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from mtfix.core import Candidate, Edit, Flag, Span
from mtfix.diff import word_changes
from mtfix.lab.confidence import applied_at, applied_threshold, calibration_table, fit
from mtfix.select.confidence import FEATURES, ConfidenceModel, features
from tests.conftest import document_of


def _cand(doc, rewrite: str, origin: str = "model", score: float = 2.0) -> Candidate:  # type: ignore[no-untyped-def]
    s = doc.sentences[0]
    edits = tuple(c.edit for c in word_changes(s.of(doc.text), rewrite, offset=s.start))
    return Candidate(s, tuple(Edit(e.span, e.replacement, origin) for e in edits), origin, score)


def test_features_describe_the_edit_the_flags_and_the_estimator() -> None:
    doc = document_of("He met the minster in Geneva.")
    flag = Flag(Span(11, 18), "languagetool", "MORFOLOGIK_RULE_EN_US", "TYPOS", "")
    cand = _cand(doc, "He met the minister in Geneva.", score=3.5)
    risks = [(Span(0, 2), 0.1), (Span(11, 18), 0.9)]
    row = features(doc, cand, [flag], risks)
    assert set(row) == set(FEATURES)
    assert row["evidence"] == 3.5 and row["replaced"] == 1 and row["inserted"] == 0
    assert row["flag_spelling"] == 1 and row["flag_other"] == 0 and row["guarded"] == 1
    assert row["qe_changed"] == 0.9 and row["qe_sentence"] == pytest.approx(0.5)
    assert row["qe_missing"] == 0
    assert features(doc, cand, [])["qe_missing"] == 1


def test_a_rules_fix_reaching_into_the_next_sentence_is_described_whole() -> None:
    doc = document_of("He said no.", "It ended.")
    assert len(doc.sentences) == 2
    # A quote mark after "no.": an offset in the sentence before the candidate's own.
    quote = doc.sentences[0].end
    cand = Candidate(doc.sentences[1], (Edit(Span(quote, quote), '"', "rules"),), "rules", 0.0)
    row = features(doc, cand, [])
    assert row["inserted"] == 0 and row["edits"] == 1 and row["rules"] == 1


def test_a_stored_model_round_trips_and_a_bad_file_is_one_line(tmp_path: Path) -> None:
    n = len(FEATURES)
    model = ConfidenceModel(FEATURES, (0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, 0.7, {"x": 1})
    doc = document_of("He met the minster in Geneva.")
    assert model.confidence(doc, _cand(doc, "He met the minister in Geneva."), []) == 0.5
    assert ConfidenceModel.from_dict(model.to_dict()) == model
    bad = tmp_path / "confidence.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match=r"confidence.json: not a fitted confidence model"):
        ConfidenceModel.load(bad)


def _synthetic_rows(n: int, seed: int = 0) -> list[dict]:  # type: ignore[type-arg]
    """Candidates whose chance of helping rises with the evidence, as a logistic curve."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        evidence = rng.uniform(-3, 6)
        row = dict.fromkeys(FEATURES, 0.0) | {
            "evidence": evidence, "qe_changed": rng.random(), "guarded": 1.0
        }  # fmt: skip
        helps = rng.random() < 1 / (1 + np.exp(-(evidence - 2)))
        rows.append({"suite": "x", "line": i // 3, "sentence": [i, i + 1], "origin": "model",
                     "features": row, "score": evidence, "label": int(helps),
                     "ter_gain": 1.0 if helps else -1.0})  # fmt: skip
    return rows


def test_a_fit_on_calibrated_data_is_calibrated_out_of_fold() -> None:
    model, report = fit(_synthetic_rows(3000))
    assert report["max_gap"] < 0.1
    assert len(report["calibration"]) == 10
    # Higher evidence, higher confidence; the threshold leaves candidates mostly helpful above it.
    assert model.coef[FEATURES.index("evidence")] > 0
    assert report["cross_validated"]["precision"] >= 0.8
    assert report["cross_validated"]["by_suite"]["x"]["applied"] > 0


def test_the_threshold_is_chosen_on_what_clean_would_apply_with_it() -> None:
    def row(sentence: int, origin: str, guarded: float, score: float) -> dict:  # type: ignore[type-arg]
        feats = dict.fromkeys(FEATURES, 0.0) | {"guarded": guarded}
        return {"suite": "s", "sentence": [sentence, sentence + 1], "origin": origin,
                "features": feats, "score": score}  # fmt: skip

    rows = [row(0, "model", 1, 2.0), row(0, "model", 1, 1.0), row(0, "model", 0, 9.0),
            row(0, "rules", 1, 9.0), row(5, "model", 1, 1.0)]  # fmt: skip
    p = np.array([0.3, 0.6, 0.99, 0.99, 0.2])
    # Per sentence the best-scored guarded model candidate at or above the threshold (the
    # unguarded one and the rules fix are never the threshold's to apply): as clean chooses.
    assert applied_at(rows, p, 0.0) == [0, 4]
    assert applied_at(rows, p, 0.5) == [1]
    assert applied_at(rows, p, 0.7) == []
    # Only sentence 0's surer candidate helps: the threshold is where clean applies it alone.
    y = np.array([0, 1, 1, 1, 0])
    assert applied_threshold(rows, p, y, target=0.9, least=1) == 0.6


def test_a_fit_on_shuffled_labels_is_not_calibrated_by_luck() -> None:
    rows = _synthetic_rows(2000)
    labels = [r["label"] for r in rows]
    random.Random(1).shuffle(labels)
    for r, label in zip(rows, labels, strict=True):
        r["label"] = label
    _, report = fit(rows)
    # Nothing to learn: every decile's confidence sits at the base rate, and so does its rate.
    confidences = [row["mean_confidence"] for row in report["calibration"]]
    assert max(confidences) - min(confidences) < 0.15


def test_threshold_and_table_on_hand_numbers() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.9, 0.95, 0.97] * 5)
    y = np.array([0, 0, 1, 1, 1, 0] * 5)
    # One candidate a sentence: clean applies each that reaches the threshold.
    rows = [{"suite": "s", "sentence": [i, i + 1], "origin": "model", "score": 1.0,
             "features": {"guarded": 1.0}} for i in range(len(p))]  # fmt: skip
    assert applied_threshold(rows, p, y, target=0.7, least=5) == 0.3
    assert applied_threshold(rows, p, y, target=0.99, least=5) == 1.0
    table = calibration_table(p, y, bins=3)
    assert [row["candidates"] for row in table] == [10, 10, 10]
    assert table[0]["observed_rate"] == 0.0


def test_the_card_prints_every_decile_and_the_threshold() -> None:
    from mtfix.lab.confidence import card

    model, _ = fit(_synthetic_rows(1000))
    payload = model.to_dict() | {
        "rewriter": "x", "sample": 10, "beams": 2, "qe": False, "command": "cmd"
    }  # fmt: skip
    text = card(payload)
    assert text.count("\n| ") >= 11 and f"`{model.threshold}`" in text
