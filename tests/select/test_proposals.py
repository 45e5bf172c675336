"""Ranked proposals: every candidate of a flagged sentence, ranked, with what the selector did."""

from __future__ import annotations

import math

from mtfix.core import Candidate, Edit, Flag, Span, apply_edits
from mtfix.pipeline import Pipeline, PipelineOptions, top_proposals
from mtfix.rewrite.suggestions import suggestion_candidates
from mtfix.select import candidate_score, select
from mtfix.select.proposals import rank_proposals
from mtfix.select.rank import DEFAULT_RANKER, ScoreRanker
from tests.conftest import document_of

RULES = PipelineOptions(detectors=("entities", "mt-artifacts"), rewriters=("rules",))


def _flag(doc_text: str, word: str, suggestions: tuple[str, ...], confidence: float = 0.0) -> Flag:
    start = doc_text.index(word)
    return Flag(
        Span(start, start + len(word)),
        "languagetool",
        "MORFOLOGIK_RULE_EN_US",
        "TYPOS",
        "Possible spelling mistake found.",
        suggestions=suggestions,
        confidence=confidence,
    )


def test_every_candidate_is_proposed_ranked_with_the_applied_one_first() -> None:
    doc = document_of("The monopolyists met in Genva.")
    text = doc.text
    spelling = _flag(text, "monopolyists", ("monopolists", "monopolies"), confidence=0.6)
    city = _flag(text, "Genva", ("Geneva",), confidence=0.9)
    rules = Candidate(doc.sentences[0], (Edit(city.span, "Geneva", "rules", 0.9),), "rules")
    model = Candidate(
        doc.sentences[0], (Edit(spelling.span, "monopolists", "model", 0.5),), "model", score=2.5
    )
    selection = select(doc, [rules, model], [spelling, city])
    targets = [(doc.sentences[0], [spelling, city])]
    proposals = rank_proposals(
        doc, [spelling, city], selection.decisions, suggestion_candidates(doc, targets)
    )
    texts = [p.text for p in proposals]
    # The model's rewrite won the sentence (with the rules' fix kept), so it is applied and first.
    assert texts[0] == "The monopolists met in Geneva."
    assert proposals[0].applied and proposals[0].origin == "model" and proposals[0].rank == 1
    assert proposals[0].licensed_by == ("MORFOLOGIK_RULE_EN_US",)
    # The outscored rules candidate and each suggestion alone follow; no text twice.
    assert "The monopolyists met in Geneva." in texts
    assert "The monopolies met in Genva." in texts
    assert len(texts) == len(set(texts))
    outscored = next(p for p in proposals if p.origin == "rules")
    assert not outscored.applied and outscored.rejected_by == "outscored"
    # Ranks are consecutive and follow the ranker's order.
    assert [p.rank for p in proposals] == list(range(1, len(proposals) + 1))
    confidences = [p.confidence for p in proposals[1:]]
    assert confidences == sorted(confidences, reverse=True)


def test_confidence_is_the_documented_logistic_of_the_selector_score() -> None:
    doc = document_of("The monopolyists met.")
    flag = _flag(doc.text, "monopolyists", ("monopolists",))
    cand = suggestion_candidates(doc, [(doc.sentences[0], [flag])])[0]
    score = candidate_score(doc, cand, [flag])
    assert math.isclose(score, 1 - 0.05 * 2)
    conf = ScoreRanker().confidence(doc, cand, [flag], score)
    assert math.isclose(conf, 1 / (1 + math.exp(-(0.9 - 0.5))))
    assert round(conf, 2) == 0.60
    (proposal,) = rank_proposals(doc, [flag], [], [cand])
    assert proposal.confidence == conf and proposal.origin == "suggestion"
    assert not proposal.applied and proposal.rejected_by == ""
    # A score far out (the model's gain on a 100 KB one-line "sentence") saturates: `check` of
    # such a file raised OverflowError here, and its traceback exited 1 like a found problem.
    assert ScoreRanker().confidence(doc, cand, [flag], -5000.0) == 1 / (1 + math.exp(30))
    assert ScoreRanker().confidence(doc, cand, [flag], 5000.0) == 1 / (1 + math.exp(-30))


def test_a_replaceable_ranker_decides_the_order() -> None:
    doc = document_of("The monopolyists met.")
    flag = _flag(doc.text, "monopolyists", ("monopolists", "monopolies", "monopolisers"))
    cands = suggestion_candidates(doc, [(doc.sentences[0], [flag])])

    class Backwards(ScoreRanker):
        def rank(self, proposals):  # type: ignore[no-untyped-def]
            return sorted(proposals, key=lambda p: p.text, reverse=True)

    default = [p.text for p in rank_proposals(doc, [flag], [], cands, ranker=DEFAULT_RANKER)]
    custom = [p.text for p in rank_proposals(doc, [flag], [], cands, ranker=Backwards())]
    assert custom == sorted(default, reverse=True)
    assert len(rank_proposals(doc, [flag], [], cands, limit=2)) == 2


def test_stretches_cover_edits_reaching_past_the_sentence_and_one_edit_per_flag() -> None:
    doc = document_of("Talks ended.", "I will.", "They left.")
    fragment = doc.sentences[1]
    # A deletion widened over the blank before the fragment reaches into no sentence.
    flag = Flag(fragment, "mt-artifacts", "ORPHAN_FRAGMENT", "orphan-fragment", "fragment")
    edit = Edit(Span(fragment.start - 1, fragment.end), "", "rules", 0.9, "ORPHAN_FRAGMENT")
    selection = select(doc, [Candidate(fragment, (edit,), "rules")], [flag])
    (proposal,) = rank_proposals(doc, [flag], selection.decisions)
    assert proposal.span == Span(fragment.start - 1, fragment.end)
    assert proposal.text == "" and proposal.applied
    assert apply_edits(doc.text, proposal.edits) == "Talks ended. They left."
    assert proposal.edit_for(flag.span, doc.text) == Edit(
        proposal.span, "", "rules", proposal.confidence, "ORPHAN_FRAGMENT"
    )


