"""The selector: decide which proposed candidates reach the output. Rewriters only propose.

Per sentence the options are: the original (no edit), the rules candidate (at most one, from
``origin == "rules"``) and any model candidates. The decision:

0. **Edit filter** (all candidates). An edit that only respells a word between British and
   American English is dropped (:func:`regional_variant`): it fixes nothing, and on MLQE-PE dev
   such edits were most of the harm the rules did (TER +0.62 → +0.11 on 300 ro-en lines).
1. **Guard** (model candidates only; rules candidates are small, rule-checked fixes already).
   A candidate is rejected when
   - the model is not sure of it: ``Candidate.score`` (its evidence, see below) under
     ``min_evidence`` nats;
   - its rewrite of the sentence drops, adds or changes a number (``1,200``, ``16``, ``2021``) or
     a date word (month, weekday);
   - it touches quotation: alters a balanced quoted passage (``"..."``, ``“...”``, ``「...」``)
     other than inside a flagged misspelling there, or
     adds or removes a quotation mark (the model reads one sentence; quotations span several);
   - it drops a proper noun (a capitalised word that is not a common word at sentence start) or
     introduces a new one, except that a rare name may be respelt into a similar known one
     ("Masachusetts" → "Massachusetts"), a name may lose a case ending MT left on it (up to
     ``max_ending`` letters: "Podolski" → "Podolsk") and a detector-flagged
     misspelt name (categories in :data:`NAME_FIX_CATEGORIES`) may change; a repeated name
     may lose its repeat. A lower-case word becomes a name only by capitalisation: the model
     made "lai ji" (a name it could not read) into "Li Jian" on MLQE-PE si-en dev;
   - it changes more than ``max_change`` of the sentence's words;
   - and, per the measured policy (design.md: accepting fluent swaps of real words changes
     meaning, "stratified armour" → "armored vehicles"; on MLQE-PE train lines the model never
     saw, "easing sanctions" → "strengthening sanctions"), it replaces or deletes a real word:
     every changed source word must be rare or a non-word (wordfreq Zipf < ``max_zipf``),
     punctuation, or lie inside a flagged span; a replacement must look like a spelling fix of
     the word it replaces (character similarity >= ``min_similarity``, at most
     ``max_spelling_edits`` Damerau-Levenshtein edits a word: "secary" → "secretary" is a guess)
     and be a known word; it may delete words only where they repeat their neighbours ("two
     hours of hours of work"): a word the model cannot read is still the source's word; and
     it may insert at most ``max_insert`` words (0: inserted articles cost TER on every sample).
2. **Score** each guarded option::

       score = flags_addressed + evidence − size_cost × changed_tokens

   ``flags_addressed`` counts the sentence's flags whose span an edit touches; ``evidence`` is
   ``Candidate.score``, the model's log-probability margin in nats (0 for rules): for its own
   rewrite, how much more it prefers writing the rewrite than copying the sentence; for a
   detector suggestion it judged, how much more probable the sentence is with it;
   ``changed_tokens`` is the number of source and rewrite tokens the edits touch. The rules
   candidate, when present, is the default (it is accepted unless a guarded model candidate
   scores strictly higher); otherwise the original is, with score 0.
3. **Overlaps** between the chosen candidates of different sentences (a paragraph-level rules fix
   reaching into the next sentence) are resolved by confidence: higher-confidence candidates
   first, a later candidate is dropped whole if any of its edits overlaps an accepted one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein
from rapidfuzz.fuzz import ratio

from mtfix.core import Document, Edit, Flag, Span, apply_within, check_disjoint
from mtfix.rewrite import Candidate
from mtfix.rewrite.diff import Change, Token, tokens, word_changes

NAME_FIX_CATEGORIES = frozenset({"name-consistency", "typos", "spelling"})
# Flags about commas, case or quote marks say nothing against the words they cover, so they do
# not license the model to change those words (an LT missing-comma flag over "hey" is no reason to
# delete "hey").
NO_WORD_LICENCE_CATEGORIES = frozenset({"punctuation", "casing", "typography", "unbalanced-quote"})

_NUMBER = re.compile(r"\d")
# Capitalised only: "may" and "march" are also verbs.
_DATE_WORDS = frozenset(
    {"January", "February", "March", "April", "May", "June", "July", "August", "September"}
    | {"October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday"}
    | {"Friday", "Saturday", "Sunday"}
)
_QUOTED = re.compile(r'"([^"\n]+)"|“([^”\n]+)”|「([^」\n]+)」|『([^』\n]+)』')
_QUOTE_MARKS = frozenset('"“”„«»「」『』')


@dataclass(frozen=True)
class Policy:
    """The guard's thresholds; the defaults are the conservative policy measured in design.md."""

    max_change: float = 0.3
    max_zipf: float = 3.0
    max_insert: int = 0
    size_cost: float = 0.05
    # Whether a detector flag over a common word lets the model change it.
    trust_flags: bool = True
    # A replaced word must look like a misspelling of its replacement (rapidfuzz ratio, 0–100),
    # and the replacement must be a known word (wordfreq Zipf).
    min_similarity: float = 75.0
    min_new_zipf: float = 1.5
    # Typing slips per replaced word a spelling fix may undo (Damerau-Levenshtein).
    max_spelling_edits: int = 2
    # Letters of a case ending MT may leave on a name ("Podolski" for Podolsk).
    max_ending: int = 3
    # Nats by which the model must prefer a candidate (Candidate.score) for it to be considered.
    min_evidence: float = 1.0


