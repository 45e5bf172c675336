"""Name variants: which respellings of a name the document uses often are caught, and which
pairs of names are two people."""

from __future__ import annotations

import pytest

from mtfix.detect.entities import EntityConsistencyDetector, romanisation_key
from mtfix.segment import segment


def variants(text: str, *, lines: bool = False) -> list[tuple[str, str]]:
    flags = EntityConsistencyDetector().detect(segment(text, lines=lines))
    return [(f.span.of(text), f.suggestions[0]) for f in flags]


@pytest.mark.parametrize(
    "text, expected",
    [
        # A short name respelt once, the frequent form three times.
        ("He met Sato. Then Sato left. Later Sato spoke. Mr. Satoo agreed.", [("Satoo", "Sato")]),
        ("Dr. Ono said so. Ono left. Ono spoke again. Dr. Oono agreed.", [("Oono", "Ono")]),
        ("Coach Endo won. Endo smiled. Endo left. Coach Endoh spoke.", [("Endoh", "Endo")]),
        # Romanisations of one Japanese name: the frequent form twice is enough.
        (
            "Yuki Tachibana built it. Tachibana smiled. Mr. Tatibana agreed.",
            [("Tatibana", "Tachibana")],
        ),
        # A long name respelt once beside a form used twice.
        (
            "Yoshiaki Kanamori spoke. Mr. Kanamori left. Mr. Kanemori met them.",
            [("Kanemori", "Kanamori")],
        ),
        ("Byden met him. Biden spoke. Then Biden left. Later Biden agreed.", [("Byden", "Biden")]),
    ],
)
def test_respelt_names_are_caught(text: str, expected: list[tuple[str, str]]) -> None:
    assert variants(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Both frequent: two people.
        "Sato met Seto. Sato spoke. Seto spoke. Sato left. Seto left. Sato won. Seto lost.",
        "Ueda pitched. Ueno caught. Ueda won. Ueno hit. Ueda smiled. Ueno left. Ueda left.",
        # One letter added or dropped in a short name is not a slip it takes on trust.
        "Sato spoke. Sato left. Sato won. Mr. Sat agreed.",
        # English endings are inflections, not variants.
        "Russia met Russian envoys. Russia spoke. Russia left.",
        # A long name seen twice against once, in a corpus of unrelated lines: not enough.
        "Yoshiaki Kanamori spoke.\nMr. Kanamori left.\nMr. Kanemori met them.",
    ],
)
def test_different_names_are_not_variants(text: str) -> None:
    assert variants(text, lines="\n" in text) == []


def test_romanisation_key_joins_hepburn_kunrei_and_long_vowels() -> None:
    assert romanisation_key("Tatibana") == romanisation_key("Tachibana")
    assert romanisation_key("Tsukisiro") == romanisation_key("Tsukishiro")
    assert romanisation_key("Endoh") == romanisation_key("Endo") == romanisation_key("Endou")
    assert romanisation_key("Ohio") != romanisation_key("Oio")
    assert romanisation_key("Ueda") != romanisation_key("Ueno")
