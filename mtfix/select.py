"""The selector: decide which proposed candidates reach the output. Rewriters only propose.

Per sentence the options are: the original (no edit), the rules candidate (at most one, from
``origin == "rules"``) and any model candidates. The decision:

1. **Guard** (model candidates only; rules candidates are small, rule-checked fixes already).
   A candidate is rejected when its rewrite of the sentence
   - drops, adds or changes a number (``1,200``, ``16``, ``2021``) or a date word (month, weekday);
   - drops or alters a balanced quoted passage (``"..."``, ``“...”``, ``「...」``);
   - drops or changes a proper noun (a capitalised word that is not a common word at sentence
     start), or introduces a new one, unless a detector flagged that span as a misspelt or
     inconsistent name (categories in :data:`NAME_FIX_CATEGORIES`);
   - changes more than ``max_change`` of the sentence's words;
   - and, per the measured policy (design.md: accepting fluent swaps of real words changes
     meaning, "stratified armour" → "armored vehicles"), replaces or deletes a real word: every
     changed source word must be rare or a non-word (wordfreq Zipf < ``max_zipf``), punctuation,
     or lie inside a flagged span; and it may insert at most ``max_insert`` words.
2. **Score** each guarded option::

       score = flags_addressed + fluency_gain − size_cost × changed_tokens

   ``flags_addressed`` counts the sentence's flags whose span an edit touches; ``fluency_gain`` is
   ``Candidate.score``, which the model rewriter sets to the base LM's per-token log-loss of the
   original minus that of the rewrite (nats; 0 for rules); ``changed_tokens`` is the number of
   source and rewrite tokens the edits touch. The rules candidate, when present, is the default
   (it is accepted unless a guarded model candidate scores strictly higher); otherwise the
   original is, with score 0, so a model rewrite needs a positive score to be applied.
3. **Overlaps** between the chosen candidates of different sentences (a paragraph-level rules fix
   reaching into the next sentence) are resolved by confidence: higher-confidence candidates
   first, a later candidate is dropped whole if any of its edits overlaps an accepted one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from mtfix.core import Document, Edit, Flag, Span, apply_edits, check_disjoint
from mtfix.rewrite import Candidate
from mtfix.rewrite.diff import Token, tokens, word_changes

NAME_FIX_CATEGORIES = frozenset({"name-consistency", "typos", "spelling"})

_NUMBER = re.compile(r"\d")
# Capitalised only: "may" and "march" are also verbs.
_DATE_WORDS = frozenset(
    {"January", "February", "March", "April", "May", "June", "July", "August", "September"}
    | {"October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday"}
    | {"Friday", "Saturday", "Sunday"}
)
_QUOTED = re.compile(r'"([^"\n]+)"|“([^”\n]+)”|「([^」\n]+)」|『([^』\n]+)』')


@dataclass(frozen=True)
class Policy:
    """The guard's thresholds; the defaults are the conservative policy measured in design.md."""

    max_change: float = 0.3
    max_zipf: float = 3.0
    max_insert: int = 2
    size_cost: float = 0.05
    # Whether a detector flag over a common word lets the model change it.
    trust_flags: bool = True


DEFAULT_POLICY = Policy()


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def _is_rare(word: str, max_zipf: float) -> bool:
    return zipf(word.lower()) < max_zipf


def _protected_tokens(toks: Sequence[Token]) -> list[str]:
    """Numbers, date words and proper nouns: the tokens a rewrite must keep, in order."""
    return [
        t.text
        for i, t in enumerate(toks)
        if t.is_word
        and (
            _NUMBER.search(t.text)
            or t.text in _DATE_WORDS
            or (t.text[0].isupper() and _is_proper(toks, i))
        )
    ]


def _is_proper(toks: Sequence[Token], i: int) -> bool:
    word = toks[i].text
    if word == "I" or (len(word) > 1 and word.isupper() and zipf(word.lower()) > 4.5):
        return False
    sentence_start = i == 0 or toks[i - 1].text in {".", "!", "?", '"', "“", "(", ":", "「"}
    if sentence_start:
        # A capitalised common word opening a sentence is not a name ("The", "However").
        return zipf(word.lower()) < 3.5 or zipf(word) > zipf(word.lower())
    return True


def _quoted(text: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text)]


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
    s = cand.sentence
    local = [
        Edit(Span(e.span.start - s.start, e.span.end - s.start), e.replacement, e.origin)
        for e in cand.edits
    ]
    return apply_edits(s.of(doc.text), local)


def guard(
    doc: Document, cand: Candidate, flags: Sequence[Flag], policy: Policy = DEFAULT_POLICY
) -> str | None:
    """Why ``cand`` is unsafe, or None when it passes. ``flags`` are the sentence's flags."""
    if not cand.edits:
        return None
    if any(not cand.sentence.contains(e.span) for e in cand.edits):
        return "edits outside the sentence"
    source = cand.sentence.of(doc.text)
    target = rewritten(doc, cand)
    name_spans = _name_flag_spans(flags)
    src_toks, tgt_toks = tokens(source), tokens(target)

    if _quoted(source) and not all(q in target for q in _quoted(source)):
        return "quoted passage changed"

    changes = word_changes(source, target, offset=cand.sentence.start)
    # A name a detector flagged as misspelt may change (that is the fix); all else must survive.
    exempt = {
        t.text for t in src_toks if any(_touches(_at(cand.sentence, t), s) for s in name_spans)
    } | {t.text for c in changes if any(_touches(c.edit, s) for s in name_spans) for t in c.new}
    kept_src = sorted(p for p in _protected_tokens(src_toks) if p not in exempt)
    kept_tgt = sorted(p for p in _protected_tokens(tgt_toks) if p not in exempt)
    if kept_src != kept_tgt:
        return "number, date or name changed"

    n_words = max(1, sum(t.is_word for t in src_toks))
    changed = sum(max(_words(c.old), _words(c.new)) for c in changes)
    if changed > max(2.0, policy.max_change * n_words):
        return "too much changed"

    flagged = [f.span for f in flags]
    inserted = 0
    for c in changes:
        in_flag = policy.trust_flags and any(_touches(c.edit, s) for s in flagged)
        for t in c.old:
            if t.is_word and not in_flag and not _is_rare(t.text, policy.max_zipf):
                return f"changes the common word {t.text!r}"
        inserted += max(0, _words(c.new) - _words(c.old))
    if inserted > policy.max_insert:
        return "inserts too much"
    return None


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
        by_sentence[cand.sentence].append(cand)

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


def _confidence(cand: Candidate) -> float:
    return min((e.confidence for e in cand.edits), default=0.0)
