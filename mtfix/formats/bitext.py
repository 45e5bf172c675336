"""A source beside the MT, as one Document: from a CAT file's units or from two aligned texts.

The MT segments are laid out as paragraphs of one Document (so document-level detectors, like
name consistency, see the whole file), each recorded in ``Document.aligned`` with its source and
unit id, and every inline tag and code placeholder recorded in ``Document.protected``. After
cleaning, :func:`changes` cuts the accepted edits back into per-unit target changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mtfix.core import Aligned, Document, Edit, Span, apply_within
from mtfix.formats.base import Change, Unit, require_cat_extra
from mtfix.formats.inline import protected_spans
from mtfix.io import InputError
from mtfix.segment import paragraphs, segment

# Units are joined by a blank line: a paragraph break no sentence runs across.
SEPARATOR = "\n\n"


def _with_sources(base: Document, aligned: Sequence[Aligned]) -> Document:
    protected = tuple(
        span for a in aligned for span in protected_spans(a.span.of(base.text), a.span.start)
    )
    return replace(base, aligned=tuple(aligned), protected=protected)


def from_units(units: Sequence[Unit]) -> Document:
    text, aligned = "", []
    for unit in units:
        start = len(text)
        text += unit.target
        aligned.append(
            Aligned(
                Span(start, len(text)),
                unit.source,
                unit.id,
                unit.source_tags,
                unit.target_tags,
            )
        )
        text += SEPARATOR
    return _with_sources(segment(text), aligned)


def _line_spans(text: str) -> list[Span]:
    spans, cursor = [], 0
    for line in text.removesuffix("\n").split("\n"):
        body = line.removesuffix("\r")
        spans.append(Span(cursor, cursor + len(body)))
        cursor += len(line) + 1
    return spans


def document(
    text: str,
    source: str | None,
    *,
    lines: bool,
    target_name: str = "the text",
    source_name: str = "source",
) -> Document:
    """``text`` as mtfix reads it: segmented and, where it has a ``source``, aligned with it
    (:func:`from_texts`); the names are for the error a misaligned pair gets."""
    if source is None:
        return segment(text, lines=lines)
    return from_texts(text, source, lines=lines, target_name=target_name, source_name=source_name)


def from_texts(
    target: str, source: str, *, lines: bool, target_name: str, source_name: str
) -> Document:
    """The MT text with ``source`` aligned to it: line i with line i (``lines``: blank lines
    count, so a blank MT line beside a source line is an empty target), else paragraph with
    paragraph. A count mismatch is an InputError naming both files and both counts."""
    require_cat_extra("a source beside the MT")
    if lines:
        target_spans, source_spans = _line_spans(target), _line_spans(source)
    else:
        target_spans, source_spans = paragraphs(target), paragraphs(source)
    if len(target_spans) != len(source_spans):
        unit = "lines" if lines else "paragraphs"
        raise InputError(
            f"{target_name} has {len(target_spans)} {unit} but --source {source_name} has "
            f"{len(source_spans)}: they must align one to one"
        )
    aligned = [
        Aligned(span, src.of(source), str(i))
        for i, (span, src) in enumerate(zip(target_spans, source_spans, strict=True), start=1)
    ]
    return _with_sources(segment(target, lines=lines), aligned)


def describe(edit: Edit, doc: Document) -> str:
    """One line of a unit's note: what mtfix replaced, with what, and which rewriter did it."""
    rule = f" {edit.rule}" if edit.rule else ""
    return f"'{edit.span.of(doc.text)}' -> '{edit.replacement}' ({edit.origin}{rule})"


def changes(doc: Document, edits: Sequence[Edit]) -> dict[int, Change]:
    """Accepted edits as new targets by unit index. An edit is in one unit or none (the selector
    never joins segments); one that touches a protected span is refused, as the guard does."""
    by_unit: dict[int, list[Edit]] = {}
    for edit in edits:
        if doc.touches_protected(edit.span):
            raise ValueError(f"edit {edit.span} touches an inline tag or placeholder")
        index = next((i for i, a in enumerate(doc.aligned) if a.span.contains(edit.span)), None)
        if index is None:
            raise ValueError(f"edit {edit.span} is not inside one unit")
        by_unit.setdefault(index, []).append(edit)
    return {
        index: Change(
            apply_within(doc.text, doc.aligned[index].span, unit_edits),
            "; ".join(describe(e, doc) for e in unit_edits),
        )
        for index, unit_edits in by_unit.items()
    }