DEFAULT_POLICY = Policy()


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def _is_rare(word: str, max_zipf: float) -> bool:
    return zipf(word.lower()) < max_zipf


def _numbers_and_dates(toks: Sequence[Token]) -> list[str]:
    """The tokens a rewrite must keep exactly, as many times as they occur."""
    return sorted(t.text for t in toks if _NUMBER.search(t.text) or t.text in _DATE_WORDS)


def _names(toks: Sequence[Token]) -> set[str]:
    return {
        t.text
        for i, t in enumerate(toks)
        if t.is_word
        and t.text[0].isupper()
        and not _NUMBER.search(t.text)
        and t.text not in _DATE_WORDS
        and _is_proper(toks, i)
    }


def _respelt(old: str, new: str, policy: Policy) -> bool:
    """Whether name ``new`` is ``old`` spelt right: a rare name made a similar known one, or
    the same stem without the case ending MT left on it ("Podolski", "Namsosa", "Bernis" for
    Podolsk, Namsos, Bern in et-en), which no frequency list knows either way."""
    if _ending_dropped(old.lower(), new.lower(), policy.max_ending):
        return True
    known = zipf(new.lower()) >= policy.min_new_zipf
    similar = ratio(old.lower(), new.lower()) >= policy.min_similarity
    return known and _is_rare(old, policy.max_zipf) and similar


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
    if word == "I" or (len(word) > 1 and word.isupper() and zipf(word.lower()) > 4.5):
        return False
    sentence_start = i == 0 or toks[i - 1].text in {".", "!", "?", '"', "“", "(", ":", "「"}
    if sentence_start:
        # A capitalised common word opening a sentence is not a name ("The", "However").
        return zipf(word.lower()) < 3.5 or zipf(word) > zipf(word.lower())
    return True


def _quoted(sentence: Span, text: str) -> list[Span]:
    """The balanced quoted passages of ``sentence``, in ``text``'s offsets."""
    return [
        Span(sentence.start + m.start(), sentence.start + m.end())
        for m in _QUOTED.finditer(sentence.of(text))
    ]


def _name_flag_spans(flags: Sequence[Flag]) -> list[Span]:
    return [f.span for f in flags if f.category.lower() in NAME_FIX_CATEGORIES]


def _words(toks: Sequence[Token]) -> int:
    return sum(t.is_word for t in toks)


def _at(sentence: Span, tok: Token) -> Edit:
    return Edit(Span(sentence.start + tok.start, sentence.start + tok.end), tok.text, "")


def _touches(edit: Edit, span: Span) -> bool:
    e = edit.span
    if len(e) == 0:
        return span.start <= e.start <= span.end
    return e.start < span.end and span.start < e.end


def rewritten(doc: Document, cand: Candidate) -> str:
    """The candidate's version of its sentence."""
    return apply_within(doc.text, cand.sentence, cand.edits)


