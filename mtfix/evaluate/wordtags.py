"""Word-level quality labels: which MT words a post-editor changed, as the WMT QE tasks derive them.

Every token of the MT (:func:`mtfix.diff.tokens`: words and single punctuation marks) is tagged
OK or BAD from a TER alignment of the MT to its post-edit: the alignment TERCOM computes (greedy
block shifts while they lower the edit distance, then Levenshtein), here sacrebleu's
reimplementation of it (``sacrebleu.metrics.lib_ter``, the same code as its TER metric, so a
sentence's BAD count agrees with the TER figures mtfix reports). A token is BAD when the alignment
substitutes or deletes it, when it had to be shifted, or when the post-editor inserted words right
after it (before it, for an insertion at the start): WMT tags such insertions on the gap between
words, and folding each gap into the word before it keeps one tag per word, which is what a
detector flags. Matching is case-sensitive: a post-editor who capitalised a word changed it.

sacrebleu exposes the alignment's steps but not its result, so :func:`word_tags` runs the same
loop as ``lib_ter.translation_edit_rate`` on tokens that remember their position (a ``str``
subclass: equality and hashing are the text's), which is how it learns where each shifted token
came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mtfix.diff import Token, tokens


class _Positioned(str):
    """A token's text that also knows its index in the MT."""

    origin: int

    def __new__(cls, text: str, origin: int) -> _Positioned:
        word = super().__new__(cls, text)
        word.origin = origin
        return word


@dataclass(frozen=True)
class Tagged:
    token: Token
    bad: bool


def word_tags(mt: str, pe: str) -> list[Tagged]:
    """Each token of ``mt`` with its tag against the post-edit ``pe``."""
    from sacrebleu.metrics import lib_ter

    mt_tokens = tokens(mt)
    hyp = [_Positioned(t.text, i) for i, t in enumerate(mt_tokens)]
    ref = [t.text for t in tokens(pe)]
    if not hyp:
        return []
    if not ref:
        return [Tagged(t, True) for t in mt_tokens]
    edit_distance = lib_ter.BeamEditDistance(ref)
    words: list[Any] = hyp
    bad = [False] * len(hyp)
    checked = 0
    while True:
        # lib_ter.translation_edit_rate's loop: take the best shift while it lowers the distance.
        delta, shifted, checked = lib_ter._shift(words, ref, edit_distance, checked)
        if checked >= lib_ter._MAX_SHIFT_CANDIDATES or delta <= 0:
            break
        for index in _shifted_block(words, shifted):
            bad[index] = True
        words = shifted
    _, trace = edit_distance(words)
    position = -1  # the last MT token the trace consumed, in shifted order
    for op in trace:
        # The trace rewrites the MT into the post-edit: "d" consumes an MT token alone, "i" a
        # post-edit token alone, " " and "s" one of each.
        if op in " sd":
            position += 1
            if op != " ":
                bad[words[position].origin] = True
        elif op == "i":
            bad[words[max(position, 0)].origin] = True
    return [Tagged(t, b) for t, b in zip(mt_tokens, bad, strict=True)]


def _shifted_block(before: Sequence[Any], after: Sequence[Any]) -> list[int]:
    """The MT indices of the tokens one shift moved. A shift turns a stretch ``A B`` into
    ``B A``; the block that moved is the shorter side (TERCOM moves blocks of at most ten tokens
    to where they match the post-edit, past whatever lies between)."""
    old = [w.origin for w in before]
    new = [w.origin for w in after]
    differ = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    if not differ:
        return []
    stretch = old[differ[0] : differ[-1] + 1]
    split = stretch.index(new[differ[0]])
    first, second = stretch[:split], stretch[split:]
    return first if len(first) <= len(second) else second
