"""Article rules (in the syntax detector) and the article knowledge they read: table-driven cases
each rule must flag, and cases it must leave alone."""

from __future__ import annotations

import pytest

from mtfix.detect.syntax import SyntaxDetector
from mtfix.lexicon.articles import indefinite_article, is_count_noun
from mtfix.segment import segment


def flags(text: str, rule: str) -> list[tuple[str, str, float]]:
    return [
        (f.span.of(text), f.suggestions[0] if f.suggestions else "", f.confidence)
        for f in SyntaxDetector().detect(segment(text))
        if f.rule == rule
    ]


@pytest.mark.parametrize(
    "word, article",
    [
        ("hour", "an"),
        ("honor", "an"),
        ("university", "a"),
        ("European", "a"),
        ("one-run", "a"),
        ("eight-game", "an"),
        ("MP", "an"),
        ("NPO", "an"),
        ("AI", "an"),
        ("UN", "a"),
        ("HIV", "an"),
        ("M1", "an"),
        ("mRNA", "an"),
        ("iPhone", "an"),
        ("NATO", "a"),
        ("8", "an"),
        ("18", "an"),
        ("11th", "an"),
        ("120,000", "a"),
        ("1,800", "a"),
        ("apple", "an"),
        ("car", "a"),
    ],
)
def test_article_by_sound(word: str, article: str) -> None:
    assert indefinite_article(word) == article


@pytest.mark.parametrize("word", ["historic", "herb", "1800", '"quoted'])
def test_no_article_where_english_allows_either_or_cannot_say(word: str) -> None:
    assert indefinite_article(word) is None


@pytest.mark.parametrize(
    "text, flagged, fix",
    [
        ("Rain of 80 millimeters a hour may fall.", "a", "an"),
        ("She studied at an university in Sendai.", "an", "a"),
        ("It was analysed by a AI program.", "a", "an"),
        ("They could not take an one-run lead.", "an", "a"),
        ("The team is on a eight-game winning streak.", "a", "an"),
        ("It was a honor to meet him.", "a", "an"),
        ("A hour later, it stopped.", "A", "An"),
    ],
)
def test_a_or_an_against_the_sound_is_fixed(text: str, flagged: str, fix: str) -> None:
    [(span, suggestion, confidence)] = flags(text, "ARTICLE_SOUND")
    assert (span, suggestion) == (flagged, fix) and confidence >= 0.85


@pytest.mark.parametrize(
    "text",
    [
        "A university in Sendai built it in an hour.",
        "He is an MP and she runs an NPO.",
        "It was an 8 percent increase for a 78-year-old woman.",
        "They chose plan A after a one-run lead.",
        "About a third of it is an honest mistake.",
    ],
)
def test_right_articles_are_left_alone(text: str) -> None:
    assert flags(text, "ARTICLE_SOUND") == []


def test_before_a_name_the_article_is_only_flagged() -> None:
    # A name is read as its bearers read it, which its spelling only suggests.
    assert flags("He had a Olympic record.", "ARTICLE_SOUND") == [("a", "an", 0.0)]


def test_the_before_a_name_the_text_uses_without_one() -> None:
    text = "The typhoon reached Kyushu on Monday. It may approach the Kyushu again."
    assert flags(text, "ARTICLE_BEFORE_NAME") == [("the", "", 0.9)]


@pytest.mark.parametrize(
    "text, confident",
    [
        ("Rain fell across Tokyo. In the Tokyo area, it fell. In the Tokyo, it stopped.", True),
        ("The Herons beat the Hokuriku Steel 3-2 on Sunday.", True),  # a company's name
        ("He arrived in the Tokyo on Monday.", False),  # a name the tagger knows: a flag only
    ],
)
def test_the_tokyo_is_flagged(text: str, confident: bool) -> None:
    found = flags(text, "ARTICLE_BEFORE_NAME")
    assert [(span, fix) for span, fix, _ in found] == [("the", "")]
    assert (found[0][2] >= 0.85) is confident