def guard(
    doc: Document, cand: Candidate, flags: Sequence[Flag], policy: Policy = DEFAULT_POLICY
) -> str | None:
    """Why ``cand`` is unsafe, or None when it passes. ``flags`` are the sentence's flags."""
    if not cand.edits:
        return None
    if cand.score < policy.min_evidence:
        return f"the model's evidence {cand.score:.2f} is under {policy.min_evidence}"
    if any(not cand.sentence.contains(e.span) for e in cand.edits):
        return "edits outside the sentence"
    source = cand.sentence.of(doc.text)
    target = rewritten(doc, cand)
    name_spans = _name_flag_spans(flags)
    src_toks, tgt_toks = tokens(source), tokens(target)

    # A quotation is the speaker's words: only a flagged misspelling inside it may be fixed.
    for edit in cand.edits:
        inside = any(_touches(edit, q) for q in _quoted(cand.sentence, doc.text))
        if inside and not any(s.contains(edit.span) for s in name_spans):
            return "quoted passage changed"
    if [c for c in source if c in _QUOTE_MARKS] != [c for c in target if c in _QUOTE_MARKS]:
        return "quotation marks changed"

    changes = word_changes(source, target, offset=cand.sentence.start)
    if _numbers_and_dates(src_toks) != _numbers_and_dates(tgt_toks):
        return "number or date changed"
    # A name a detector flagged as misspelt may change (that is the fix); all else must survive.
    exempt = {
        t.text for t in src_toks if any(_touches(_at(cand.sentence, t), s) for s in name_spans)
    } | {
        t.text
        for c in changes
        if any(_touches(c.edit, s) for s in name_spans)
        for t in c.new
        if _respells_a_name(c, t)
    }
    src_names, tgt_names = _names(src_toks) - exempt, _names(tgt_toks) - exempt
    if why := _name_change(src_names - tgt_names, tgt_names - src_names, policy):
        return why

    n_words = max(1, sum(t.is_word for t in src_toks))
    changed = sum(max(_words(c.old), _words(c.new)) for c in changes)
    if changed > max(2.0, policy.max_change * n_words):
        return "too much changed"

    flagged = [f.span for f in flags if f.category.lower() not in NO_WORD_LICENCE_CATEGORIES]
    src_words = {t.text.lower() for t in src_toks if t.is_word}
    inserted = 0
    for c in changes:
        if why := _unrepeated_deletion(c, src_toks):
            return why
        in_flag = policy.trust_flags and any(_touches(c.edit, s) for s in flagged)
        for t in c.old:
            if t.is_word and not in_flag and not _is_rare(t.text, policy.max_zipf):
                return f"changes the common word {t.text!r}"
        inserted += max(0, _words(c.new) - _words(c.old))
        if why := _unlike_a_spelling_fix(c, src_words, policy):
            return why
    if inserted > policy.max_insert:
        return "inserts too much"
    return None


def _respells_a_name(c: Change, new: Token) -> bool:
    """Whether ``new`` in change ``c`` respells a name of the source, or only capitalises one
    of its words: a flagged lower-case word is a misspelling, not a name to be invented."""
    old = [t.text for t in c.old if t.is_word]
    return any(w[:1].isupper() for w in old) or new.text.lower() in {w.lower() for w in old}


def _unrepeated_deletion(c: Change, src_toks: Sequence[Token]) -> str | None:
    """Why deleting ``c.old`` loses content: only a copy of the words right before or after it
    (MT stutter) may go."""
    deleted = [t.text.lower() for t in c.old if t.is_word]
    if not deleted or any(t.is_word for t in c.new):
        return None
    words = [t for t in src_toks if t.is_word]
    at = words.index(next(t for t in c.old if t.is_word))
    text = [t.text.lower() for t in words]
    n = len(deleted)
    if text[max(0, at - n) : at] == deleted or text[at + n : at + 2 * n] == deleted:
        return None
    return f"deletes {' '.join(deleted)!r}, which repeats nothing next to it"


def _unlike_a_spelling_fix(c: Change, src_words: set[str], policy: Policy) -> str | None:
    """Why a replacement looks like a different word rather than the same word spelt right.

    Measured on MLQE-PE dev: the model "corrects" non-words it cannot read into unrelated real
    words ("verglimm" → "reality") or into other non-words ("unuselessly" → "unsuhelessly");
    neither helps, and the first changes the meaning.
    """
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
        if word.lower() not in src_words and zipf(word.lower()) < policy.min_new_zipf:
            return f"replaces {old!r} with the unknown word {word!r}"
    return None


