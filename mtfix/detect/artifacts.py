"""Damage typical of Japanese→English (and other pro-drop) MT in news text.

Each rule is a small function from a Document (plus its quotation regions) to Flags, in the
spirit of LanguageTool's Rule → RuleMatch. Rules are general patterns, not strings of any
particular article:

- ORPHAN_FRAGMENT: a sentence made only of pronouns and auxiliaries ("I will.", "You can.",
  "Can be done.") or a bare reporting verb ("Said."): the remains of a dropped subject/object.
- STRAY_FIRST_PERSON: "I"/"we" in running news text outside any quotation: MT has invented a
  speaker for a sentence whose subject the source left implicit.
- DOUBLED_PHRASE: "X and X" / "X, X" / "X X" for the same phrase X.
- UNBALANCED_QUOTE / MISPLACED_QUOTE: an odd number of straight quotes in a paragraph, or a
  closing quote detached from its text (`so, "he said`, `road. "`).
- STRAY_GLYPH: bullet glyphs (▼, ■, ●, ...) left from the source layout.
- REPEATED_SENTENCE: a sentence that repeats an earlier one almost word for word.
- TRUNCATED_SENTENCE: a sentence that ends on a preposition or article ("... restoration of.").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from mtfix.core import Document, Flag, Severity, Span

DETECTOR = "mt-artifacts"
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")

PRONOUNS = frozenset("i you we he she it they this that".split())
AUXILIARIES = frozenset(
    "will would can could may might shall should must do does did is am are was were be been "
    "being have has had i'm i'll we'll you'll it's".split()
)
FRAGMENT_FILLERS = frozenset("not so too also done possible".split())
REPORTING_VERBS = frozenset("said says added stated noted explained commented continued".split())
FIRST_PERSON = frozenset("i i'm i've i'd i'll me my myself we we're we've we'd we'll our ours".split())
# "X and X" idioms that repeat a single word on purpose.
REPETITION_IDIOMS = frozenset(
    "more less again over on round through out up by around back forth".split()
)
DANGLING_ENDINGS = frozenset("of the a an for with and or by from that".split())
# A doubled phrase ends where a phrase may end; "the war and the war should ..." is two clauses.
PHRASE_BOUNDARY_WORDS = frozenset(
    "of in on at for to with from by through into and or but as that which who than".split()
)
GLYPHS = "▼▲►◄▶◀■□●○◆◇★☆※・◎△▽•"
_GLYPH = re.compile(f"[{GLYPHS}][ \t]*")
_STRAIGHT_QUOTE = '"'
_CURLY_QUOTES = re.compile(r"“[^”]*”")

REPEAT_SIMILARITY = 90.0
REPEAT_MIN_WORDS = 6
MAX_PHRASE_WORDS = 4


@dataclass(frozen=True)
class Context:
    """What every rule needs beyond the Document: where quotations are."""

    doc: Document
    quoted: tuple[Span, ...]

    def in_quote(self, span: Span) -> bool:
        return any(q.overlaps(span) for q in self.quoted)


def _quote_regions(doc: Document) -> tuple[Span, ...]:
    """Quoted stretches, pairing straight quotes within each paragraph; an unpaired opening
    quote is taken to run to the paragraph's end, so that its text is never called stray."""
    regions: list[Span] = []
    for para in doc.paragraphs:
        text = para.of(doc.text)
        regions += [Span(para.start + m.start(), para.start + m.end()) for m in _CURLY_QUOTES.finditer(text)]
        marks = [para.start + i for i, ch in enumerate(text) if ch == _STRAIGHT_QUOTE]
        for i in range(0, len(marks), 2):
            end = marks[i + 1] + 1 if i + 1 < len(marks) else para.end
            regions.append(Span(marks[i], end))
    return tuple(regions)


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
                sentence, "ORPHAN_FRAGMENT", "orphan-fragment",
                f"'{text}' is a fragment with no content: a dropped subject or object left by MT",
                severity=Severity.ERROR,
                suggestions=("",), confidence=0.9,
            )  # fmt: skip


def stray_first_person(ctx: Context) -> Iterator[Flag]:
    for sentence in ctx.doc.sentences:
        for word, span in _words(ctx.doc, sentence):
            if word.lower().replace("’", "'") in FIRST_PERSON and not ctx.in_quote(span):
                # "US" (the country) is not "us"; only the lower-case pronoun forms and "I" count.
                if word.isupper() and word != "I":
                    continue
                yield _flag(
                    span, "STRAY_FIRST_PERSON", "stray-first-person",
                    f"first person '{word}' outside any quotation: MT may have invented a speaker "
                    "for a subject the source left implicit",
                )  # fmt: skip
                break


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
            first, second, n = found
            yield _flag(
                Span(first.start, second.end), "DOUBLED_PHRASE", "doubled-phrase",
                f"'{first.of(text)}' is repeated",
                severity=Severity.ERROR,
                suggestions=(first.of(text),), confidence=0.9,
            )  # fmt: skip
            i += 2 * n


