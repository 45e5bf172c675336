"""The bilingual QA rules: each a small function from one source/MT :class:`Pair` to Flags.

Where translate-toolkit's pofilter checks decide the question (printf and brace placeholders,
URLs, e-mails, whitespace, double spaces, end punctuation, an unchanged copy of the source), the
rule asks them and adds what they do not give: where in the MT the problem is. Spans are offsets
into the pair's target; the detector moves them into the document.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mtfix.core import Flag, Severity, Span
from mtfix.detect.qa import numbers
from mtfix.detect.qa.glossary import Glossary, find, in_source
from mtfix.formats.inline import TAG, placeholders

DETECTOR = "qa"


@dataclass(frozen=True)
class Pair:
    """A source segment and its MT, as the rules see them (inline tags are TAG characters)."""

    source: str
    target: str
    source_tags: tuple[str, ...] = ()
    target_tags: tuple[str, ...] = ()
    glossary: Glossary | None = field(default=None, compare=False)

    @property
    def whole(self) -> Span:
        """The MT's text without surrounding whitespace: where a segment-level flag points."""
        stripped = self.target.strip()
        start = self.target.find(stripped) if stripped else 0
        return Span(start, start + len(stripped))


def _flag(
    span: Span,
    rule: str,
    category: str,
    message: str,
    severity: Severity = Severity.ERROR,
    suggestions: tuple[str, ...] = (),
    confidence: float = 0.0,
) -> Flag:
    return Flag(span, DETECTOR, rule, category, message, severity, suggestions, confidence)


@lru_cache(maxsize=1)
def _checker() -> Any:
    from translate.filters.checks import CheckerConfig, StandardChecker

    return StandardChecker(checkerconfig=CheckerConfig(targetlanguage="en"))


def _fails(check: str, source: str, target: str) -> str | None:
    """translate-toolkit's verdict: None when the check passes, else its message."""
    from translate.filters.checks import FilterFailure

    try:
        getattr(_checker(), check)(source, target)
    except FilterFailure as failure:
        return "; ".join(str(m) for m in failure.messages)
    return None


def _urls(text: str) -> list[tuple[Span, str]]:
    from translate.storage.placeables.general import EmailPlaceable, UrlPlaceable

    found = []
    for pattern in (UrlPlaceable.regex, EmailPlaceable.regex):
        for m in pattern.finditer(text):
            # The full stop after "see https://example.com." ends the sentence, not the URL.
            value = m.group().rstrip(".,;:!?")
            found.append((Span(m.start(), m.start() + len(value)), value))
    return sorted(found, key=lambda item: item[0])


def _masks(text: str) -> list[Span]:
    """What is not prose in a text: inline tags, code placeholders, URLs and e-mails."""
    spans = [Span(i, i + 1) for i, ch in enumerate(text) if ch == TAG]
    spans += [s for s, _ in placeholders(text)] + [s for s, _ in _urls(text)]
    return spans


def empty_target(pair: Pair) -> Iterator[Flag]:
    if pair.source.replace(TAG, "").strip() and not pair.target.replace(TAG, "").strip():
        yield _flag(pair.whole, "EMPTY_TARGET", "omission", "the MT is empty; the source is not")


# Letters of scripts English does not use: MT leaves source words in them untranslated.
_FOREIGN_RUN = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f]+(?:\s*[^\W\d_A-Za-z\u00c0-\u024f]+)*")


def untranslated(pair: Pair) -> Iterator[Flag]:
    if not pair.target.strip():
        return
    source, target = pair.source.replace(TAG, " "), pair.target.replace(TAG, " ")
    if re.search(r"[^\W\d_]", source) and (
        # translate-toolkit's check lets an all-capitals copy pass ("OK", "API"), and to it
        # CJK text, which has no case, is all capitals: so a non-Latin copy is judged here.
        (_FOREIGN_RUN.search(source) and " ".join(source.split()) == " ".join(target.split()))
        or _fails("unchanged", source, target)
    ):
        yield _flag(pair.whole, "UNTRANSLATED", "untranslated", "the MT is a copy of the source")
        return
    for m in _FOREIGN_RUN.finditer(pair.target):
        if any(ch in pair.source for ch in m.group()):
            yield _flag(
                Span(m.start(), m.end()),
                "UNTRANSLATED_TEXT",
                "untranslated",
                f"'{m.group()}' is left untranslated from the source",
            )