def test_us_uk_respellings_and_unchanged_texts_are_not_proposed() -> None:
    doc = document_of("The colour of the flag.")
    flag = _flag(doc.text, "colour", ("color", "colour"))
    cands = suggestion_candidates(doc, [(doc.sentences[0], [flag])])
    assert rank_proposals(doc, [flag], [], cands) == ()


def test_clean_keeps_its_edits_and_lists_proposals_in_json() -> None:
    text = (
        "Mr Biden met Putin. Then Biden spoke. Later Biden left. Byden said: the talks were useful."
    )
    result = Pipeline(RULES).clean(text)
    assert "Byden" not in result.text
    data = result.to_dict()
    (proposal,) = [p for p in data["proposals"] if "Biden said" in p["text"]]
    assert proposal["applied"] and proposal["origin"] == "rules" and proposal["rank"] == 1
    assert proposal["licensed_by"] == ["NAME_VARIANT"]
    assert set(proposal) >= {
        "start",
        "end",
        "sentence",
        "text",
        "edits",
        "origin",
        "confidence",
        "rejected_by",
    }
    # The applied edits are the selector's, whatever the proposals say.
    assert [e.to_dict() for e in result.edits] == data["edits"]


def test_check_shows_each_flags_best_proposal() -> None:
    text = "Mr Biden met Putin. Then Biden spoke. Later Biden left. Byden said so. You can."
    result = Pipeline(RULES).check_document(Pipeline(RULES).check(text).document, proposals=True)
    best = top_proposals(result.document, result.flags, result.proposals)
    by_rule = {f.rule: best.get(f) for f in result.flags}
    assert by_rule["NAME_VARIANT"] is not None and by_rule["NAME_VARIANT"].replacement == "Biden"
    records = {r["rule"]: r for r in result.to_dict()}
    assert records["NAME_VARIANT"]["proposal"]["replacement"] == "Biden"
    # Without proposals asked for, check is detection only.
    assert Pipeline(RULES).check(text).proposals == ()


def _fitted(tmp_path, threshold: float, evidence_weight: float = 1.0):  # type: ignore[no-untyped-def]
    """A confidence model file whose probability rises with the model's evidence only."""
    import json

    from mtfix.select.confidence import FEATURES, ConfidenceModel

    n = len(FEATURES)
    coef = tuple(evidence_weight if f == "evidence" else 0.0 for f in FEATURES)
    model = ConfidenceModel(FEATURES, (0.0,) * n, (1.0,) * n, coef, 0.0, threshold, {})
    path = tmp_path / "confidence.json"
    path.write_text(json.dumps(model.to_dict()))
    return path


def test_the_installed_ranker_is_the_fitted_model_and_the_heuristic_only_without_its_file(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from mtfix.select.rank import ConfidenceRanker, installed_ranker

    assert installed_ranker(tmp_path / "absent.json") is DEFAULT_RANKER
    ranker = installed_ranker(_fitted(tmp_path, 0.7))
    assert isinstance(ranker, ConfidenceRanker) and ranker.threshold == 0.7
    doc = document_of("The monopolyists met in Genva.")
    cand = Candidate(doc.sentences[0], (Edit(Span(4, 16), "monopolists", "model"),), "model", 2.0)
    # Its confidence is the model's (sigmoid of the evidence), not the score heuristic's.
    assert math.isclose(ranker.confidence(doc, cand, [], 99.0), 1 / (1 + math.exp(-2.0)))
    broken = tmp_path / "broken" / "confidence.json"
    broken.parent.mkdir()
    broken.write_text("{")
    try:
        installed_ranker(broken)
    except ValueError as e:
        assert "not a fitted confidence model" in str(e)
    else:
        raise AssertionError("a malformed model file must not fall back silently")


def test_a_calibrated_ranker_applies_a_model_fix_only_at_or_above_its_threshold(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from mtfix.select.rank import installed_ranker

    doc = document_of("The monopolyists met in Geneva.")
    flag = _flag(doc.text, "monopolyists", ("monopolists",), confidence=0.6)
    sure = Candidate(doc.sentences[0], (Edit(flag.span, "monopolists", "model"),), "model", 3.0)
    unsure = Candidate(doc.sentences[0], (Edit(flag.span, "monopolist", "model"),), "model", 1.5)
    # Without a threshold the selector's score decides: the sure one (3.0 nats) wins.
    assert select(doc, [sure, unsure], [flag]).edits[0].replacement == "monopolists"
    strict = installed_ranker(_fitted(tmp_path, 0.99))
    selection = select(doc, [sure, unsure], [flag], ranker=strict)
    assert selection.edits == ()
    assert {d.rule for d in selection.decisions} == {"low-confidence"}
    (tmp_path / "lax").mkdir()
    lax = installed_ranker(_fitted(tmp_path / "lax", 0.9))
    selection = select(doc, [sure, unsure], [flag], ranker=lax)
    assert [e.replacement for e in selection.edits] == ["monopolists"]
    rejected = {d.candidate.edits[0].replacement: d.rule for d in selection.decisions}
    assert rejected == {"monopolists": "", "monopolist": "low-confidence"}
    # The proposals carry the fitted confidence, the applied one first.
    proposals = rank_proposals(doc, [flag], selection.decisions, ranker=lax)
    assert proposals[0].applied and math.isclose(proposals[0].confidence, 1 / (1 + math.exp(-3)))
