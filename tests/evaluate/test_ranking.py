"""hit@k, harm@1 and the threshold curve on hand-made rankings."""

from __future__ import annotations

from mtfix.evaluate.ranking import HarmAt1, HitAt, Ranked, ThresholdCurve, ranking_scores

REF = ("He is ready to deny it.",)
GOOD, BAD = "He is ready to deny it.", "I am not ready to deny it ever."
MT = "I am ready to deny it."

RANKED = [
    Ranked(MT, REF, ((GOOD, 0.9), (BAD, 0.2))),
    Ranked(MT, REF, ((BAD, 0.6), (GOOD, 0.5))),
    Ranked(MT, REF, ()),
    Ranked(MT, REF, ((MT, 0.3),)),  # a candidate equal to the MT is neither a hit nor harm
]


def test_hit_and_harm_count_sentences_not_candidates() -> None:
    assert HitAt(1).corpus_score(RANKED) == 0.25
    assert HitAt(3).corpus_score(RANKED) == 0.5
    assert HarmAt1().corpus_score(RANKED) == 0.25
    assert HitAt(1).corpus_score([]) is None


def test_the_curve_applies_the_top_candidate_above_each_threshold() -> None:
    curve = ThresholdCurve([0.0, 0.7, 0.95]).corpus_score(RANKED)
    assert [p.applied for p in curve] == [2, 1, 0]
    # Applying everything: one sentence fixed, one made worse; at 0.7 only the fix remains.
    assert curve[1].delta_ter < 0 and curve[2].delta_ter == 0
    assert curve[1].delta_ter < curve[0].delta_ter


def test_report_json_names_k() -> None:
    scores = ranking_scores(RANKED, k=2)
    assert scores["hit@2"] == 0.5 and scores["flagged"] == 4 and scores["with_candidates"] == 3
    assert len(scores["curve"]) == 10


def test_candidates_are_ranked_per_flagged_sentence_on_their_line() -> None:
    from mtfix.core import Candidate, Edit, Flag, Span
    from mtfix.evaluate.ranking import rank_candidates
    from mtfix.segment import segment

    text = "I am ready to deny it.\nThe talks ended."
    doc = segment(text, lines=True)
    flag = Flag(Span(0, 1), "mt-artifacts", "STRAY_FIRST_PERSON", "stray-first-person", "")
    good = Candidate(doc.sentences[0], (Edit(Span(0, 4), "He is", "model"),), "model", 3.0)
    bad = Candidate(doc.sentences[0], (Edit(Span(0, 4), "They are not", "model"),), "model", 1.0)
    refs = [["He is ready to deny it.", "The talks ended."]]
    ranked = rank_candidates(doc, [flag], [bad, good], refs, lambda d, c, f: c.score / 4)
    (only,) = ranked  # the unflagged second line has no ranking
    assert only.line == 0 and only.source == "I am ready to deny it."
    assert [t for t, _ in only.candidates] == [
        "He is ready to deny it.",
        "They are not ready to deny it.",
    ]
    assert HitAt(1).corpus_score(ranked) == 1.0
