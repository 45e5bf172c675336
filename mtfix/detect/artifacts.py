"""Damage typical of Japanese→English (and other pro-drop) MT in news text.

Each rule is a small function from a Document (plus its quotation regions) to Flags, in the
spirit of LanguageTool's Rule → RuleMatch. Rules are general patterns, not strings of any
particular article:

- ORPHAN_FRAGMENT: a sentence made only of pronouns and auxiliaries ("I will.", "You can.",
  "Can be done.") or a bare reporting verb ("Said."): the remains of a dropped subject/object.
- STRAY_FIRST_PERSON: "I"/"we" in running news text outside any quotation: MT has invented a
  speaker for a sentence whose subject the source left implicit.
- DOUBLED_PHRASE: "X and X" / "X, X" / "X X" for the same phrase X; auto-fixed only where the
  copy is not a collapsed pair of words ("a harrow and a harrow") or emphasis ("No, no, ...").
- UNBALANCED_QUOTE / MISPLACED_QUOTE: an odd number of straight quotes in a paragraph, or a
  closing quote detached from its text (`so, "he said`, `road. "`).
- STRAY_GLYPH: bullet glyphs (▼, ■, ●, ...) left from the source layout; a list bullet (•)
  opening a line is list layout, not debris, and is left alone.
- REPEATED_SENTENCE: a sentence that repeats an earlier one almost word for word.
- TRUNCATED_SENTENCE: a sentence that ends on a preposition or article ("... restoration of.").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from rapidfuzz import fuzz

from mtfix import lexicon
from mtfix.core import Document, Flag, Severity, Span
from mtfix.segment import QuoteIndex, quotations

DETECTOR = "mt-artifacts"
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")

PRONOUNS = frozenset("i you we he she it they this that".split())
AUXILIARIES = frozenset(
    "will would can could may might shall should must do does did is am "
    "are was were be been being have has had i'm i'll we'll you'll it's".split()
)
FRAGMENT_FILLERS = frozenset("not so too also done possible".split())
REPORTING_VERBS = frozenset("said says added stated noted explained commented continued".split())
FIRST_PERSON = frozenset(
    "i i'm i've i'd i'll me my myself we we're we've we'd we'll our ours".split()
)
# "X and X" idioms that repeat a single word on purpose.
REPETITION_IDIOMS = frozenset(
    "more less again over on round through out up by around back forth".split()
)
DETERMINERS = frozenset("a an the this that these those".split())
PREPOSITIONS = frozenset("in on at for to with from by of about after before under over".split())
DANGLING_ENDINGS = frozenset("of the a an for with and or by from that".split())
# A doubled phrase ends where a phrase may end; "the war and the war should ..." is two clauses.
PHRASE_BOUNDARY_WORDS = frozenset(
    "of in on at for to with from by through into and or but as that which who than".split()
)
# Words that open a clause which is itself a subject: "What is done is done", "He who is not good
# is not good for himself" repeat the verb phrase on purpose (the clause's, then the sentence's).
SUBJECT_CLAUSE_WORDS = frozenset("who what whoever whatever which whichever".split())
CLAUSE_OPENERS = frozenset(
    "Will Would Can Could Is Are Was Were Does Do Did Should What How Why When Where".split()
)
GLYPHS = "▼▲►◄▶◀■□●○◆◇★☆※・◎△▽•"
LIST_BULLETS = "•◦‣"
_GLYPH = re.compile(f"[{GLYPHS}][ \t]*")
_LIST_ITEM = re.compile(f"^[ \t]*[{LIST_BULLETS}]", re.MULTILINE)
_STRAIGHT_QUOTE = '"'

REPEAT_SIMILARITY = 90.0
REPEAT_MIN_WORDS = 6
# Near repeats are looked for among the last this many sentences sharing each three-word run.
REPEAT_CANDIDATES = 16
MAX_PHRASE_WORDS = 4


@dataclass(frozen=True)
class Context:
    """What every rule needs beyond the Document: where quotations are."""

    doc: Document
    quoted: tuple[Span, ...]
    _quotes: QuoteIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_quotes", QuoteIndex(self.quoted))

    def in_quote(self, span: Span) -> bool:
        return self._quotes.overlaps(span)


def _words(doc: Document, span: Span) -> list[tuple[str, Span]]:
    return [
        (m.group(), Span(span.start + m.start(), span.start + m.end()))
        for m in _WORD.finditer(span.of(doc.text))
    ]


def _flag(span: Span, rule: str, category: str, message: str, **kw: object) -> Flag:
    return Flag(span=span, detector=DETECTOR, rule=rule, category=category, message=message, **kw)  # type: ignore[arg-type]


def _removal_span(doc: Document, sentence: Span) -> Span:
    """The sentence plus the whitespace that separates it from the previous one on its line."""
    start = sentence.start
    while start > 0 and doc.text[start - 1] in " \t":
        start -= 1
    if start > 0 and doc.text[start - 1] == "\n":
        # First on its line: take the spaces after it instead, so the line keeps its start.
        end = sentence.end
        while end < len(doc.text) and doc.text[end] in " \t":
            end += 1
        return Span(sentence.start, end)
    return Span(start, sentence.end)


def orphan_fragments(ctx: Context) -> Iterator[Flag]:
    for sentence in ctx.doc.sentences:
        text = sentence.of(ctx.doc.text)
        if not text.endswith(".") or ctx.in_quote(sentence):
            continue
        words = [w.lower() for w, _ in _words(ctx.doc, sentence)]
        if not words or len(words) > 4:
            continue
        vocab = PRONOUNS | AUXILIARIES | FRAGMENT_FILLERS
        bare_aux = all(w in vocab for w in words) and any(w in AUXILIARIES for w in words)
        bare_report = len(words) == 1 and words[0] in REPORTING_VERBS
        if bare_aux or bare_report:
            yield _flag(
                sentence,
                "ORPHAN_FRAGMENT",
                "orphan-fragment",
                f"'{text}' is a fragment with no content: a dropped subject or object left by MT",
                severity=Severity.ERROR,
                suggestions=("",),
                confidence=0.9,
            )


def stray_first_person(ctx: Context) -> Iterator[Flag]:
    for sentence in ctx.doc.sentences:
        for word, span in _words(ctx.doc, sentence):
            if word.lower().replace("’", "'") in FIRST_PERSON and not ctx.in_quote(span):
                # "US" (the country) is not "us"; only the lower-case pronoun forms and "I" count.
                if word.isupper() and word != "I":
                    continue
                yield _flag(
                    span,
                    "STRAY_FIRST_PERSON",
                    "stray-first-person",
                    f"first person '{word}' outside any quotation: MT may have invented a speaker "
                    "for a subject the source left implicit",
                )


def doubled_phrases(ctx: Context) -> Iterator[Flag]:
    text = ctx.doc.text
    for sentence in ctx.doc.sentences:
        words = _words(ctx.doc, sentence)
        lowered = [w.lower() for w, _ in words]
        i = 0
        while i < len(words):
            found = _doubled_at(text, words, lowered, i)
            if found is None:
                i += 1
                continue
            first, second, n, beyond, phrase_end = found
            gap = text[first.end : second.start].strip()
            if i > 0 and lowered[i - 1] in SUBJECT_CLAUSE_WORDS and not gap:
                i += 2 * n
                continue
            # One word twice around "and"/"or" ("read and read", "a harrow and a harrow") or as
            # two items of a list ("terms, terms or things") is where MT collapsed two different
            # source words into one: deleting a copy loses the second meaning (post-editors on
            # MLQE-PE ru-en and et-en restored it), so a human chooses.
            # So does a comma double opening a sentence: a vocative or an exclamation
            # ("Shark, Shark, ...", "We don't cook, we don't cook") repeats on purpose; a
            # prepositional phrase ("In Brussels, in Brussels") is MT stutter.
            phrase = lowered[i : i + n]
            content_words = [w for w in phrase if w not in DETERMINERS]
            # The words after the second copy; "transparent, transparent, transparent and ...":
            # said three times is MT stutter.
            rest = lowered[beyond:]
            after = rest[0] if rest else ""
            tripled = phrase in (rest[:n], rest[1 : n + 1])
            listed = gap in ("and", "or") or (gap == "," and after in ("and", "or"))
            conjoined = listed and len(content_words) == 1 and not tripled
            emphatic = (
                gap == ","
                and _opens_sentence(text, sentence, first)
                and phrase[0] not in PREPOSITIONS
                and not tripled
            )
            if phrase_end:
                yield _flag(
                    Span(first.start, second.end),
                    "DOUBLED_PHRASE",
                    "doubled-phrase",
                    f"'{first.of(text)}' is repeated",
                    severity=Severity.ERROR,
                    suggestions=(first.of(text),),
                    confidence=0.0 if conjoined or emphatic else 0.9,
                )
            else:
                yield _flag(
                    Span(first.start, second.end),
                    "REPEATED_NOUN_PHRASE",
                    "doubled-phrase",
                    f"'{first.of(text)}' is said twice in a row: one copy may be spurious, "
                    "or a pronoun would read better",
                    severity=Severity.HINT,
                )
            i += 2 * n


def _opens_sentence(text: str, sentence: Span, span: Span) -> bool:
    """Only punctuation (quotation marks, dashes, bullets) stands between the sentence start
    and ``span``."""
    return not any(ch.isalnum() for ch in text[sentence.start : span.start])


def _doubled_at(
    text: str, words: list[tuple[str, Span]], lowered: list[str], i: int
) -> tuple[Span, Span, int, int, bool] | None:
    """The two copies of a doubled phrase starting at word ``i``, its length in words, the index
    of the first word after the second copy, and whether the second copy ends where a phrase may
    end (only then is dropping it safe)."""
    for n in range(MAX_PHRASE_WORDS, 0, -1):
        a = lowered[i : i + n]
        if len(a) < n:
            continue
        first = Span(words[i][1].start, words[i + n - 1][1].end)
        # "X and X", "X or X", "X, X": the joiner may be a conjunction word or a comma.
        for skip in (0, 1):
            j = i + n + skip
            b = lowered[j : j + n]
            if b != a:
                continue
            gap = text[first.end : words[j][1].start]
            joiner_ok = (
                skip == 1 and lowered[i + n] in ("and", "or") and gap.strip() in ("and", "or")
            )
            joiner_ok = joiner_ok or (skip == 0 and gap.strip() in ("", ","))
            if not joiner_ok:
                continue
            if n == 1 and (a[0] in REPETITION_IDIOMS or a[0].endswith("er") or len(a[0]) < 3):
                continue
            if n == 1 and skip == 0 and gap.strip() == "":
                continue  # "the the" is LanguageTool's word-repeat rule; don't flag it twice
            second = Span(words[j][1].start, words[j + n - 1][1].end)
            follower = lowered[j + n] if j + n < len(lowered) else None
            punctuated = text[second.end : second.end + 1] in (
                ",",
                ".",
                ";",
                ":",
                ")",
                "?",
                "!",
                "",
            )
            phrase_end = punctuated or follower in PHRASE_BOUNDARY_WORDS
            if not phrase_end and n < 2:
                continue
            return first, second, n, j + n, phrase_end
    return None


def quotes(ctx: Context) -> Iterator[Flag]:
    text = ctx.doc.text
    for para in ctx.doc.paragraphs:
        marks = [para.start + i for i, ch in enumerate(para.of(text)) if ch == _STRAIGHT_QUOTE]
        for k, pos in enumerate(marks):
            before = text[pos - 1] if pos > para.start else ""
            if k % 2 == 0 or before != " ":
                continue  # only a closing quote (by parity) after a space can be misplaced
            after = text[pos + 1] if pos + 1 < para.end else ""
            if after == "" or after.isspace():
                span, fix = Span(pos - 1, pos + 1), '"'
                message = "closing quotation mark detached from the quoted text"
            elif after.islower():
                span, fix = Span(pos - 1, pos + 1), '" '
                message = "closing quotation mark placed after the space instead of before it"
            elif after.isalpha():
                # An opening-looking quote where a closing one is due: which side is wrong is
                # not knowable, so no fix is offered.
                span, fix = Span(pos, pos + 1), None
                message = (
                    "quotation mark looks like an opening one where a closing one is expected: "
                    "a quotation that is closed in the wrong place or not at all"
                )
            else:
                continue
            yield _flag(
                span,
                "MISPLACED_QUOTE",
                "unbalanced-quote",
                message,
                suggestions=(fix,) if fix is not None else (),
                confidence=0.9 if fix is not None else 0.0,
            )
        if len(marks) % 2 == 1:
            yield _flag(
                Span(marks[-1], marks[-1] + 1),
                "UNBALANCED_QUOTE",
                "unbalanced-quote",
                "this paragraph has an odd number of quotation marks: one is never closed",
            )


def stray_glyphs(ctx: Context) -> Iterator[Flag]:
    list_items = {m.end() - 1 for m in _LIST_ITEM.finditer(ctx.doc.text)}
    for m in _GLYPH.finditer(ctx.doc.text):
        if m.start() in list_items:
            continue
        yield _flag(
            Span(m.start(), m.end()),
            "STRAY_GLYPH",
            "stray-glyph",
            f"layout glyph '{m.group().strip()}' left over from the source",
            suggestions=("",),
            confidence=0.95,
        )


class _Earlier:
    """The sentences seen so far, for finding one a new sentence repeats without comparing it
    with all of them: an exact repeat by lookup, a near one among the last few sentences that
    share a run of three words with it (two sentences 90% alike share most of theirs)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.exact: set[str] = set()
        self.by_trigram: dict[tuple[str, ...], list[int]] = {}

    def add(self, words: list[str], normalised: str) -> None:
        index = len(self.texts)
        self.texts.append(normalised)
        self.exact.add(normalised)
        for trigram in set(zip(words, words[1:], words[2:], strict=False)):
            holders = self.by_trigram.setdefault(trigram, [])
            holders.append(index)
            del holders[:-REPEAT_CANDIDATES]

    def candidates(self, words: list[str]) -> list[str]:
        found = {
            i
            for trigram in zip(words, words[1:], words[2:], strict=False)
            for i in self.by_trigram.get(trigram, ())
        }
        return [self.texts[i] for i in sorted(found)]


