"""Parity with the real thing: the same requests to mtfix serve and to the plain LanguageTool
server, field by field and offset by offset."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from mtfix.serve.engine import Engine
from tests.serve.conftest import client_for

pytestmark = pytest.mark.languagetool

EMOJI = (
    "😀 He go home. 👍🏽 Mr Biden met Putin. Then Biden spoke. Later Biden left. "
    "Byden said it was a noot problem. I will. The 𝄞 monopolyists are angry."
)
REQUESTS: list[dict[str, str]] = [
    {"language": "en-US", "text": EMOJI},
    {"language": "en-GB", "text": EMOJI, "level": "picky", "motherTongue": "ja-JP"},
    {"language": "en-US", "text": EMOJI, "disabledRules": "MORFOLOGIK_RULE_EN_US"},
    {"language": "auto", "text": EMOJI, "preferredVariants": "en-GB"},
    {"language": "en", "text": EMOJI},
    {
        "language": "en-US",
        "data": json.dumps(
            {
                "annotation": [
                    {"markup": "<p>"},
                    {"text": "😀 He go home. Mr Biden met Putin. Then Biden spoke."},
                    {"markup": "</p><p>", "interpretAs": "\n\n"},
                    {"text": "Later Biden left. Byden said so. "},
                    {"markup": "<i>"},
                    {"text": "This are a noot."},
                    {"markup": "</i></p>"},
                ]
            }
        ),
    },
]


def _shape(value: Any, path: str = "") -> dict[str, str]:
    """Every key path of a JSON value with the type found there (lists by their elements)."""
    out: dict[str, str] = {path: type(value).__name__}
    if isinstance(value, dict):
        for key, item in value.items():
            out |= _shape(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            out |= _shape(item, f"{path}[]")
    return out


def _common_shape(items: list[Any]) -> dict[str, str]:
    """The key paths every one of ``items`` has, with their type."""
    shapes = [_shape(item) for item in items]
    return {k: v for k, v in shapes[0].items() if all(s.get(k) == v for s in shapes[1:])}


Answers = list[tuple[dict[str, Any], dict[str, Any]]]


@pytest.fixture(scope="module")
def answers(rules_engine: Engine, languagetool_url: str, tmp_path_factory) -> Answers:  # type: ignore[no-untyped-def]
    """Each request's answer from the plain LanguageTool server and from mtfix serve."""
    client = client_for(rules_engine, tmp_path_factory.mktemp("parity") / "log.jsonl")
    out = []
    for params in REQUESTS:
        plain = requests.post(f"{languagetool_url}/v2/check", data=params, timeout=60)
        ours = client.post("/v2/check", data=params)
        assert plain.status_code == ours.status_code == 200, ours.text
        out.append((plain.json(), ours.json()))
    return out


@pytest.mark.parametrize("n", range(len(REQUESTS)), ids=[",".join(sorted(p)) for p in REQUESTS])
def test_every_languagetool_field_and_match_is_there(answers: Answers, n: int) -> None:
    lt, mt = (dict(a) for a in answers[n])
    lt_matches, mt_matches = lt.pop("matches"), mt.pop("matches")
    # The answer around the matches: every field LanguageTool sends, with the same type.
    lt_shape, mt_shape = _shape(lt), _shape(mt)
    assert {k: v for k, v in lt_shape.items() if mt_shape.get(k) != v} == {}
    assert mt["language"] == lt["language"] and mt["sentenceRanges"] == lt["sentenceRanges"]
    # LanguageTool's own matches, at the same offsets, with the same fields.
    assert lt_matches, "the texts are chosen to have LanguageTool matches"
    ours_at = {(m["offset"], m["length"], m["rule"]["id"]): m for m in mt_matches}
    for match in lt_matches:
        key = (match["offset"], match["length"], match["rule"]["id"])
        assert key in ours_at, f"LanguageTool's {key} is missing"
        mine = dict(ours_at[key])
        values = {r["value"] for r in match["replacements"]}
        # mtfix may put its preferred fix first; LanguageTool's replacements all stay.
        assert values <= {r["value"] for r in mine.pop("replacements")}
        assert mine == {k: v for k, v in match.items() if k != "replacements"}


def test_mtfix_matches_have_every_field_languagetool_always_sends(answers: Answers) -> None:
    # The fields every LanguageTool match has (a spelling match has no rule.urls or subId).
    common = _common_shape([m for lt, _ in answers for m in lt["matches"]])
    assert {".message", ".offset", ".context.text", ".rule.category.id"} <= set(common)
    own = [
        m
        for _, mt in answers
        for m in mt["matches"]
        if m["rule"]["category"]["id"].startswith("MTFIX_")
    ]
    assert {m["rule"]["id"] for m in own} >= {"NAME_VARIANT", "ORPHAN_FRAGMENT"}
    for match in own:
        shape = _shape(match)
        assert {k: v for k, v in common.items() if shape.get(k) != v} == {}, match["rule"]["id"]


def test_the_emoji_text_puts_languagetools_and_mtfixs_matches_on_the_words(
    answers: Answers,
) -> None:
    answer = answers[0][1]
    units = EMOJI.encode("utf-16-le")

    def covered(m: dict[str, Any]) -> str:
        return units[2 * m["offset"] : 2 * (m["offset"] + m["length"])].decode("utf-16-le")

    words = {m["rule"]["id"]: covered(m) for m in answer["matches"]}
    assert words["NAME_VARIANT"] == "Byden"
    assert words["MORFOLOGIK_RULE_EN_US"] in {"noot", "monopolyists"}
    assert "monopolyists" in [covered(m) for m in answer["matches"]]
    assert words["ORPHAN_FRAGMENT"].strip() == "I will."
