from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mtfix.core import apply_edits
from mtfix.diff import tokens, word_changes


@pytest.mark.parametrize(
    ("source", "rewrite", "expected"),
    [
        ("a, b", "a b", "a b"),
        ("a b", "a, b", "a, b"),
        ("He went store.", "He went to the store.", "He went to the store."),
        ("I will go go home.", "I will go home.", "I will go home."),
        ("The the talks ended.", "The talks ended.", "The talks ended."),
        ("Talks ended. I will.", "Talks ended.", "Talks ended."),
        ("talks ended.", "The talks ended.", "The talks ended."),
    ],
)
def test_edits_reproduce_the_rewrite(source: str, rewrite: str, expected: str) -> None:
    edits = [c.edit for c in word_changes(source, rewrite)]
    assert apply_edits(source, edits) == expected


def test_edits_are_word_level_and_in_document_offsets() -> None:
    doc = "Intro. The atriots marched home."
    sentence = doc[7:]
    (change,) = word_changes(sentence, "The patriots marched home.", offset=7)
    assert change.edit.span.of(doc) == "atriots"
    assert change.edit.replacement == "patriots"
    assert [t.text for t in change.old] == ["atriots"]


_WORDS = st.sampled_from(["the", "a", "talks", "ended", "Geneva", ",", ".", "16", "I", "will"])


@given(st.lists(_WORDS, min_size=1, max_size=12), st.lists(_WORDS, min_size=1, max_size=12))
def test_any_rewrite_is_reached_token_for_token(old: list[str], new: list[str]) -> None:
    source, rewrite = " ".join(old), " ".join(new)
    edits = [c.edit for c in word_changes(source, rewrite)]
    result = apply_edits(source, edits)
    assert [t.text for t in tokens(result)] == [t.text for t in tokens(rewrite)]
