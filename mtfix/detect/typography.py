"""Japanese typography left in English: full-width punctuation, digits and letters, and corner
brackets used as quotation marks.

Each mark is flagged with the ASCII English uses for it (:mod:`mtfix.lexicon.typography`), with
the space English puts after a comma or full stop where the full-width mark had none
("Tokyo，the" → "Tokyo, the"), and fixed automatically: in English text a full-width mark is
never right. Inside Japanese text (a mark next to kana or kanji: an untranslated stretch, a name
in the original script) the marks are Japanese typography and are left alone.

- FULL_WIDTH_CHARACTER: ``１３`` → ``13``, ``ＧＤＰ`` → ``GDP``, ``，`` → ``,``, ``．`` → ``.``;
- JAPANESE_PUNCTUATION: ``。`` → ``.``, ``、`` → ``,``, ``【】`` → ``[]``;
- JAPANESE_QUOTE: ``「」`` and ``『』`` → ``"`` (``'`` inside a quotation that straight or curly
  quotes already open).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from mtfix.core import Flag, Span
from mtfix.detect.context import Context, artifact_flag
from mtfix.lexicon.typography import (
    CLOSING_QUOTES,
    JAPANESE_QUOTES,
    OPENING_QUOTES,
    SPACED_AFTER,
    SPACED_BEFORE,
    ascii_form,
    is_japanese_script,
)

CONFIDENCE = 0.95
_OUTER_QUOTES = frozenset('"“”')


def _is_full_width_alnum(ch: str) -> bool:
    form = ascii_form(ch)
    return form is not None and form.isalnum() and ch != form


def _runs(text: str) -> Iterator[tuple[int, int]]:
    """Each full-width or CJK mark, a run of full-width digits and letters taken as one."""
    i = 0
    while i < len(text):
        if ascii_form(text[i]) is None:
            i += 1
            continue
        j = i + 1
        if _is_full_width_alnum(text[i]):
            while j < len(text) and _is_full_width_alnum(text[j]):
                j += 1
        yield i, j
        i = j


def _quote_fix(ctx: Context, pos: int, mark: str) -> str:
    """A straight double quote, or a single one where another quotation already encloses it."""
    nested = any(
        q.start < pos < q.end - 1 and ctx.doc.text[q.start] in _OUTER_QUOTES for q in ctx.quoted
    )
    fix = "'" if nested else '"'
    before = ctx.doc.text[pos - 1] if pos > 0 else " "
    after = ctx.doc.text[pos + 1] if pos + 1 < len(ctx.doc.text) else " "
    if mark in OPENING_QUOTES and (before.isalnum() or before in ",:"):
        fix = " " + fix
    if mark in CLOSING_QUOTES and after.isalnum():
        fix += " "
    return fix


def _punctuation_fix(text: str, start: int, end: int, form: str) -> str:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if form in ".," and before.isdigit() and after.isdigit():
        return form  # a decimal point or a thousands separator: "1．62", "1，000"
    if form == "~" and before.isdigit() and after.isdigit():
        return "-"  # a range: "3～5"
    if form in SPACED_AFTER and after.isalnum():
        return form + " "
    if form in SPACED_BEFORE and before.isalnum():
        return " " + form
    return form


def japanese_typography(ctx: Context) -> Iterator[Flag]:
    text = ctx.doc.text
    for start, end in _runs(text):
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if is_japanese_script(before) or is_japanese_script(after):
            continue
        mark = text[start:end]
        span = Span(start, end)
        if mark in JAPANESE_QUOTES:
            rule, fix = "JAPANESE_QUOTE", _quote_fix(ctx, start, mark)
            what = f"Japanese quotation mark '{mark}'"
        elif _is_full_width_alnum(mark[0]):
            rule, fix = "FULL_WIDTH_CHARACTER", unicodedata.normalize("NFKC", mark)
            what = f"full-width '{mark}'"
        else:
            form = ascii_form(mark) or mark
            fix = _punctuation_fix(text, start, end, form)
            full_width = "\uff01" <= mark <= "\uff5e" or mark == "\u3000"
            rule = "FULL_WIDTH_CHARACTER" if full_width else "JAPANESE_PUNCTUATION"
            what = f"{'full-width' if full_width else 'Japanese'} '{mark}'"
        yield artifact_flag(
            span,
            rule,
            "typography",
            f"{what} in English text, where ASCII is written",
            suggestions=(fix,),
            confidence=CONFIDENCE,
        )
