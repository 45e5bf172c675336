"""Damage typical of Japanese→English (and other pro-drop) MT in news text.

Each rule is a small function from a Document (plus its quotation regions) to Flags, in the
spirit of LanguageTool's Rule → RuleMatch. Rules are general patterns, not strings of any
particular article:

- ORPHAN_FRAGMENT: a subject-drop fragment, read from the parse ("I will.", "Was announced.",
  "It is said.", "There is."): :mod:`mtfix.detect.fragments`.
- FULL_WIDTH_CHARACTER / JAPANESE_PUNCTUATION / JAPANESE_QUOTE: Japanese typography left in
  English (``１３``, ``，``, ``。``, ``「」``): :mod:`mtfix.detect.typography`.
- STRAY_FIRST_PERSON: "I"/"we" in running news text outside any quotation: MT has invented a
  speaker for a sentence whose subject the source left implicit. The repair is suggested in the
  third person, its verb agreeing ("I am" -> "He is"), unless the first person is the writer's
  own (:mod:`mtfix.detect.speakers`).
- DOUBLED_PHRASE: "X and X" / "X, X" / "X X" for the same phrase X; auto-fixed only where the
  copy is not a collapsed pair of words ("a harrow and a harrow") or emphasis ("No, no, ...").
  English's own reduplication ("again and again", "more and more", "step by step") is never
  touched, however often it is said.
- REPEATED_CLAUSE: a clause said twice in one sentence with at most one word changed
  ("profit fell 9 percent, and profit dropped 9 percent"); the second copy is deleted only when
  the changed word is the same word inflected, since a different one may carry meaning
  ("evacuation orders and evacuation advisories").
- UNBALANCED_QUOTE / MISPLACED_QUOTE: a quotation never closed (straight quotes by parity in a
  paragraph, curly quotes by direction), or a quote detached from its text (`so, "he said`,
  `road. "`, `best. ”`, `“ We`). A straight mark before a speech tag with no quotation open
  (`..., we need channels, "he said`) closes a quotation whose opening mark was lost: the mark
  moves before the space, and an opening mark goes where its sentence starts
  (:func:`mtfix.segment.straight_quotes`); only proposed where the tag's own sentence ends on a
  mark (`, "he continued." And`), which needs a third move.
- STRAY_GLYPH: bullet glyphs (▼, ■, ●, ...) left from the source layout; a list bullet (•)
  opening a line is list layout, not debris, and is left alone. A glyph inside a sentence took
  the place of a list item's start: the capital after it goes to lower case with it ("will have
  ▼ Space for ..." → "will have space for ..."), unless the word is a name.
- REPEATED_SENTENCE: a sentence that repeats an earlier one almost word for word.
- TRUNCATED_SENTENCE: a sentence that ends on an article, a conjunction, or a preposition with
  no object that belongs to a noun ("... restoration of.", "caution against."); a preposition
  a relative clause or a passive strands ("the house he lived in.", "it was dealt with.") is
  English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import pairwise

from rapidfuzz import fuzz

import mtfix.lexicon as lexicon
from mtfix.core import Document, Flag, Severity, Span
from mtfix.detect import parse, speakers
from mtfix.detect.context import DETECTOR, Context, artifact_flag
from mtfix.detect.fragments import orphan_fragments
from mtfix.detect.typography import japanese_typography
from mtfix.lexicon import pronouns
from mtfix.lexicon.typography import QUOTE_MARKS
from mtfix.segment import StraightQuote, quotations, straight_quotes

__all__ = ["DETECTOR", "RULES", "MTArtifactDetector"]
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")

FIRST_PERSON = frozenset(
    "i i'm i've i'd i'll me my myself we we're we've we'd we'll our ours".split()
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
# A speech tag whose sentence ends on a straight mark: `he continued." And ...`.
_TAG_THEN_MARK = re.compile(r'[^"\n.!?]*[.!?]"(?=\s|$)')
_CURLY_OPEN, _CURLY_CLOSE = "“", "”"

# What a word outside a name may be after a glyph and still be lower-cased ("▼ A room ...").
FUNCTION_POS = frozenset({"DET", "PRON", "ADP", "CCONJ", "SCONJ", "AUX", "PART", "ADV"})
_GLYPH_BEFORE = re.compile(f"[{GLYPHS}][ \t]*\\Z")
_WORD_BEFORE = re.compile(r"([A-Za-z]+) \Z")
# A clause: words and numbers ("41.2"), joined by "and"/"but" to its copy; at least this many
# words, one more when a word changed between the copies.
_CLAUSE_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.,'’][A-Za-z0-9]+)*")
CLAUSE_JOINERS = frozenset({"and", "but", "while", "whereas"})
MIN_REPEATED_CLAUSE = 5

REPEAT_SIMILARITY = 90.0
REPEAT_MIN_WORDS = 6
# Near repeats are looked for among the last this many sentences sharing each three-word run.
REPEAT_CANDIDATES = 16
MAX_PHRASE_WORDS = 4


def _words(doc: Document, span: Span) -> list[tuple[str, Span]]:
    return [
        (m.group(), Span(span.start + m.start(), span.start + m.end()))
        for m in _WORD.finditer(span.of(doc.text))
    ]


def stray_first_person(ctx: Context) -> Iterator[Flag]:
    for sentence in ctx.doc.sentences:
        words = _words(ctx.doc, sentence)
        # Who the sentence's speaker is depends on the sentence, not the pronoun: asked once.
        speaker: tuple[bool, str | None] | None = None
        for n, (word, span) in enumerate(words):
            if lexicon.as_pronoun(word) in FIRST_PERSON and not ctx.in_quote(span):
                if speaker is None:
                    own = speakers.writers_own(ctx.doc, sentence, ctx.quotes)
                    speaker = own, None if own else speakers.speaker_gender(ctx.doc, sentence)
                span, suggestions = _third_person(ctx, sentence, words[n : n + 2], *speaker)
                yield artifact_flag(
                    span,
                    "STRAY_FIRST_PERSON",
                    "stray-first-person",
                    f"first person '{word}' outside any quotation: MT may have invented a speaker "
                    "for a subject the source left implicit",
                    suggestions=suggestions,
                )


def _third_person(
    ctx: Context,
    sentence: Span,
    words: list[tuple[str, Span]],
    writers_own: bool,
    nearest: str | None,
) -> tuple[Span, tuple[str, ...]]:
    """The stretch a stray first person's repair changes (the pronoun, with the verb after it
    where that must agree: "I am") and the repairs in the third person: the gender of the
    speaker named just before first ("he is", "she is"); for "we", "they" and then that speaker
    alone. No repair where the first person is the writer's own
    (:func:`mtfix.detect.speakers.writers_own`). ``words``: the pronoun and the word after it;
    ``nearest``: :func:`mtfix.detect.speakers.speaker_gender` of the sentence."""
    (pronoun, span), after = words[0], words[1:2]
    if writers_own:
        return span, ()
    verb = after[0] if after and after[0][1].start - span.end == 1 else None
    present = verb is not None and any(t.tag_ == "VBP" for t in ctx.tokens(verb[1]))
    opening = span.start == sentence.start
    # (gender, singular) readings, the likeliest first.
    readings = [(pronouns.MASCULINE, False)]
    if nearest:
        readings = [(nearest, False), (nearest, True)]
    readings += [(g, False) for g in (pronouns.MASCULINE, pronouns.FEMININE)]
    found = [
        pronouns.third_person(
            pronoun,
            verb and verb[0],
            present=present,
            gender=gender,
            singular=singular,
            opening=opening,
        )
        for gender, singular in readings
    ]
    repairs = [f for f in found if f is not None]
    if verb is None or not any(with_verb for _, with_verb in repairs):
        return span, tuple(dict.fromkeys(r for r, _ in repairs))
    # One reading changes the verb ("We are" -> "He is"): every repair spans pronoun and verb.
    whole = [r if with_verb else f"{r} {verb[0]}" for r, with_verb in repairs]
    return Span(span.start, verb[1].end), tuple(dict.fromkeys(whole))


def doubled_phrases(ctx: Context) -> Iterator[Flag]:
    text = ctx.doc.text
    for sentence in ctx.doc.sentences:
        words = _words(ctx.doc, sentence)
        lowered = [w.lower() for w, _ in words]
        idioms = [
            Span(sentence.start + a, sentence.start + b)
            for a, b in lexicon.reduplications(sentence.of(text))
        ]
        i = 0
        while i < len(words):
            found = _doubled_at(text, words, lowered, i)
            if found is None:
                i += 1
                continue
            first, second, n, beyond, phrase_end = found
            if any(Span(first.start, second.end).overlaps(r) for r in idioms):
                i += 1
                continue
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
                yield artifact_flag(
                    Span(first.start, second.end),
                    "DOUBLED_PHRASE",
                    "doubled-phrase",
                    f"'{first.of(text)}' is repeated",
                    severity=Severity.ERROR,
                    suggestions=(first.of(text),),
                    confidence=0.0 if conjoined or emphatic else 0.9,
                )
            else:
                yield artifact_flag(
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
            if n == 1 and (a[0] in lexicon.REDUPLICATED or a[0].endswith("er") or len(a[0]) < 3):
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
        last = None
        for mark in straight_quotes(ctx.doc, para):
            pos = mark.pos
            if mark.role == "unopened":
                yield from _unopened_quotation(text, mark)
                continue
            last = mark
            before = text[pos - 1] if pos > para.start else ""
            if mark.role == "close" and before == " ":
                # Only a closing quote after a space can be misplaced.
                yield from _misplaced_closing(text, pos, text[pos + 1 : para.end])
        if last is not None and last.role == "open":
            yield artifact_flag(
                Span(last.pos, last.pos + 1),
                "UNBALANCED_QUOTE",
                "unbalanced-quote",
                "this paragraph has an odd number of quotation marks: one is never closed",
            )
        yield from _curly_quotes(text, para)


def _misplaced_closing(text: str, pos: int, after: str) -> Iterator[Flag]:
    """A closing straight quote after a space: detached, after the space, or not closing."""
    if after == "" or after[0].isspace():
        span, fix = Span(pos - 1, pos + 1), '"'
        message = "closing quotation mark detached from the quoted text"
    elif after[0].islower():
        span, fix = Span(pos - 1, pos + 1), '" '
        message = "closing quotation mark placed after the space instead of before it"
    elif after[0].isalpha():
        # An opening-looking quote where a closing one is due: which side is wrong is not
        # knowable, so no fix is offered.
        span, fix = Span(pos, pos + 1), None
        message = (
            "quotation mark looks like an opening one where a closing one is expected: "
            "a quotation that is closed in the wrong place or not at all"
        )
    else:
        return
    yield artifact_flag(
        span,
        "MISPLACED_QUOTE",
        "unbalanced-quote",
        message,
        suggestions=(fix,) if fix is not None else (),
        confidence=0.9 if fix is not None else 0.0,
    )


def _unopened_quotation(text: str, mark: StraightQuote) -> Iterator[Flag]:
    """`..., "he said` with no quotation open: the mark goes before the space, and the
    quotation opens where its sentence does, unless a quotation mark already stands between the
    two or the words before the mark do not end on a comma. Where the speech tag's own sentence
    ends on a mark too (`..., "he continued." And you ...`), the marks need a third move these
    two do not make (`continued. "And`): the fixes are then proposals, never applied alone."""
    pos = mark.pos
    sure = _TAG_THEN_MARK.match(text, pos + 1) is None
    yield artifact_flag(
        Span(pos - 1, pos + 1),
        "MISPLACED_QUOTE",
        "unbalanced-quote",
        "closing quotation mark placed after the space instead of before it",
        suggestions=('" ',),
        confidence=0.9 if sure else 0.0,
    )
    first = _WORD.match(text, mark.sentence_start)
    quoted = text[mark.sentence_start : pos - 1]
    if first is None or any(ch in QUOTE_MARKS for ch in quoted) or not quoted.endswith(","):
        yield artifact_flag(
            Span(pos, pos + 1),
            "UNBALANCED_QUOTE",
            "unbalanced-quote",
            "this quotation mark closes a quotation that was never opened",
        )
        return
    yield artifact_flag(
        Span(first.start(), first.end()),
        "UNBALANCED_QUOTE",
        "unbalanced-quote",
        "the quotation closed before the speech tag was never opened: it likely starts here, "
        "with its sentence",
        suggestions=(_STRAIGHT_QUOTE + first.group(),),
        confidence=0.85 if sure else 0.0,
    )


def _curly_quotes(text: str, para: Span) -> Iterator[Flag]:
    """Curly quotes show their direction, so a detached one is known without counting."""
    opened: int | None = None
    for pos in range(para.start, para.end):
        ch = text[pos]
        before = text[pos - 1] if pos > para.start else ""
        after = text[pos + 1] if pos + 1 < para.end else ""
        if ch == _CURLY_OPEN:
            if opened is not None:
                yield _unclosed(opened)
            opened = pos
            if after == " " and (before == "" or before.isspace()):
                yield artifact_flag(
                    Span(pos, pos + 2),
                    "MISPLACED_QUOTE",
                    "unbalanced-quote",
                    "opening quotation mark detached from the quoted text",
                    suggestions=(_CURLY_OPEN,),
                    confidence=0.9,
                )
        elif ch == _CURLY_CLOSE:
            opened = None
            if before == " " and (after == "" or after.isspace()):
                yield artifact_flag(
                    Span(pos - 1, pos + 1),
                    "MISPLACED_QUOTE",
                    "unbalanced-quote",
                    "closing quotation mark detached from the quoted text",
                    suggestions=(_CURLY_CLOSE,),
                    confidence=0.9,
                )
    if opened is not None:
        yield _unclosed(opened)


def _unclosed(pos: int) -> Flag:
    return artifact_flag(
        Span(pos, pos + 1),
        "UNBALANCED_QUOTE",
        "unbalanced-quote",
        "this quotation is never closed",
    )


def stray_glyphs(ctx: Context) -> Iterator[Flag]:
    text = ctx.doc.text
    list_items = {m.end() - 1 for m in _LIST_ITEM.finditer(text)}
    glyphs = [m for m in _GLYPH.finditer(text) if m.start() not in list_items]
    after = {m.start(): w for m in glyphs if (w := _run_on_capital(text, m.start(), m.end()))}
    ordinary = _ordinary_words(ctx, list(after.values()))
    for m in glyphs:
        span, fix, note = Span(m.start(), m.end()), "", ""
        word = after.get(m.start())
        if word is not None and word in ordinary:
            value = word.of(text)
            span, fix = Span(m.start(), word.end), value[0].lower() + value[1:]
            note = f"; '{value}' after it no longer starts a sentence"
        yield artifact_flag(
            span,
            "STRAY_GLYPH",
            "stray-glyph",
            f"layout glyph '{m.group().strip()}' left over from the source{note}",
            suggestions=(fix,),
            confidence=0.95,
        )


def _run_on_capital(text: str, glyph: int, end: int) -> Span | None:
    """The capitalised word after a glyph inside a sentence ("will have ▼ Space for ..."),
    where it took the place of a list item's start: removing the glyph leaves it mid-sentence."""
    word = _WORD.match(text, end)
    if word is None:
        return None
    value = word.group()
    line_start = text.rfind("\n", 0, glyph) + 1
    before = text[line_start:glyph].rstrip()
    acronym = len(value) > 1 and value.isupper()
    if not before or before[-1] in '.!?:;"“”「」' or not value[:1].isupper() or acronym:
        return None
    return Span(*word.span())


