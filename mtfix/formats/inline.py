"""Inline markup inside a segment: tags and code placeholders, which no edit may touch.

A CAT file's target mixes text with inline elements (XLIFF 1.2 ``<g>``, ``<x/>``, ``<ph>``,
``<mrk>``; XLIFF 2.0 ``<pc>``, ``<ph/>``, ``<sc/>``; TMX ``<bpt>``, ``<ph>``). Detectors and
rewriters work on plain text, so each element boundary becomes one :data:`TAG` character
(U+FFFC OBJECT REPLACEMENT CHARACTER, Unicode's stand-in for an embedded object: LanguageTool
and spaCy treat it as a neutral symbol, measured in tests/test_formats.py) and the element itself
stays in the XML tree. Writing back reassigns only the XML ``text`` and ``tail`` strings between
elements, so every element keeps its attributes and content byte for byte; a text whose TAG count
changed cannot be written back (:meth:`InlineContent.fill` refuses it).

Code placeholders in plain text (printf ``%s``/``%1$d``, ``{name}``) are found with the same
patterns translate-toolkit's pofilter checks use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mtfix.core import Span

TAG = "\ufffc"

# Elements whose content is translatable text between an opening and a closing boundary; every
# other inline element (x, bx, ex, ph, bpt, ept, it, sc, ec, cp, sm, em, ut, comments) is one
# opaque token, native code and all.
PAIRED = frozenset({"g", "pc", "mrk", "hi"})

# printf conversions a format string can use; "%で" or "% d" in prose is not one.
_PRINTF_TYPES = frozenset("diouxXeEfFgGaAcspn@")
_ESCAPED_PERCENT = re.compile("%%")


def local_name(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else "#comment"


def _label(element: Any, closing: bool = False) -> str:
    """A tag's name and id ("g#1", "/g#1", "ph#2"): what the tag check compares, source and MT."""
    if not isinstance(element.tag, str):
        return "#comment"
    ident = element.get("id") or element.get("i") or element.get("x") or ""
    return f"{'/' if closing else ''}{local_name(element)}{'#' + ident if ident else ''}"


@dataclass
class InlineContent:
    """An XML element's mixed content as text with one TAG per inline markup boundary.

    ``slots[i]`` is where the i-th text chunk lives: an element and ``"text"`` or ``"tail"``.
    """

    element: Any
    labels: list[str] = field(default_factory=list)
    slots: list[tuple[Any, str]] = field(default_factory=list)

    @classmethod
    def of(cls, element: Any) -> InlineContent:
        content = cls(element)
        content._walk(element)
        return content

    def _walk(self, element: Any) -> None:
        self.slots.append((element, "text"))
        for child in element:
            if local_name(child) in PAIRED:
                self.labels.append(_label(child))
                self._walk(child)
                self.labels.append(_label(child, closing=True))
            else:
                self.labels.append(_label(child))
            self.slots.append((child, "tail"))

    @property
    def chunks(self) -> list[str]:
        return [getattr(element, attr) or "" for element, attr in self.slots]

    @property
    def text(self) -> str:
        return TAG.join(self.chunks)

    def fill(self, text: str) -> None:
        """Put ``text`` (this content's text with edits between the TAGs) back into the tree."""
        chunks = text.split(TAG)
        if len(chunks) != len(self.slots):
            raise ValueError(
                f"inline tags changed: {len(self.slots) - 1} expected, {len(chunks) - 1} found"
            )
        for (element, attr), chunk in zip(self.slots, chunks, strict=True):
            if chunk != (getattr(element, attr) or ""):
                setattr(element, attr, chunk or None)


def tag_spans(text: str, offset: int = 0) -> Iterator[Span]:
    for i, ch in enumerate(text):
        if ch == TAG:
            yield Span(offset + i, offset + i + 1)


def _printf_pattern() -> re.Pattern[str]:
    from translate.filters.checks.standard import printf_pat

    return printf_pat


def _brace_pattern() -> re.Pattern[str]:
    from translate.storage.placeables.general import BracePlaceable

    return BracePlaceable.regex


def placeholders(text: str) -> list[tuple[Span, str]]:
    """Code placeholders in ``text`` (printf and brace formats), in order of appearance."""
    found = [
        (Span(m.start(), m.end()), m.group())
        for m in _printf_pattern().finditer(text)
        if m.group("type") in _PRINTF_TYPES or m.group("boost_ord")
    ]
    found += [(Span(m.start(), m.end()), m.group()) for m in _brace_pattern().finditer(text)]
    # "%%" is a format string's literal percent: an edit to "%" would change what it prints.
    found += [(Span(m.start(), m.end()), m.group()) for m in _ESCAPED_PERCENT.finditer(text)]
    found.sort(key=lambda item: item[0])
    # A brace format may contain a printf-looking stretch ("{x:%d}"): keep the outer one.
    kept: list[tuple[Span, str]] = []
    for span, value in found:
        if kept and kept[-1][0].overlaps(span):
            if len(span) > len(kept[-1][0]):
                kept[-1] = (span, value)
            continue
        kept.append((span, value))
    return kept


def protected_spans(text: str, offset: int = 0) -> list[Span]:
    """Every stretch of ``text`` no edit may touch: inline tags and code placeholders."""
    spans = list(tag_spans(text, offset))
    spans += [Span(offset + s.start, offset + s.end) for s, _ in placeholders(text)]
    return sorted(spans)
