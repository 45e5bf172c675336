"""Word-level diffs: turn a rewritten sentence into minimal edits against the original text.

Rewriters produce whole sentences; the selector and the output formats want small edits in
original-text offsets, so that an accepted fix touches only the words it changes and a reader (or
the guard) sees exactly which words moved. Tokens are words (letters/digits with inner
apostrophes) and single punctuation marks; whitespace between equal tokens is kept as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from mtfix.core import Edit, Span

_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum() or self.text[0] == "_"


def tokens(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@dataclass(frozen=True)
class Change:
    """One differing region: source tokens ``old`` became ``new``, as an edit of the source."""

    old: tuple[Token, ...]
    new: tuple[Token, ...]
    edit: Edit


def word_changes(
    source: str, rewrite: str, *, offset: int = 0, origin: str = "model", confidence: float = 1.0
) -> list[Change]:
    """The token-level differences of ``rewrite`` from ``source``, as non-overlapping edits.

    ``offset`` is where ``source`` starts in the document, so edits come out in document offsets.
    """
    old, new = tokens(source), tokens(rewrite)
    matcher = SequenceMatcher(None, [t.text for t in old], [t.text for t in new], autojunk=False)
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            start, end = old[i1].start, old[i2 - 1].end
            replacement = rewrite[new[j1].start : new[j2 - 1].end]
        elif tag == "delete":
            # Take the whitespace before the deleted words with them ("a, b" minus "," is "a b").
            if i1 > 0:
                start, end = old[i1 - 1].end, old[i2 - 1].end
            else:
                start = old[0].start
                end = old[i2].start if i2 < len(old) else old[i2 - 1].end
            replacement = ""
        else:  # insert
            # Attach after the preceding word, so "a b" plus "," gives "a, b", not "a , b".
            if i1 > 0:
                start = end = old[i1 - 1].end
                replacement = rewrite[new[j1 - 1].end : new[j2 - 1].end]
            elif old:
                start = end = old[0].start
                replacement = rewrite[new[j1].start : new[j2].start]
            else:
                start = end = 0
                replacement = rewrite.strip()
        edit = Edit(Span(offset + start, offset + end), replacement, origin, confidence)
        changes.append(Change(tuple(old[i1:i2]), tuple(new[j1:j2]), edit))
    return changes


def segments(text: str, edits: Sequence[Edit], span: Span | None = None) -> list[tuple[str, str]]:
    """``span`` of ``text`` (all of it by default) with ``edits`` as a diff: ``("=", kept)``,
    ``("-", removed)`` and ``("+", inserted)`` pieces in reading order."""
    span = span or Span(0, len(text))
    out: list[tuple[str, str]] = []
    cursor = span.start
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        if cursor < edit.span.start:
            out.append(("=", text[cursor : edit.span.start]))
        if len(edit.span):
            out.append(("-", edit.span.of(text)))
        if edit.replacement:
            out.append(("+", edit.replacement))
        cursor = max(cursor, edit.span.end)
    if cursor < span.end:
        out.append(("=", text[cursor : span.end]))
    return out