def number_mismatch(pair: Pair) -> Iterator[Flag]:
    source = numbers.quantities(pair.source, _masks(pair.source))
    target = numbers.quantities(pair.target, _masks(pair.target), english=True)
    found = numbers.compare(source, target)
    for mt, src in found.foreign_format:
        english = numbers.english_format(min(src.values & mt.values))
        yield _flag(
            mt.span,
            "NUMBER_FORMAT",
            "number-format",
            f"'{mt.text}' is written with another locale's separators; English writes {english}",
            Severity.WARNING,
            (english,),
        )
    if len(found.missing) == 1 and len(found.added) == 1:
        src, mt = found.missing[0], found.added[0]
        value = _reading(src)
        yield _flag(
            mt.span,
            "NUMBER_MISMATCH",
            "number",
            f"'{mt.text}' where the source has '{src.text}' ({value})",
            suggestions=(value,),
        )
        return
    for src in found.missing:
        # A source 1 is often an article in the MT ("一人" is "a person"), not a lost number.
        if src.values == {1}:
            continue
        yield _flag(
            pair.whole,
            "NUMBER_MISSING",
            "number",
            f"the source's '{src.text}' ({_reading(src)}) is not in the MT",
        )
    for mt in found.added:
        yield _flag(mt.span, "NUMBER_ADDED", "number", f"'{mt.text}' is not in the source")


def _reading(quantity: numbers.Quantity) -> str:
    """The value an English reader needs, preferring the one the source's own digits show."""
    return " or ".join(sorted({numbers.english_format(v) for v in quantity.values}, key=len)[:2])


def tag_mismatch(pair: Pair) -> Iterator[Flag]:
    source, target = Counter(pair.source_tags), Counter(pair.target_tags)
    tag_positions = [i for i, ch in enumerate(pair.target) if ch == TAG]
    if source == target:
        if pair.source_tags != pair.target_tags:
            yield _flag(
                pair.whole,
                "TAG_ORDER",
                "markup-order",
                f"inline tags in another order than the source's: {' '.join(pair.target_tags)} "
                f"for {' '.join(pair.source_tags)}",
                Severity.WARNING,
            )
        return
    missing, extra = source - target, target - source
    for i, label in enumerate(pair.target_tags):
        if extra[label] > 0:
            extra[label] -= 1
            position = tag_positions[i]
            yield _flag(
                Span(position, position + 1),
                "TAG_ADDED",
                "markup",
                f"tag {label} is not in the source",
            )
    if missing:
        names = " ".join(sorted(missing.elements()))
        yield _flag(pair.whole, "TAG_MISSING", "markup", f"the MT lost the source's tags: {names}")


def placeholder_mismatch(pair: Pair) -> Iterator[Flag]:
    source_values = [v for _, v in placeholders(pair.source)]
    target_found = placeholders(pair.target)
    if not source_values and not target_found:
        return
    problems = [
        reason
        for check in ("printf", "pythonbraceformat")
        if (reason := _fails(check, pair.source, pair.target))
    ]
    if not problems:
        return
    extra = Counter(v for _, v in target_found) - Counter(source_values)
    spans = [s for s, v in target_found if extra[v] > 0]
    for span in spans or [pair.whole]:
        yield _flag(span, "PLACEHOLDER_MISMATCH", "placeholder", "; ".join(problems))


def url_mismatch(pair: Pair) -> Iterator[Flag]:
    for check, what in (("urls", "URL"), ("emails", "e-mail address")):
        if not _fails(check, pair.source, pair.target):
            continue
        source_values = Counter(v for _, v in _urls(pair.source))
        extra = [(s, v) for s, v in _urls(pair.target) if v not in source_values]
        missing = [v for v in source_values if v not in pair.target]
        for span, value in extra:
            yield _flag(span, "URL_MISMATCH", "url", f"{what} '{value}' is not in the source")
        if missing and not extra:
            yield _flag(
                pair.whole,
                "URL_MISMATCH",
                "url",
                f"the source's {what} {', '.join(missing)} is lost",
            )


