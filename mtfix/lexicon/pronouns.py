"""First-person pronouns in the third person, with the verb agreeing.

Japanese drops the subject a reporter has just named; MT fills the gap with "I" or "we". The
repair is the third person: "I am ready" -> "he is ready", "we analyzed" -> "they analyzed".
:func:`third_person` spells that change for one pronoun and the word after it; the detector that
flags the pronoun (:mod:`mtfix.detect.artifacts`) offers it as a suggestion and the selector's
``first-person`` licence (:mod:`mtfix.select.licences`) lets a rewrite make it.
"""

from __future__ import annotations

import re

MASCULINE, FEMININE = "he", "she"
# Each first-person singular form, as he and as she would say it of himself or herself.
_SINGULAR = {
    "i": ("he", "she"),
    "me": ("him", "her"),
    "my": ("his", "her"),
    "mine": ("his", "hers"),
    "myself": ("himself", "herself"),
}
_PLURAL = {"we": "they", "us": "them", "our": "their", "ours": "theirs", "ourselves": "themselves"}
# JA->EN MT also writes "we" for one dropped speaker: the plural forms' singular counterparts.
_AS_SINGULAR = {"we": "i", "us": "me", "our": "my", "ours": "mine", "ourselves": "myself"}
# Contractions are spelt out: news prose says "he is", and "he'd" is ambiguous.
_CONTRACTED = {"'m": "am", "'ve": "have", "'d": "would", "'ll": "will", "'re": "are"}
# The verb after "I" or "we" for a third-person singular subject; a modal or a past tense other
# than "were" stays as it is.
_AGREEING = {
    "am": "is",
    "are": "is",
    "were": "was",
    "have": "has",
    "do": "does",
    "don't": "doesn't",
    "haven't": "hasn't",
    "aren't": "isn't",
    "weren't": "wasn't",
}
_SIBILANT = re.compile(r"(s|x|z|ch|sh|o)$")
_CONSONANT_Y = re.compile(r"[^aeiou]y$")


def third_singular(verb: str) -> str:
    """A regular verb's third-person singular present ("think" -> "thinks", "try" -> "tries")."""
    if _CONSONANT_Y.search(verb):
        return verb[:-1] + "ies"
    return verb + ("es" if _SIBILANT.search(verb) else "s")


def third_person(
    pronoun: str,
    verb: str | None = None,
    *,
    present: bool = False,
    gender: str = MASCULINE,
    singular: bool = False,
    opening: bool = False,
) -> tuple[str, bool] | None:
    """``pronoun`` (and ``verb``, the word after it, when given) in the third person, and
    whether the verb is part of the change; None if ``pronoun`` is no first-person form.
    ``present``: ``verb`` is a present tense that agrees with its subject ("think", not
    "would" or "analyzed"), so "I think" becomes "he thinks". ``singular``: "we" stands for
    one person, of ``gender``. ``opening``: the pronoun opens its sentence (capitalised)."""
    stem, _, tail = pronoun.lower().replace("’", "'").partition("'")
    expanded = _CONTRACTED.get(f"'{tail}") if tail else None
    if tail and expanded is None:
        return None
    if stem in _PLURAL and singular:
        stem = _AS_SINGULAR[stem]
    elif stem in _PLURAL:
        words = [_PLURAL[stem], *([expanded] if expanded else [])]
        return _cased(" ".join(words), opening), False
    if stem not in _SINGULAR:
        return None
    words = [_SINGULAR[stem][gender == FEMININE]]
    if expanded:
        words.append(_AGREEING.get(expanded, expanded))
    elif stem == "i" and verb is not None:
        agreeing = _AGREEING.get(verb.lower().replace("’", "'"))
        if agreeing is None and present and verb.isalpha():
            agreeing = third_singular(verb.lower())
        if agreeing is not None:
            return _cased(f"{words[0]} {agreeing}", opening), True
    return _cased(" ".join(words), opening), False


def _cased(words: str, opening: bool) -> str:
    return words[:1].upper() + words[1:] if opening else words
