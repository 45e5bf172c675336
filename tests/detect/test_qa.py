"""Bilingual QA checks, one table per check: what each must flag and what it must leave alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtfix import detect, mqm
from mtfix.core import Aligned, Document, Span
from mtfix.detect.qa import QADetector
from mtfix.detect.qa.checks import Pair, check
from mtfix.detect.qa.glossary import Glossary
from mtfix.formats import TAG
from mtfix.io import InputError

DATA = Path(__file__).parent.parent / "data" / "qa"


def _rules(pair: Pair, prefix: str) -> list[tuple[str, str]]:
    """(rule, flagged MT text) of the flags whose rule starts with ``prefix``."""
    return [(f.rule, f.span.of(pair.target)) for f in check(pair) if f.rule.startswith(prefix)]


# (source, MT, expected NUMBER_* flags as (rule, flagged text)); the MT is English throughout.
NUMBERS = [
    # Japanese multipliers and full-width digits: 3万 = 30,000.
    ("3万人が抗議した。", "30,000 people protested.", []),
    ("３万人が抗議した。", "30,000 people protested.", []),
    ("3万人が抗議した。", "300 people protested.", [("NUMBER_MISMATCH", "300")]),
    ("1億2000万円の予算", "a budget of 120 million yen", []),
    ("1億2000万円の予算", "a budget of 12 million yen", [("NUMBER_MISMATCH", "12 million")]),
    ("三万五千人が参加", "35,000 people took part", []),
    ("１２万台を販売", "sold 120,000 units", []),
    ("2千万ドル", "20 million dollars", []),
    # Kanji that are words, not numbers: 一部 (part), 十分 (enough).
    ("一部の人は十分だと言った。", "Some people said it was enough.", []),
    # Dates: digits in the source, a month name in the MT; era years.
    ("会談は2024年3月5日に行われた。", "The talks were held on March 5, 2024.", []),
    (
        "会談は2024年3月5日に行われた。",
        "The talks were held on March 15, 2024.",
        [("NUMBER_MISMATCH", "15")],
    ),
    ("令和6年度の予算", "the budget for fiscal 2024", []),
    ("2024.3.5に発表", "announced on March 5, 2024", []),
    ("午後2時から", "from 2 p.m.", []),
    ("午後2時から", "from 14:00", []),
    # Locale separators: 1,000 / 1.000 / 1 000 are one number.
    ("1.000 Menschen", "1,000 people", []),
    ("1\u00a0000 человек", "1,000 people", []),
    ("1 000 человек", "1,000 people", []),
    ("3,5 Prozent", "3.5 percent", []),
    ("1.234,5 Euro", "1,234.5 euros", []),
    ("1 000 человек", "1.000 people", [("NUMBER_FORMAT", "1.000")]),
    # Number words in the MT may stand for the source's digits; a source 1 may be "a".
    ("3人が負傷", "three people were injured", []),
    ("1人が負傷", "a person was injured", []),
    # Missing and added numbers.
    ("5人と3匹", "five people", [("NUMBER_MISSING", "five people")]),
    ("5人が来た", "5 people and 7 dogs came", [("NUMBER_ADDED", "7")]),
]


@pytest.mark.parametrize(("source", "target", "expected"), NUMBERS)
def test_numbers(source: str, target: str, expected: list[tuple[str, str]]) -> None:
    assert _rules(Pair(source, target), "NUMBER_") == expected


def test_number_mismatch_suggests_the_source_value() -> None:
    flags = [f for f in check(Pair("3万人", "300 people")) if f.rule == "NUMBER_MISMATCH"]
    assert flags[0].suggestions == ("30,000",)
    assert "3万" in flags[0].message


UNTRANSLATED = [
    ("テスト", "テスト", [("UNTRANSLATED", "テスト")]),
    ("Hello world", "Hello world", [("UNTRANSLATED", "Hello world")]),
    ("首脳会談は東京で", "The 首脳会談 in Tokyo", [("UNTRANSLATED_TEXT", "首脳会談")]),
    ("首脳会談は東京で", "The summit in Tokyo", []),
    ("OK", "OK", []),
    ("2024", "2024", []),
    # Katakana in the MT that the source does not have is not a copy of the source.
    ("東京で", "in Tokyo (トウキョウ)", []),
]


@pytest.mark.parametrize(("source", "target", "expected"), UNTRANSLATED)
def test_untranslated(source: str, target: str, expected: list[tuple[str, str]]) -> None:
    assert _rules(Pair(source, target), "UNTRANSLATED") == expected


EMPTY = [
    ("テスト", "", [("EMPTY_TARGET", "")]),
    ("テスト", "   ", [("EMPTY_TARGET", "")]),
    (f"{TAG}テスト{TAG}", f"{TAG}{TAG}", [("EMPTY_TARGET", f"{TAG}{TAG}")]),
    ("テスト", "Test", []),
    ("", "", []),
]


@pytest.mark.parametrize(("source", "target", "expected"), EMPTY)
def test_empty_target(source: str, target: str, expected: list[tuple[str, str]]) -> None:
    assert _rules(Pair(source, target), "EMPTY") == expected


TAGS = [
    # (source, MT, source tags, MT tags, expected)
    (f"{TAG}速報{TAG}", f"{TAG}Breaking{TAG}", ("g#1", "/g#1"), ("g#1", "/g#1"), []),
    (
        f"{TAG}速報{TAG}：会談",
        "Breaking: talks",
        ("g#1", "/g#1"),
        (),
        [("TAG_MISSING", "Breaking: talks")],
    ),
    (
        f"会談{TAG}",
        f"Talks{TAG}{TAG}",
        ("x#2",),
        ("x#2", "x#3"),
        [("TAG_ADDED", TAG)],
    ),
    (
        f"{TAG}A{TAG}{TAG}",
        f"{TAG}{TAG}A{TAG}",
        ("g#1", "/g#1", "x#2"),
        ("x#2", "g#1", "/g#1"),
        [("TAG_ORDER", f"{TAG}{TAG}A{TAG}")],
    ),
]


@pytest.mark.parametrize(("source", "target", "source_tags", "target_tags", "expected"), TAGS)
def test_tags(
    source: str,
    target: str,
    source_tags: tuple[str, ...],
    target_tags: tuple[str, ...],
    expected: list[tuple[str, str]],
) -> None:
    assert _rules(Pair(source, target, source_tags, target_tags), "TAG_") == expected


PLACEHOLDERS = [
    ("こんにちは、%sさん。", "Hello, %s.", []),
    ("こんにちは、%sさん。", "Hello.", [("PLACEHOLDER_MISMATCH", "Hello.")]),
    ("%sの%d", "%d of %s", [("PLACEHOLDER_MISMATCH", "%d of %s")]),
    ("%1$sの%2$d", "%2$d of %1$s", []),
    ("{count}件", "{count} items", []),
    ("{count}件", "{total} items", [("PLACEHOLDER_MISMATCH", "{total}")]),
    ("{count}件", "{count} items {count}", []),
    ("100%です", "It is 100%.", []),
]


@pytest.mark.parametrize(("source", "target", "expected"), PLACEHOLDERS)
def test_placeholders(source: str, target: str, expected: list[tuple[str, str]]) -> None:
    assert _rules(Pair(source, target), "PLACEHOLDER") == expected


URLS = [
    ("詳細は https://example.com/ja を参照", "See https://example.com/ja.", []),
    (
        "詳細は https://example.com/ja を参照",
        "See https://example.com/en.",
        [("URL_MISMATCH", "https://example.com/en")],
    ),
    ("詳細は https://example.com/ja を参照", "See our site.", [("URL_MISMATCH", "See our site.")]),
    ("info@example.com まで", "Write to info@example.com.", []),
    (
        "info@example.com まで",
        "Write to info@example.org.",
        [("URL_MISMATCH", "info@example.org")],
    ),
]


@pytest.mark.parametrize(("source", "target", "expected"), URLS)
def test_urls_and_emails(source: str, target: str, expected: list[tuple[str, str]]) -> None:
    assert _rules(Pair(source, target), "URL") == expected


WHITESPACE = [
    ("名前： ", "Name: ", []),
    ("名前：", "Name: ", [("TRAILING_WHITESPACE", " ")]),
    (" 名前：", "Name:", [("LEADING_WHITESPACE", "")]),
    ("会談が始まった。", "The talks  began.", [("DOUBLE_SPACE", "  ")]),
    ("A  b", "A  b", []),
    ("会談が始まった。", "The talks began.", []),
]


@pytest.mark.parametrize(("source", "target", "expected"), WHITESPACE)
def test_whitespace(source: str, target: str, expected: list[tuple[str, str]]) -> None:
    pair = Pair(source, target)
    assert [(r, t) for r, t in _rules(pair, "") if "SPACE" in r] == expected


def test_double_space_is_a_safe_fix() -> None:
    flag = next(f for f in check(Pair("テスト", "A  test")) if f.rule == "DOUBLE_SPACE")
    assert flag.suggestions == (" ",) and flag.confidence >= 0.9


PUNCTUATION = [
    ("テストです。", "This is a test.", []),
    ("テストです。", "This is a test", [("END_PUNCTUATION", "")]),
    ("本当ですか？", "Is it true?", []),
    ("本当ですか？", "It is true.", [("END_PUNCTUATION", ".")]),
    ("名前：", "Name", [("END_PUNCTUATION", "")]),
    ("詳細はこちら", "See here.", []),
    ("「行く」と言った。", '"I will go," he said.', []),
    ("彼は「行く」と言った。", 'He said "I will go"', []),
]


@pytest.mark.parametrize(("source", "target", "expected"), PUNCTUATION)
def test_end_punctuation(source: str, target: str, expected: list[tuple[str, str]]) -> None:
    assert _rules(Pair(source, target), "END_") == expected


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(DATA / "glossary.tbx")


GLOSSARY = [
    ("首相が来日した。", "The Prime Minister visited Japan.", []),
    (
        "首相が来日した。",
        "The Premier visited Japan.",
        [("FORBIDDEN_TERM", "Premier"), ("TERM_MISSING", "The Premier visited Japan.")],
    ),
    (
        "首相が来日した。",
        "The leader visited Japan.",
        [("TERM_MISSING", "The leader visited Japan.")],
    ),
    ("首脳会談が始まった。", "The summits began.", []),
    ("会談が始まった。", "The talks began.", []),
]


@pytest.mark.parametrize(("source", "target", "expected"), GLOSSARY)
def test_glossary_tbx(
    source: str, target: str, expected: list[tuple[str, str]], glossary: Glossary
) -> None:
    pair = Pair(source, target, glossary=glossary)
    assert [(r, t) for r, t in _rules(pair, "") if "TERM" in r] == expected


def test_glossary_csv_with_a_term_forbidden_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "terms.csv"
    path.write_text(
        "Source,Target,Status\n首相,Prime Minister,preferred\n,utilize,forbidden\n",
        encoding="utf-8",
    )
    glossary = Glossary.load(path)
    pair = Pair("会議", "We utilize the room.", glossary=glossary)
    assert _rules(pair, "FORBIDDEN") == [("FORBIDDEN_TERM", "utilize")]
    assert _rules(Pair("会議", "We use the room.", glossary=glossary), "FORBIDDEN") == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("term,translation\na,b\n", "needs a header with 'source' and 'target'"),
        ("source,target\n首相,\n", r"terms\.csv:2: glossary row has no target term"),
    ],
)
def test_bad_glossary_is_a_one_line_error(content: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "terms.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        Glossary.load(path)


def _document(pairs: list[tuple[str, str, str]]) -> Document:
    """A bilingual Document: one MT segment per paragraph, each with its source and unit id."""
    text, aligned, paragraphs, cursor = "", [], [], 0
    for unit_id, source, target in pairs:
        span = Span(cursor, cursor + len(target))
        aligned.append(Aligned(span, source, unit_id))
        paragraphs.append(span)
        text += target + "\n\n"
        cursor = len(text)
    return Document(text, tuple(paragraphs), tuple(paragraphs), aligned=tuple(aligned))


CONSISTENCY = [
    (
        [("u1", "保存", "Save"), ("u2", "保存", "Save"), ("u3", "保存", "Store")],
        [("Store", "unit u1")],
    ),
    ([("u1", "保存", "Save"), ("u2", "保存 ", "save")], []),
    ([("u1", "保存", "Save"), ("u2", "閉じる", "Close")], []),
]


@pytest.mark.parametrize(("pairs", "expected"), CONSISTENCY)
def test_inconsistent_translations(
    pairs: list[tuple[str, str, str]], expected: list[tuple[str, str]]
) -> None:
    doc = _document(pairs)
    flags = [f for f in QADetector().detect(doc) if f.rule == "INCONSISTENT_TRANSLATION"]
    assert [(f.span.of(doc.text), f.message.split(" in ")[-1]) for f in flags] == expected


def test_detector_moves_spans_into_the_document_and_is_registered() -> None:
    doc = _document([("u1", "テスト。", "A test."), ("u2", "3万人", "300 people")])
    flags = QADetector().detect(doc)
    assert [(f.rule, f.span.of(doc.text)) for f in flags] == [("NUMBER_MISMATCH", "300")]
    assert [d.name for d in detect.load(["qa"])] == ["qa"]


def test_monolingual_text_gets_no_qa_flags() -> None:
    doc = Document("300 people  came", (Span(0, 16),), (Span(0, 16),))
    assert QADetector().detect(doc) == []


def test_every_qa_category_is_classified() -> None:
    # A QA rule with a category missing from the MQM table would silently fall to the default.
    pairs = [
        Pair("テスト", ""),
        Pair("テスト", "テスト"),
        Pair("3万人", "300 people"),
        Pair("1 000", "1.000"),
        Pair(f"{TAG}a", "a", ("x#1",)),
        Pair(
            f"{TAG}a{TAG}{TAG}", f"{TAG}{TAG}a{TAG}", ("g#1", "/g#1", "x#2"), ("x#2", "g#1", "/g#1")
        ),
        Pair("%s", "x"),
        Pair("https://a.example/x", "https://b.example/x"),
        Pair("テスト。", "Test  it"),
    ]
    categories = {f.category for p in pairs for f in check(p)} | {"terminology", "consistency"}
    assert categories <= set(mqm.CATEGORIES)
    assert len(categories) >= 10
