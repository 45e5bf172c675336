"""Bilingual QA: checks that compare each MT segment with its source.

What a monolingual checker cannot see: numbers and dates that differ, untranslated or empty
segments, lost or added tags and placeholders, URLs and e-mail addresses, glossary terms,
whitespace and end punctuation, and the same source translated two ways in one file. The detector
runs only on a Document that has a source (``Document.aligned``); on monolingual text it finds
nothing. Rules are in :mod:`mtfix.detect.qa.checks`, one function each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from mtfix.core import Document, Flag, Severity, Span
from mtfix.detect.qa.checks import DETECTOR, Pair, check
from mtfix.detect.qa.glossary import Glossary
from mtfix.formats.base import require_cat_extra
from mtfix.formats.inline import TAG

T = TypeVar("T")


def _shifted(flag: Flag, offset: int) -> Flag:
    return replace(flag, span=Span(flag.span.start + offset, flag.span.end + offset))


def normalised(text: str) -> str:
    """A segment as consistency compares it: tags and spacing aside, case folded."""
    return " ".join(text.replace(TAG, " ").split()).casefold()


def translated_two_ways(segments: Iterable[tuple[T, str, str]]) -> list[list[list[T]]]:
    """Sources translated more than one way, from ``(where, source, target)`` triples in order:
    for each such source, the ``where`` of each translation grouped, the most common first (the
    first seen among equals)."""
    by_source: dict[str, dict[str, list[T]]] = defaultdict(lambda: defaultdict(list))
    for where, source, target in segments:
        if key := normalised(source):
            by_source[key][normalised(target)].append(where)
    return [
        sorted(translations.values(), key=lambda group: -len(group))
        for translations in by_source.values()
        if len(translations) > 1
    ]


def inconsistent(doc: Document) -> list[Flag]:
    """The same source translated differently: each translation but the most common one is
    flagged, naming the unit that has the most common one."""
    triples = ((a, a.source, a.span.of(doc.text)) for a in doc.aligned)
    flags: list[Flag] = []
    for ranked in translated_two_ways(triples):
        reference = ranked[0][0]
        where = f"unit {reference.id}" if reference.id else "an earlier segment"
        for group in ranked[1:]:
            for segment in group:
                flags.append(
                    Flag(
                        _stripped(doc.text, segment.span),
                        DETECTOR,
                        "INCONSISTENT_TRANSLATION",
                        "consistency",
                        f"the same source is translated '{reference.span.of(doc.text).strip()}' "
                        f"in {where}",
                        Severity.WARNING,
                    )
                )
    return flags


def _stripped(text: str, span: Span) -> Span:
    inner = span.of(text)
    start = span.start + len(inner) - len(inner.lstrip())
    return Span(start, max(start, span.start + len(inner.rstrip())))


class QADetector:
    name = DETECTOR

    def __init__(self, glossary: Glossary | str | Path | None = None) -> None:
        require_cat_extra("the QA checks")
        self.glossary = Glossary.load(glossary) if isinstance(glossary, str | Path) else glossary

    def detect(self, doc: Document) -> list[Flag]:
        flags: list[Flag] = []
        for segment in doc.aligned:
            pair = Pair(
                segment.source,
                segment.span.of(doc.text),
                segment.source_tags,
                segment.target_tags,
                self.glossary,
            )
            flags += [_shifted(f, segment.span.start) for f in check(pair)]
        flags += inconsistent(doc)
        return sorted(flags, key=lambda f: (f.span.start, f.span.end, f.rule))


__all__ = ["Pair", "QADetector", "check", "inconsistent", "normalised", "translated_two_ways"]
