"""Numbers and dates that differ between a source and its English MT.

Each number becomes a :class:`Quantity` with every value it can mean, so that notation never
counts as a difference: locale separators ("1,000", "1.000", "1 000" and "1'000" can all be one
thousand; "1.000" can also be one), full-width digits ("３万"), Japanese multipliers read by
kanjize ("3万" = 30,000, "1億2000万" = 120,000,000, "三万五千"), English multiplier words
("3 million"), Japanese era years ("令和6年" is 2024), 12-hour times ("2 p.m." is 14) and, on the
English side only, number words and month names ("three", "March") that a translation may use for
a digit. A source number no MT quantity can mean is missing; an MT number no source quantity can
mean is added; one of each is reported as one mismatch with the source's value as suggestion. An
MT number that matches only when read with non-English separators gets a locale flag instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from mtfix.core import Span

# Separators a digit group may follow: comma, dot (and their full-width forms), apostrophe, and
# the spaces locales group with (no-break, narrow no-break, thin, plain).
_GROUP_SPACES = "\u00a0\u202f\u2009 "
_SEPARATORS = ",.，．'" + _GROUP_SPACES
_NUMBER = re.compile(rf"\d+(?:[{_SEPARATORS}]\d+)*")
_KANJI_DIGITS = "〇一二三四五六七八九"
_KANJI_UNITS = "十百千万億兆"
# Arabic digits with Japanese multipliers ("3万", "1億2000万", "3.5万").
_JA_COMPOUND = re.compile(r"\d[\d,.，．]*(?:[千万億兆][\d,.，．]*)+")
# Kanji numerals only where they cannot be a word: a digit and a unit ("三万", "二十"), never a
# lone 一 ("一部", "一方": part, on the other hand) or a unit alone ("十分": enough).
_KANJI_NUMBER = re.compile(
    rf"(?:[{_KANJI_DIGITS[1:]}]|[十百千](?=[{_KANJI_DIGITS}{_KANJI_UNITS}]))"
    rf"[{_KANJI_DIGITS}{_KANJI_UNITS}]*"
)
_ERA_YEAR = re.compile(r"(令和|平成|昭和)(\d+|元)年")
ERA_STARTS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_PM_HOUR = re.compile(r"(?:午後|[Pp]\.?[Mm]\.?)")
_MULTIPLIER_WORD = re.compile(r"\s+(thousand|million|billion|trillion)\b", re.IGNORECASE)
MULTIPLIERS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}
_TENS |= {"ninety": 90, "hundred": 100, "dozen": 12}
_ORDINALS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
).split()
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
WORD_VALUES: dict[str, int] = {w: i for i, w in enumerate(_NUMBER_WORDS)}
WORD_VALUES |= _TENS | {w: i for i, w in enumerate(_ORDINALS) if i}
# "May" is a month as often as a verb; only a capitalised month counts (see _words).
MONTH_VALUES = {m: i for i, m in enumerate(_MONTHS, start=1)}
MONTH_VALUES |= {m[:3]: i for m, i in MONTH_VALUES.items() if m != "may"}
_WORD = re.compile(r"[A-Za-z]+")


@dataclass
class Quantity:
    span: Span
    text: str
    values: set[Decimal]
    # The values under English conventions ("," groups, "." is the decimal point).
    english: set[Decimal] = field(default_factory=set)
    # A number word or month name: may match a source number, is never "added".
    word: bool = False
    # A plain-space group ("12 200") may also be two numbers.
    parts: tuple[Decimal, ...] = ()


def _ascii(digits: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if c.isdigit() else c for c in digits)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(_ascii(text))
    except InvalidOperation:
        return None


def _readings(token: str) -> tuple[set[Decimal], set[Decimal]]:
    """Every value a digit string with separators can have, and those under English rules."""
    token = token.replace("，", ",").replace("．", ".")
    groups = re.split(rf"[{_SEPARATORS}]", token)
    seps = re.findall(rf"[{_SEPARATORS}]", token)
    values: set[Decimal] = set()
    english: set[Decimal] = set()
    digits_only = "".join(groups)
    if not seps:
        value = _decimal(token)
        return ({value}, {value}) if value is not None else (set(), set())
    grouped = len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    kinds = set(seps)
    if len(kinds) == 1:
        sep = seps[0]
        if grouped and (value := _decimal(digits_only)) is not None:
            values.add(value)
            if sep == ",":
                english.add(value)
        if len(seps) == 1 and sep in ",.":
            value = _decimal(f"{groups[0]}.{groups[1]}")
            if value is not None:
                values.add(value)
                if sep == ".":
                    english.add(value)
    elif len(kinds) == 2 and seps[-1] in ",." and seps.count(seps[-1]) == 1:
        # "1,234.56" or "1.234,56": the last mark is the decimal one, the others group.
        value = _decimal(f"{''.join(groups[:-1])}.{groups[-1]}")
        if value is not None and all(len(g) == 3 for g in groups[1:-1]):
            values.add(value)
            if seps[-1] == "." and set(seps[:-1]) == {","}:
                english.add(value)
    return values, english


def _masked(text: str, masks: list[Span]) -> str:
    chars = list(text)
    for span in masks:
        chars[span.start : span.end] = " " * len(span)
    return "".join(chars)


def _digit_quantities(text: str, taken: list[Span]) -> Iterator[Quantity]:
    for m in _NUMBER.finditer(text):
        span = Span(m.start(), m.end())
        if any(span.overlaps(t) for t in taken):
            continue
        token = m.group()
        # A plain space groups digits only as a thousands separator ("1 000", not "2020 300").
        pieces = re.split(r"(?<=\d) (?=\d)", token)
        if len(pieces) > 1 and not (
            len(pieces[0]) <= 3 and all(re.fullmatch(r"\d{3}", p) for p in pieces[1:])
        ):
            offset = span.start
            for piece in pieces:
                sub = Span(offset, offset + len(piece))
                offset += len(piece) + 1
                yield from _one(text, sub, piece)
            continue
        quantities = list(_one(text, span, token))
        if len(pieces) > 1:
            for q in quantities:
                q.parts = tuple(v for p in pieces if (v := _decimal(p)) is not None)
        yield from quantities


def _one(text: str, span: Span, token: str) -> Iterator[Quantity]:
    values, english = _readings(token)
    if not values:
        # "2024.3.5", "1.2.3": not one number but several.
        offset = span.start
        for piece in re.split(rf"[{_SEPARATORS}]", token):
            if (value := _decimal(piece)) is not None:
                sub = Span(offset, offset + len(piece))
                yield Quantity(sub, piece, {value}, {value})
            offset += len(piece) + 1
        return
    after = text[span.end : span.end + 16]
    if m := _MULTIPLIER_WORD.match(after):
        factor = MULTIPLIERS[m.group(1).lower()]
        values = {v * factor for v in values}
        english = {v * factor for v in english}
        span = Span(span.start, span.end + m.end())
    elif _PM_HOUR.match(after.lstrip()) or _PM_HOUR.search(
        text[max(0, span.start - 2) : span.start]
    ):
        values |= {v + 12 for v in values if v < 12}
        english |= {v + 12 for v in english if v < 12}
    # The ":00" of "14:00" says "o'clock", which a source need not write ("2時").
    minutes = token == "00" and text[span.start - 1 : span.start] == ":"
    yield Quantity(span, text[span.start : span.end], values, english, word=minutes)


def _japanese_quantities(text: str) -> Iterator[Quantity]:
    from kanjize import kanji2number

    taken: list[Span] = []
    for pattern in (_JA_COMPOUND, _KANJI_NUMBER):
        for m in pattern.finditer(text):
            token, span = m.group(), Span(m.start(), m.end())
            if any(span.overlaps(t) for t in taken):
                continue  # "千万" inside "2千万"
            if pattern is _KANJI_NUMBER and (
                len(token) < 2 or not any(u in token for u in _KANJI_UNITS)
            ):
                continue
            try:
                value = Decimal(str(kanji2number(token.replace(",", "").replace("，", ""))))
            except (ValueError, KeyError, InvalidOperation):
                continue
            taken.append(span)
            yield Quantity(span, token, {value}, {value})
    for m in _ERA_YEAR.finditer(text):
        year = 1 if m.group(2) == "元" else int(_ascii(m.group(2)))
        values = {Decimal(year), Decimal(ERA_STARTS[m.group(1)] + year)}
        yield Quantity(Span(m.start(2), m.end(2)), m.group(2), values, values)


def _words(text: str) -> Iterator[Quantity]:
    for m in _WORD.finditer(text):
        word = m.group()
        lower = word.lower()
        value = WORD_VALUES.get(lower)
        if value is None and word[0].isupper():
            value = MONTH_VALUES.get(lower)
        if value is not None:
            values = {Decimal(value)}
            yield Quantity(Span(m.start(), m.end()), word, values, values, word=True)


def quantities(
    text: str, masks: list[Span] | None = None, *, english: bool = False
) -> list[Quantity]:
    """The numbers in ``text`` outside ``masks`` (placeholders, URLs, tags), in order."""
    text = _masked(text, masks or [])
    found = list(_japanese_quantities(text))
    found += _digit_quantities(text, [q.span for q in found])
    if english:
        found += _words(text)
    return sorted(found, key=lambda q: q.span)


@dataclass(frozen=True)
class Comparison:
    missing: list[Quantity]  # source numbers the MT does not have
    added: list[Quantity]  # MT numbers the source does not have
    # MT numbers that match only when read with another locale's separators.
    foreign_format: list[tuple[Quantity, Quantity]]


def compare(source: list[Quantity], target: list[Quantity]) -> Comparison:
    unmatched_target = list(target)
    missing: list[Quantity] = []
    foreign: list[tuple[Quantity, Quantity]] = []
    # Digits first: a digit in the MT is the better partner for a source number than a word.
    for src in source:
        partner = next(
            (t for t in unmatched_target if not t.word and t.values & src.values), None
        ) or next((t for t in unmatched_target if t.values & src.values), None)
        if partner is None:
            missing.append(src)
            continue
        unmatched_target.remove(partner)
        if not partner.word and not (partner.english & src.values):
            foreign.append((partner, src))
    missing, unmatched_target = _match_parts(missing, unmatched_target)
    added = [t for t in unmatched_target if not t.word]
    return Comparison(missing, added, foreign)


def _match_parts(
    missing: list[Quantity], extra: list[Quantity]
) -> tuple[list[Quantity], list[Quantity]]:
    """A plain-space group on one side may be two numbers on the other ("12 200" and 12, 200)."""
    for side, other in ((missing, extra), (extra, missing)):
        for q in [q for q in side if q.parts]:
            partners = []
            for part in q.parts:
                found = next((o for o in other if part in o.values and o not in partners), None)
                if found is None:
                    break
                partners.append(found)
            else:
                side.remove(q)
                for p in partners:
                    other.remove(p)
    return missing, extra


def english_format(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,f}"
