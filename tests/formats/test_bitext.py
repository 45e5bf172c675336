"""A source beside the MT as one Document, and accepted edits cut back into unit targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtfix import formats
from mtfix.core import Edit, Span
from mtfix.detect.artifacts import MTArtifactDetector
from mtfix.detect.qa import QADetector
from mtfix.formats import TAG
from mtfix.formats.bitext import changes, from_texts, from_units
from mtfix.io import InputError
from mtfix.rewrite.rules import RuleRewriter
from mtfix.select import select

DATA = Path(__file__).parent.parent / "data" / "cat"


def test_units_become_paragraphs_with_sources_ids_and_protected_tags() -> None:
    cat = formats.read(DATA / "article.xlf")
    assert cat is not None
    doc = from_units(cat.units)
    assert [a.span.of(doc.text) for a in doc.aligned] == [u.target for u in cat.units]
    assert [a.id for a in doc.aligned] == ["headline", "body::s1", "body::s2"]
    assert [a.source for a in doc.aligned] == [u.source for u in cat.units]
    assert {p.of(doc.text) for p in doc.protected} == {TAG}
    assert len(doc.protected) == sum(len(u.target_tags) for u in cat.units)
    # No sentence runs from one unit into the next.
    for sentence in doc.sentences:
        assert any(a.span.contains(sentence) for a in doc.aligned)


def test_placeholders_are_protected_too() -> None:
    cat = formats.read(DATA / "app.po")
    assert cat is not None
    doc = from_units(cat.units)
    assert {p.of(doc.text) for p in doc.protected} == {"%s", "{count}", "%1$s", "%2$d"}


def test_a_clean_of_a_cat_file_changes_only_fixed_targets(tmp_path: Path) -> None:
    """Read, detect (QA and MT artifacts), let the rules rewriter fix what is safe, write back."""
    source = tmp_path / "in.xlf"
    source.write_bytes(
        (DATA / "article.xlf")
        .read_bytes()
        .replace(b"For details, see", b"For details,  see")
        .replace(b"30,000 people", b"300 people")
    )
    cat = formats.read(source)
    assert cat is not None
    doc = from_units(cat.units)
    flags = QADetector().detect(doc) + MTArtifactDetector().detect(doc)
    by_rule = {(f.rule, doc.aligned_at(f.span).id) for f in flags}
    assert ("NUMBER_MISMATCH", "headline") in by_rule
    assert ("DOUBLE_SPACE", "body::s2") in by_rule
    sentences = {s: [f for f in flags if s.contains(f.span)] for s in doc.sentences}
    candidates = RuleRewriter().propose(doc, [(s, fs) for s, fs in sentences.items() if fs])
    edits = select(doc, candidates, flags).edits
    out = tmp_path / "out.xlf"
    cat.write(out, changes(doc, edits))

    after = formats.read(out)
    assert after is not None
    assert [u.target for u in after.units] == [
        cat.units[0].target,  # the number is for a person to fix: no suggestion is applied
        cat.units[1].target,
        f"For details, see {TAG}here{TAG}.",
    ]
    assert after.units[2].state == "translated"
    assert "'  ' -> ' ' (rules DOUBLE_SPACE)" in after.units[2].notes
    assert [u.target_tags for u in after.units] == [u.target_tags for u in cat.units]


def test_an_edit_on_a_tag_or_across_units_is_refused() -> None:
    cat = formats.read(DATA / "article.xlf")
    assert cat is not None
    doc = from_units(cat.units)
    tag = doc.protected[0]
    with pytest.raises(ValueError, match="inline tag"):
        changes(doc, [Edit(Span(tag.start, tag.end + 3), "x", "model")])
    first, second = doc.aligned[0].span, doc.aligned[1].span
    with pytest.raises(ValueError, match="not inside one unit"):
        changes(doc, [Edit(Span(first.end - 2, second.start + 2), " ", "model")])


@pytest.mark.parametrize(
    ("target", "source", "lines", "sources"),
    [
        ("One.\nTwo.\n", "一。\n二。\n", True, ["一。", "二。"]),
        ("One.\n\nTwo.\n", "一。\n\n二。\n", False, ["一。", "二。"]),
        # A blank MT line beside a source line is an empty target, not a shifted alignment.
        ("One.\n\nThree.\n", "一。\n二。\n三。\n", True, ["一。", "二。", "三。"]),
    ],
)
def test_source_text_aligns_by_line_or_paragraph(
    target: str, source: str, lines: bool, sources: list[str]
) -> None:
    doc = from_texts(target, source, lines=lines, target_name="mt.txt", source_name="src.txt")
    assert [a.source for a in doc.aligned] == sources
    assert [a.id for a in doc.aligned] == [str(i) for i in range(1, len(sources) + 1)]


def test_empty_mt_line_is_flagged_against_its_source() -> None:
    doc = from_texts(
        "One.\n\nThree.\n", "一。\n二。\n三。\n", lines=True, target_name="a", source_name="b"
    )
    assert [(f.rule, doc.aligned_at(f.span).id) for f in QADetector().detect(doc)] == [
        ("EMPTY_TARGET", "2")
    ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (True, r"^mt\.txt has 2 lines but --source src\.txt has 3: they must align one to one$"),
        (False, r"^mt\.txt has 2 paragraphs but --source src\.txt has 3"),
    ],
)
def test_a_source_of_another_length_is_a_one_line_error(lines: bool, message: str) -> None:
    with pytest.raises(InputError, match=message):
        from_texts(
            "One.\n\nTwo.\n" if not lines else "One.\nTwo.\n",
            "一。\n\n二。\n\n三。\n" if not lines else "一。\n二。\n三。\n",
            lines=lines,
            target_name="mt.txt",
            source_name="src.txt",
        )
