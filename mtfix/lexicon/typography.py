"""Japanese typography in English text: which marks are full-width or CJK, and what they are in
ASCII.

Japanese text is set in full-width characters: ``，`` ``。`` ``．`` for punctuation, ``１３`` for
digits, ``ＧＤＰ`` for Latin letters, ``「」`` and ``『』`` for quotation marks. MT copies them into
its English. Unicode's NFKC normalisation (``unicodedata``) knows the ASCII form of every
full-width form (U+FF01–U+FF5E) and of the ideographic space; the CJK punctuation it leaves alone
(``。`` ``、`` ``「」`` ``『』`` ``【】``) is mapped here. Every mark maps to one character, so a
text folded to ASCII keeps its offsets: what a parser or LanguageTool reads instead of the marks.
"""

from __future__ import annotations

import unicodedata

# CJK punctuation NFKC keeps as it is, and what English uses for it.
_CJK_PUNCTUATION = {
    "。": ".",
    "、": ",",
    "「": '"',
    "」": '"',
    "『": '"',
    "』": '"',
    "【": "[",
    "】": "]",
    "〔": "(",
    "〕": ")",
}
OPENING_QUOTES = frozenset("「『")
CLOSING_QUOTES = frozenset("」』")
JAPANESE_QUOTES = OPENING_QUOTES | CLOSING_QUOTES
# Every mark that opens or closes a quotation in English text or in Japanese typography MT kept.
QUOTE_MARKS = frozenset('"“”„«»') | JAPANESE_QUOTES
# Marks after which English puts a space before the next word.
SPACED_AFTER = frozenset(",.:;!?)]")
SPACED_BEFORE = frozenset("([")


def ascii_form(ch: str) -> str | None:
    """The ASCII character English uses for the full-width or CJK mark ``ch``, or None when
    ``ch`` is no such mark (an ASCII character, a kana, a kanji)."""
    if ch in _CJK_PUNCTUATION:
        return _CJK_PUNCTUATION[ch]
    if ch == "\u3000" or "\uff01" <= ch <= "\uff5e":
        return unicodedata.normalize("NFKC", ch)
    return None


def fold(text: str) -> str:
    """``text`` with every full-width or CJK mark replaced by its ASCII form, one character for
    one, so offsets into the result are offsets into ``text``."""
    return "".join(ascii_form(ch) or ch for ch in text)


def is_japanese_script(ch: str) -> bool:
    """Kana or a CJK ideograph: text in which full-width punctuation is right."""
    return (
        "\u3040" <= ch <= "\u30ff"  # hiragana, katakana
        or "\u3400" <= ch <= "\u9fff"  # CJK ideographs (extension A and the unified block)
        or "\uff66" <= ch <= "\uff9f"  # half-width katakana
    )
