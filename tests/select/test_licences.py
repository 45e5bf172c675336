"""Flag-licensed changes: a flag lets the model make the change that repairs it, and no other."""

from __future__ import annotations

import pytest

from mtfix.core import Candidate, Document, Edit, Flag, Span
from mtfix.diff import word_changes
from mtfix.segment import segment
from mtfix.select import select
from mtfix.select.guard import guard, licences_used
from tests.conftest import document_of


def _cand(doc: Document, i: int, rewrite: str, score: float = 2.0) -> Candidate:
    s = doc.sentences[i]
    edits = tuple(c.edit for c in word_changes(s.of(doc.text), rewrite, offset=s.start))
    return Candidate(s, tuple(Edit(e.span, e.replacement, "model") for e in edits), "model", score)


def _flag(doc: Document, text: str, rule: str, category: str = "x", nth: int = 0) -> Flag:
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(text, start + 1)
    return Flag(Span(start, start + len(text)), "test", rule, category, "")


def _verdict(doc: Document, i: int, rewrite: str, flags: list[Flag]) -> tuple[str, ...] | str:
    cand = _cand(doc, i, rewrite)
    local = [f for f in flags if f.span.touches(cand.sentence)]
    rejected = guard(doc, cand, local)
    return rejected.rule if rejected else licences_used(doc, cand, local)


SPEAKER = ("Putin met Biden in Geneva on Wednesday.", "I am ready to deny it.")


@pytest.mark.parametrize(
    ("rewrite", "verdict"),
    [
        ("He is ready to deny it.", ("first-person",)),
        ("Putin is ready to deny it.", ("first-person",)),
        # A person the passage never names is no subject candidate: not licensed.
        ("Obama is ready to deny it.", "common-words"),
        ("He is ready to accept it.", "common-words"),
    ],
)
def test_a_stray_first_person_licenses_a_subject_from_the_passage(
    rewrite: str, verdict: tuple[str, ...] | str
) -> None:
    doc = document_of(*SPEAKER)
    flag = _flag(doc, "I", "STRAY_FIRST_PERSON", "stray-first-person", nth=0)
    assert _verdict(doc, 1, rewrite, [flag]) == verdict


@pytest.mark.parametrize(
    ("rewrite", "score", "rejected_by"),
    [
        # The flag says the "I" is wrong, so a repair the model does not disprefer is enough.
        ("He is ready to deny it.", 0.3, None),
        ("He is ready to deny it.", -0.1, "evidence"),
        # A change no flag licenses still needs the full bar.
        ("I am ready to deny them.", 0.3, "evidence"),
        ("He is ready to deny them.", 0.3, "evidence"),
    ],
)
def test_a_wholly_licensed_repair_needs_less_evidence(
    rewrite: str, score: float, rejected_by: str | None
) -> None:
    doc = document_of(*SPEAKER)
    flag = _flag(doc, "I", "STRAY_FIRST_PERSON", "stray-first-person", nth=0)
    rejected = guard(doc, _cand(doc, 1, rewrite, score), [flag])
    assert (rejected.rule if rejected else None) == rejected_by


@pytest.mark.parametrize(
    "doc",
    [
        document_of("I am ready to deny it, Putin says nothing."),
        # Line-aligned segments are texts of their own: a name on the line before is no speaker.
        segment("\n".join(SPEAKER), lines=True),
        # The writer spoke in the first person just before: this "I" is theirs too.
        document_of("As Putin's teacher, I met him in 1980.", "I am ready to deny it."),
    ],
    ids=["opens-the-text", "previous-line", "writer-spoke-before"],
)
def test_a_first_person_that_is_the_writers_own_is_not_licensed(doc: Document) -> None:
    i = len(doc.sentences) - 1
    start = doc.text.index("I am", doc.sentences[i].start)
    flag = Flag(Span(start, start + 1), "test", "STRAY_FIRST_PERSON", "stray-first-person", "")
    rewrite = doc.sentences[i].of(doc.text).replace("I am", "He is")
    # Not licensed: the guard's word-level rules reject the new pronoun.
    assert _verdict(doc, i, rewrite, [flag]) in ("common-words", "spelling-like")


def test_a_first_person_inside_the_quotation_before_is_the_speakers() -> None:
    doc = document_of('Putin added, "We are ready."', "I am ready to deny it.")
    flag = _flag(doc, "I", "STRAY_FIRST_PERSON", "stray-first-person")
    assert _verdict(doc, 1, "He is ready to deny it.", [flag]) == ("first-person",)


def test_without_the_flag_the_pronoun_is_a_common_word_and_stays() -> None:
    doc = document_of(*SPEAKER)
    assert _verdict(doc, 1, "He is ready to deny it.", []) == "common-words"


def test_a_stray_hedge_may_be_dropped() -> None:
    doc = document_of("Putin met Biden in Geneva.", "I think the talks went well.")
    flag = _flag(doc, "I", "STRAY_FIRST_PERSON")
    assert _verdict(doc, 1, "The talks went well.", [flag]) == ("first-person",)


