"""English word knowledge every stage shares: how common a word is, what may be a pronoun, dates,
US/UK spellings, the verbs that frame a report, and the words English repeats on purpose.

Submodules hold the larger bodies of knowledge: :mod:`mtfix.lexicon.articles` (*a*/*an* by sound,
names that take *the*, count nouns) and :mod:`mtfix.lexicon.typography` (Japanese full-width and
CJK marks and their ASCII forms).

Frequencies are wordfreq's Zipf scale for English: log10 of a word's frequency per billion words,
so 3.0 is about once per million words and each step is a factor of ten. The named cut-offs below
are the only ones mtfix uses; a module that needs "is this a real word?" takes one of them
instead of a literal, so a reader can see which modules share a judgement.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A word wordfreq knows at all (about once per 30 million words): a replacement below this is
# no known word ("monopolists" is above it, a guessed non-word is not).
KNOWN = 1.5
# Below this a word is no English word: a misspelling, or a name the dictionary lacks.
ENGLISH = 2.0
# About once per million words: below it a word is rare enough that changing it is likely a
# spelling fix; above it changing the word likely changes the meaning.
COMMON = 3.0
# A capitalised word this common opening a sentence is an ordinary word ("However"), not a name.
FAMILIAR = 3.5
# An ordinary word, never a name ("Will", "Can"), about once per 100,000 words.
EVERYDAY = 4.0
# So common that even in capitals it is a word ("THE", "NEW"), not an acronym.
FREQUENT = 4.5
# The few thousand commonest words ("the", "this"): safe to lower-case mid-sentence.
BASIC = 5.0


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """wordfreq's English Zipf frequency of ``word`` exactly as given (case matters)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def is_rare(word: str, cutoff: float = COMMON) -> bool:
    return zipf(word.lower()) < cutoff


def as_pronoun(word: str) -> str | None:
    """``word`` as a pronoun list spells it (lower case, straight apostrophe), or None where it
    cannot be one: a word in capitals other than "I" is an acronym ("US", the country)."""
    if word.isupper() and word != "I":
        return None
    return word.lower().replace("’", "'")


# Capitalised only: "may" and "march" are also verbs.
DATE_WORDS = frozenset(
    {"January", "February", "March", "April", "May", "June", "July", "August", "September"}
    | {"October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday"}
    | {"Friday", "Saturday", "Sunday"}
)

# Verbs Japanese news puts at the end of a sentence to frame what it reports (と発表した
# "announced", ことが分かった "it was found", ことが決まった "it was decided", 予定だ "is planned",
# とみられる "is thought"): MT that drops their subject leaves them as a sentence of their own
# ("Was announced.", "It is said."), which only says again that the sentence before is reported.
FRAMING_VERBS = frozenset(
    "say announce report confirm reveal state explain add note decide expect plan schedule "
    "think believe consider seem appear know learn find understand estimate predict".split()
)

# A speech tag after a quotation: "he said", "she added", "said Putin". Japanese closes a
# quotation before its verb (「...」と述べた), and MT that loses the opening mark or puts the
# closing one after the space leaves `..., "he said`: the mark closes what comes before it.
SPEECH_TAG_SUBJECTS = frozenset("he she they it we".split())
SPEECH_VERBS = frozenset(
    "said says added adds told tells explained explains stressed stresses noted notes "
    "continued continues insisted insists emphasized emphasizes emphasised emphasises "
    "argued argues asked asks replied replies warned warns".split()
)


def opens_speech_tag(text: str) -> bool:
    """Whether ``text`` starts with a lower-case speech tag ("he said, ...", "said Lavrov")."""
    words = re.findall(r"[A-Za-z]+", text[:40])
    if not words or not words[0].islower():
        return False
    if words[0] in SPEECH_VERBS:
        return True
    return len(words) > 1 and words[0] in SPEECH_TAG_SUBJECTS and words[1] in SPEECH_VERBS


# Words English repeats around "and" on purpose, as often as it likes ("more and more", "again
# and again and again", "over and over"), and nouns it repeats around a preposition ("step by
# step", "day after day", "face to face"): emphasis, never MT stutter.
REDUPLICATED = frozenset(
    "more less again over on round through out up around back by better worse".split()
)
REDUPLICATED_NOUNS = frozenset(
    "step one day little bit piece side inch year case word point line row drop layer page "
    "stage block door hand time week month generation face back cheek head toe end person "
    "nose shoulder heart mouth wall peer arm neck house".split()
)
_REDUPLICATION = re.compile(
    rf"\b({'|'.join(sorted(REDUPLICATED))})(?:,?\s+and\s+\1\b)+"
    rf"|\b({'|'.join(sorted(REDUPLICATED_NOUNS))})\s+(?:by|after|to|upon|in)\s+\2\b",
    re.IGNORECASE,
)


def reduplications(text: str) -> list[tuple[int, int]]:
    """Where ``text`` repeats a word on purpose ("again and again", "step by step"), as
    ``(start, end)`` offsets."""
    return [m.span() for m in _REDUPLICATION.finditer(text)]


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
