"""The founding article end to end, with the real LanguageTool server and the gold annotations."""

from __future__ import annotations

import json

import pytest

import mtfix
from mtfix.core import Span
from tests.conftest import ROOT

pytestmark = pytest.mark.languagetool

GOLD = json.loads((ROOT / "eval" / "suites" / "seed" / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def checked(seed_text: str) -> mtfix.CheckResult:
    return mtfix.check(seed_text)


@pytest.fixture(scope="module")
def cleaned(seed_text: str) -> mtfix.CleanResult:
    return mtfix.clean(seed_text)


def flagged(result: mtfix.CheckResult, needle: str) -> list[str]:
    """The rules of all flags overlapping any occurrence of ``needle``."""
    text = result.document.text
    spans, start = [], text.find(needle)
    while start >= 0:
        spans.append(Span(start, start + len(needle)))
        start = text.find(needle, start + 1)
    assert spans, f"{needle!r} is not in the text"
    return [f.rule for f in result.flags if any(f.span.overlaps(s) for s in spans)]


def test_named_problems_are_flagged(checked: mtfix.CheckResult) -> None:
    byden = [f for f in checked.flags if f.span.of(checked.document.text) == "Byden"]
    assert any(f.suggestions[:1] == ("Biden",) for f in byden)
    for needle in (
        "monopolyists",
        "I will.",
        "You can.",
        "Can be done.",
        "Said.",
        "I am ready to deny it.",
        "I'm ready to take a step back.",
        "hypersonic weapons and hypersonic weapons",
    ):
        assert flagged(checked, needle), needle
    glyphs = [f for f in checked.flags if f.rule == "STRAY_GLYPH"]
    assert len(glyphs) == checked.document.text.count("▼")
    assert any("QUOTE" in f.rule for f in checked.flags)


def test_flag_precision_and_recall_against_gold(checked: mtfix.CheckResult) -> None:
    gold = [Span(a["start"], a["end"]) for a in GOLD["annotations"]]
    flags = checked.flags
    true_positives = [f for f in flags if any(f.span.overlaps(g) for g in gold)]
    recalled = [g for g in gold if any(f.span.overlaps(g) for f in flags)]
    precision = len(true_positives) / len(flags)
    recall = len(recalled) / len(gold)
    assert recall >= 0.9, f"recall {recall:.3f}"
    assert precision >= 0.8, f"precision {precision:.3f}"


def test_clean_removes_the_damage(cleaned: mtfix.CleanResult) -> None:
    for gone in ("Byden", "▼", "I will.", "You can.", "Can be done.", " Said.", "monopolyists"):
        assert gone not in cleaned.text, gone
    assert "hypersonic weapons and hypersonic weapons" not in cleaned.text
    assert cleaned.text.count("\n") == cleaned.document.text.count("\n")


def test_clean_changes_nothing_outside_edited_spans(cleaned: mtfix.CleanResult) -> None:
    original = cleaned.document.text
    edits = sorted(cleaned.edits, key=lambda e: e.span)
    rebuilt, cursor = [], 0
    for edit in edits:
        rebuilt.append(original[cursor : edit.span.start])
        rebuilt.append(edit.replacement)
        cursor = edit.span.end
    rebuilt.append(original[cursor:])
    assert "".join(rebuilt) == cleaned.text
    unchanged = [e for e in edits if e.span.of(original) == e.replacement]
    assert not unchanged, "an edit that changes nothing"
    assert {e.origin for e in edits} == {"rules", "model"}


def test_the_model_fixes_what_rules_alone_leave(cleaned: mtfix.CleanResult) -> None:
    # "monopolists" is a rare word, so LanguageTool's suggestion is left to the model's judgement.
    rules_only = mtfix.clean(cleaned.document.text, model=None)
    assert "monopolyists" in rules_only.text and {e.origin for e in rules_only.edits} == {"rules"}
    text = cleaned.document.text
    fixes = {(e.span.of(text), e.replacement) for e in cleaned.edits if e.origin == "model"}
    assert ("monopolyists", "monopolists") in fixes
    # Every other model edit repairs a flag rules could not: each touches a resolved flag.
    for e in cleaned.edits:
        if e.origin == "model":
            assert any(e.span.touches(f.span) for f in cleaned.resolved), e


ARTIFACT_RULES = ("STRAY_FIRST_PERSON", "TRUNCATED_SENTENCE", "UNBALANCED_QUOTE", "MISPLACED_QUOTE")


def test_clean_repairs_at_least_half_of_the_artifacts_a_rewrite_must_fix(
    cleaned: mtfix.CleanResult,
) -> None:
    # A stray first person, a truncated sentence or a broken quotation needs a pronoun changed,
    # a tail completed or a mark moved: what flag licences and the quote rules are for.
    resolved = [f for f in cleaned.resolved if f.rule in ARTIFACT_RULES]
    left = [f for f in cleaned.flags if f.rule in ARTIFACT_RULES]
    assert len(resolved) >= len(left), f"{len(resolved)} resolved, {len(left)} left"
    text = cleaned.text
    assert "He is ready to deny it." in text
    assert '"At the same time, we recognize' in text and 'military uniforms," he said' in text


def test_languagetool_flags_keep_its_rule_ids_and_categories(checked: mtfix.CheckResult) -> None:
    lt = [f for f in checked.flags if f.detector == "languagetool"]
    spelling = [f for f in lt if f.span.of(checked.document.text) == "monopolyists"]
    # LanguageTool's TYPOS, spelt as every category is.
    assert spelling and spelling[0].category == "typos"
    assert spelling[0].rule.startswith("MORFOLOGIK_RULE")
    # Transliterated names are not spelling errors (the entities detector owns names).
    names = {f.span.of(checked.document.text) for f in lt}
    assert not names & {"Rojansky", "Suslov", "Parmelin"}
