"""Subject-drop fragments from the parse: table-driven cases it must flag, and must not."""

from __future__ import annotations

import pytest

from mtfix.core import Flag
from mtfix.detect.artifacts import MTArtifactDetector
from mtfix.segment import segment


def fragments(text: str) -> list[Flag]:
    return [f for f in MTArtifactDetector().detect(segment(text)) if f.rule == "ORPHAN_FRAGMENT"]


# (the sentence before, the fragment): each fragment is flagged and safely deleted, because it
# says nothing, only frames the sentence before, or repeats its verb.
SAFE = [
    ("The opening ceremony will be held at the new hall next spring.", "Will be held."),
    ("Officials believe the dam was damaged by the quake.", "It is said."),
    ("Exports are expected to recover in the autumn.", "Is expected."),
    ("The venue for the next meeting has not been chosen yet.", "Will be announced."),
    ("Two workers were injured in the fire at the plant.", "Was confirmed."),
    ("The two sides remain far apart on the price.", "It seems."),
    ("The risk of further landslides remains high in the valley.", "There is."),
    ("The ministry plans to publish the figures next week.", "I will."),
    ("Residents can ask for a refund at the city office.", "You can."),
    ("Most cases can be prevented by drinking water.", "Can be done."),
    ('"We hope for progress," the minister told reporters.', "Said."),
    ("The plan was approved by the board on Friday.", "Was decided."),
    ("The exhibition will move to Osaka in the summer.", "Was announced."),
]


@pytest.mark.parametrize("before, fragment", SAFE)
def test_fragments_that_repeat_the_sentence_before_are_deleted(before: str, fragment: str) -> None:
    flags = fragments(f"{before} {fragment}")
    assert [f.span.of(f"{before} {fragment}") for f in flags] == [fragment]
    assert flags[0].suggestions == ("",) and flags[0].confidence >= 0.85


def test_a_fragment_with_a_verb_of_its_own_is_only_proposed() -> None:
    # "injured" says something the sentence before does not: deleting it loses it.
    text = "A bus hit a wall on the highway near Nagano on Sunday. Was injured."
    [flag] = fragments(text)
    assert flag.span.of(text) == "Was injured."
    assert flag.suggestions == ("",) and flag.confidence == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "Will be held at the stadium.",  # a heading-style caption: it says where
        "Will be held at Sakai Stadium on the 4th.",
        'He asked whether they would come. "I will."',  # quoted replies are speech
        "Asked about the final, the coach only said, 「Will be ready.」",
        "He said he would. It rained all day.",  # complete sentences
        "The minister agreed. He said.",  # a subject is present: clumsy, not a dropped subject
        "Please wait. Stay inside.",  # imperatives
        "Shares rose. Expected to rise further.",  # a headline-style clause with a complement
        "It happened. She smiled.",
    ],
)
def test_complete_quoted_or_captioned_sentences_are_not_fragments(text: str) -> None:
    assert fragments(text) == []


def test_a_fragment_is_not_also_a_stray_first_person() -> None:
    text = "The talks ended late. I will."
    rules = [f.rule for f in MTArtifactDetector().detect(segment(text))]
    assert rules == ["ORPHAN_FRAGMENT"]
