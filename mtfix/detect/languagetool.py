"""LanguageTool as a detector: grammar, spelling and style matches become Flags.

LanguageTool's own rule ids are kept, so a flag can be looked up in its rule browser; its
category ids are spelt as every mtfix category is (:func:`mtfix.core.category_key`: "TYPOS" is
"typos"). LanguageTool reads the text with Japanese full-width and CJK marks folded to ASCII
(:func:`mtfix.lexicon.typography.fold`, offsets unchanged): the mt-artifacts detector flags the
marks themselves, and "１３th" would otherwise be a misspelt "th". Two MT-specific adjustments:
- spelling matches on capitalised words are dropped: news MT is full of correctly transliterated
  foreign names that no dictionary holds, and misspelt names are the entities detector's job,
  which compares against the names the document itself uses;
- a spelling match on a lower-case word is marked safe to auto-fix only when the word is no
  English word at all (wordfreq knows British spellings and words LanguageTool's context rules
  question, like "its"), and the first suggestion is one common word (Zipf >= 3), not a name
  guessed for it ("makwan" -> "Taiwan"), close (Damerau-Levenshtein <= 2 and at most 15% of the
  word: one letter in a short word is another word, "humla" -> "hula") and clearly the best (no
  other suggestion as close): LanguageTool's "one clear suggestion" case. Measured on MLQE-PE
  dev, where most non-words are untranslated source words, auto-applying looser suggestions
  ("formatate" -> "format ate", "cortegium" -> "collegium") raised TER on every pair. A
  suggestion that is only a known word (Zipf >= 1.5: "monopolyists" -> "monopolists") is marked
  plausible: the model rewriter judges it by fluency. The flag stays for a human either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from rapidfuzz.distance import DamerauLevenshtein

import mtfix.lexicon as lexicon
from mtfix.core import Document, Flag, Severity, Span
from mtfix.languagetool import client
from mtfix.lexicon.typography import fold
from mtfix.segment import chunks

SPELLING_CATEGORY = "TYPOS"
# LanguageTool's time on a request grows faster than its text (a 50 KB line with no sentence
# break took it 237 s): requests of at most about three pages, each answered in seconds, and no
# stretch without a break longer than ~170 words (a long real sentence).
MAX_REQUEST_CHARS = 20_000
MAX_RUN_CHARS = 1_000
MAX_SUGGESTIONS = 5
SAFE_SPELLING_CONFIDENCE = 0.9
PLAUSIBLE_SPELLING_CONFIDENCE = 0.6
MAX_RELATIVE_DISTANCE = 0.15

# Rules whose advice is house style rather than an error (and which fire on most news copy).
DISABLED_RULES = frozenset(
    {
        "WHITESPACE_RULE",  # double spaces are normalised elsewhere
        "ENGLISH_WORD_REPEAT_BEGINNING_RULE",  # three sentences starting alike is style
        "CYBER_COMPOUNDS",  # "cyber attack" vs "cyberattack" is house style
        "EN_QUOTES",  # typographic vs straight quotes
        "DASH_RULE",
    }
)

_SEVERITY = {
    "misspelling": Severity.ERROR,
    "grammar": Severity.ERROR,
    "typographical": Severity.WARNING,
    "duplication": Severity.WARNING,
    "style": Severity.HINT,
    "register": Severity.HINT,
    "locale-violation": Severity.HINT,
}


# Categories of advice about style, not errors: mtfix reports what is wrong, not what is wordy.
DISABLED_CATEGORIES = frozenset({"REDUNDANCY", "STYLE", "TYPOGRAPHY"})


def _params(language: str) -> dict[str, str]:
    """The request parameters every check sends (LanguageTool's HTTP API)."""
    return {
        "language": language,
        "disabledRules": ",".join(sorted(DISABLED_RULES)),
        "disabledCategories": ",".join(sorted(DISABLED_CATEGORIES)),
    }


def _spelling_confidence(word: str, suggestions: list[str]) -> float:
    """How safe the first suggestion is as an automatic fix (see the module docstring)."""
    if not suggestions or lexicon.zipf(word) >= lexicon.ENGLISH or " " in suggestions[0]:
        return 0.0
    first = suggestions[0]
    if first[:1].isupper() and first.lower() != word.lower():
        return 0.0
    best = DamerauLevenshtein.distance(word, first)
    rivals = [DamerauLevenshtein.distance(word, s) for s in suggestions[1:]]
    if best > 2 or best > MAX_RELATIVE_DISTANCE * len(word) or any(r <= best for r in rivals):
        return 0.0
    frequency = lexicon.zipf(first.lower())
    if frequency >= lexicon.COMMON:
        return SAFE_SPELLING_CONFIDENCE
    return PLAUSIBLE_SPELLING_CONFIDENCE if frequency >= lexicon.KNOWN else 0.0


class LanguageToolMatch(Protocol):
    """What the detector reads of a match: language_tool_python's ``Match``, or a match a server
    got from LanguageTool's JSON itself (offsets in Python ``str`` indices of ``doc.text``)."""

    @property
    def offset(self) -> int: ...
    @property
    def error_length(self) -> int: ...
    @property
    def rule_id(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def rule_issue_type(self) -> str: ...
    @property
    def replacements(self) -> Sequence[str]: ...


class LanguageToolDetector:
    name = "languagetool"
    # Its time is the server's: the pipeline runs it beside the other detectors.
    waits = True

    def __init__(self, language: str = "en-US") -> None:
        self.language = language

    def detect(self, doc: Document) -> list[Flag]:
        if not doc.text.strip():
            return []
        # language_tool_python (and requests under it) costs 0.2 s to import: only when used.
        from language_tool_python.match import Match

        params = _params(self.language)
        matches: list[Match] = []
        # Bounded requests (mtfix.segment.chunks); language_tool_python's Match reads each answer
        # (and turns Java's UTF-16 offsets into str offsets within the chunk). The text is sent
        # folded, one character for one, so the offsets are the document's.
        for chunk in chunks(doc, MAX_REQUEST_CHARS, MAX_RUN_CHARS):
            text = fold(chunk.of(doc.text))
            for attrib in client.check(text, params):
                match = Match(attrib, text)
                match.offset += chunk.start
                matches.append(match)
        return list(self.flags(doc, matches))

    def warm(self) -> None:
        """Start (or find) the server and load the rules this detector's requests use."""
        client.check("This is a warm-up.", _params(self.language))

    def flags(self, doc: Document, matches: Iterable[LanguageToolMatch]) -> Iterator[Flag]:
        """LanguageTool's matches on ``doc`` as flags, under this module's policy (the disabled
        rules and categories, which the client also asks the server to skip)."""
        for m in matches:
            if m.rule_id in DISABLED_RULES or m.category in DISABLED_CATEGORIES:
                continue
            span = Span(m.offset, m.offset + m.error_length)
            word = span.of(doc.text)
            category = m.category
            suggestions = list(m.replacements[:MAX_SUGGESTIONS])
            confidence = 0.0
            if category == SPELLING_CATEGORY:
                if word[:1].isupper():
                    continue
                confidence = _spelling_confidence(word, suggestions)
            yield Flag(
                span=span,
                detector=self.name,
                rule=m.rule_id,
                category=category,
                message=m.message,
                severity=_SEVERITY.get(m.rule_issue_type, Severity.WARNING),
                suggestions=tuple(suggestions),
                confidence=confidence,
            )
