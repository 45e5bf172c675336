"""Synthetic multi-sentence training examples: a clean sentence, the sentence before it, and the
damage Japanese→English MT does to it that only the context (or a flag) tells how to repair.

Each builder takes a clean post-edit sentence and a seeded ``random.Random`` and returns a
:class:`Passage` (the sentences before, the damaged sentence, the flags a detector would raise on
it, the clean sentence as the target), or None when the sentence does not fit:

- ``speaker``: a sentence opening with "He"/"She"/"They" after one that names the person; the
  pronoun becomes "I"/"We" with its verb agreeing ("He was" → "I was", "She has" → "I have"),
  as when MT invents a speaker for a dropped subject, flagged ``STRAY_FIRST_PERSON``;
- ``truncated``: a sentence ending "... of the X." loses its object ("... of."), which the
  sentence before names, flagged ``TRUNCATED_SENTENCE``;
- ``quote``: a quotation attributed to the person the sentence before names loses its closing
  mark, flagged ``UNBALANCED_QUOTE``;
- ``double_conjunction``: "X, but Y" becomes "Although x, but Y", flagged ``DOUBLE_CONJUNCTION``.

The sentences come from the MLQE-PE post-edits (the pool :mod:`mtfix.lab.data` leaves for
synthetic data); the names in the context sentences are rare capitalised words of the same
post-edits, the context sentences short templates. Nothing comes from ``eval/`` or the seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mtfix.lexicon as lexicon


@dataclass(frozen=True)
class Passage:
    context: tuple[str, ...]
    damaged: str
    flags: tuple[tuple[str, str], ...]
    target: str
    kind: str


Builder = Callable[[str, Sequence[str], random.Random], "Passage | None"]

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_SPEAKER_CONTEXT = (
    "{name} spoke to reporters on {day}.",
    "{name} answered questions from journalists after the meeting.",
    "In an interview on {day}, {name} talked about the plans.",
    "{name} addressed the conference in the afternoon.",
)
_GROUP_CONTEXT = (
    "{name} and {other} met on {day}.",
    "{name} and {other} held a joint press conference.",
)
_TOPIC_CONTEXT = (
    "The talks on {day} turned to {topic}.",
    "Officials discussed {topic} at length.",
    "{topic_cap} was high on the agenda.",
)
_FIRST = {"He": "I", "She": "I", "They": "We"}
# The verb after the pronoun, as it must agree with "I" (or "We").
_I_AGREEMENT = {"is": "am", "has": "have", "was": "was", "does": "do", "'s": "'m"}
_WE_AGREEMENT = {"are": "are", "have": "have", "were": "were", "do": "do"}
_OF_TAIL = re.compile(r"^(?P<head>.{20,}\bof) (?P<topic>(?:the )?[a-z]+(?: [a-z]+)?)\.$")


def names_in(sentences: Sequence[str], limit: int = 2000) -> list[str]:
    """Rare capitalised words used mid-sentence: surnames and places to name speakers with."""
    found: dict[str, None] = {}
    for s in sentences:
        for m in re.finditer(r"(?<=[a-z,] )([A-Z][a-z]{3,})\b", s):
            if lexicon.zipf(m.group(1)) < lexicon.COMMON:
                found[m.group(1)] = None
        if len(found) >= limit:
            break
    return list(found)


def speaker(clean: str, names: Sequence[str], rng: random.Random) -> Passage | None:
    first, _, rest = clean.partition(" ")
    verb = rest.split(" ", 1)[0]
    if first not in _FIRST or not rest or not names:
        return None
    table = _WE_AGREEMENT if first == "They" else _I_AGREEMENT
    if verb not in table and not verb.endswith("ed"):
        return None
    agreed = table.get(verb, verb)
    damaged = f"{_FIRST[first]} {agreed}{rest[len(verb) :]}"
    name, other = rng.choice(names), rng.choice(names)
    template = rng.choice(_GROUP_CONTEXT if first == "They" else _SPEAKER_CONTEXT)
    context = template.format(name=name, other=other, day=rng.choice(_DAYS))
    flag = ("STRAY_FIRST_PERSON", _FIRST[first])
    return Passage((context,), damaged, (flag,), clean, "speaker")


def truncated(clean: str, names: Sequence[str], rng: random.Random) -> Passage | None:
    m = _OF_TAIL.match(clean)
    if not m or any(lexicon.zipf(w) < lexicon.COMMON for w in m.group("topic").split()):
        return None
    topic = m.group("topic")
    template = rng.choice(_TOPIC_CONTEXT)
    context = template.format(
        day=rng.choice(_DAYS), topic=topic, topic_cap=topic[0].upper() + topic[1:]
    )
    flag = ("TRUNCATED_SENTENCE", "of.")
    return Passage((context,), m.group("head") + ".", (flag,), clean, "truncated")


def quote(clean: str, names: Sequence[str], rng: random.Random) -> Passage | None:
    if not clean.endswith(".") or '"' in clean or len(clean.split()) < 5 or not names:
        return None
    name = rng.choice(names)
    context = rng.choice(_SPEAKER_CONTEXT).format(name=name, day=rng.choice(_DAYS))
    said = f'"{clean[:-1]}," {name} said.'
    # The closing mark dropped, or carried past the attribution.
    damaged = (
        f'"{clean[:-1]}, {name} said.' if rng.random() < 0.6 else f'"{clean[:-1]}, {name} said."'
    )
    return Passage((context,), damaged, (("UNBALANCED_QUOTE", '"'),), said, "quote")


def double_conjunction(clean: str, names: Sequence[str], rng: random.Random) -> Passage | None:
    head, sep, tail = clean.partition(", but ")
    if not sep or len(head.split()) < 3 or not head[:1].isupper():
        return None
    first = head.split(" ", 1)[0]
    opening = head[0].lower() + head[1:] if lexicon.zipf(first) >= lexicon.BASIC else head
    damaged = f"Although {opening}, but {tail}"
    flag = ("DOUBLE_CONJUNCTION", f"Although {opening}, but")
    return Passage((), damaged, (flag,), clean, "double_conjunction")


BUILDERS: dict[str, Builder] = {
    "speaker": speaker,
    "truncated": truncated,
    "quote": quote,
    "double_conjunction": double_conjunction,
}


def build(clean: Sequence[str], n: int, rng: random.Random) -> list[Passage]:
    """Up to ``n`` passages, spread evenly over the builders, from the clean sentences."""
    names = names_in(clean)
    per_kind = max(1, n // len(BUILDERS))
    out: list[Passage] = []
    for builder in BUILDERS.values():
        made = 0
        for sentence in rng.sample(list(clean), len(clean)):
            if made >= per_kind:
                break
            if (passage := builder(sentence, names, rng)) is not None:
                out.append(passage)
                made += 1
    return out
