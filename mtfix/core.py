"""The typed core every stage shares: spans, documents, flags, edits, and where text changes.

Nothing here does I/O or imports a heavy library, so every other module (and every test) can use it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import pairwise
from typing import Any, Generic, TypeVar


@dataclass(frozen=True, order=True)
class Span:
    """Half-open character offsets ``[start, end)`` into a document's original text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        # An empty span (an insertion point) overlaps a span that strictly contains its position.
        if self.start == self.end or other.start == other.end:
            return other.start <= self.start < other.end or self.start <= other.start < self.end
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def touches(self, other: Span) -> bool:
        """Whether an edit of ``self`` concerns ``other``: they share a character, or ``self`` is
        an insertion point inside ``other`` or at one of its edges (inserting right after a
        flagged word addresses that word)."""
        if self.start == self.end:
            return other.start <= self.start <= other.end
        return self.start < other.end and other.start < self.end

    def of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class Aligned:
    """A stretch of a document with the source text it translates (a CAT unit, or a line or
    paragraph of ``--source``): what bilingual checks compare. Inline tags are U+FFFC in both
    texts (mtfix.formats.inline.TAG), named in order by the ``*_tags`` labels."""

    span: Span
    source: str
    id: str = ""
    source_tags: tuple[str, ...] = ()
    target_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """The original text and its segmentation; built once by :func:`mtfix.segment.segment`."""

    text: str
    paragraphs: tuple[Span, ...]
    sentences: tuple[Span, ...]
    # A line-aligned corpus (``--lines``): each line is its own segment, unrelated to the others.
    lines: bool = False
    # Where the text has a source: one entry per aligned segment, in order; empty for monolingual.
    aligned: tuple[Aligned, ...] = ()
    # Stretches no edit may touch: inline tags and code placeholders.
    protected: tuple[Span, ...] = ()
    _line_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # Sorted indexes of the paragraphs', sentences' and aligned segments' spans, so that every
    # lookup by position is a binary search: a stage that looks up each flag stays linear.
    _paragraphs: _SpanIndex = field(init=False, repr=False, compare=False)
    _sentences: _SpanIndex = field(init=False, repr=False, compare=False)
    _aligned: _SpanIndex = field(init=False, repr=False, compare=False)
    # What a later stage derives from the whole document, kept here once computed
    # (mtfix.segment.quotations): the guard asks per candidate, and a rescan each time made
    # cleaning quadratic in the document's length.
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0] + [i + 1 for i, ch in enumerate(self.text) if ch == "\n"]
        object.__setattr__(self, "_line_starts", tuple(starts))
        object.__setattr__(self, "_paragraphs", _SpanIndex(self.paragraphs))
        object.__setattr__(self, "_sentences", _SpanIndex(self.sentences))
        object.__setattr__(self, "_aligned", _SpanIndex(tuple(a.span for a in self.aligned)))

    def sentences_in(self, span: Span) -> list[Span]:
        return [
            self.sentences[i]
            for i in self._sentences.near(span)
            if span.contains(self.sentences[i])
        ]

    def paragraph_of(self, span: Span) -> Span | None:
        for i in self._paragraphs.near(span):
            if self.paragraphs[i].contains(span):
                return self.paragraphs[i]
        return None

    def sentence_for(self, span: Span) -> Span:
        """The sentence a flag belongs to: the first it touches, else the last before it (the
        document must have sentences)."""
        for i in self._sentences.near(span):
            if span.touches(self.sentences[i]):
                return self.sentences[i]
        before = self._sentences.last_starting_at_or_before(span.start)
        return self.sentences[before] if before is not None else self.sentences[0]

    def aligned_at(self, span: Span) -> Aligned | None:
        """The aligned segment a span lies in: how a flag names its CAT unit."""
        for i in self._aligned.near(span):
            segment = self.aligned[i]
            if segment.span.contains(span) or segment.span.overlaps(span):
                return segment
        return None

    def source_of(self, span: Span) -> str | None:
        """The source text that ``span`` (a sentence, a flag) translates: its aligned segment's,
        inline tags as U+FFFC; None in a monolingual document. What a rewriter reads to check
        its rewrite against the source."""
        segment = self.aligned_at(span)
        return segment.source if segment is not None else None

    def touches_protected(self, span: Span) -> bool:
        """Whether an edit of ``span`` would change a protected stretch: it replaces one of its
        characters or inserts strictly inside it (an insertion beside a tag leaves it whole)."""
        if len(span) == 0:
            return any(p.start < span.start < p.end for p in self.protected)
        return any(p.start < span.end and span.start < p.end for p in self.protected)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset, as editors and compilers print them."""
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


def category_key(name: str) -> str:
    """The one spelling of a category every detector's flags use: lower case, words joined by
    hyphens (LanguageTool's "TYPOS" and "CONFUSED_WORDS" are "typos" and "confused-words"), so
    counts and tables never split one category by case."""
    return "-".join(name.strip().lower().replace("_", " ").split())


class _SpanIndex:
    """Spans in their given order, searchable by position when they are sorted and do not
    overlap (a document's paragraphs, sentences and segments are); otherwise every lookup
    falls back to all of them."""

    __slots__ = ("_ends", "_n", "_sorted", "_starts")

    def __init__(self, spans: Sequence[Span]) -> None:
        self._n = len(spans)
        self._starts = [s.start for s in spans]
        self._ends = [s.end for s in spans]
        self._sorted = all(a.end <= b.start for a, b in pairwise(spans))

    def near(self, span: Span) -> range:
        """Indexes, in order, of every span that may contain, overlap or touch ``span``: those
        ending at or after its start and starting at or before its end."""
        if not self._sorted:
            return range(self._n)
        return range(bisect_left(self._ends, span.start), bisect_right(self._starts, span.end))

    def last_starting_at_or_before(self, offset: int) -> int | None:
        if not self._sorted:
            found = [i for i, start in enumerate(self._starts) if start <= offset]
            return found[-1] if found else None
        i = bisect_right(self._starts, offset) - 1
        return i if i >= 0 else None


T = TypeVar("T")


class ByPosition(Generic[T]):
    """Items (flags, edits) found by where their span is: those whose span
    :meth:`~Span.touches` a given one, in their given order, by bisection on their starts rather
    than a scan of them all, so matching a document's flags to its sentences stays near-linear.
    """

    def __init__(self, items: Iterable[T], span_of: Callable[[T], Span]) -> None:
        self._items = list(items)
        spans = [span_of(item) for item in self._items]
        self._order = sorted(range(len(spans)), key=lambda i: spans[i].start)
        self._spans = [spans[i] for i in self._order]
        self._starts = [s.start for s in self._spans]
        self._longest = max((len(s) for s in spans), default=0)

    def _hits(self, span: Span) -> Iterator[int]:
        """Positions, in start order, of the items touching ``span``: an item touching it starts
        at most its own length before it, and not after it."""
        lo = bisect_left(self._starts, span.start - self._longest)
        hi = bisect_right(self._starts, span.end)
        return (k for k in range(lo, hi) if self._spans[k].touches(span))

    def touching(self, span: Span) -> list[T]:
        return [self._items[i] for i in sorted(self._order[k] for k in self._hits(span))]

    def any_touching(self, span: Span) -> bool:
        return next(self._hits(span), None) is not None


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    HINT = "hint"


@dataclass(frozen=True)
class Flag:
    """One detected problem, shaped like a LanguageTool rule match.

    ``confidence`` is the detector's confidence that ``suggestions[0]`` is the right fix; the rules
    rewriter applies it automatically only above a threshold, so a detector that is unsure leaves
    it at 0 and the flag stays a suggestion for a human. ``category`` is stored as
    :func:`category_key` spells it. ``merged`` names the flags of other detectors that reported
    the same problem and were folded into this one (``"languagetool:EN_UNPAIRED_QUOTES"``).
    """

    span: Span
    detector: str
    rule: str
    category: str
    message: str
    severity: Severity = Severity.WARNING
    suggestions: tuple[str, ...] = ()
    confidence: float = 0.0
    merged: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", category_key(self.category))

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.span.start,
            "end": self.span.end,
            "detector": self.detector,
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity.value,
            "message": self.message,
            "suggestions": list(self.suggestions),
            "merged": list(self.merged),
        }


@dataclass(frozen=True)
class Edit:
    """A replacement of one span of the original text. Edits never overlap one another."""

    span: Span
    replacement: str
    origin: str
    confidence: float = 1.0
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.span.start,
            "end": self.span.end,
            "replacement": self.replacement,
            "origin": self.origin,
            "confidence": round(self.confidence, 4),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class Candidate:
    """A rewriter's proposed version of one sentence, carried as edits against the original text."""

    sentence: Span
    edits: tuple[Edit, ...]
    origin: str
    # The rewriter's evidence for the selector (the model's log-probability margin, in nats).
    score: float = 0.0

    @property
    def reach(self) -> Span:
        """The sentence widened over the candidate's edits: a paragraph-level rules fix may
        reach past its sentence (a quote mark moved into the next)."""
        return Span(
            min([self.sentence.start, *(e.span.start for e in self.edits)]),
            max([self.sentence.end, *(e.span.end for e in self.edits)]),
        )


# A sentence to rewrite and the flags that fall inside it.
Target = tuple[Span, Sequence[Flag]]


class OverlappingEditsError(ValueError):
    pass


class UnavailableError(RuntimeError):
    """A resource mtfix needs (Java, LanguageTool, a model) cannot be used here; the message
    says why and how to fix it. The CLI turns it into exit code 3."""


def check_disjoint(edits: Iterable[Edit]) -> list[Edit]:
    """Edits sorted by position; raises if two overlap or two insert at the same point."""
    ordered = sorted(edits, key=lambda e: (e.span.start, e.span.end))
    for a, b in pairwise(ordered):
        if b.span.start < a.span.end or (a.span == b.span and len(a.span) == 0):
            raise OverlappingEditsError(f"edits overlap: {a.span} and {b.span}")
    return ordered


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The only function that changes text: splice non-overlapping edits into ``text``."""
    out: list[str] = []
    cursor = 0
    for edit in check_disjoint(edits):
        if edit.span.end > len(text):
            raise ValueError(f"edit {edit.span} runs past the end of the text ({len(text)})")
        out.append(text[cursor : edit.span.start])
        out.append(edit.replacement)
        cursor = edit.span.end
    out.append(text[cursor:])
    return "".join(out)


def apply_within(text: str, span: Span, edits: Sequence[Edit]) -> str:
    """``span``'s text with ``edits`` applied; the edits use ``text``'s offsets, inside ``span``."""
    local = [
        replace(e, span=Span(e.span.start - span.start, e.span.end - span.start)) for e in edits
    ]
    return apply_edits(span.of(text), local)
