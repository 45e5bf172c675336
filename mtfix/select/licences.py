"""Flag-licensed changes: what a flag says is wrong also says which change repairs it.

The guard (:mod:`mtfix.select.guard`) lets a model rewrite respell rare words and little else:
the rewrites a 270M model makes freely change meaning. A flag narrows that down. Where a detector
says "this 'I' is a stray first person", changing that pronoun into "he", or into a person the
passage names, with the verb agreeing, is the fix and no longer a free rewrite. Each licence below
is a named test ``(proposal, flag, change) -> bool``: whether ``change`` (one differing stretch of
the rewrite, :class:`mtfix.diff.Change`) is the kind of change ``flag`` licenses. The guard's
word-level rules (``common-words``, ``spelling-like``, ``deletions``, ``insertions``, ``size``,
``quote-marks``, ``quotation``, ``names``) skip a licensed change; the numbers, protected-span
and evidence rules still apply to it (evidence with its lower bar for a wholly licensed
candidate). Which licences a candidate used is recorded in its
selector decision.

- ``first-person`` (``STRAY_FIRST_PERSON``): a first-person pronoun (and the verb agreeing with it,
  "I'm", "we have") becomes a third-person one or a name the passage uses, with its verb
  agreeing ("he is", "Putin has"), unless the first person is the writer's own: the sentence
  opens its text (in a line-aligned corpus, its line), or the one before it speaks in the first
  person outside quotation marks too; or a stray "I think (that)" hedge is dropped;
- ``truncated-tail`` (``TRUNCATED_SENTENCE``): the last words before the final stop are completed
  (up to three known words added after the dangling one) or dropped;
- ``quote-mark`` (``UNBALANCED_QUOTE``, ``MISPLACED_QUOTE``): a quotation mark added, removed or
  moved, no word changed, and the sentence's straight marks not left odd where they were paired;
- ``double-conjunction`` (``DOUBLE_CONJUNCTION``): one of the paired connectives dropped
  ("although ..., but" loses one), the next word capitalised if it now opens the sentence;
- ``bad-span`` (``QE_BAD``, the quality estimator's flag): the words of the span replaced by at
  most two more words than it had, all of them known English words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import mtfix.lexicon as lexicon
from mtfix.core import Candidate, Document, Flag, Span
from mtfix.detect.speakers import CONTEXT_SENTENCES, FIRST_PERSON, text_before, writers_own
from mtfix.diff import Change, Token, tokens
from mtfix.lexicon.typography import QUOTE_MARKS


class Proposal(Protocol):
    """What a licence reads about a candidate (:class:`mtfix.select.guard.Proposal` has it)."""

    @property
    def doc(self) -> Document: ...

    @property
    def cand(self) -> Candidate: ...

    @property
    def flags(self) -> Sequence[Flag]: ...

    @property
    def source_tokens(self) -> list[Token]: ...

    @property
    def changes(self) -> list[Change]: ...

    @property
    def source(self) -> str: ...

    @property
    def target(self) -> str: ...


Licence = Callable[[Proposal, Flag, Change], bool]

THIRD_PERSON = frozenset(
    "he him his himself she her hers herself it its itself they them their theirs themselves "
    "he's she's it's they're he'll she'll they'll he'd she'd they'd they've".split()
)
# The verb after the pronoun, before and after the person changes.
FIRST_VERBS = frozenset("am 'm are 're have 've was were do".split())
THIRD_VERBS = frozenset("is 's are 're has have was were does do".split())
# What a stray hedge around the invented speaker consists of ("I think that", "we would like to
# say that").
HEDGE_WORDS = frozenset("think believe feel would like to say that".split())
# Words after "think" or "believe" that make it a verb with an object, not a hedge ("think about
# it", "believe in it").
HEDGE_OBJECTS = frozenset("about of over through on in for".split())
CONNECTIVES = frozenset("although though but yet because since so".split())
MAX_COMPLETION = 3
TAIL_WORDS = 4


def _words(toks: Sequence[Token]) -> list[str]:
    return [t.text for t in toks if t.is_word]


def _touches(change: Change, flag: Flag) -> bool:
    return change.edit.span.touches(flag.span) or flag.span.touches(change.edit.span)


def nearby_names(p: Proposal) -> set[str]:
    """Capitalised words the text uses before and in the sentence (at a sentence start only if
    not among the commonest words: "Putin", not "The"): the people and bodies a stray "I" may
    stand for."""
    doc = p.doc
    names: set[str] = set()
    for s in [*text_before(doc, p.cand.sentence)[-CONTEXT_SENTENCES:], p.cand.sentence]:
        toks = tokens(s.of(doc.text))
        for i, tok in enumerate(toks):
            if not tok.is_word or not tok.text[0].isupper() or tok.text == "I":
                continue
            opening = i == 0 or toks[i - 1].text in '.!?"“「'
            # wordfreq ignores case, so at a sentence start only the commonest words ("The",
            # "However") are ruled out; a candidate only licenses what the model proposes.
            if not opening or lexicon.zipf(tok.text) < lexicon.BASIC:
                names.add(tok.text)
    return names


def first_person(p: Proposal, flag: Flag, change: Change) -> bool:
    if not _touches(change, flag):
        return False
    words = _words(change.old)
    if not any(lexicon.as_pronoun(w) in FIRST_PERSON for w in words):
        return False
    old = [w.lower().replace("’", "'") for w in words]
    new = [w.replace("’", "'") for w in _words(change.new)]
    sentence = p.cand.sentence
    # A hedge dropped ("I think the talks" -> "The talks"): what is left is what was there, and
    # what went holds a hedge ("We all walk" -> "All walk" drops a subject, not a hedge), with a
    # clause after it ("I think about the talks" is no hedge: its verb has an object).
    kept = list(old)
    while kept and kept[0] in FIRST_PERSON | HEDGE_WORDS:
        kept.pop(0)
    dropped = old[: len(old) - len(kept)]
    # The writer's own "I" is neither changed nor dropped with its hedge ("I think about buying a
    # headset" opening a forum post is what its writer thinks). Asked last on each path: it pairs
    # the whole document's quotation marks.
    if any(w in HEDGE_WORDS for w in dropped) and kept == [w.lower() for w in new]:
        return (not kept or kept[0] not in HEDGE_OBJECTS) and not writers_own(p.doc, sentence)
    if not all(w in FIRST_PERSON | FIRST_VERBS for w in old) or writers_own(p.doc, sentence):
        return False
    names = nearby_names(p)
    subject = [w for w in new if w.lower() not in THIRD_VERBS]
    return bool(subject) and all(w.lower() in THIRD_PERSON or w in names for w in subject)


def truncated_tail(p: Proposal, flag: Flag, change: Change) -> bool:
    sentence_words = [t for t in p.source_tokens if t.is_word]
    tail = sentence_words[-TAIL_WORDS:]
    if not tail:
        return False
    tail_start = p.cand.sentence.start + tail[0].start
    if change.edit.span.start < tail_start or not change.edit.span.start <= flag.span.end:
        return False
    old, new = _words(change.old), _words(change.new)
    if len(new) > len(old) + MAX_COMPLETION:
        return False
    known = all(lexicon.zipf(w.lower()) >= lexicon.KNOWN for w in new)
    return known and not any(t.text in ".!?" for t in change.new[:-1])


def quote_mark(p: Proposal, flag: Flag, change: Change) -> bool:
    marks = [t for t in (*change.old, *change.new) if t.text in QUOTE_MARKS]
    others_old = [t.text for t in change.old if t.text not in QUOTE_MARKS]
    others_new = [t.text for t in change.new if t.text not in QUOTE_MARKS]
    return bool(marks) and others_old == others_new and not _unpairs(p)


def _unpairs(p: Proposal) -> bool:
    """Whether the candidate leaves odd the straight marks its sentence had in pairs: a closing
    mark dropped (`..., "he continued. And you`) is no repair."""
    return p.source.count('"') % 2 == 0 and p.target.count('"') % 2 == 1


def double_conjunction(p: Proposal, flag: Flag, change: Change) -> bool:
    if not flag.span.contains(change.edit.span) and not _touches(change, flag):
        return False
    old, new = _words(change.old), _words(change.new)
    dropped = [w for w in old if w.lower() in CONNECTIVES]
    if len(dropped) != 1:
        return False
    rest = list(old)
    rest.remove(dropped[0])
    return [w.lower() for w in rest] == [w.lower() for w in new]


def bad_span(p: Proposal, flag: Flag, change: Change) -> bool:
    if not Span(flag.span.start, flag.span.end).contains(change.edit.span):
        return False
    old, new = _words(change.old), _words(change.new)
    return len(new) <= len(old) + 2 and all(lexicon.zipf(w.lower()) >= lexicon.KNOWN for w in new)


LICENCES: tuple[tuple[str, frozenset[str], Licence], ...] = (
    ("first-person", frozenset({"STRAY_FIRST_PERSON"}), first_person),
    ("truncated-tail", frozenset({"TRUNCATED_SENTENCE"}), truncated_tail),
    ("quote-mark", frozenset({"UNBALANCED_QUOTE", "MISPLACED_QUOTE"}), quote_mark),
    ("double-conjunction", frozenset({"DOUBLE_CONJUNCTION"}), double_conjunction),
    ("bad-span", frozenset({"QE_BAD"}), bad_span),
)
# The flags whose repair is a licence's to allow: no other rule lets a change through for them.
LICENSED_RULES = frozenset(rule for _, rules, _ in LICENCES for rule in rules)


def licensed_changes(p: Proposal) -> dict[int, str]:
    """Index of each change of ``p`` that one of the sentence's flags licenses, with the licence's
    name (the first that applies)."""
    out: dict[int, str] = {}
    for n, change in enumerate(p.changes):
        for name, rules, test in LICENCES:
            if any(f.rule in rules and test(p, f, change) for f in p.flags):
                out[n] = name
                break
    return out
