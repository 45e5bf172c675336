"""Japanese typography in English text: each mark flagged with its ASCII fix, or left alone."""

from __future__ import annotations

import pytest

from mtfix.detect.artifacts import MTArtifactDetector
from mtfix.lexicon.typography import ascii_form, fold
from mtfix.segment import quotations, segment

TYPOGRAPHY = {"FULL_WIDTH_CHARACTER", "JAPANESE_PUNCTUATION", "JAPANESE_QUOTE"}


def typography(text: str) -> list[tuple[str, str, str]]:
    return [
        (f.rule, f.span.of(text), f.suggestions[0])
        for f in MTArtifactDetector().detect(segment(text))
        if f.rule in TYPOGRAPHY
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It landed on the １４th.", [("FULL_WIDTH_CHARACTER", "１４", "14")]),
        ("Real ＧＤＰ grew.", [("FULL_WIDTH_CHARACTER", "ＧＤＰ", "GDP")]),
        ("In Osaka，the rain stopped.", [("FULL_WIDTH_CHARACTER", "，", ", ")]),
        ("Sales reached 2．5 trillion yen.", [("FULL_WIDTH_CHARACTER", "．", ".")]),
        ("The rain stopped。", [("JAPANESE_PUNCTUATION", "。", ".")]),
        ("It rained。Then it snowed.", [("JAPANESE_PUNCTUATION", "。", ". ")]),
        ("Prices rose，fell and rose again.", [("FULL_WIDTH_CHARACTER", "，", ", ")]),
        ("It costs 3～5 dollars.", [("FULL_WIDTH_CHARACTER", "～", "-")]),
        (
            "He called it 「a good start」.",
            [("JAPANESE_QUOTE", "「", '"'), ("JAPANESE_QUOTE", "」", '"')],
        ),
        (
            "A film titled 『Spring Rain』 opens.",
            [("JAPANESE_QUOTE", "『", '"'), ("JAPANESE_QUOTE", "』", '"')],
        ),
        # Inside a quotation that straight quotes open, the brackets become single quotes.
        (
            'She said, "The so-called 「reform」 failed."',
            [("JAPANESE_QUOTE", "「", "'"), ("JAPANESE_QUOTE", "」", "'")],
        ),
    ],
)
def test_japanese_marks_are_flagged_with_their_english_form(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    found = typography(text)
    assert found == expected
    assert all(
        f.confidence >= 0.85
        for f in MTArtifactDetector().detect(segment(text))
        if f.rule in TYPOGRAPHY
    )


@pytest.mark.parametrize(
    "text",
    [
        "The word 「私は」 means I am.",  # Japanese text keeps Japanese typography
        "The sign read 東京、大阪。",
        'Plain ASCII: 14, GDP, 2.5 and "quotes".',
        "Curly “quotes” are English typography.",
    ],
)
def test_japanese_text_and_english_typography_are_left_alone(text: str) -> None:
    assert typography(text) == []


def test_corner_brackets_are_quotations_that_protect_their_content() -> None:
    text = "The mayor said 「I will not resign. We are ready.」 on Monday."
    quoted = quotations(segment(text))
    assert [q.of(text) for q in quoted] == ["「I will not resign. We are ready.」"]
    rules = {f.rule for f in MTArtifactDetector().detect(segment(text))}
    assert "STRAY_FIRST_PERSON" not in rules and "ORPHAN_FRAGMENT" not in rules


def test_fold_keeps_offsets() -> None:
    text = "Tokyo，the １３th「x」。"
    assert fold(text) == 'Tokyo,the 13th"x".'
    assert len(fold(text)) == len(text)
    assert ascii_form("a") is None and ascii_form("東") is None
