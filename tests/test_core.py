"""Core invariants, partly property-based: offsets cover the text, edits stay in their spans."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtfix.core import (
    Aligned,
    ByPosition,
    Candidate,
    Document,
    Edit,
    OverlappingEditsError,
    Span,
    apply_edits,
    check_disjoint,
)
from mtfix.segment import segment
from mtfix.select import _Accepted

TEXT = st.text(
    # Lone surrogates cannot come out of UTF-8 decoding, so they are not valid input.
    alphabet=st.sampled_from(list('abc XYZ.,!?"\n\t ▼é日'))
    | st.characters(blacklist_categories=("Cs",)),
    max_size=300,
)


def test_span_rejects_negative_and_reversed() -> None:
    with pytest.raises(ValueError):
        Span(3, 2)
    with pytest.raises(ValueError):
        Span(-1, 2)


def test_zero_edits_reproduce_the_input() -> None:
    text = "Line one.\r\n\n  Line ▼ two.\n"
    assert apply_edits(text, []) == text


def test_overlapping_edits_are_refused() -> None:
    edits = [Edit(Span(0, 4), "x", "t"), Edit(Span(3, 6), "y", "t")]
    with pytest.raises(OverlappingEditsError):
        apply_edits("abcdefgh", edits)


def test_line_col_is_one_based() -> None:
    doc = segment("First line.\nSecond line.")
    assert doc.line_col(0) == (1, 1)
    assert doc.line_col(12) == (2, 1)
    assert doc.line_col(19) == (2, 8)


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_segmentation_offsets_cover_the_text(text: str) -> None:
    for lines in (False, True):
        doc = segment(text, lines=lines)
        # Paragraphs are ordered, disjoint, trimmed, and every non-space character is in one.
        covered = [False] * len(text)
        for a, b in zip(doc.paragraphs, doc.paragraphs[1:], strict=False):
            assert a.end <= b.start
        for p in doc.paragraphs:
            assert p.of(text) == p.of(text).strip()
            for i in range(p.start, p.end):
                covered[i] = True
        assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())
        # Sentences lie inside paragraphs and cover each paragraph's non-space characters.
        for p in doc.paragraphs:
            sents = doc.sentences_in(p)
            inside = {i for s in sents for i in range(s.start, s.end)}
            assert all(i in inside for i in range(p.start, p.end) if not text[i].isspace())
        assert sorted(doc.sentences) == list(doc.sentences)


@st.composite
def text_and_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(TEXT)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8, unique=True)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        edits.append(Edit(Span(a, b), draw(st.text(max_size=5)), "test"))
    return text, edits


@settings(max_examples=200, deadline=None)
@given(text_and_edits())
def test_edits_never_touch_text_outside_their_spans(case: tuple[str, list[Edit]]) -> None:
    text, edits = case
    out = apply_edits(text, edits)
    cursor_in, cursor_out = 0, 0
    for edit in sorted(edits, key=lambda e: e.span):
        gap = text[cursor_in : edit.span.start]
        assert out[cursor_out : cursor_out + len(gap)] == gap
        cursor_out += len(gap) + len(edit.replacement)
        cursor_in = edit.span.end
    assert out[cursor_out:] == text[cursor_in:]


def _bilingual() -> Document:
    # "Hi %s." translates "やあ%s。"; "Bye." translates "じゃあ。"
    text = "Hi %s.\n\nBye."
    aligned = (Aligned(Span(0, 6), "やあ%s。", "u1"), Aligned(Span(8, 12), "じゃあ。", "u2"))
    return Document(text, (Span(0, 6), Span(8, 12)), (Span(0, 6), Span(8, 12)), False, aligned,
                    (Span(3, 5),))  # fmt: skip


def test_a_rewriter_reads_a_sentences_source() -> None:
    doc = _bilingual()
    assert doc.source_of(Span(0, 6)) == "やあ%s。"
    assert doc.source_of(Span(8, 12)) == "じゃあ。"
    assert doc.source_of(Span(12, 12)) == "じゃあ。"  # an insertion at the segment's end
    assert Document("Hi.", (Span(0, 3),), (Span(0, 3),)).source_of(Span(0, 3)) is None


@pytest.mark.parametrize(
    ("span", "touches"),
    [
        (Span(3, 5), True),  # the placeholder itself
        (Span(2, 4), True),  # reaches into it
        (Span(4, 4), True),  # an insertion splitting "%s"
        (Span(3, 3), False),  # an insertion before it leaves it whole
        (Span(5, 5), False),  # and after it
        (Span(0, 2), False),
        (Span(5, 6), False),
    ],
)
def test_an_edit_may_not_change_or_split_a_protected_span(span: Span, touches: bool) -> None:
    assert _bilingual().touches_protected(span) is touches


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8)), max_size=30),
    st.integers(0, 60),
    st.integers(0, 8),
)
def test_by_position_finds_what_a_scan_finds(
    items: list[tuple[int, int]], start: int, length: int
) -> None:
    spans = [Span(s, s + n) for s, n in items]
    query = Span(start, start + length)
    index = ByPosition(spans, lambda s: s)
    expected = [s for s in spans if s.touches(query)]
    assert index.touching(query) == expected
    assert index.any_touching(query) == bool(expected)


@given(
    st.lists(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 4)), max_size=3), max_size=12)
)
def test_accepting_edits_one_candidate_at_a_time_matches_checking_them_all(
    candidates: list[list[tuple[int, int]]],
) -> None:
    accepted = _Accepted()
    everything: list[Edit] = []
    for spans in candidates:
        edits = [Edit(Span(s, s + n), "x", "rules") for s, n in spans]
        try:
            check_disjoint([*everything, *edits])
            expected = True
        except OverlappingEditsError:
            expected = False
        assert accepted.fits(edits) == expected
        if expected:
            accepted.add(edits)
            everything += edits
    assert accepted.edits == check_disjoint(everything)


def test_a_candidates_reach_covers_its_sentence_and_every_edit() -> None:
    inside = Candidate(Span(10, 20), (Edit(Span(12, 14), "x", "rules"),), "rules")
    assert inside.reach == Span(10, 20)
    past = Candidate(
        Span(10, 20), (Edit(Span(8, 8), '"', "rules"), Edit(Span(19, 23), "", "rules")), "rules"
    )
    assert past.reach == Span(8, 23)
    assert Candidate(Span(10, 20), (), "model").reach == Span(10, 20)