def _ordinary_words(ctx: Context, words: list[Span]) -> set[Span]:
    """Which of ``words`` are ordinary words, not names: the tagger, reading the sentence with
    the glyphs gone and the words in lower case, takes none of them for a proper noun (its
    features are case-blind enough that "ukraine" stays a name and "space" does not), the
    dictionary knows them, and the document never writes them capitalised on their own."""
    text = ctx.doc.text
    ordinary: set[Span] = set()
    for sentence in ctx.doc.sentences:
        inside = [w for w in words if sentence.contains(w)]
        if not inside:
            continue
        chars = [" " if ch in GLYPHS else ch for ch in sentence.of(text)]
        for w in inside:
            chars[w.start - sentence.start] = chars[w.start - sentence.start].lower()
        parsed = parse.parse(["".join(chars)])[0]
        by_start = {sentence.start + t.idx: t for t in parsed}
        for w in inside:
            token = by_start.get(w.start)
            if token is None or token.pos_ == "PROPN":
                continue
            known = token.pos_ in FUNCTION_POS or parse.dictionary_word(w.of(text))
            if known and not _capitalised_elsewhere(ctx, w.of(text), w):
                ordinary.add(w)
    return ordinary


def _capitalised_elsewhere(ctx: Context, word: str, here: Span) -> bool:
    """Whether the document writes ``word`` capitalised inside a sentence elsewhere, not after a
    glyph: then it is a name."""
    text = ctx.doc.text
    starts = {s.start for s in ctx.doc.sentences}
    for m in re.finditer(rf"\b{re.escape(word)}\b", text):
        if m.start() == here.start or m.start() in starts:
            continue
        if _GLYPH_BEFORE.search(text, 0, m.start()):
            continue
        # Part of a longer name ("Tanegashima Space Center") says nothing about the word alone.
        neighbours = (_WORD_BEFORE.search(text, 0, m.start()), _WORD.match(text, m.end() + 1))
        if not any(n is not None and n.group()[:1].isupper() for n in neighbours):
            return True
    return False


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
                yield artifact_flag(
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
        if len(words) < 3 or not text.endswith(".") or words[-1][1].end != sentence.end - 1:
            continue
        word, last = words[-1]
        dangling = word.lower() in DANGLING_ENDINGS and not _stranded_by_a_clause(ctx, last)
        if dangling or _stranded_on_a_noun(ctx, last):
            yield artifact_flag(
                Span(last.start, sentence.end),
                "TRUNCATED_SENTENCE",
                "truncated-sentence",
                f"the sentence ends on '{word}': something was lost in translation",
                severity=Severity.ERROR,
            )


def _stranded_on_a_noun(ctx: Context, word: Span) -> bool:
    """A preposition with no object that modifies a noun ("caution against."): its object was
    lost. One that a verb strands ("what it is made of.") is English."""
    tokens = ctx.tokens(word)
    if len(tokens) != 1:
        return False
    token = tokens[0]
    return (
        token.pos_ == "ADP"
        and token.dep_ == "prep"
        and not any(True for _ in token.children)
        and token.head.pos_ in ("NOUN", "PROPN")
    )


def _stranded_by_a_clause(ctx: Context, word: Span) -> bool:
    """A preposition with no object whose object a clause moved away: a relative clause ("the
    thoughts he would like to proceed with.", "something to be proud of.") or a passive ("the
    issue was dealt with."). "The government decided to deal with." lost its object."""
    tokens = ctx.tokens(word)
    if len(tokens) != 1 or tokens[0].pos_ != "ADP" or any(True for _ in tokens[0].children):
        return False
    head = tokens[0].head
    if head.pos_ not in ("VERB", "AUX", "ADJ"):
        return False
    in_relative = any(t.dep_ in ("relcl", "acl") for t in (head, *head.ancestors))
    return in_relative or any(c.dep_ == "auxpass" for c in head.children)


def repeated_clauses(ctx: Context) -> Iterator[Flag]:
    """A clause said twice around "and"/"but" with at most one word changed."""
    text = ctx.doc.text
    for sentence in ctx.doc.sentences:
        toks = [
            (m.group().lower(), Span(sentence.start + m.start(), sentence.start + m.end()))
            for m in _CLAUSE_TOKEN.finditer(sentence.of(text))
        ]
        k = 0
        while k < len(toks):
            found = _clause_repeat_at(toks, k) if toks[k][0] in CLAUSE_JOINERS else None
            if found is None:
                k += 1
                continue
            first, second, changed = found
            same_word = changed is None or _same_word(ctx, *changed)
            message = (
                f"'{first.of(text)}' is said twice"
                if changed is None
                else f"'{first.of(text)}' is said twice, with '{changed[0].of(text)}' made "
                f"'{changed[1].of(text)}' the second time"
            )
            yield artifact_flag(
                Span(first.start, second.end),
                "REPEATED_CLAUSE",
                "doubled-phrase",
                message + ": say it once",
                severity=Severity.WARNING,
                suggestions=(first.of(text),),
                confidence=0.9 if same_word else 0.0,
            )
            k = next((i for i, (_, sp) in enumerate(toks) if sp.start >= second.end), len(toks))


def _clause_repeat_at(
    toks: list[tuple[str, Span]], k: int
) -> tuple[Span, Span, tuple[Span, Span] | None] | None:
    """The two copies of a clause either side of the joiner at ``k`` (longest first), and the
    one word changed between them, if any."""
    left, right = toks[:k], toks[k + 1 :]
    for n in range(min(len(left), len(right)), MIN_REPEATED_CLAUSE - 1, -1):
        a, b = left[-n:], right[:n]
        changed = [(x[1], y[1]) for x, y in zip(a, b, strict=True) if x[0] != y[0]]
        if len(changed) > 1 or (changed and n < MIN_REPEATED_CLAUSE + 1):
            continue
        return (
            Span(a[0][1].start, a[-1][1].end),
            Span(b[0][1].start, b[-1][1].end),
            changed[0] if changed else None,
        )
    return None


def _same_word(ctx: Context, a: Span, b: Span) -> bool:
    """Two forms of one word ("go", "goes"; "decrease", "decreased"), by their lemmas."""
    lemmas = [{t.lemma_.lower() for t in ctx.tokens(s)} for s in (a, b)]
    return bool(lemmas[0]) and lemmas[0] == lemmas[1]


def run_on_capitals(ctx: Context) -> Iterator[Flag]:
    """A question or clause word capitalised mid-sentence after a plain word: two sentences (or a
    headline's parts) run together without punctuation."""
    for sentence in ctx.doc.sentences:
        words = _words(ctx.doc, sentence)
        for (prev, _), (word, span) in pairwise(words):
            gap = ctx.doc.text[_end_of(words, prev) : span.start]
            if word in CLAUSE_OPENERS and prev.islower() and gap.strip(' "') == "":
                yield artifact_flag(
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
            yield artifact_flag(
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
        yield artifact_flag(
            span,
            "NAME_RELATIVE_COMMA",
            "punctuation",
            f"a relative clause after the name '{m.group(1)}' needs a comma",
            suggestions=(m.group(1) + ",",),
        )


RULES: tuple[Callable[[Context], Iterator[Flag]], ...] = (
    orphan_fragments,
    japanese_typography,
    repeated_clauses,
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
