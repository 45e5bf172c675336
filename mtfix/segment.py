"""Build a :class:`~mtfix.core.Document` from text: paragraphs, then sentences with offsets; cut
one into bounded chunks (:func:`chunks`); find its quotations.

Sentence boundaries come from spaCy's rule-based ``sentencizer`` (a blank English pipeline: no
model download, a few milliseconds per article). Paragraphs are runs of non-blank lines, or single
lines in line mode, where each input line of a line-aligned corpus is one segment.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING

import mtfix.lexicon as lexicon
from mtfix.core import Document, Span
from mtfix.spacy_import import import_spacy

if TYPE_CHECKING:
    from spacy.language import Language

# The longest stretch of a line given to the sentencizer at once.
MAX_SENTENCIZE_CHARS = 100_000
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"[^\n]+")


@lru_cache(maxsize=1)
def _nlp() -> Language:
    spacy = import_spacy()

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


def _line_pieces(line: str, limit: int = MAX_SENTENCIZE_CHARS) -> Iterator[tuple[int, str]]:
    """A line in pieces the sentencizer accepts (spaCy refuses a text over its ``max_length``,
    1,000,000 characters), cut after the last sentence end, else the last space, before the
    limit; with their offsets."""
    start = 0
    while len(line) - start > limit:
        window = line[start + limit // 2 : start + limit]
        ends = [window.rfind(mark) for mark in (". ", "? ", "! ", '." ')]
        cut = max(ends)
        if cut >= 0:
            cut += 2
        else:
            cut = window.rfind(" ") + 1 or len(window)
        yield start, line[start : start + limit // 2 + cut]
        start += limit // 2 + cut
    yield start, line[start:]


def _sentences(text: str, paragraph: Span) -> list[Span]:
    # A newline inside a paragraph (a heading line, a wrapped line) always ends a sentence.
    out: list[Span] = []
    for line in _LINE.finditer(paragraph.of(text)):
        for offset, piece in _line_pieces(line.group()):
            base = paragraph.start + line.start() + offset
            for sent in _nlp()(piece).sents:
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
    to run to the paragraph's end, so its text is never mistaken for narration. Computed once
    per document (``Document.derived``)."""
    if (known := doc.derived.get("quotations")) is not None:
        return tuple(known)
    regions: list[Span] = []
    for para in doc.paragraphs:
        text = para.of(doc.text)
        for opening, closing in PAIRED_QUOTES.items():
            regions += _paired(text, para.start, opening, closing)
        opened: int | None = None
        for mark in straight_quotes(doc, para):
            if mark.role == "open":
                opened = mark.pos
            elif mark.role == "unopened":
                regions.append(Span(mark.sentence_start, mark.pos + 1))
            elif opened is not None:
                regions.append(Span(opened, mark.pos + 1))
                opened = None
        if opened is not None:
            regions.append(Span(opened, para.end))
    found = tuple(sorted(regions))
    doc.derived["quotations"] = found
    return found


@dataclass(frozen=True)
class StraightQuote:
    """A straight quotation mark and what it does: opens, closes, or closes a quotation whose
    opening mark was lost (``unopened``: it stands before a speech tag with none open,
    ``..., "he said``; the quotation is taken to start with the sentence it ends)."""

    pos: int
    role: str
    sentence_start: int


def straight_quotes(doc: Document, para: Span) -> Iterator[StraightQuote]:
    """The straight quotation marks of a paragraph, paired in order, except that a mark before
    a speech tag closes whatever comes before it: Japanese closes a quotation before its verb
    (「...」と述べた), and MT that drops the opening mark leaves `..., "he said`."""
    text = doc.text
    is_open = False
    for i, ch in enumerate(para.of(text)):
        if ch != _STRAIGHT_QUOTE:
            continue
        pos = para.start + i
        after_space = pos > para.start and text[pos - 1] == " "
        if not is_open and after_space and lexicon.opens_speech_tag(text[pos + 1 : para.end]):
            start = doc.sentence_for(Span(pos - 1, pos - 1)).start if doc.sentences else para.start
            yield StraightQuote(pos, "unopened", max(start, para.start))
            continue
        is_open = not is_open
        yield StraightQuote(pos, "open" if is_open else "close", pos)