# British and American spellings of one word: (pattern, replacement) pairs that map either to a
# common form. Applied to both words, so "organisations" and "organizations" meet.
_VARIANT_RULES = [
    (re.compile(p), r)
    for p, r in [
        (r"is(e|ed|es|ing|ation|ations|er|ers)$", r"iz\1"),
        (r"ys(e|ed|es|ing)$", r"yz\1"),
        (r"our(s|ed|ing|able|ably|ite|ites|ful)?$", r"or\1"),
        (r"(?<=[^aeiou])re(s|d)?$", r"er\1"),
        (r"ence(s)?$", r"ense\1"),
        (r"ll(ed|ing|er|ers)$", r"l\1"),
        (r"ogue(s)?$", r"og\1"),
        (r"^aero", "air"),
        (r"ae", "e"),
        (r"oe", "e"),
        (r"^mould", "mold"),
        (r"^scepti", "skepti"),
        (r"iality$", "ialty"),
    ]
]


def _variant_form(word: str) -> str:
    for pattern, repl in _VARIANT_RULES:
        word = pattern.sub(repl, word)
    return word


def regional_variant(old: str, new: str) -> bool:
    """Whether ``new`` only respells ``old`` between British and American English.

    Not an error fix: the MLQE-PE post-editors keep British spellings, and every such change
    counted against TER on the dev sets ("organisations" → "organizations", "defence" →
    "defense"), so the selector drops these edits whatever rewriter proposed them.
    """
    old, new = old.strip().lower(), new.strip().lower()
    if old == new or not old.isalpha() or not new.replace(" ", "").isalpha():
        return False
    # Both must be real spellings: "promise" → "promize" is no variant, just a bad edit.
    known = zipf(old) > 0 and zipf(new) > 0
    return known and _variant_form(old) == _variant_form(new)


def _score(doc: Document, cand: Candidate, flags: Sequence[Flag], policy: Policy) -> float:
    addressed = sum(any(_touches(e, f.span) for e in cand.edits) for f in flags)
    changed = sum(len(tokens(e.span.of(doc.text))) + len(tokens(e.replacement)) for e in cand.edits)
    return addressed + cand.score - policy.size_cost * changed


def select_edits(
    doc: Document,
    candidates: Sequence[Candidate],
    flags: Sequence[Flag],
    policy: Policy = DEFAULT_POLICY,
) -> list[Edit]:
    """Non-overlapping edits chosen from ``candidates``; see the module docstring for the rule."""
    by_sentence: dict[Span, list[Candidate]] = defaultdict(list)
    for cand in candidates:
        kept = tuple(
            e for e in cand.edits if not regional_variant(e.span.of(doc.text), e.replacement)
        )
        if kept:
            by_sentence[cand.sentence].append(replace(cand, edits=kept))

    chosen: list[Candidate] = []
    for sentence, cands in by_sentence.items():
        local_flags = [f for f in flags if sentence.overlaps(f.span) or sentence.contains(f.span)]
        best: Candidate | None = None
        best_score = 0.0
        for cand in cands:
            if cand.origin == "rules" and cand.edits:
                score = _score(doc, cand, local_flags, policy)
                if best is None or score > best_score:
                    best, best_score = cand, score
        for cand in cands:
            if cand.origin == "rules" or not cand.edits:
                continue
            if guard(doc, cand, local_flags, policy) is not None:
                continue
            score = _score(doc, cand, local_flags, policy)
            if score > best_score:
                best, best_score = cand, score
        if best is not None and best.origin != "rules":
            # A model candidate wins its sentence, but the rules' fixes elsewhere in it stand.
            best = _with_rules(best, cands)
        if best is not None:
            chosen.append(best)

    accepted: list[Edit] = []
    for cand in sorted(chosen, key=_confidence, reverse=True):
        try:
            check_disjoint([*accepted, *cand.edits])
        except ValueError:
            continue
        accepted.extend(cand.edits)
    return check_disjoint(accepted)


def _with_rules(cand: Candidate, cands: Sequence[Candidate]) -> Candidate:
    extra = [
        e
        for rules in cands
        if rules.origin == "rules"
        for e in rules.edits
        if not any(e.span.overlaps(m.span) or _touches(e, m.span) for m in cand.edits)
    ]
    return replace(cand, edits=tuple(sorted((*cand.edits, *extra), key=lambda e: e.span)))


def _confidence(cand: Candidate) -> float:
    return min((e.confidence for e in cand.edits), default=0.0)