def repeated_sentences(ctx: Context) -> Iterator[Flag]:
    earlier = _Earlier()
    paragraph = None
    for sentence in ctx.doc.sentences:
        # In a line-aligned corpus a line repeating another is two segments saying the same
        # thing (a recurring byline), not MT duplicating a sentence.
        if ctx.doc.lines and ctx.doc.paragraph_of(sentence) != paragraph:
            paragraph, earlier = ctx.doc.paragraph_of(sentence), _Earlier()
        words = [w.lower() for w, _ in _words(ctx.doc, sentence)]
        normalised = " ".join(words)
        if len(words) >= REPEAT_MIN_WORDS:
            exact = normalised in earlier.exact
            score = 100.0 if exact else 0.0
            if not exact:
                for text in earlier.candidates(words):
                    score = fuzz.ratio(normalised, text)
                    if score >= REPEAT_SIMILARITY:
                        break
            if score >= REPEAT_SIMILARITY:
                yield _flag(
                    sentence,
                    "REPEATED_SENTENCE",
                    "repeated-sentence",
                    "this sentence repeats an earlier one"
                    + ("" if exact else f" almost word for word ({score:.0f}% alike)"),
                    suggestions=("",) if exact else (),
                    confidence=0.9 if exact else 0.0,
                )
        earlier.add(words, normalised)


