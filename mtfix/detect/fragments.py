"""Subject-drop fragments, read from the dependency parse: what Japanese→English MT leaves when
the source's subject (or the whole clause it framed) was implicit.

Japanese ends a news sentence with its frame (と発表した "announced", とみられる "is thought",
予定だ "is planned", ことが分かった "it was found") and often leaves the subject unsaid. MT then
writes the frame as a sentence of its own: "Was announced.", "It is said.", "Will be held.",
"There is.", "I will.". Each sentence outside quotations is parsed on its own; it is a fragment
when nothing in it but a subject pronoun (or none), auxiliaries, a modal, a copula, a hedge
adverb and one verb:

- a root verb with no subject that is not an imperative ("Was confirmed.", "Will be held.",
  "Said."); an imperative ("Please wait.") is a bare base form with no auxiliary;
- an auxiliary, modal or copula alone with a pronoun or "there" ("I will.", "There is.");
- a framing or hedge verb (:data:`mtfix.lexicon.FRAMING_VERBS`) with a dummy subject ("It seems.",
  "It is said."); with a person as subject ("He said.") it is clumsy, but a sentence.

A caption or heading with anything more ("Will be held at Sakai Stadium.") is not a fragment.
Deleting a fragment is safe, and offered with high confidence, where it says nothing the
sentence before does not: it holds no verb of its own (an auxiliary, "done"), its verb frames a
report, or the previous sentence of its paragraph has the same verb. A fragment with a verb of
its own ("Was injured.") is flagged with the deletion as a proposal only: what it says may have
to be merged into the sentence before, which a person (or the model) does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

import mtfix.lexicon as lexicon
from mtfix.core import Flag, Severity, Span
from mtfix.detect import parse
from mtfix.detect.context import Context, artifact_flag

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

MAX_FRAGMENT_WORDS = 6
SAFE_DELETION = 0.9
SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
# What a fragment may hold besides its root and subject.
FRAGMENT_DEPS = frozenset({"aux", "auxpass", "neg", "advmod", "punct", "acomp"})
# Hedge and linking adverbs that add nothing a fragment could keep ("Will also be held.").
HEDGES = frozenset("also too so still already not then again now probably likely".split())
# Complements that leave "It is X." empty: it says only that the sentence before holds.
EMPTY_COMPLEMENTS = frozenset("possible likely so necessary".split())
DUMMY_SUBJECTS = frozenset("it there this that".split())
PRONOUNS = frozenset({"PRP", "EX", "DT"})
# Verbs that stand in for another: "Can be done." says no more than "can".
PRO_VERBS = frozenset({"be", "do", "have"})

Kind = Literal["empty", "framing", "content"]


def _as_sentence(text: str) -> str:
    """The fragment with its first word in lower case, as it would read after the subject MT
    dropped ("Said." is otherwise parsed as a name); "I" and acronyms keep their capitals."""
    first = text.split(" ", 1)[0].rstrip(".")
    if (
        first.replace("'", "").replace("’", "").startswith("I")
        and len(first) <= 4
        and (first == "I" or not first[1:2].isalpha())
    ):
        return text
    if first.isupper() and len(first) > 1:
        return text
    return text[:1].lower() + text[1:]


def _says_something(token: Token, root: Token) -> bool:
    """Whether ``token`` (not the root, not a subject) adds content a fragment cannot hold."""
    if token.dep_ not in FRAGMENT_DEPS or token.head != root:
        return True
    if token.dep_ == "advmod":
        return token.lower_ not in HEDGES
    return token.dep_ == "acomp" and token.lower_ not in EMPTY_COMPLEMENTS


def fragment_kind(sent: Doc) -> tuple[Kind, str] | None:
    """Whether a sentence parsed on its own is a fragment, of which kind, and its verb's lemma."""
    roots = [t for t in sent if t.dep_ == "ROOT"]
    if len(roots) != 1:
        return None
    root = roots[0]
    subjects = []
    for token in sent:
        if token == root or token.is_punct:
            continue
        if token.dep_ in SUBJECTS and token.head == root:
            subjects.append(token)
        elif _says_something(token, root):
            return None
    lemma = root.lemma_.lower()
    if root.pos_ not in ("VERB", "AUX"):
        return None
    auxiliary = root.pos_ == "AUX" or root.tag_ == "MD" or lemma in PRO_VERBS
    if subjects:
        if any(s.tag_ not in PRONOUNS for s in subjects):
            return None
        if auxiliary:
            return "empty", lemma
        if lemma in lexicon.FRAMING_VERBS and all(s.lower_ in DUMMY_SUBJECTS for s in subjects):
            return "framing", lemma
        return None
    has_aux = any(t.dep_ in ("aux", "auxpass") for t in sent)
    if root.tag_ == "VB" and not has_aux:
        return None  # an imperative
    if auxiliary:
        return "empty", lemma
    return ("framing" if lemma in lexicon.FRAMING_VERBS else "content"), lemma


def _previous_lemmas(ctx: Context, sentence: Span) -> set[str]:
    """The lemmas of the sentence before ``sentence`` in its paragraph."""
    paragraph = ctx.doc.paragraph_of(sentence)
    before = [
        s
        for s in ctx.doc.sentences
        if s.end <= sentence.start and paragraph is not None and paragraph.contains(s)
    ]
    if not before:
        return set()
    return {t.lemma_.lower() for t in ctx.tokens(before[-1])}


def orphan_fragments(ctx: Context) -> Iterator[Flag]:
    text = ctx.doc.text
    candidates = []
    for sentence in ctx.doc.sentences:
        words = sentence.of(text).split()
        if (
            sentence.of(text).endswith(".")
            and len(words) <= MAX_FRAGMENT_WORDS
            and not ctx.in_quote(sentence)
        ):
            candidates.append(sentence)
    parsed = parse.parse(_as_sentence(s.of(text)) for s in candidates)
    for sentence, sent in zip(candidates, parsed, strict=True):
        found = fragment_kind(sent)
        if found is None:
            continue
        kind, lemma = found
        repeats = kind != "content" or lemma in _previous_lemmas(ctx, sentence)
        fragment = sentence.of(text)
        what = {
            "empty": "says nothing",
            "framing": "only frames the sentence before",
            "content": "has no subject",
        }[kind]
        yield artifact_flag(
            sentence,
            "ORPHAN_FRAGMENT",
            "orphan-fragment",
            f"'{fragment}' {what}: the remains of a subject MT dropped"
            + ("" if repeats else "; merge what it says into the sentence before, or delete it"),
            severity=Severity.ERROR,
            suggestions=("",),
            confidence=SAFE_DELETION if repeats else 0.0,
        )
