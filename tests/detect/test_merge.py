"""One flag per problem: LanguageTool flags that repeat an mtfix flag are folded into it.

The unit tests build LanguageTool-shaped flags by hand; the real server's flags are merged in the
LanguageTool-marked test at the end (and throughout the CLI and seed tests)."""

from __future__ import annotations

import pytest

from mtfix.core import Flag, Span
from mtfix.detect.merge import one_per_problem
from mtfix.pipeline import check
from mtfix.segment import segment

TEXT = 'He said, "We will go. It was a hour later. The talks ended at the.'


def lt(span: Span, rule: str, category: str = "PUNCTUATION") -> Flag:
    return Flag(span, "languagetool", rule, category, "LanguageTool's message")


def ours(span: Span, rule: str, category: str = "unbalanced-quote") -> Flag:
    return Flag(span, "mt-artifacts", rule, category, "mtfix's message")


QUOTE = Span(9, 10)
ARTICLE = Span(TEXT.index("a hour"), TEXT.index("a hour") + 1)
END = Span(TEXT.index("the."), len(TEXT))


@pytest.mark.parametrize(
    "theirs, mine",
    [
        (lt(QUOTE, "EN_UNPAIRED_QUOTES"), ours(QUOTE, "UNBALANCED_QUOTE")),
        (lt(ARTICLE, "EN_A_VS_AN", "MISC"), ours(ARTICLE, "ARTICLE_SOUND", "grammar")),
        (lt(END, "THE_SENT_END", "GRAMMAR"), ours(END, "TRUNCATED_SENTENCE", "truncated")),
        # A known pair on overlapping spans.
        (lt(Span(END.start, END.start + 3), "THE_SENT_END"), ours(END, "TRUNCATED_SENTENCE")),
        # The same span is the same problem, whatever the rules.
        (lt(ARTICLE, "SOME_NEW_RULE", "MISC"), ours(ARTICLE, "ARTICLE_SOUND", "grammar")),
    ],
)
def test_languagetools_flag_is_folded_into_mtfixs(theirs: Flag, mine: Flag) -> None:
    merged = one_per_problem(segment(TEXT), [theirs, mine])
    assert [(f.detector, f.rule) for f in merged] == [(mine.detector, mine.rule)]
    assert merged[0].merged == (f"languagetool:{theirs.rule}",)
    assert merged[0].message == mine.message


def test_a_quotations_problem_is_one_at_either_end() -> None:
    text = "He said, “This is the best. ” Then he left."
    opening = Span(text.index("“"), text.index("“") + 1)
    closing = Span(text.index(" ”"), text.index(" ”") + 2)
    merged = one_per_problem(
        segment(text), [lt(opening, "EN_UNPAIRED_QUOTES"), ours(closing, "MISPLACED_QUOTE")]
    )
    assert [f.rule for f in merged] == ["MISPLACED_QUOTE"]


@pytest.mark.parametrize(
    "theirs, mine",
    [
        # A spelling slip inside a doubled phrase is a second problem.
        (lt(Span(3, 7), "MORFOLOGIK_RULE_EN_US", "TYPOS"), ours(Span(0, 20), "DOUBLED_PHRASE")),
        # A known pair, but far apart.
        (lt(ARTICLE, "THE_SENT_END", "GRAMMAR"), ours(END, "TRUNCATED_SENTENCE")),
    ],
)
def test_different_problems_stay_apart(theirs: Flag, mine: Flag) -> None:
    assert one_per_problem(segment(TEXT), [theirs, mine]) == [theirs, mine]


@pytest.mark.languagetool
def test_an_unclosed_quote_is_flagged_once() -> None:
    text = 'After the game, he said, "I was only thinking about the ball.\n\nThe fans cheered.'
    flags = [f for f in check(text).flags if f.span.overlaps(Span(24, 26))]
    assert [(f.detector, f.rule) for f in flags] == [("mt-artifacts", "UNBALANCED_QUOTE")]
    assert flags[0].merged == ("languagetool:EN_UNPAIRED_QUOTES",)
    categories = {f.category for f in check(text + " It costs a hour.").flags}
    assert categories == {c.lower() for c in categories}
