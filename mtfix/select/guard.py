"""The guard: named rules a model candidate must pass before the selector may score it.

Rules candidates are small, rule-checked fixes already, so only model candidates are guarded.
Each rule is a function ``(Proposal) -> reason | None`` in :data:`RULES`, checked in order; the
first reason rejects the candidate and is recorded with the rule's name
(``mtfix clean --format json --explain``). The policy behind them, measured on MLQE-PE: accepting
every rewrite of a 270M model raised TER on every pair, and accepting the fluent-sounding ones
still changed meaning ("stratified armour" → "armored vehicles" on ro-en dev; "easing sanctions"
→ "strengthening sanctions" on train lines the model never saw). What the model does well is
respelling what no dictionary knows, so that is what the rules let through:

- ``protected``: no edit changes an inline tag or code placeholder of a CAT file or a source-aligned
  text (``Document.protected``); the CAT file could not be written back, or its software would
  break. The selector drops such an edit from a rules candidate too (its fixes stand alone);
- ``evidence``: the model must prefer its rewrite over copying the sentence by ``min_evidence``
  nats (``Candidate.score``), or, where a flag licenses every change the rewrite makes, by
  ``min_licensed_evidence`` (the flag is the evidence that the MT is wrong there);
- ``within-sentence``: every edit stays inside the candidate's sentence;
- ``quotation``: a balanced quoted passage (``"..."``, ``“...”``, ``「...」``) is the speaker's
  words: only a flagged misspelling inside it may change;
- ``quote-marks``: no quotation mark is added or removed (quotations span sentences the model
  does not see);
- ``numbers-and-dates``: every number (``1,200``, ``16``, ``2021``) and date word survives;
- ``names``: no proper noun is dropped or introduced, except a rare name respelt into a similar
  known one ("Masachusetts" → "Massachusetts"), a case ending MT left on a name (up to
  ``max_ending`` letters: "Podolski" → "Podolsk"), or a name a detector flagged as misspelt
  (:data:`NAME_FIX_CATEGORIES`); a lower-case word becomes a name only by capitalisation (the
  model made "lai ji", a name it could not read, into "Li Jian" on MLQE-PE si-en dev);
- ``size``: at most ``max_change`` of the sentence's words change;
- ``deletions``: words may be deleted only where they repeat their neighbours ("two hours of
  hours of work"): a word the model cannot read is still the source's word;
- ``common-words``: every changed source word is rare or a non-word (Zipf < ``max_zipf``),
  punctuation, or inside a flagged span;
- ``spelling-like``: a replacement looks like a spelling fix of the word it replaces (character
  similarity >= ``min_similarity``, at most ``max_spelling_edits`` Damerau-Levenshtein slips a
  word: "secary" → "secretary" is a guess) and is a known word;
- ``insertions``: at most ``max_insert`` inserted words (0: inserted articles cost TER on every
  MLQE-PE sample).

A flag licenses the change that repairs it (:mod:`mtfix.select.licences`): a stray "I" made
"he", a truncated tail completed, a quote mark moved, one of "although ... but" dropped, a span
the quality estimator marked BAD replaced. The word-level rules (``quotation`` to ``insertions``)
skip a licensed change; :func:`licences_used` names the licences a candidate used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz.distance import DamerauLevenshtein
from rapidfuzz.fuzz import ratio

import mtfix.lexicon as lexicon
from mtfix.core import Candidate, Document, Flag, Span, apply_within
from mtfix.diff import Change, Token, tokens, word_changes
from mtfix.select.licences import LICENSED_RULES, QUOTE_MARKS, licensed_changes

NAME_FIX_CATEGORIES = frozenset({"name-consistency", "typos", "spelling"})
# Flags about commas, case or quote marks say nothing against the words they cover, so they do
# not license the model to change those words (an LT missing-comma flag over "hey" is no reason to
# delete "hey").
NO_WORD_LICENCE_CATEGORIES = frozenset({"punctuation", "casing", "typography", "unbalanced-quote"})

_NUMBER = re.compile(r"\d")
# A number as written, its separators included: "55.000" and "55,000" tokenise alike.
_WRITTEN_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_QUOTED = re.compile(r'"([^"\n]+)"|“([^”\n]+)”|「([^」\n]+)」|『([^』\n]+)』')


@dataclass(frozen=True)
class Policy:
    """The guard's thresholds (and the selector's size cost): the conservative policy above."""

    max_change: float = 0.3
    max_zipf: float = lexicon.COMMON
    max_insert: int = 0
    size_cost: float = 0.05
    # Whether a detector flag over a common word lets the model change it.
    trust_flags: bool = True
    # A replaced word must look like a misspelling of its replacement (rapidfuzz ratio, 0–100),
    # and the replacement must be a known word (wordfreq Zipf).
    min_similarity: float = 75.0
    min_new_zipf: float = lexicon.KNOWN
    # Typing slips per replaced word a spelling fix may undo (Damerau-Levenshtein).
    max_spelling_edits: int = 2
    # Letters of a case ending MT may leave on a name ("Podolski" for Podolsk).
    max_ending: int = 3
    # Nats by which the model must prefer a candidate (Candidate.score) for it to be considered.
    min_evidence: float = 1.0
    # The same for a candidate whose every change a flag licenses: the detector has already said
    # the MT is wrong there, so the model need only not prefer the MT (on the seed, "I am ready
    # to deny it." → "He is ready ..." scored 0.28 nats: one pronoun moves a language model little).
    min_licensed_evidence: float = 0.0


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Proposal:
    """A model candidate with what the rules read about it; derived views are computed once,
    when a rule first needs them (after ``within-sentence`` has passed)."""

    doc: Document
    cand: Candidate
    # The flags of the candidate's sentence.
    flags: Sequence[Flag]
    policy: Policy

    @cached_property
    def source(self) -> str:
        return self.cand.sentence.of(self.doc.text)

    @cached_property
    def target(self) -> str:
        return apply_within(self.doc.text, self.cand.sentence, self.cand.edits)

    @cached_property
    def source_tokens(self) -> list[Token]:
        return tokens(self.source)

    @cached_property
    def target_tokens(self) -> list[Token]:
        return tokens(self.target)

    @cached_property
    def changes(self) -> list[Change]:
        return word_changes(self.source, self.target, offset=self.cand.sentence.start)

    @cached_property
    def name_flags(self) -> list[Span]:
        return [f.span for f in self.flags if f.category.lower() in NAME_FIX_CATEGORIES]

    @cached_property
    def licensed(self) -> dict[int, str]:
        """The changes a flag of the sentence licenses (index -> licence name)."""
        return licensed_changes(self)

    @cached_property
    def free_changes(self) -> list[Change]:
        """The changes no flag licenses: what the word-level rules judge."""
        return [c for n, c in enumerate(self.changes) if n not in self.licensed]

    @cached_property
    def licensed_spans(self) -> list[Span]:
        return [self.changes[n].edit.span for n in self.licensed]


GuardRule = Callable[[Proposal], str | None]


def protected(p: Proposal) -> str | None:
    for edit in p.cand.edits:
        if p.doc.touches_protected(edit.span):
            return f"changes the inline tag or placeholder at {edit.span.start}"
    return None


def evidence(p: Proposal) -> str | None:
    score = p.cand.score
    if score >= p.policy.min_evidence:
        return None
    if score >= p.policy.min_licensed_evidence and _only_licensed(p):
        return None
    return f"the model's evidence {score:.2f} is under {p.policy.min_evidence}"


def _only_licensed(p: Proposal) -> bool:
    """Whether the candidate stays in its sentence and a flag licenses every change it makes."""
    inside = all(p.cand.sentence.contains(e.span) for e in p.cand.edits)
    return inside and bool(p.changes) and not p.free_changes


def within_sentence(p: Proposal) -> str | None:
    if any(not p.cand.sentence.contains(e.span) for e in p.cand.edits):
        return "edits outside the sentence"
    return None


def quotation(p: Proposal) -> str | None:
    quoted = _quoted(p.cand.sentence, p.doc.text)
    for edit in p.cand.edits:
        inside = any(edit.span.touches(q) for q in quoted)
        licensed = any(s.contains(edit.span) for s in p.licensed_spans)
        if inside and not licensed and not any(s.contains(edit.span) for s in p.name_flags):
            return "quoted passage changed"
    return None


def quote_marks(p: Proposal) -> str | None:
    # Outside the changes the two texts are the same, so comparing each change's marks is
    # comparing the sentences'; a licensed change (a quote mark moved) is not compared.
    for c in p.free_changes:
        if [t.text for t in c.old if t.text in QUOTE_MARKS] != [
            t.text for t in c.new if t.text in QUOTE_MARKS
        ]:
            return "quotation marks changed"
    return None


def numbers_and_dates(p: Proposal) -> str | None:
    if _numbers_and_dates(p.source_tokens) != _numbers_and_dates(p.target_tokens):
        return "number or date changed"
    if sorted(_WRITTEN_NUMBER.findall(p.source)) != sorted(_WRITTEN_NUMBER.findall(p.target)):
        return "a number's separators changed"
    return None


def names(p: Proposal) -> str | None:
    # A name a detector flagged as misspelt may change (that is the fix); all else must survive.
    sentence = p.cand.sentence
    exempt = {
        t.text for t in p.source_tokens if any(_at(sentence, t).touches(s) for s in p.name_flags)
    } | {
        t.text
        for c in p.changes
        if any(c.edit.span.touches(s) for s in p.name_flags)
        for t in c.new
        if _respells_a_name(c, t)
    }
    # A name a licence brought in (a stray "I" made "Putin") is one the passage already uses.
    exempt |= {t.text for n in p.licensed for t in p.changes[n].new} | {
        t.text for n in p.licensed for t in p.changes[n].old
    }
    src_names = _names(p.source_tokens) - exempt
    tgt_names = _names(p.target_tokens) - exempt
    return _name_change(src_names - tgt_names, tgt_names - src_names, p.policy)


def size(p: Proposal) -> str | None:
    n_words = max(1, _words(p.source_tokens))
    changed = sum(max(_words(c.old), _words(c.new)) for c in p.free_changes)
    if changed > max(2.0, p.policy.max_change * n_words):
        return "too much changed"
    return None


def deletions(p: Proposal) -> str | None:
    """Only a copy of the words right before or after a deletion (MT stutter) may go."""
    for c in p.free_changes:
        deleted = [t.text.lower() for t in c.old if t.is_word]
        if not deleted or any(t.is_word for t in c.new):
            continue
        words = [t for t in p.source_tokens if t.is_word]
        at = words.index(next(t for t in c.old if t.is_word))
        text = [t.text.lower() for t in words]
        n = len(deleted)
        if text[max(0, at - n) : at] != deleted and text[at + n : at + 2 * n] != deleted:
            return f"deletes {' '.join(deleted)!r}, which repeats nothing next to it"
    return None


def common_words(p: Proposal) -> str | None:
    # A flagged word may change (trust_flags), unless its flag's repair is a licence's to allow:
    # a stray-first-person flag lets "I" become "he" only where first-person says so.
    licensed = [
        f.span
        for f in p.flags
        if f.category.lower() not in NO_WORD_LICENCE_CATEGORIES and f.rule not in LICENSED_RULES
    ]
    for c in p.free_changes:
        in_flag = p.policy.trust_flags and any(c.edit.span.touches(s) for s in licensed)
        for t in c.old:
            if t.is_word and not in_flag and not lexicon.is_rare(t.text, p.policy.max_zipf):
                return f"changes the common word {t.text!r}"
    return None


def spelling_like(p: Proposal) -> str | None:
    """Measured on MLQE-PE dev: the model "corrects" non-words it cannot read into unrelated real
    words ("verglimm" → "reality") or into other non-words ("unuselessly" → "unsuhelessly");
    neither helps, and the first changes the meaning."""
    src_words = {t.text.lower() for t in p.source_tokens if t.is_word}
    for c in p.free_changes:
        if why := _unlike_a_spelling_fix(c, src_words, p.policy):
            return why
    return None


def insertions(p: Proposal) -> str | None:
    inserted = sum(max(0, _words(c.new) - _words(c.old)) for c in p.free_changes)
    if inserted > p.policy.max_insert:
        return "inserts too much"
    return None


RULES: tuple[tuple[str, GuardRule], ...] = (
    ("protected", protected),
    ("evidence", evidence),
    ("within-sentence", within_sentence),
    ("quotation", quotation),
    ("quote-marks", quote_marks),
    ("numbers-and-dates", numbers_and_dates),
    ("names", names),
    ("size", size),
    ("deletions", deletions),
    ("common-words", common_words),
    ("spelling-like", spelling_like),
    ("insertions", insertions),
)


@dataclass(frozen=True)
class Rejection:
    rule: str
    reason: str


def guard(
    doc: Document, cand: Candidate, flags: Sequence[Flag], policy: Policy = DEFAULT_POLICY
) -> Rejection | None:
    """Which rule finds ``cand`` unsafe and why, or None when it passes every rule. ``flags`` are
    the sentence's flags."""
    if not cand.edits:
        return None
    proposal = Proposal(doc, cand, flags, policy)
    for name, rule in RULES:
        if (reason := rule(proposal)) is not None:
            return Rejection(name, reason)
    return None


