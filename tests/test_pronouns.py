"""First-person pronouns in the third person (mtfix.lexicon.pronouns)."""

from __future__ import annotations

from typing import Any

import pytest

from mtfix.lexicon.pronouns import FEMININE, third_person, third_singular


@pytest.mark.parametrize(
    "verb, expected", [("think", "thinks"), ("try", "tries"), ("watch", "watches"), ("say", "says")]
)
def test_a_regular_verb_in_the_third_person_singular(verb: str, expected: str) -> None:
    assert third_singular(verb) == expected


@pytest.mark.parametrize(
    "args, kwargs, expected",
    [
        (("I", "am"), {"opening": True}, ("He is", True)),
        (("I", "would"), {}, ("he", False)),
        (("I", "analyzed"), {"present": False}, ("he", False)),
        (("I", "believe"), {"present": True, "gender": FEMININE}, ("she believes", True)),
        (("I've",), {}, ("he has", False)),
        (("we'd",), {"opening": True}, ("They would", False)),
        (("We", "are"), {"singular": True, "opening": True}, ("He is", True)),
        (("our",), {"singular": True, "gender": FEMININE}, ("her", False)),
        (("myself",), {}, ("himself", False)),
    ],
)
def test_the_third_person_keeps_agreement(
    args: tuple[str, ...], kwargs: dict[str, Any], expected: tuple[str, bool]
) -> None:
    assert third_person(*args, **kwargs) == expected


def test_a_word_that_is_no_first_person_has_none() -> None:
    assert third_person("they") is None and third_person("I'x") is None
