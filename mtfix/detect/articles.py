"""Article errors, read from the parse: Japanese has no articles, so Japanese→English MT guesses
them, and guesses wrong in a few set ways. What English knows about articles is in
:mod:`mtfix.lexicon.articles`; these rules find where a sentence breaks it.

- ARTICLE_SOUND: *a*/*an* against the sound of the next word ("a hour", "an university",
  "a AI", "an one-run lead"); fixed automatically, but before a name (whose sound its spelling
  only suggests) flagged.
- ARTICLE_BEFORE_NAME: *the* before a proper name that takes none ("approach the Kyushu",
  "beat the Hokuriku Steel"): fixed where the document uses the name without an article
  elsewhere (in a line corpus, the same line) or it is a company's name; a name the tagger
  knows as one by the word itself ("the Tokyo", with no other use to go by) is a flag only.
  Names that take *the* keep it: a name whose last word is a common noun ("the Tokyo
  Metropolitan Government", "the Kyushu Shinkansen"), a plural ("the Kamogawa Herons"), an
  acronym ("the US"), a capitalised common word ("the President"), a people ("the French"),
  a title, and the few English always writes so ("the Hague").
- ARTICLE_BEFORE_PLURAL: *a*/*an* before a plural noun ("a portable fans") or before a bare
  number ("about a 120,000 households", "by an 18 percent"); "a few", "an estimated 10,000",
  "an 8 percent increase", "a hundred people" are English.
- MISSING_ARTICLE: a singular count noun with no determiner where the parse is sure one is
  needed: the object of a verb with an adjective before it ("build new library"), or a
  sentence opening "Leader of the team, ...". A flag for a person: which article is meant
  (*a*, *the*) depends on what the reader already knows.
Headlines, which drop articles by convention, are not checked for missing ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import mtfix.lexicon as lexicon
from mtfix.core import Document, Flag, Severity, Span
from mtfix.detect import parse
from mtfix.lexicon import articles

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as Sentence

DETECTOR = "syntax"
SOUND_CONFIDENCE = 0.95
NAME_CONFIDENCE = 0.9
NUMBER_CONFIDENCE = 0.9
PERCENT_WORDS = frozenset({"percent", "%", "per", "cent", "percentage"})
# Adjectives that do not make a bare noun need an article ("first time" is still wrong, but
# "more", "such" and "enough" take none).
NO_ARTICLE_MODIFIERS = frozenset("more less such enough much little further same".split())
_INDEFINITE = ("a", "an")


def _flag(
    span: Span,
    rule: str,
    message: str,
    fix: str | None,
    confidence: float = 0.0,
) -> Flag:
    return Flag(
        span,
        DETECTOR,
        rule,
        "grammar",
        message,
        Severity.ERROR if confidence else Severity.WARNING,
        suggestions=(fix,) if fix is not None else (),
        confidence=confidence if fix is not None else 0.0,
    )


def _span(base: int, first: Token, last: Token | None = None) -> Span:
    last = last or first
    return Span(base + first.idx, base + last.idx + len(last))


def _matching_case(word: str, like: str) -> str:
    return word[0].upper() + word[1:] if like[:1].isupper() else word


def article_sound(sent: Sentence, base: int) -> Iterator[Flag]:
    for token in sent:
        if token.lower_ not in _INDEFINITE or token.tag_ != "DT" or token.i + 1 >= len(token.doc):
            continue
        if token.text == "A" and token.i != sent[0].i:
            continue  # "Plan A", "type A": a letter, not an article
        nxt = token.nbor()
        if token.whitespace_ == "" or not (nxt.text[:1].isalnum()):
            continue
        wanted = articles.indefinite_article(nxt.text)
        if wanted is None or wanted == token.lower_:
            continue
        fix = _matching_case(wanted, token.text)
        # A name's sound is guessed from its spelling, and names are read many ways ("an
        # Uighur", "a Uighur"): flagged, not fixed. Words, numbers and initialisms are sure.
        word = re.split(r"[-–/]", nxt.text, maxsplit=1)[0]
        sure = word.islower() or word[:1].isdigit() or word.isupper() or word[1:2].isupper()
        yield _flag(
            _span(base, token),
            "ARTICLE_SOUND",
            f"'{nxt.text}' is said with a {'vowel' if wanted == 'an' else 'consonant'} sound: "
            f"'{fix} {nxt.text}'",
            fix,
            SOUND_CONFIDENCE if sure else 0.0,
        )


def _name_tokens(head: Token) -> list[Token]:
    """The proper noun ``head`` with the proper nouns compounded onto it, in order."""
    parts = [c for c in head.lefts if c.dep_ in ("compound", "nmod") and c.tag_ == "NNP"]
    return [*parts, head]


def _name_text(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


def bare_names(paragraphs: list[tuple[Span, Doc]], headings: set[int]) -> set[str]:
    """Names these paragraphs use without an article inside a sentence (not in a headline)."""
    found = set()
    for paragraph, parsed in paragraphs:
        for token in parsed:
            if token.tag_ != "NNP" or token.dep_ in ("compound", "nmod", "poss"):
                continue
            if paragraph.start in headings or any(
                c.dep_ in ("det", "poss") for c in token.children
            ):
                continue
            name = _name_tokens(token)
            if name[0].i == name[0].sent.start:
                continue  # a capital opening a sentence says nothing
            found.add(_name_text(name))
    return found


def _takes_the(name: list[Token]) -> bool:
    last = name[-1]
    head = last.text
    return (
        not head[:1].isupper()
        or head.isupper()
        or head in articles.THE_NAMES
        or head in lexicon.DATE_WORDS
        or head.endswith("s")
        or (len(name) == 1 and head.endswith(articles.PEOPLE_ENDINGS))
        or (len(name) > 1 and parse.dictionary_word(head) and head not in articles.COMPANY_HEADS)
        or (last.i + 1 < len(last.doc) and last.nbor().lower_ == "of")
    )


def article_before_name(sent: Sentence, base: int, bare: set[str]) -> Iterator[Flag]:
    for token in sent:
        if token.lower_ != "the" or token.dep_ != "det":
            continue
        head = token.head
        if head.tag_ != "NNP" or head.dep_ in ("compound", "nmod") or head.i < token.i:
            continue
        name = _name_tokens(head)
        if name[0].i != token.i + 1 or _takes_the(name):
            continue
        text = _name_text(name)
        company = len(name) > 1 and name[-1].text in articles.COMPANY_HEADS
        known = len(name) == 1 and parse.known_name(head.text)
        if len(name) == 1 and not known and _ordinary_word(head.text):
            continue  # a capitalised common word takes "the": "the President", "the French"
        if text in bare or company:
            why = "a company's name" if company else "a name this text uses without an article"
            confidence = NAME_CONFIDENCE
        elif known:
            # A name the tagger knows, with no use without an article here to go by.
            why, confidence = "a place or person's name", 0.0
        else:
            continue
        yield _flag(
            _span(base, token),
            "ARTICLE_BEFORE_NAME",
            f"'{text}' is {why}: no 'the'",
            "",
            confidence,
        )


def _ordinary_word(word: str) -> bool:
    return parse.dictionary_word(word) and lexicon.zipf(word.lower()) >= lexicon.COMMON


def article_before_plural(sent: Sentence, base: int) -> Iterator[Flag]:
    for token in sent:
        if token.lower_ not in _INDEFINITE or token.i + 1 >= len(token.doc):
            continue
        nxt = token.nbor()
        if not nxt.text[:1].isalnum() or (token.text == "A" and token.i != sent.start):
            continue  # "a, complex ...", "linear A texts": no article of a noun phrase
        head = token.head
        between = list(token.doc[token.i + 1 : head.i]) if head.i > token.i else []
        if any(t.lower_ in articles.QUANTITY_WORDS for t in [*between, head]):
            continue
        if token.dep_ == "quantmod" and nxt.tag_ == "CD" and nxt.i == head.i:
            # "about a 120,000 households": the article counts the number, not a noun.
            noun = head.head
            if noun.tag_ == "NNS" and noun.lower_ not in articles.SINGULAR_IN_S:
                yield _plural_flag(base, token, f"'{nxt.text} {noun.text}' is a number of them")
            continue
        if token.dep_ != "det" or head.i <= token.i:
            continue
        if nxt.tag_ == "CD" and head.lower_ in PERCENT_WORDS and nxt.head.i == head.i:
            yield _plural_flag(base, token, f"'{nxt.text} {head.text}' is an amount, not a thing")
        elif (
            head.tag_ == "NNS"
            and head.lower_ not in articles.SINGULAR_IN_S
            and not any(t.text == "-" for t in between)
        ):
            confidence = NUMBER_CONFIDENCE if nxt.tag_ == "CD" else 0.0
            yield _plural_flag(base, token, f"'{head.text}' is plural", confidence)


def _plural_flag(
    base: int, article: Token, why: str, confidence: float = NUMBER_CONFIDENCE
) -> Flag:
    return _flag(
        _span(base, article),
        "ARTICLE_BEFORE_PLURAL",
        f"'{article.text}' before a plural or an amount: {why}",
        "",
        confidence,
    )


def missing_article(sent: Sentence, base: int) -> Iterator[Flag]:
    for token in sent:
        if token.tag_ != "NN" or not token.is_alpha:
            continue
        if token.text[:1].isupper() and token.i != sent.start:
            continue
        if any(c.dep_ in ("det", "poss", "nummod", "predet") for c in token.children):
            continue
        lower = token.lower_
        if not articles.is_count_noun(lower) or parse.can_be_verb(lower):
            continue
        modifiers = [c for c in token.lefts if c.dep_ == "amod"]
        if token.dep_ == "dobj" and modifiers and token.i > sent.start:
            first = min(modifiers, key=lambda t: t.i)
            if first.i != min(t.i for t in token.lefts) or not all(
                _describes(m) for m in modifiers
            ):
                continue
            phrase = sent.doc[first.i : token.i + 1].text
            yield _missing(base, first, token, phrase)
        elif (
            token.i == sent.start
            and token.dep_ in ("nsubj", "nsubjpass", "ROOT")
            and token.i + 1 < len(token.doc)
            and token.nbor().lower_ == "of"
            and lower not in articles.BARE_BEFORE_OF
            and not list(token.lefts)
        ):
            yield _missing(base, token, token, token.text)


def _describes(adjective: Token) -> bool:
    """A short adjective that says what the thing is like and has a comparative ("new",
    "newer"): with it the noun is a thing, and needs an article. A classifying one ("moral
    responsibility", "European territory", "foreign policy") lets the noun be a mass or an
    abstraction, which takes none."""
    word = adjective.lower_
    if adjective.tag_ != "JJ" or not adjective.text.islower() or word in NO_ARTICLE_MODIFIERS:
        return False
    comparative = word + "r" if word.endswith("e") else word + "er"
    return lexicon.zipf(comparative) >= lexicon.ENGLISH


def _missing(base: int, first: Token, noun: Token, phrase: str) -> Flag:
    """The flag for a bare noun phrase: "a" (or "an") before an object, "the" before a
    sentence-opening noun that an "of" phrase pins down ("The leader of the team")."""
    if first.i == first.sent.start:
        fix = "The " + phrase[0].lower() + phrase[1:]
    else:
        fix = f"{articles.indefinite_article(first.text) or 'a'} {phrase}"
    return _flag(
        _span(base, first, noun),
        "MISSING_ARTICLE",
        f"'{noun.text}' is a singular count noun with no article: '{fix}'?",
        fix,
    )


def headings(doc: Document) -> set[int]:
    """The start of every paragraph that is a headline: one line with no closing punctuation."""
    out = set()
    for paragraph in doc.paragraphs:
        text = paragraph.of(doc.text).rstrip("\"'”」』) ")
        if "\n" not in text and not text.endswith((".", "!", "?", "。", ":")):
            out.add(paragraph.start)
    return out


def article_flags(doc: Document, paragraphs: list[tuple[Span, Doc]]) -> Iterator[Flag]:
    """Every article rule over ``doc``. The names used without an article are those of the whole
    document, or of the line itself in a line-aligned corpus, whose lines are unrelated."""
    heads = headings(doc)
    everywhere = set() if doc.lines else bare_names(paragraphs, heads)
    for paragraph, parsed in paragraphs:
        bare = bare_names([(paragraph, parsed)], heads) if doc.lines else everywhere
        for sent in parsed.sents:
            yield from article_sound(sent, paragraph.start)
            yield from article_before_name(sent, paragraph.start, bare)
            yield from article_before_plural(sent, paragraph.start)
            if paragraph.start not in heads:
                yield from missing_article(sent, paragraph.start)
