"""Document-level name consistency: a rare spelling of a name the document uses often.

MT systems transliterate a name differently from one sentence to the next ("Byden" once beside
"Biden" twenty times). The document itself is the dictionary: capitalised words are counted, and
a rare form within a small edit distance of a much more frequent one is flagged with the
frequent form as its fix. Inflections (Russia/Russian, Biden/Biden's) and ordinary English words
are never treated as variants.

How close two spellings must be, and how often the frequent one must occur, depends on the name:

- a name of five letters or more: one slip (two from eight letters), the frequent form at least
  three times as often and three times at least;
- a short name (three or four letters): only one letter replaced or doubled ("Oono"/"Ono",
  "Sato"/"Satoo"; "Ueda"/"Ueno", both frequent, are two people), the frequent form three times;
- two romanisations of one Japanese name, which MT mixes within an article: Hepburn and
  Kunrei-shiki ("Tachibana"/"Tatibana", "Tsukishiro"/"Tsukisiro") and the ways of writing a long
  vowel ("Endo"/"Endoh", "Ono"/"Oono", "Sato"/"Satou"): the frequent form twice is enough;
- a long name (eight letters or more) respelt once beside a form used twice or more.
The last two rest on the document being one text: in a line-aligned corpus (``--lines``) the
lines are unrelated, and the first rule's counts apply.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

import mtfix.lexicon as lexicon
from mtfix.core import Document, Flag, Severity, Span

_NAME = re.compile(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)*\b")


@dataclass(frozen=True)
class NameVariantPolicy:
    max_rare_count: int = 2
    min_frequent_count: int = 3
    min_ratio: float = 3.0
    # One slip in a name, two in a long one: "Byden"/"Biden", not "Nagy"/"Navy".
    min_length: int = 5
    long_name: int = 8
    # Short names are compared too, by the stricter rule (one letter replaced or doubled).
    min_short_length: int = 3
    # A romanisation variant, or a long name seen once, beside a form used this often.
    min_frequent_known: int = 2
    min_ratio_known: float = 2.0
    confidence: float = 0.95

    def max_distance(self, word: str) -> int:
        return 2 if len(word) >= self.long_name else 1


# Endings English adds to a name: Russia/Russian, Biden/Biden's, Japan/Japanese, Israel/Israeli.
INFLECTIONS = ("s", "es", "'s", "’s", "n", "an", "ans", "ian", "ians", "ese", "i", "is", "ish")


def _is_inflection(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and long[len(short) :] in INFLECTIONS


# Kunrei-shiki and Hepburn spellings of one syllable, and the ways a long vowel is written.
_ROMANISATION = [
    (re.compile(p), r)
    for p, r in [
        (r"sy", "sh"),
        (r"ty", "ch"),
        (r"zy", "j"),
        (r"si", "shi"),
        (r"ti", "chi"),
        (r"tu", "tsu"),
        (r"hu", "fu"),
        (r"zi", "ji"),
        (r"(?<=[aeiou])h(?=[^aeiouy]|$)", ""),
        (r"o[ou]", "o"),
        (r"uu", "u"),
    ]
]


def romanisation_key(name: str) -> str:
    """One spelling for the romanisations of a Japanese name: "Tatibana" and "Tachibana", "Endoh"
    and "Endo", "Oono" and "Ono" meet."""
    key = name.lower().replace("shi", "si").replace("chi", "ti").replace("tsu", "tu")
    for pattern, repl in _ROMANISATION:
        key = pattern.sub(repl, key)
    return key


def _replaced_or_doubled(a: str, b: str) -> bool:
    """One letter replaced ("Sato"/"Seto"), or one letter doubled ("Ono"/"Oono")."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return len(long) == len(short) + 1 and any(
        long[i] == long[i - 1] and long[:i] + long[i + 1 :] == short for i in range(1, len(long))
    )


class EntityConsistencyDetector:
    name = "entities"

    def __init__(self, policy: NameVariantPolicy | None = None) -> None:
        self.policy = policy or NameVariantPolicy()

    def detect(self, doc: Document) -> list[Flag]:
        occurrences = [(m.group(), Span(m.start(), m.end())) for m in _NAME.finditer(doc.text)]
        counts = Counter(word for word, _ in occurrences)
        # A capital at the start of a sentence says nothing about being a name ("This", "Among"):
        # a reference form must be capitalised mid-sentence somewhere.
        sentence_starts = {s.start for s in doc.sentences}
        names = {word for word, span in occurrences if span.start not in sentence_starts}
        variants = self._variants(counts, names, one_text=not doc.lines)
        return [
            Flag(
                span=span,
                detector=self.name,
                rule="NAME_VARIANT",
                category="name-consistency",
                message=(
                    f"'{word}' appears {counts[word]}x, but '{variants[word]}' appears "
                    f"{counts[variants[word]]}x in this document: a misspelt name?"
                ),
                severity=Severity.ERROR,
                suggestions=(variants[word],),
                confidence=self.policy.confidence,
            )
            for word, span in occurrences
            if word in variants
        ]

    def _variants(self, counts: Counter[str], names: set[str], one_text: bool) -> dict[str, str]:
        p = self.policy
        frequent = [w for w, c in counts.items() if c >= p.min_frequent_known and w in names]
        # Names within the edit distance share a string reachable by as many deletions from
        # each (symmetric deletion, as SymSpell does): an index of the frequent names' deletions
        # gives each rare word its few candidates, where comparing it with every frequent name
        # would cost the square of a corpus's names.
        index: dict[str, list[str]] = defaultdict(list)
        for other in frequent:
            for variant in _deletions(other, MAX_DISTANCE):
                index[variant].append(other)
        variants: dict[str, str] = {}
        for word, count in counts.items():
            if count > p.max_rare_count or len(word) < p.min_short_length:
                continue
            # A word this frequent is a real word or an established name, not a slip.
            if lexicon.zipf(word.lower()) >= lexicon.ENGLISH:
                continue
            candidates = {
                other
                for variant in _deletions(word, MAX_DISTANCE)
                for other in index.get(variant, ())
            }
            best: tuple[int, str] | None = None
            for other in candidates:
                if other == word or other[0] != word[0] or _is_inflection(word, other):
                    continue
                if not self._variant_of(word, count, other, counts[other], one_text):
                    continue
                candidate = (DamerauLevenshtein.distance(word, other), other)
                if best is None or candidate < best:
                    best = candidate
            if best is not None:
                variants[word] = best[1]
        return variants

    def _variant_of(self, word: str, count: int, other: str, seen: int, one_text: bool) -> bool:
        """Whether rare ``word`` (``count`` times) is a slip for ``other`` (``seen`` times)."""
        p = self.policy
        usual = seen >= p.min_frequent_count and seen >= p.min_ratio * count
        known = one_text and seen >= p.min_frequent_known and seen >= p.min_ratio_known * count
        if known and romanisation_key(word) == romanisation_key(other):
            return True
        if min(len(word), len(other)) < p.min_length:
            return usual and _replaced_or_doubled(word, other)
        if DamerauLevenshtein.distance(word, other) > p.max_distance(word):
            return False
        long_once = known and count == 1 and min(len(word), len(other)) >= p.long_name
        return usual or long_once


# The largest edit distance any policy allows (NameVariantPolicy.max_distance).
MAX_DISTANCE = 2


def _deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made from it by deleting up to ``depth`` characters."""
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found