def licences_used(
    doc: Document, cand: Candidate, flags: Sequence[Flag], policy: Policy = DEFAULT_POLICY
) -> tuple[str, ...]:
    """The licences (:mod:`mtfix.select.licences`) ``cand``'s changes use, in order, once each."""
    proposal = Proposal(doc, cand, flags, policy)
    if not cand.edits or within_sentence(proposal) is not None:
        return ()
    return tuple(dict.fromkeys(proposal.licensed.values()))


def _numbers_and_dates(toks: Sequence[Token]) -> list[str]:
    """The tokens a rewrite must keep exactly, as many times as they occur."""
    return sorted(t.text for t in toks if _NUMBER.search(t.text) or t.text in lexicon.DATE_WORDS)


def _names(toks: Sequence[Token]) -> set[str]:
    return {
        t.text
        for i, t in enumerate(toks)
        if t.is_word
        and t.text[0].isupper()
        and not _NUMBER.search(t.text)
        and t.text not in lexicon.DATE_WORDS
        and _is_proper(toks, i)
    }


def _respelt(old: str, new: str, policy: Policy) -> bool:
    """Whether name ``new`` is ``old`` spelt right: a rare name made a similar known one, or
    the same stem without the case ending MT left on it ("Podolski", "Namsosa", "Bernis" for
    Podolsk, Namsos, Bern in et-en), which no frequency list knows either way."""
    if _ending_dropped(old.lower(), new.lower(), policy.max_ending):
        return True
    known = lexicon.zipf(new.lower()) >= policy.min_new_zipf
    similar = ratio(old.lower(), new.lower()) >= policy.min_similarity
    return known and lexicon.is_rare(old, policy.max_zipf) and similar