@pytest.mark.parametrize(
    "text",
    [
        "Tokyo is wet. The Tokyo Metropolitan Government and the Tokyo Stock Exchange agreed.",
        "Kyushu is wet. The Kyushu Shinkansen was suspended.",
        "Sakai won. The Kamogawa Herons beat the Sakai Blue Sox.",  # plural team names
        "The President spoke, and he was elected President.",  # a capitalised common word
        "He flew to the Hague, the US and the Kremlin.",  # names English writes with "the"
        "The French and the Japan Meteorological Agency agreed.",
        "They say that the English and the Taliban praised the Lord on Monday.",
        "He read The Lord of the Rings.",
    ],
)
def test_names_that_take_the_keep_it(text: str) -> None:
    assert flags(text, "ARTICLE_BEFORE_NAME") == []


@pytest.mark.parametrize(
    "text, fix_confident",
    [
        ("Orders were issued to about a 120,000 households.", True),
        ("Sales rose by an 18 percent on strong demand.", True),
        ("Some cities are lending a portable fans to the elderly.", False),
    ],
)
def test_an_indefinite_article_before_a_plural_or_an_amount(text: str, fix_confident: bool) -> None:
    [(span, fix, confidence)] = flags(text, "ARTICLE_BEFORE_PLURAL")
    assert span in ("a", "an") and fix == ""
    assert (confidence >= 0.85) is fix_confident


@pytest.mark.parametrize(
    "text",
    [
        "He stayed a few days and bought a dozen eggs.",
        "An estimated 10,000 people and a record 500 cars came.",
        "It was an 8 percent increase, a 3-2 win and a hundred people.",
        "A series of talks and a means of transport followed.",
    ],
)
def test_quantities_and_singular_heads_take_an_article(text: str) -> None:
    assert flags(text, "ARTICLE_BEFORE_PLURAL") == []


@pytest.mark.parametrize(
    "text, flagged, fix",
    [
        (
            "The city said that it will build new library near the station.",
            "new library",
            "a new library",
        ),
        ("Leader of the team, Yuki Sato, said it worked.", "Leader", "The leader"),
    ],
)
def test_missing_article_before_a_singular_count_noun(text: str, flagged: str, fix: str) -> None:
    assert flags(text, "MISSING_ARTICLE") == [(flagged, fix, 0.0)]


@pytest.mark.parametrize(
    "text",
    [
        "City to build new library near station",  # a headline drops its articles
        "The agency saw strong demand and heavy rain.",  # mass nouns, or nouns that are verbs
        "Part of the cost was paid by the city.",
        "He wants more information and further support.",
        "She builds a new library every year.",
        # A classifying adjective lets the noun be a mass or an abstraction.
        "They criticised European policy and will accept moral responsibility.",
    ],
)
def test_no_missing_article_where_none_is_due(text: str) -> None:
    assert flags(text, "MISSING_ARTICLE") == []


def test_count_nouns() -> None:
    assert is_count_noun("library") and is_count_noun("leader")
    assert not is_count_noun("information") and not is_count_noun("advice")


@pytest.mark.parametrize(
    "text, verb",
    [
        ("The number of households eligible for the payments are estimated at 12 million.", "are"),
        ("The launch of small satellites by universities have become common.", "have"),
    ],
)
def test_a_singular_subject_with_a_plural_verb(text: str, verb: str) -> None:
    assert [s for s, _, _ in flags(text, "SUBJECT_AGREEMENT")] == [verb]


@pytest.mark.parametrize(
    "text",
    [
        "A number of households are eligible.",
        "About 2% of Croats speak Spanish, and 80% of companies do business.",
        "The team of doctors are ready.",
        "The cost of food and the price of fuel are rising.",
    ],
)
def test_quantities_collectives_and_coordination_agree_either_way(text: str) -> None:
    assert flags(text, "SUBJECT_AGREEMENT") == []