def truncated_sentences(ctx: Context) -> Iterator[Flag]:
    for sentence in ctx.doc.sentences:
        words = _words(ctx.doc, sentence)
        text = sentence.of(ctx.doc.text)
        if len(words) >= 3 and text.endswith(".") and words[-1][0].lower() in DANGLING_ENDINGS:
            last = words[-1][1]
            if last.end == sentence.end - 1:
                yield _flag(
                    Span(last.start, sentence.end),
                    "TRUNCATED_SENTENCE",
                    "truncated-sentence",
                    f"the sentence ends on '{words[-1][0]}': something was lost in translation",
                    severity=Severity.ERROR,
                )


def run_on_capitals(ctx: Context) -> Iterator[Flag]:
    """A question or clause word capitalised mid-sentence after a plain word: two sentences (or a
    headline's parts) run together without punctuation."""
    for sentence in ctx.doc.sentences:
        words = _words(ctx.doc, sentence)
        for (prev, _), (word, span) in pairwise(words):
            gap = ctx.doc.text[_end_of(words, prev) : span.start]
            if word in CLAUSE_OPENERS and prev.islower() and gap.strip(' "') == "":
                yield _flag(
                    span,
                    "RUN_ON_CAPITAL",
                    "punctuation",
                    f"'{word}' starts a new sentence or clause: punctuation is missing before it",
                )


