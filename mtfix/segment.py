"""Build a :class:`~mtfix.core.Document` from text: paragraphs, then sentences with offsets.

Sentence boundaries come from spaCy's rule-based ``sentencizer`` (a blank English pipeline: no
model download, a few milliseconds per article). Paragraphs are runs of non-blank lines, or single
lines in line mode, where each input line of a line-aligned corpus is one segment.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from mtfix.core import Document, Span

if TYPE_CHECKING:
    from spacy.language import Language

_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"[^\n]+")


@lru_cache(maxsize=1)
def _nlp() -> Language:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None


def paragraphs(text: str, *, lines: bool = False) -> list[Span]:
    if lines:
        found = (_trimmed(text, m.start(), m.end()) for m in _LINE.finditer(text))
        return [s for s in found if s is not None]
    spans: list[Span] = []
    cursor = 0
    for m in _BLANK_LINES.finditer(text):
        if (s := _trimmed(text, cursor, m.start())) is not None:
            spans.append(s)
        cursor = m.end()
    if (s := _trimmed(text, cursor, len(text))) is not None:
        spans.append(s)
    return spans


def _sentences(text: str, paragraph: Span) -> list[Span]:
    # A newline inside a paragraph (a heading line, a wrapped line) always ends a sentence.
    out: list[Span] = []
    for line in _LINE.finditer(paragraph.of(text)):
        base = paragraph.start + line.start()
        for sent in _nlp()(line.group()).sents:
            if (s := _trimmed(text, base + sent.start_char, base + sent.end_char)) is not None:
                out.append(s)
    return out


def segment(text: str, *, lines: bool = False) -> Document:
    paras = paragraphs(text, lines=lines)
    sentences = [s for p in paras for s in _sentences(text, p)]
    return Document(text=text, paragraphs=tuple(paras), sentences=tuple(sentences), lines=lines)


_STRAIGHT_QUOTE = '"'
# Marks that open and close a quotation, each with its own closing mark: curly quotes, and the
# Japanese corner brackets MT leaves in English (「」 for speech, 『』 for titles and quotes inside
# quotes).
PAIRED_QUOTES = {"“": "”", "「": "」", "『": "』"}


def _paired(text: str, base: int, opening: str, closing: str) -> list[Span]:
    """Quotations opened by ``opening`` and closed by ``closing``; one never closed runs to the
    end of ``text``."""
    regions: list[Span] = []
    start = None
    for i, ch in enumerate(text):
        if ch == opening and start is None:
            start = i
        elif ch == closing and start is not None:
            regions.append(Span(base + start, base + i + 1))
            start = None
    if start is not None:
        regions.append(Span(base + start, base + len(text)))
    return regions


def quotations(doc: Document) -> tuple[Span, ...]:
    """Quoted stretches of each paragraph: straight quotes paired in order, curly quotes and
    Japanese corner brackets (「」『』) by their direction. An opening quote never closed is taken
    to run to the paragraph's end, so its text is never mistaken for narration."""
    regions: list[Span] = []
    for para in doc.paragraphs:
        text = para.of(doc.text)
        for opening, closing in PAIRED_QUOTES.items():
            regions += _paired(text, para.start, opening, closing)
        marks = [para.start + i for i, ch in enumerate(text) if ch == _STRAIGHT_QUOTE]
        for i in range(0, len(marks), 2):
            end = marks[i + 1] + 1 if i + 1 < len(marks) else para.end
            regions.append(Span(marks[i], end))
    return tuple(sorted(regions))
