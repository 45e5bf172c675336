"""The ranked-proposal report on hand-made candidates: coverage of the artifact flags, hit@k,
and what clean applies with a calibrated confidence."""

from __future__ import annotations

from mtfix.core import Candidate, Edit, Flag, Span
from mtfix.lab.devcheck import _cand_json, _flag_json
from mtfix.lab.proposals import suite_report
from mtfix.select.confidence import FEATURES, ConfidenceModel

SOURCE = ["Putin spoke on Monday. I am ready to deny it.", "The talks ended on Tuesday."]
REFS = [["Putin spoke on Monday. He is ready to deny it.", "The talks ended on Tuesday."]]


def _model(rewrite: str, score: float) -> Candidate:
    start = SOURCE[0].index("I am")
    sentence = Span(start, len(SOURCE[0]))
    edit = Edit(Span(start, start + 4), rewrite, "model", 0.5)
    return Candidate(sentence, (edit,), "model", score)


def _data(model: list[Candidate]) -> dict:  # type: ignore[type-arg]
    start = SOURCE[0].index("I am")
    flag = Flag(Span(start, start + 1), "x", "STRAY_FIRST_PERSON", "stray-first-person", "")
    return {
        "suite": "toy",
        "sample": 2,
        "source": SOURCE,
        "references": REFS,
        "lines_mode": True,
        "flags": [_flag_json(flag)],
        "targets": 1,
        "rules": [],
        "model": [_cand_json(c) for c in model],
        "model_seconds": 0.0,
    }


def _confidence(threshold: float) -> ConfidenceModel:
    """Confidence rising with the model's evidence only."""
    n = len(FEATURES)
    coef = tuple(1.0 if f == "evidence" else 0.0 for f in FEATURES)
    return ConfidenceModel(FEATURES, (0.0,) * n, (1.0,) * n, coef, 0.0, threshold, {})


def test_the_report_counts_proposals_hits_and_what_clean_fixes() -> None:
    good, bad = _model("He is", 3.0), _model("We are", 1.0)
    beams = _data([bad, good])
    greedy = _data([good])
    report = suite_report(beams, greedy, _confidence(0.9))
    art = report["artifact_sentences"]
    assert art["flagged"] == 1 and art["flags"] == 1
    assert art["flags_with_a_proposal"] == art["flags_with_a_proposal_greedy"] == 1
    # The surer candidate is the post-edit's: hit@1; the other is further (no harm at 1).
    assert art["hit@1"] == 1.0 and art["harm@1"] == 0.0
    # sigmoid(3) = 0.95 >= 0.9: clean applies it, the line is fixed and the TER drops.
    assert art["fixed_by_clean"] == 1 and report["clean_model_edits"] == 1
    assert report["delta_clean"] < report["delta_rules"] == 0.0
    # Above what the model is sure of, clean leaves the sentence alone: a proposal only.
    strict = suite_report(beams, greedy, _confidence(0.99))
    assert strict["artifact_sentences"]["fixed_by_clean"] == 0
    assert strict["delta_clean"] == 0.0 and strict["artifact_sentences"]["hit@1"] == 1.0
