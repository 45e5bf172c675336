"""Word-level QE labels (TER alignment of MT to post-edit) and scores (MCC, F1-BAD)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st
from sacrebleu.metrics import lib_ter
from sklearn.metrics import f1_score, matthews_corrcoef

from mtfix.diff import tokens
from mtfix.evaluate.wordqe import WordQe
from mtfix.evaluate.wordtags import word_tags
from tests.conftest import ROOT


def _bad(mt: str, pe: str) -> list[str]:
    return [t.token.text for t in word_tags(mt, pe) if t.bad]


def test_identical_sentences_are_all_ok() -> None:
    assert _bad("The cat sat on the mat.", "The cat sat on the mat.") == []


def test_substitution_and_deletion_are_bad() -> None:
    assert _bad("He goed to the big market.", "He went to the market.") == ["goed", "big"]


def test_an_insertion_marks_the_word_before_it() -> None:
    assert _bad("He went to market.", "He went to the market.") == ["to"]
    assert _bad("went to the market.", "He went to the market.") == ["went"]


def test_a_shifted_block_is_bad_and_what_it_jumped_over_is_not() -> None:
    # TERCOM moves "yesterday" (one shift), not the two words it jumped over.
    tagged = word_tags("He went yesterday to school.", "He went to school yesterday.")
    assert [t.token.text for t in tagged if t.bad] == ["yesterday"]


def test_case_counts_as_a_change() -> None:
    assert _bad("the Government said so.", "The Government said so.") == ["the"]


def test_an_empty_post_edit_makes_every_word_bad() -> None:
    assert _bad("Nothing survives.", "") == ["Nothing", "survives", "."]


words = st.lists(st.sampled_from("a b c the of , . dog ran".split()), min_size=1, max_size=12)


@given(words, words)
def test_tags_cover_every_token_and_agree_with_sacrebleu_ter(a: list[str], b: list[str]) -> None:
    mt, pe = " ".join(a), " ".join(b)
    tagged = word_tags(mt, pe)
    assert [t.token.text for t in tagged] == [t.text for t in tokens(mt)]
    edits, _ = lib_ter.translation_edit_rate(a, b)
    bad = sum(t.bad for t in tagged)
    # Every edit touches at most one shifted block or one word; a block of several words and
    # insertions folded onto a word already BAD make counts differ, but never zero against some.
    assert (bad == 0) == (edits == 0)


def test_mlqe_dev_bad_rates_are_those_of_the_published_hter() -> None:
    """Tags over 200 ro-en dev lines: the share of BAD words tracks the lines' HTER."""
    base = ROOT / "eval" / "suites" / "mlqe-pe" / "ro-en"
    mt = (base / "dev.mt").read_text(encoding="utf-8").splitlines()[:200]
    pe = (base / "dev.pe").read_text(encoding="utf-8").splitlines()[:200]
    shares = [sum(t.bad for t in tags) / len(tags) for tags in map(word_tags, mt, pe) if tags]
    assert 0.1 < sum(shares) / len(shares) < 0.4


def test_mcc_and_f1_bad_agree_with_scikit_learn() -> None:
    rng = random.Random(0)
    gold = [[rng.random() < 0.3 for _ in range(rng.randint(1, 9))] for _ in range(80)]
    probs = [[min(1.0, g * 0.4 + rng.random() * 0.7) for g in line] for line in gold]
    scores = WordQe(0.5).corpus_score(probs, gold)
    flat_gold = [g for line in gold for g in line]
    flat_pred = [p >= 0.5 for line in probs for p in line]
    assert abs(scores.mcc - matthews_corrcoef(flat_gold, flat_pred)) < 1e-9
    assert abs(scores.f1_bad - f1_score(flat_gold, flat_pred)) < 1e-9
    assert abs(scores.f1_ok - f1_score(flat_gold, flat_pred, pos_label=False)) < 1e-9


def test_a_word_without_estimate_counts_as_ok() -> None:
    scores = WordQe(0.5).corpus_score([[None, 0.9]], [[True, True]])
    assert (scores.predicted_bad, scores.true_bad, scores.recall_bad) == (1, 1, 0.5)


def test_mismatched_lengths_are_an_error() -> None:
    import pytest

    with pytest.raises(ValueError, match="sentence 1: 1 estimates for 2 words"):
        WordQe().corpus_score([[0.1]], [[True, False]])
