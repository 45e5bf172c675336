"""Who a stray first person stands for: the writer, or a speaker the translation dropped.

A first person outside quotation marks in reported news is MT's invention ("He said he would
act. I am ready to deny it."), unless the text is the writer's own voice: a forum post, a
segment of its own. These tests read only the sentences before the pronoun's, in its text (the
document, or in a line-aligned corpus its line). The detector (:mod:`mtfix.detect.artifacts`)
uses them to word its suggestion, the selector's ``first-person`` licence
(:mod:`mtfix.select.licences`) to judge a rewrite.
"""

from __future__ import annotations

import mtfix.lexicon as lexicon
from mtfix.core import Document, Span
from mtfix.diff import tokens
from mtfix.lexicon.pronouns import FEMININE, MASCULINE
from mtfix.segment import QuoteIndex, quotations

FIRST_PERSON = frozenset(
    "i me my mine myself we us our ours ourselves i'm i've i'll i'd we're we've we'll we'd".split()
)
# Sentences before the flagged one that may name its speaker.
CONTEXT_SENTENCES = 3
_GENDERED = {
    **dict.fromkeys(("he", "him", "his", "himself"), MASCULINE),
    **dict.fromkeys(("she", "her", "hers", "herself"), FEMININE),
}


def text_before(doc: Document, sentence: Span) -> list[Span]:
    """The sentences before ``sentence`` in its text: the document, or in a line-aligned corpus
    its line (segments are texts of their own)."""
    text = (doc.paragraph_of(sentence) if doc.lines else None) or Span(0, len(doc.text))
    return [s for s in doc.sentences_in(text) if s.end <= sentence.start]


def writers_own(doc: Document, sentence: Span, quoted: QuoteIndex | None = None) -> bool:
    """Whether a first person in ``sentence`` is the writer's own voice, not a reported
    speaker's whose "he said" the translation dropped: the sentence opens its text (a forum
    post, a segment), or the one before it speaks in the first person outside quotation marks
    too ("I am supposed to work with 12 students. I have 65 of them."). ``quoted``: the
    document's quotations, where the caller has them."""
    before = text_before(doc, sentence)
    if not before:
        return True
    previous = before[-1]
    quoted = quoted or QuoteIndex(quotations(doc))
    return any(
        tok.is_word
        and lexicon.as_pronoun(tok.text) in FIRST_PERSON
        and not quoted.overlaps(Span(previous.start + tok.start, previous.start + tok.end))
        for tok in tokens(previous.of(doc.text))
    )


def speaker_gender(doc: Document, sentence: Span) -> str | None:
    """The gender of the third-person singular pronoun nearest before ``sentence`` in the last
    few sentences of its text ("..., he said."): the speaker most likely meant; None if none."""
    for s in reversed(text_before(doc, sentence)[-CONTEXT_SENTENCES:]):
        for tok in reversed(tokens(s.of(doc.text))):
            gender = _GENDERED.get(tok.text.lower()) if tok.is_word else None
            if gender:
                return gender
    return None
