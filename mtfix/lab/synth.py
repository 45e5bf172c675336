"""Synthetic Japanese→English MT damage, injected into clean English sentences for training pairs.

Each injector takes a clean sentence and a seeded ``random.Random`` and returns a damaged copy, or
None when the sentence offers no place for that kind of damage. The damaged copy becomes the
training input and the clean sentence its target, so the model learns to undo exactly these
artifacts, which Japanese→English systems produce and the MLQE-PE pairs (ro/ru/et→en) lack:

- ``orphan_fragment``: a sentence-final auxiliary translated as its own sentence, "I will.",
  "You can.", "It is." (Japanese drops subjects; the MT invents one for a stranded verb ending);
- ``stray_first_person``: an invented "I think"/"we" hedging clause ("I think that ...");
- ``doubled_phrase``: a short phrase repeated ("in Geneva in Geneva");
- ``misspelt_name``: one letter dropped, doubled or swapped in a capitalised name ("Bidden");
- ``misspelt_word``: the same in a longer lower-case word (the model's most reliable fix);
- ``broken_quote``: a quotation mark dropped or mismatched (``"worst.`` / ``「worst"``);
- ``article_slip``: an article dropped, added or swapped ("a" ↔ "an" ↔ "the");
- ``agreement_slip``: a verb's number flipped ("is" ↔ "are", "has" ↔ "have").

Injectors never touch digits, so number-keeping stays the target's behaviour too.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import mtfix.lexicon as lexicon

Injector = Callable[[str, random.Random], str | None]

_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_FRAGMENTS = ("I will.", "You can.", "It is.", "I think so.", "There is.", "I am.", "We will do.")
_HEDGES = ("I think that ", "I think ", "We think that ", "I would like to say that ")
_ARTICLES = {"a": ("the", "an"), "an": ("a", "the"), "the": ("a", "")}
_AGREEMENT = {
    "is": "are",
    "are": "is",
    "was": "were",
    "were": "was",
    "has": "have",
    "have": "has",
    "does": "do",
    "do": "does",
}


def orphan_fragment(clean: str, rng: random.Random) -> str | None:
    fragment = rng.choice(_FRAGMENTS)
    return f"{clean} {fragment}" if rng.random() < 0.7 else f"{fragment} {clean}"


def stray_first_person(clean: str, rng: random.Random) -> str | None:
    if not clean[:1].isupper() or clean.startswith("I "):
        return None
    first = clean.split(" ", 1)[0]
    # The old opening word moves mid-sentence: lower-case it only if it is a very common word,
    # most likely not a name ("The" becomes "the", "Scotus" stays).
    common = lexicon.zipf(first) >= lexicon.BASIC
    opening = clean[0].lower() + clean[1:] if common else clean
    return rng.choice(_HEDGES) + opening


def doubled_phrase(clean: str, rng: random.Random) -> str | None:
    words = clean.split(" ")
    if len(words) < 4:
        return None
    n = rng.choice((1, 2, 2, 3))
    i = rng.randrange(0, len(words) - n)
    phrase = words[i : i + n]
    if any(not w.isalpha() for w in phrase):
        return None
    return " ".join(words[: i + n] + phrase + words[i + n :])


def _misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _respell_one(clean: str, rng: random.Random, pick: Callable[[str, int], bool]) -> str | None:
    found = [m for m in _WORD.finditer(clean) if pick(m.group(), m.start())]
    if not found:
        return None
    m = rng.choice(found)
    wrong = _misspell(m.group(), rng)
    if wrong == m.group():
        return None
    return clean[: m.start()] + wrong + clean[m.end() :]


def misspelt_name(clean: str, rng: random.Random) -> str | None:
    return _respell_one(clean, rng, lambda w, at: at > 0 and w[0].isupper() and len(w) >= 4)


def misspelt_word(clean: str, rng: random.Random) -> str | None:
    return _respell_one(clean, rng, lambda w, at: w.islower() and len(w) >= 6)


def broken_quote(clean: str, rng: random.Random) -> str | None:
    quotes = [m.start() for m in re.finditer(r'["“”]', clean)]
    if not quotes:
        return None
    at = rng.choice(quotes)
    replacement = rng.choice(("", "「", "」", "'"))
    return clean[:at] + replacement + clean[at + 1 :]


def article_slip(clean: str, rng: random.Random) -> str | None:
    found = [m for m in re.finditer(r"\b(a|an|the)\b ", clean)]
    if not found:
        return None
    m = rng.choice(found)
    replacement = rng.choice(_ARTICLES[m.group(1)])
    return clean[: m.start()] + (replacement + " " if replacement else "") + clean[m.end() :]


def agreement_slip(clean: str, rng: random.Random) -> str | None:
    found = [m for m in re.finditer(r"\b(" + "|".join(_AGREEMENT) + r")\b", clean)]
    if not found:
        return None
    m = rng.choice(found)
    return clean[: m.start()] + _AGREEMENT[m.group(1)] + clean[m.end() :]


INJECTORS: dict[str, Injector] = {
    "orphan_fragment": orphan_fragment,
    "stray_first_person": stray_first_person,
    "doubled_phrase": doubled_phrase,
    "misspelt_name": misspelt_name,
    "misspelt_word": misspelt_word,
    "broken_quote": broken_quote,
    "article_slip": article_slip,
    "agreement_slip": agreement_slip,
}
# Misspellings weigh most: they are the fixes the guard accepts (mtfix.select.guard).
WEIGHTS = {name: 1.0 for name in INJECTORS} | {"misspelt_word": 3.0, "misspelt_name": 1.5}


def damage(clean: str, rng: random.Random) -> tuple[str, str] | None:
    """A damaged copy of ``clean`` and the injector's name, or None if no injector applied."""
    names = list(INJECTORS)
    weights = [WEIGHTS[n] for n in names]
    for _ in range(4):
        name = rng.choices(names, weights)[0]
        damaged = INJECTORS[name](clean, rng)
        if damaged is not None and damaged != clean:
            return damaged, name
    return None