def _end_of(words: list[tuple[str, Span]], word: str) -> int:
    return next(span.end for w, span in reversed(words) if w == word)


_DOUBLE_CONJUNCTION = re.compile(
    r"\b(?:(although|though)\b[^.;!?\"]*?,\s*(but|yet)"
    r"|(because|since)\b(?! of)[^.;!?\"]*?,\s*(so))\b",
    re.IGNORECASE,
)


def double_conjunctions(ctx: Context) -> Iterator[Flag]:
    """ "Although X, but Y" and "because X, so Y": both clauses marked, a calque of the source's
    paired connectives (Japanese -ga/-kedo, Chinese 虽然…但是)."""
    for sentence in ctx.doc.sentences:
        for m in _DOUBLE_CONJUNCTION.finditer(sentence.of(ctx.doc.text)):
            opener, closer = m.group(1) or m.group(3), m.group(2) or m.group(4)
            # Quoted speech is translated too, so the calque is an error inside quotes as well.
            yield _flag(
                Span(sentence.start + m.start(), sentence.start + m.end()),
                "DOUBLE_CONJUNCTION",
                "grammar",
                f"'{opener} ... {closer}' marks both clauses: drop one connective",
            )


# Singular names only: "Europeans who ..." is restrictive and rightly has no comma.
_NAME_RELATIVE = re.compile(r"\b([A-Z][a-z]+[a-rt-z]) (who|which) ")