class QuoteIndex:
    """Quotation spans (which may nest), searchable by position: each question is a binary
    search, so rules that ask it of every sentence or token stay linear in the document."""

    def __init__(self, spans: tuple[Span, ...]) -> None:
        self.spans = tuple(sorted(spans))
        self._starts = [q.start for q in self.spans]
        # The furthest end among the first i quotations.
        self._reach = list(accumulate((q.end for q in self.spans), max))

    def _before(self, span: Span) -> int:
        """How many quotations start before ``span``'s end (at or before an empty span)."""
        if span.start == span.end:
            return bisect_right(self._starts, span.start)
        return bisect_left(self._starts, span.end)

    def overlaps(self, span: Span) -> bool:
        """Whether any quotation overlaps ``span`` (as :meth:`Span.overlaps`)."""
        k = self._before(span)
        return k > 0 and self._reach[k - 1] > span.start

    def around(self, span: Span) -> list[Span]:
        """The quotations that overlap ``span``, in order."""
        found = []
        i = self._before(span) - 1
        while i >= 0 and self._reach[i] > span.start:
            if self.spans[i].overlaps(span):
                found.append(self.spans[i])
            i -= 1
        return found[::-1]


@dataclass(frozen=True)
class _Unit:
    span: Span
    paragraph: int
    # Whether it may share a chunk with its neighbours (a piece of an over-long sentence may
    # not).
    joinable: bool = True


def _cut(text: str, start: int, end: int, limit: int) -> Iterator[Span]:
    """``text[start:end]`` in pieces of at most ``limit`` characters, cut after a space."""
    while end - start > limit:
        window = text[start + limit // 2 : start + limit]
        space = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
        cut = start + limit // 2 + space + 1 if space >= 0 else start + limit
        while cut > start + 1 and unicodedata.combining(text[cut]):
            cut -= 1  # never part an accent from its letter
        yield Span(start, cut)
        start = cut
    if end > start:
        yield Span(start, end)


def _units(doc: Document, max_chars: int, max_run: int) -> Iterator[_Unit]:
    sentences = doc.sentences
    i = 0
    for number, para in enumerate(doc.paragraphs):
        inside: list[Span] = []
        while i < len(sentences) and sentences[i].start < para.end:
            if sentences[i].end > para.start:
                inside.append(sentences[i])
            i += 1
        runs = inside or [para]
        if len(para) <= max_chars and all(len(s) <= max_run for s in runs):
            yield _Unit(para, number)
            continue
        for sentence in runs:
            if len(sentence) <= max_run:
                yield _Unit(sentence, number)
            else:
                for piece in _cut(doc.text, sentence.start, sentence.end, max_run):
                    yield _Unit(piece, number, joinable=False)


def chunks(doc: Document, max_chars: int, max_run: int, *, join: bool = True) -> list[Span]:
    """``doc`` cut into bounded stretches for a tool whose cost grows faster than its input
    (LanguageTool, the parser): contiguous, in order, each at most ``max_chars`` long and with
    no stretch over ``max_run`` characters without a sentence break, so an offset within a
    chunk plus the chunk's start is an offset in the document, exactly. They are

    - whole paragraphs, as many as fit, when their sentences are short enough;
    - a longer paragraph's sentences, as many as fit;
    - a sentence longer than ``max_run`` on its own, in pieces cut after the last space before
      the limit (or at the limit, where there is none), each a chunk of its own: together,
      they would be read as the one long sentence again.

    With ``join=False`` no chunk spans two paragraphs (a parser that reads a paragraph at a
    time). Linear: every paragraph, sentence and piece is visited once.
    """
    out: list[Span] = []
    current: Span | None = None
    paragraph = -1
    for unit in _units(doc, max_chars, max_run):
        if not unit.joinable:
            if current is not None:
                out.append(current)
                current = None
            out.append(unit.span)
        elif (
            current is not None
            and unit.span.end - current.start <= max_chars
            and (join or unit.paragraph == paragraph)
        ):
            current = Span(current.start, unit.span.end)
        else:
            if current is not None:
                out.append(current)
            current = unit.span
        paragraph = unit.paragraph
    if current is not None:
        out.append(current)
    return out