def whitespace(pair: Pair) -> Iterator[Flag]:
    target = pair.target
    if _fails("startwhitespace", pair.source, target):
        lead = len(target) - len(target.lstrip())
        yield _flag(
            Span(0, lead),
            "LEADING_WHITESPACE",
            "whitespace",
            "leading whitespace differs from the source's",
            Severity.WARNING,
        )
    if _fails("endwhitespace", pair.source, target):
        trail = len(target.rstrip())
        yield _flag(
            Span(trail, len(target)),
            "TRAILING_WHITESPACE",
            "whitespace",
            "trailing whitespace differs from the source's",
            Severity.WARNING,
        )
    if "  " not in pair.source:
        for m in re.finditer(r"(?<=\S)  +(?=\S)", target):
            # Nothing a reader sees depends on the second space: safe to fix automatically.
            yield _flag(
                Span(m.start(), m.end()),
                "DOUBLE_SPACE",
                "whitespace",
                "double space where the source has none",
                Severity.WARNING,
                (" ",),
                0.9,
            )


# Source punctuation written the CJK way, as English writes it (NFKC covers the full-width forms).
_CJK_PUNCTUATION = str.maketrans({"。": ".", "、": ",", "「": '"', "」": '"', "『": '"', "』": '"'})
_END_PUNCTUATION = ".!?:;…"
# A closing quote or bracket may follow the full stop or stand in for it ('... he said."').
_CLOSERS = "\"'”’)"


def end_punctuation(pair: Pair) -> Iterator[Flag]:
    """The MT drops the source's end punctuation, or ends a question, exclamation or label as
    something else. An MT that adds a full stop the source lacks is not flagged: English sentences
    take one where Japanese headlines and list items do not."""
    source = unicodedata.normalize("NFKC", pair.source.replace(TAG, "")).translate(_CJK_PUNCTUATION)
    target = pair.target.replace(TAG, "")
    if not target.strip() or not _fails("endpunc", source, target):
        return
    last, ends = source.rstrip()[-1:], target.rstrip()[-1:]
    if last not in _END_PUNCTUATION or (ends in _CLOSERS and last == "."):
        return
    end = len(pair.target.rstrip().rstrip(TAG))
    if ends not in _END_PUNCTUATION + _CLOSERS:
        yield _flag(
            Span(end, end),
            "END_PUNCTUATION",
            "end-punctuation",
            f"the source ends with '{last}', the MT with no end punctuation",
            Severity.WARNING,
            (last,),
        )
    elif ends in _END_PUNCTUATION and ends != last:
        yield _flag(
            Span(end - 1, end),
            "END_PUNCTUATION",
            "end-punctuation",
            f"the source ends with '{last}', the MT with '{ends}'",
            Severity.WARNING,
            (last,),
        )


def glossary_terms(pair: Pair) -> Iterator[Flag]:
    if pair.glossary is None:
        return
    for term in pair.glossary.terms:
        relevant = not term.source or in_source(term.source, pair.source)
        if not relevant:
            continue
        for banned in term.forbidden:
            for span in find(banned, pair.target):
                yield _flag(
                    span,
                    "FORBIDDEN_TERM",
                    "terminology",
                    f"'{span.of(pair.target)}' is a forbidden term (glossary)"
                    + (f"; use '{term.required[0]}'" if term.required else ""),
                    suggestions=term.required[:1],
                )
        if (
            term.source
            and term.required
            and not any(any(find(t, pair.target)) for t in term.required)
        ):
            yield _flag(
                pair.whole,
                "TERM_MISSING",
                "terminology",
                f"the source's '{term.source}' should be '{' or '.join(term.required)}' (glossary)",
            )


Rule = Callable[[Pair], Iterator[Flag]]
RULES: tuple[Rule, ...] = (
    empty_target,
    untranslated,
    number_mismatch,
    tag_mismatch,
    placeholder_mismatch,
    url_mismatch,
    whitespace,
    end_punctuation,
    glossary_terms,
)


def check(pair: Pair) -> list[Flag]:
    return [flag for rule in RULES for flag in rule(pair)]
