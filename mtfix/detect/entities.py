"""Document-level name consistency: a rare spelling of a name the document uses often.

MT systems transliterate a name differently from one sentence to the next ("Byden" once beside
"Biden" twenty times). The document itself is the dictionary: capitalised words are counted, and
a rare form within a small edit distance of a much more frequent one is flagged with the
frequent form as its fix. Inflections (Russia/Russian, Biden/Biden's) and ordinary English words
are never treated as variants.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from mtfix import lexicon
from mtfix.core import Document, Flag, Severity, Span

_NAME = re.compile(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)*\b")


@dataclass(frozen=True)
class NameVariantPolicy:
    max_rare_count: int = 2
    min_frequent_count: int = 3
    min_ratio: float = 3.0
    # One slip in a short name, two in a long one: "Byden"/"Biden", not "Nagy"/"Navy".
    min_length: int = 5
    long_name: int = 8
    confidence: float = 0.95

    def max_distance(self, word: str) -> int:
        return 2 if len(word) >= self.long_name else 1


def _is_inflection(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return long.startswith(short)


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
        variants = self._variants(counts, names)
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

    def _variants(self, counts: Counter[str], names: set[str]) -> dict[str, str]:
        p = self.policy
        frequent = [w for w, c in counts.items() if c >= p.min_frequent_count and w in names]
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
            if count > p.max_rare_count or len(word) < p.min_length:
                continue
            # A word this frequent is a real word or an established name, not a slip.
            if lexicon.zipf(word.lower()) >= lexicon.ENGLISH:
                continue
            candidates = {
                other
                for variant in _deletions(word, p.max_distance(word))
                for other in index.get(variant, ())
            }
            best: tuple[int, str] | None = None
            for other in candidates:
                if other == word or counts[other] < p.min_ratio * count:
                    continue
                if other[0] != word[0] or _is_inflection(word, other):
                    continue
                distance = DamerauLevenshtein.distance(word, other)
                if distance <= p.max_distance(word):
                    candidate = (distance, other)
                    if best is None or candidate < best:
                        best = candidate
            if best is not None:
                variants[word] = best[1]
        return variants


# The largest edit distance any policy allows (NameVariantPolicy.max_distance).
MAX_DISTANCE = 2


def _deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made from it by deleting up to ``depth`` characters."""
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found
