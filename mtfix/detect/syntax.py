"""Grammar checks that need a parse, for errors LanguageTool's patterns miss in MT output.

Reads the dependency parse every detector shares (:mod:`mtfix.detect.parse`), so each check
generalises beyond fixed word strings:

- RELATIVE_AGREEMENT: a relative clause whose verb disagrees in number with the noun it
  modifies ("bilateral relations, which has deteriorated", "the library, which were built").
- SUBJECT_AGREEMENT: a singular noun subject with a plural verb, the verb agreeing with a noun
  in an "of" phrase instead ("The number of households ... are", "The launch of satellites ...
  have").
- DANGLING_MODIFIER: a participial opener ("While dodging, ...") whose main clause has only an
  expletive subject ("it seems"), so nobody does the dodging.
- VERBLESS_LEAD_IN: a sentence whose narration around a quotation has no verb ("On top of that,
  on the purpose of the talks, "I want ..."): the reporting clause was lost.
- the article rules of :mod:`mtfix.detect.articles` (ARTICLE_SOUND, ARTICLE_BEFORE_NAME,
  ARTICLE_BEFORE_PLURAL, MISSING_ARTICLE).
The grammar checks are flags for a human; only the article rules that are sure auto-fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mtfix.core import Document, Flag, Severity, Span
from mtfix.detect import parse
from mtfix.detect.articles import article_flags
from mtfix.segment import QuoteIndex, quotations

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

_SINGULAR_VERB = {"VBZ"}
_PLURAL_VERB = {"VBP"}
_PLURAL_NOUN = {"NNS", "NNPS"}
_SINGULAR_NOUN = {"NN", "NNP"}
_FINITE = _SINGULAR_VERB | _PLURAL_VERB
# Collective and quantity nouns take either number ("the government, which have ...", "a number
# of people are", "the majority are").
_COLLECTIVE = frozenset(
    "government team media public staff family police majority minority percent % "
    "rest half lot couple group crowd audience committee council data bunch series variety "
    "range host handful pair none all some most many few both any".split()
)
# Singular with "the", plural with "a": "the number of cases is", "a number of cases are".
_COUNTING_NOUNS = frozenset({"number", "total"})
_PLURAL_FORMS = {"are", "were", "have"}
_SINGULAR_FORMS = {"is", "was", "has"}
_EXPLETIVES = {"it", "there"}
_OPENER_MARKS = {"while", "when", "after", "before", "since", "by", "upon"}
MIN_LEAD_IN_WORDS = 4


def _flag(doc_offset: int, sent: SpacySpan, start: int, end: int, rule: str, msg: str) -> Flag:
    # Token offsets are relative to the parsed paragraph, which starts at doc_offset.
    chars = Span(doc_offset + sent[start].idx, doc_offset + sent[end - 1].idx + len(sent[end - 1]))
    return Flag(chars, "syntax", rule, "grammar", msg, Severity.WARNING)


def relative_agreement(sent: SpacySpan, offset: int) -> Iterator[Flag]:
    for verb in sent:
        if verb.dep_ != "relcl":
            continue
        subj = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and c.tag_ == "WDT"]
        finite = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and _number(c)]
        finite += [verb] if _number(verb) else []
        if not subj or not finite:
            continue
        noun, v = verb.head, finite[0]
        if (noun.tag_ in _PLURAL_NOUN and _number(v) == "singular") or (
            noun.tag_ in _SINGULAR_NOUN
            and _number(v) == "plural"
            and noun.lower_ not in _COLLECTIVE
        ):
            i = v.i - sent.start
            message = f"'{v.text}' does not agree with '{noun.text}', which the clause describes"
            yield _flag(offset, sent, i, i + 1, "RELATIVE_AGREEMENT", message)


def _number(verb: Token) -> str | None:
    """The number a finite verb form shows, or None (a modal, a past tense other than "was")."""
    if verb.tag_ in _SINGULAR_VERB or verb.lower_ in _SINGULAR_FORMS:
        return "singular"
    if verb.tag_ in _PLURAL_VERB or verb.lower_ in _PLURAL_FORMS:
        return "plural"
    return None


def subject_agreement(sent: SpacySpan, offset: int) -> Iterator[Flag]:
    for noun in sent:
        if noun.dep_ not in ("nsubj", "nsubjpass") or noun.tag_ != "NN":
            continue
        if noun.lower_ in _COLLECTIVE or any(c.dep_ in ("conj", "cc") for c in noun.children):
            continue
        if noun.lower_ in _COUNTING_NOUNS and not any(c.lower_ == "the" for c in noun.children):
            continue
        verb = noun.head
        finite = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and _number(c)]
        finite += [verb] if _number(verb) else []
        if not finite or _number(finite[0]) != "plural" or finite[0].i < noun.i:
            continue
        # The error is attraction to a plural in the subject's own "of" phrase: "The number
        # of households ... are".
        attractors = [
            obj
            for prep in noun.children
            if prep.dep_ == "prep"
            for obj in prep.children
            if obj.dep_ == "pobj" and obj.tag_ in _PLURAL_NOUN
        ]
        if not attractors or any(t.dep_ in ("conj", "cc") for t in noun.subtree):
            continue
        v = finite[0]
        i = v.i - sent.start
        message = f"'{v.text}' does not agree with its singular subject '{noun.text}'"
        yield _flag(offset, sent, i, i + 1, "SUBJECT_AGREEMENT", message)


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
        paragraphs = parse.paragraphs(doc)
        flags: list[Flag] = []
        for para, parsed in paragraphs:
            for sent in parsed.sents:
                flags += relative_agreement(sent, para.start)
                flags += subject_agreement(sent, para.start)
                flags += dangling_modifier(sent, para.start)
                flags += verbless_lead_in(sent, para.start, quoted)
        flags += article_flags(doc, paragraphs)
        return sorted(flags, key=lambda f: (f.span.start, f.span.end, f.rule))