def _ending_dropped(old: str, new: str, max_ending: int) -> bool:
    shared = (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    stem = next(shared, min(len(old), len(new)))
    return stem >= 4 and 0 < len(old) - stem <= max_ending and len(new) - stem <= 1


def _name_change(lost: set[str], new: set[str], policy: Policy) -> str | None:
    """Why the names a rewrite dropped and introduced are not respellings of each other."""
    for old in lost:
        match = [n for n in new if _respelt(old, n, policy)]
        if not match:
            return f"name {old!r} dropped or changed"
        new = new - {match[0]}
    return f"new name {sorted(new)[0]!r}" if new else None


def _is_proper(toks: Sequence[Token], i: int) -> bool:
    word = toks[i].text
    if word == "I" or (
        len(word) > 1 and word.isupper() and lexicon.zipf(word.lower()) > lexicon.FREQUENT
    ):
        return False
    sentence_start = i == 0 or toks[i - 1].text in {".", "!", "?", '"', "“", "(", ":", "「"}
    if sentence_start:
        # A capitalised common word opening a sentence is not a name ("The", "However").
        lowered = lexicon.zipf(word.lower())
        return lowered < lexicon.FAMILIAR or lexicon.zipf(word) > lowered
    return True


def _quoted(sentence: Span, text: str) -> list[Span]:
    """The balanced quoted passages of ``sentence``, in ``text``'s offsets."""
    return [
        Span(sentence.start + m.start(), sentence.start + m.end())
        for m in _QUOTED.finditer(sentence.of(text))
    ]


def _words(toks: Sequence[Token]) -> int:
    return sum(t.is_word for t in toks)


def _at(sentence: Span, tok: Token) -> Span:
    return Span(sentence.start + tok.start, sentence.start + tok.end)


def _respells_a_name(c: Change, new: Token) -> bool:
    """Whether ``new`` in change ``c`` respells a name of the source, or only capitalises one
    of its words: a flagged lower-case word is a misspelling, not a name to be invented."""
    old = [t.text for t in c.old if t.is_word]
    return any(w[:1].isupper() for w in old) or new.text.lower() in {w.lower() for w in old}


def _unlike_a_spelling_fix(c: Change, src_words: set[str], policy: Policy) -> str | None:
    """Why a replacement looks like a different word rather than the same word spelt right."""
    old = " ".join(t.text for t in c.old if t.is_word)
    new_words = [t.text for t in c.new if t.is_word]
    if not old or not new_words:
        return None
    new = " ".join(new_words)
    if ratio(old.lower(), new.lower()) < policy.min_similarity:
        return f"replaces {old!r} with a different word"
    slips = DamerauLevenshtein.distance(old.lower(), new.lower())
    if slips > policy.max_spelling_edits * len(old.split()):
        return f"replaces {old!r} with {new!r}: {slips} edits are more than a misspelling"
    if old[:1].isupper() and len(new_words) == 1 and _respelt(old, new_words[0], policy):
        return None  # a name's respelling, judged by the name rule
    for word in new_words:
        if word.lower() not in src_words and lexicon.zipf(word.lower()) < policy.min_new_zipf:
            return f"replaces {old!r} with the unknown word {word!r}"
    return None