def name_relative_commas(ctx: Context) -> Iterator[Flag]:
    """A relative clause after a proper name adds information about one known referent, so it is
    non-restrictive and takes a comma ("President Biden, who ...")."""
    starts = {s.start for s in ctx.doc.sentences}
    for m in _NAME_RELATIVE.finditer(ctx.doc.text):
        # A capitalised ordinary word ("Those who ...") is no name.
        if m.start() in starts or lexicon.zipf(m.group(1).lower()) >= lexicon.EVERYDAY:
            continue
        span = Span(m.start(), m.end(1))
        yield _flag(
            span,
            "NAME_RELATIVE_COMMA",
            "punctuation",
            f"a relative clause after the name '{m.group(1)}' needs a comma",
            suggestions=(m.group(1) + ",",),
        )


RULES: tuple[Callable[[Context], Iterator[Flag]], ...] = (
    orphan_fragments,
    stray_first_person,
    doubled_phrases,
    quotes,
    stray_glyphs,
    repeated_sentences,
    truncated_sentences,
    run_on_capitals,
    double_conjunctions,
    name_relative_commas,
)


class MTArtifactDetector:
    name = DETECTOR

    def detect(self, doc: Document) -> list[Flag]:
        ctx = Context(doc, quotations(doc))
        flags = [flag for rule in RULES for flag in rule(ctx)]
        # An orphan fragment is also first person ("I will."): report it once, as the fragment.
        fragments = [f.span for f in flags if f.rule == "ORPHAN_FRAGMENT"]
        return sorted(
            (
                f
                for f in flags
                if f.rule != "STRAY_FIRST_PERSON" or not any(s.contains(f.span) for s in fragments)
            ),
            key=lambda f: (f.span.start, f.span.end, f.rule),
        )
