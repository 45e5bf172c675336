"""The text a LanguageTool request checks, and how mtfix's offsets become the client's.

A client sends ``text``, or ``data``: annotated text, a JSON list of text and markup pieces (LTeX
sends LaTeX and Markdown this way), where markup is skipped unless it has ``interpretAs`` (a
``<p>`` read as a blank line). mtfix checks the plain text (text pieces and ``interpretAs``), but
the client counts offsets in what it sent, markup included, and in UTF-16 code units, as Java
strings do (LibreOffice, LTeX and browsers expect that): an emoji is one Python character and two
code units. :class:`RequestText` maps a plain-text span (Python ``str`` indices) to the client's
offset and length, and LanguageTool's own offsets back.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from mtfix.core import Span
from mtfix.serve.errors import RequestError

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Piece:
    """One piece of the request: ``plain`` is what mtfix sees of it (the text, a markup's
    ``interpretAs``, or nothing), at ``plain_start`` in the plain text and ``start`` in the
    original."""

    plain_start: int
    plain: str
    start: int
    original: str
    markup: bool = False


@dataclass(frozen=True)
class RequestText:
    plain: str
    original: str
    pieces: tuple[Piece, ...]
    # Python indices of the original's characters outside the BMP, each two UTF-16 code units.
    _astral: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # ... and the UTF-16 offset of each.
    _astral16: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        astral = tuple(m.start() for m in _ASTRAL.finditer(self.original))
        object.__setattr__(self, "_astral", astral)
        object.__setattr__(self, "_astral16", tuple(p + n for n, p in enumerate(astral)))

    @classmethod
    def of_text(cls, text: str) -> RequestText:
        return cls(text, text, (Piece(0, text, 0, text),))

    @classmethod
    def of_data(cls, data: str) -> RequestText:
        """Parse the ``data`` parameter; malformed data is a 400 worded as LanguageTool words
        it."""
        try:
            parsed = json.loads(data)
        except ValueError:
            raise RequestError(400, "Could not parse JSON from 'data' parameter") from None
        if isinstance(parsed, dict) and isinstance(parsed.get("text"), str):
            return cls.of_text(parsed["text"])
        items = parsed.get("annotation") if isinstance(parsed, dict) else None
        if not isinstance(items, list):
            raise RequestError(400, "'data' key in JSON requires 'text' or 'annotation' key")
        pieces: list[Piece] = []
        plain_at = at = 0
        for item in items:
            piece = _piece(item, plain_at, at)
            pieces.append(piece)
            plain_at += len(piece.plain)
            at += len(piece.original)
        plain = "".join(p.plain for p in pieces)
        return cls(plain, "".join(p.original for p in pieces), tuple(pieces))

    # -- mtfix's offsets (plain text, Python indices) to the client's (original, UTF-16) --------

    def original_span(self, span: Span) -> Span:
        """A plain-text span in the original's Python indices: an edge inside a markup's
        ``interpretAs`` lands on the markup's edge, so the markup is covered whole."""
        if len(span) == 0:
            at = self._start(span.start) if span.start < len(self.plain) else self._end(span.start)
            return Span(at, at)
        return Span(self._start(span.start), self._end(span.end))

    def utf16(self, offset: int) -> int:
        """A Python index of the original as a UTF-16 offset."""
        return offset + bisect_left(self._astral, offset)

    def client_span(self, span: Span) -> tuple[int, int]:
        """``(offset, length)`` of a plain-text span as the client counts them."""
        original = self.original_span(span)
        start = self.utf16(original.start)
        return start, self.utf16(original.end) - start

    def _start(self, offset: int) -> int:
        visible = self._visible
        i = bisect_right(self._visible_starts, offset) - 1
        if i < 0:
            return 0
        p = visible[i]
        return p.start if p.markup else p.start + offset - p.plain_start

    def _end(self, offset: int) -> int:
        visible = self._visible
        i = bisect_left(self._visible_starts, offset) - 1
        if i < 0:
            return 0
        p = visible[i]
        return p.start + len(p.original) if p.markup else p.start + offset - p.plain_start

    @cached_property
    def _visible(self) -> list[Piece]:
        return [p for p in self.pieces if p.plain]

    @cached_property
    def _visible_starts(self) -> list[int]:
        return [p.plain_start for p in self._visible]

    # -- LanguageTool's offsets (original, UTF-16) back to the plain text ----------------------

    def python(self, offset16: int) -> int:
        """A UTF-16 offset of the original as a Python index."""
        return offset16 - bisect_left(self._astral16, offset16)

    def plain_span(self, offset16: int, length16: int) -> Span | None:
        """A LanguageTool match's span in the plain text; None when an edge is in markup."""
        start, end = self.python(offset16), self.python(offset16 + length16)
        texts = [p for p in self.pieces if not p.markup]
        first = next((p for p in texts if p.start <= start < p.start + len(p.original)), None)
        last = next((p for p in texts if p.start < end <= p.start + len(p.original)), None)
        if first is None or last is None or end < start:
            return None
        return Span(first.plain_start + start - first.start, last.plain_start + end - last.start)


def _piece(item: Any, plain_at: int, at: int) -> Piece:
    shown = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    if not isinstance(item, dict) or not ({"text", "markup"} & item.keys()):
        raise RequestError(
            400, f"Only 'text' and 'markup' are supported in 'annotation' list: {shown}"
        )
    if "text" in item and "markup" in item:
        raise RequestError(
            400,
            "Only either 'text' or 'markup' are supported in an object in 'annotation' list, "
            f"not both: {shown}",
        )
    values = [item.get(key, "") for key in ("text", "markup", "interpretAs")]
    if not all(isinstance(v, str) for v in values):
        raise RequestError(400, f"'text', 'markup' and 'interpretAs' must be strings: {shown}")
    text, markup, interpret = values
    if "text" in item:
        return Piece(plain_at, text, at, text)
    return Piece(plain_at, interpret, at, markup, markup=True)
