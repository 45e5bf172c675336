"""What the MT-artifact rules share: the document, its quotations and its parse, and how a rule
makes a flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mtfix.core import Document, Flag, Span
from mtfix.detect import parse
from mtfix.segment import QuoteIndex

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

DETECTOR = "mt-artifacts"


@dataclass(frozen=True)
class Context:
    """What every rule needs beyond the Document: where quotations are, and the parse (made on
    first use, shared with the syntax detector)."""

    doc: Document
    quoted: tuple[Span, ...]
    _quotes: QuoteIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_quotes", QuoteIndex(self.quoted))

    @property
    def quotes(self) -> QuoteIndex:
        return self._quotes

    def in_quote(self, span: Span) -> bool:
        return self._quotes.overlaps(span)

    @cached_property
    def parsed(self) -> list[tuple[Span, Doc]]:
        return parse.paragraphs(self.doc)

    def tokens(self, span: Span) -> list[Token]:
        """The parsed tokens inside ``span``."""
        for paragraph, parsed in self.parsed:
            if paragraph.contains(span):
                return parse.tokens_in(parsed, paragraph.start, span)
        return []


def artifact_flag(span: Span, rule: str, category: str, message: str, **kw: Any) -> Flag:
    return Flag(span=span, detector=DETECTOR, rule=rule, category=category, message=message, **kw)