def _doubled_at(
    text: str, words: list[tuple[str, Span]], lowered: list[str], i: int
) -> tuple[Span, Span, int] | None:
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
            joiner_ok = (skip == 1 and lowered[i + n] in ("and", "or") and gap.strip() in ("and", "or"))
            joiner_ok = joiner_ok or (skip == 0 and gap.strip() in ("", ","))
            if not joiner_ok:
                continue
            if n == 1 and (a[0] in REPETITION_IDIOMS or a[0].endswith("er") or len(a[0]) < 3):
                continue
            if n == 1 and skip == 0 and gap.strip() == "":
                continue  # "the the" is LanguageTool's word-repeat rule; don't flag it twice
            second = Span(words[j][1].start, words[j + n - 1][1].end)
            follower = lowered[j + n] if j + n < len(lowered) else None
            punctuated = text[second.end : second.end + 1] in (",", ".", ";", ":", ")", "?", "!", "")
            if not punctuated and follower not in PHRASE_BOUNDARY_WORDS:
                continue
            return first, second, n
    return None


def quotes(ctx: Context) -> Iterator[Flag]:
    text = ctx.doc.text
    for para in ctx.doc.paragraphs:
        marks = [para.start + i for i, ch in enumerate(para.of(text)) if ch == _STRAIGHT_QUOTE]
        for k, pos in enumerate(marks):
            closing = k % 2 == 1
            before = text[pos - 1] if pos > para.start else ""
            after = text[pos + 1] if pos + 1 < para.end else ""
            if closing and before == " " and (after == "" or after.isspace()):
                yield _flag(
                    Span(pos - 1, pos + 1), "MISPLACED_QUOTE", "unbalanced-quote",
                    "closing quotation mark detached from the quoted text",
                    suggestions=('"',), confidence=0.9,
                )  # fmt: skip
            elif closing and before == " " and after.islower():
                yield _flag(
                    Span(pos - 1, pos + 1), "MISPLACED_QUOTE", "unbalanced-quote",
                    "closing quotation mark placed after the space instead of before it",
                    suggestions=('" ',), confidence=0.9,
                )  # fmt: skip
            elif closing and before == " " and after.isalpha():
                yield _flag(
                    Span(pos, pos + 1), "MISPLACED_QUOTE", "unbalanced-quote",
                    "quotation mark looks like an opening one where a closing one is expected: "
                    "a quotation that is closed in the wrong place or not at all",
                )  # fmt: skip
        if len(marks) % 2 == 1:
            yield _flag(
                Span(marks[-1], marks[-1] + 1), "UNBALANCED_QUOTE", "unbalanced-quote",
                "this paragraph has an odd number of quotation marks: one is never closed",
            )  # fmt: skip


def stray_glyphs(ctx: Context) -> Iterator[Flag]:
    for m in _GLYPH.finditer(ctx.doc.text):
        yield _flag(
            Span(m.start(), m.end()), "STRAY_GLYPH", "stray-glyph",
            f"layout glyph '{m.group().strip()}' left over from the source",
            suggestions=("",), confidence=0.95,
        )  # fmt: skip


def repeated_sentences(ctx: Context) -> Iterator[Flag]:
    seen: list[str] = []
    for sentence in ctx.doc.sentences:
        words = [w.lower() for w, _ in _words(ctx.doc, sentence)]
        normalised = " ".join(words)
        if len(words) >= REPEAT_MIN_WORDS:
            for earlier in seen:
                score = fuzz.ratio(normalised, earlier)
                if score >= REPEAT_SIMILARITY:
                    exact = normalised == earlier
                    yield _flag(
                        sentence, "REPEATED_SENTENCE", "repeated-sentence",
                        "this sentence repeats an earlier one"
                        + ("" if exact else f" almost word for word ({score:.0f}% alike)"),
                        suggestions=("",) if exact else (),
                        confidence=0.9 if exact else 0.0,
                    )  # fmt: skip
                    break
        seen.append(normalised)


def truncated_sentences(ctx: Context) -> Iterator[Flag]:
    for sentence in ctx.doc.sentences:
        words = _words(ctx.doc, sentence)
        text = sentence.of(ctx.doc.text)
        if len(words) >= 3 and text.endswith(".") and words[-1][0].lower() in DANGLING_ENDINGS:
            last = words[-1][1]
            if last.end == sentence.end - 1:
                yield _flag(
                    Span(last.start, sentence.end), "TRUNCATED_SENTENCE", "truncated-sentence",
                    f"the sentence ends on '{words[-1][0]}': something was lost in translation",
                    severity=Severity.ERROR,
                )  # fmt: skip


RULES: tuple[Callable[[Context], Iterator[Flag]], ...] = (
    orphan_fragments,
    stray_first_person,
    doubled_phrases,
    quotes,
    stray_glyphs,
    repeated_sentences,
    truncated_sentences,
)


class MTArtifactDetector:
    name = DETECTOR

    def detect(self, doc: Document) -> list[Flag]:
        ctx = Context(doc, _quote_regions(doc))
        flags = [flag for rule in RULES for flag in rule(ctx)]
        # An orphan fragment is also first person ("I will."): report it once, as the fragment.
        fragments = [f.span for f in flags if f.rule == "ORPHAN_FRAGMENT"]
        return sorted(
            (f for f in flags if f.rule != "STRAY_FIRST_PERSON" or not any(s.contains(f.span) for s in fragments)),
            key=lambda f: (f.span.start, f.span.end, f.rule),
        )