def test_the_us_before_is_the_country_not_the_writer() -> None:
    # "the US" in the sentence before is no first person: the stray "I'm" is still a speaker's.
    doc = document_of("The US accused Moscow of interfering.", "I'm ready to take a step back.")
    flag = _flag(doc, "I'm", "STRAY_FIRST_PERSON")
    assert _verdict(doc, 1, "He's ready to take a step back.", [flag]) == ("first-person",)
    ours = document_of("They accused us of interfering.", "I'm ready to take a step back.")
    flag = _flag(ours, "I'm", "STRAY_FIRST_PERSON")
    assert _verdict(ours, 1, "He's ready to take a step back.", [flag]) != ("first-person",)


def test_a_verb_with_an_object_is_no_hedge() -> None:
    doc = document_of("Putin met Biden in Geneva.", "I think about the talks every day.")
    flag = _flag(doc, "I", "STRAY_FIRST_PERSON")
    assert _verdict(doc, 1, "About the talks every day.", [flag]) != ("first-person",)


def test_the_writers_own_hedge_stays() -> None:
    # A line of its own (a forum post) opening with the writer's "I think".
    doc = segment("I think the headset is worth buying.", lines=True)
    flag = _flag(doc, "I", "STRAY_FIRST_PERSON")
    assert _verdict(doc, 0, "The headset is worth buying.", [flag]) != ("first-person",)


def test_a_truncated_tail_may_be_completed_or_dropped() -> None:
    doc = document_of("The summit became a catalyst for the restoration of.")
    flag = _flag(doc, "of.", "TRUNCATED_SENTENCE", "truncated-sentence")
    completed = "The summit became a catalyst for the restoration of relations."
    assert _verdict(doc, 0, completed, [flag]) == ("truncated-tail",)
    assert _verdict(doc, 0, "The summit became a catalyst for the restoration.", [flag]) == (
        "truncated-tail",
    )
    assert _verdict(doc, 0, completed, []) == "insertions"
    # The licence covers the tail only, not a rewrite of the sentence's start.
    assert _verdict(doc, 0, "The meeting became a catalyst for the restoration.", [flag]) != (
        "truncated-tail",
    )


def test_a_quote_flag_licenses_a_quote_mark_and_no_word() -> None:
    doc = document_of('He said "we will work hard today.')
    flag = _flag(doc, '"', "UNBALANCED_QUOTE", "unbalanced-quote")
    assert _verdict(doc, 0, 'He said "we will work hard today."', [flag]) == ("quote-mark",)
    assert _verdict(doc, 0, 'He said "we will work hard today."', []) == "quote-marks"
    assert _verdict(doc, 0, 'He said "we will try hard today."', [flag]) == "common-words"


def test_a_quote_flag_does_not_license_unpairing_the_marks() -> None:
    # mlqe-ru-en dev line 47: the model dropped the closing mark after the speech tag.
    doc = document_of('They do not want to fight, "he continued." And you make us.')
    flag = _flag(doc, '"', "MISPLACED_QUOTE", "typography", nth=1)
    unpaired = 'They do not want to fight, "he continued. And you make us.'
    assert _verdict(doc, 0, unpaired, [flag]) == "quotation"
    # Moving the marks keeps them paired, and the guard lets it through.
    moved = 'They do not want to fight," he continued. "And you make us.'
    assert isinstance(_verdict(doc, 0, moved, [flag]), tuple)


def test_one_of_a_double_conjunction_may_go() -> None:
    doc = document_of("Although it rained, but we went out.")
    flag = _flag(doc, "Although it rained, but", "DOUBLE_CONJUNCTION", "grammar")
    assert _verdict(doc, 0, "Although it rained, we went out.", [flag]) == ("double-conjunction",)
    assert _verdict(doc, 0, "It rained, but we went out.", [flag]) == ("double-conjunction",)
    assert _verdict(doc, 0, "Although it rained, but we went in.", [flag]) != (
        "double-conjunction",
    )


def test_a_bad_span_may_be_replaced_inside_it_only() -> None:
    doc = document_of("From there we can admit the cloak of the valley.")
    flag = _flag(doc, "admit the cloak", "QE_BAD", "fluency")
    fixed = "From there we can admire the view of the valley."
    assert _verdict(doc, 0, fixed, [flag]) == ("bad-span",)
    assert _verdict(doc, 0, "From there we can admire the view of the hills.", [flag]) != (
        "bad-span",
    )


def test_the_decision_records_the_licence() -> None:
    doc = document_of(*SPEAKER)
    flag = _flag(doc, "I", "STRAY_FIRST_PERSON", "stray-first-person")
    selection = select(doc, [_cand(doc, 1, "He is ready to deny it.")], [flag])
    (decision,) = selection.decisions
    assert decision.accepted and decision.licences == ("first-person",)
    assert decision.to_dict()["licences"] == ["first-person"]


def test_a_stray_first_person_flag_alone_does_not_let_its_pronoun_change() -> None:
    # The flag's repair is the first-person licence's to allow; the flag is no blanket trust.
    doc = segment("I serve in a church.", lines=True)
    flag = _flag(doc, "I", "STRAY_FIRST_PERSON", "stray-first-person")
    assert _verdict(doc, 0, "He serves in a church.", [flag]) == "common-words"


def test_dropping_a_first_person_subject_is_no_hedge_dropped() -> None:
    doc = document_of("Putin spoke.", "We all walk under God.")
    flag = _flag(doc, "We", "STRAY_FIRST_PERSON", "stray-first-person")
    assert _verdict(doc, 1, "All walk under God.", [flag]) == "common-words"
