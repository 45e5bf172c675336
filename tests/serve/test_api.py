"""LanguageTool's API as mtfix serves it: matches, parameters, limits and bad requests."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests
from starlette.testclient import TestClient

from mtfix.core import Document, Flag
from mtfix.serve import ltapi
from mtfix.serve.engine import Engine, ServeSettings
from mtfix.serve.worker import ModelWorker
from tests.serve.conftest import client_for

pytestmark = pytest.mark.languagetool

NAMES = (
    "Mr Biden met Putin in Geneva. Then Biden spoke. Later Biden left. "
    "Byden said the talks were useful. You can."
)


def _check(client: TestClient, **params: str) -> dict:
    response = client.post("/v2/check", data={"language": "en-US", **params})
    assert response.status_code == 200, response.text
    return response.json()


def _by_rule(answer: dict) -> dict[str, dict]:
    return {m["rule"]["id"]: m for m in answer["matches"]}


def _utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def test_mtfix_flags_come_with_categories_issue_types_and_the_proposal_first(
    client: TestClient,
) -> None:
    answer = _check(client, text=NAMES)
    assert answer["software"]["name"] == "mtfix" and answer["software"]["apiVersion"] == 1
    matches = _by_rule(answer)
    name = matches["NAME_VARIANT"]
    assert NAMES[name["offset"] : name["offset"] + name["length"]] == "Byden"
    assert name["replacements"][0] == {"value": "Biden"}
    assert name["rule"]["category"] == {"id": "MTFIX_NAME_CONSISTENCY", "name": "Name consistency"}
    assert name["rule"]["issueType"] == "inconsistent-entities"
    assert name["sentence"] == "Byden said the talks were useful."
    context = name["context"]
    assert context["text"][context["offset"] : context["offset"] + context["length"]] == "Byden"
    fragment = matches["ORPHAN_FRAGMENT"]
    assert fragment["rule"]["category"]["id"] == "MTFIX_MT_ARTIFACTS"
    assert fragment["rule"]["issueType"] == "omission"
    # The deletion covers the blank before the fragment, so the text reads right after it.
    cut = fragment["offset"], fragment["offset"] + fragment["length"]
    fixed = NAMES[: cut[0]] + fragment["replacements"][0]["value"] + NAMES[cut[1] :]
    assert fixed.endswith("were useful.")


def test_offsets_after_an_emoji_land_on_the_word(client: TestClient) -> None:
    text = "👍🏽 " + NAMES.replace("Byden", "😀 Byden")
    matches = _by_rule(_check(client, text=text))
    name = matches["NAME_VARIANT"]
    as_utf16 = text.encode("utf-16-le")
    word = as_utf16[2 * name["offset"] : 2 * (name["offset"] + name["length"])]
    assert word.decode("utf-16-le") == "Byden"
    assert name["offset"] == _utf16(text[: text.index("Byden")])


def test_annotated_data_skips_markup_and_reads_interpret_as(client: TestClient) -> None:
    pieces = [
        {"markup": "<p>"},
        {"text": "Mr Biden met Putin. Then Biden spoke. "},
        {"markup": "<b>"},
        {"text": "Later Biden left."},
        {"markup": "</b>"},
        {"markup": "<br/>", "interpretAs": "\n\n"},
        {"text": "Byden said so."},
    ]
    original = "".join(p.get("text", p.get("markup", "")) for p in pieces)
    answer = _check(client, data=json.dumps({"annotation": pieces}))
    name = _by_rule(answer)["NAME_VARIANT"]
    assert original[name["offset"] : name["offset"] + name["length"]] == "Byden"
    assert name["sentence"] == "Byden said so."


def test_rule_and_category_choices_apply_to_mtfix_flags(client: TestClient) -> None:
    rules = set(_by_rule(_check(client, text=NAMES, disabledRules="NAME_VARIANT")))
    assert "NAME_VARIANT" not in rules and "ORPHAN_FRAGMENT" in rules
    rules = set(_by_rule(_check(client, text=NAMES, disabledCategories="MTFIX_MT_ARTIFACTS")))
    assert "ORPHAN_FRAGMENT" not in rules and "NAME_VARIANT" in rules
    only = _check(client, text=NAMES, enabledRules="NAME_VARIANT", enabledOnly="true")
    assert [m["rule"]["id"] for m in only["matches"]] == ["NAME_VARIANT"]


def test_srctext_makes_the_check_bilingual(client: TestClient) -> None:
    answer = _check(client, text="It drew 300 people.", srctext="3万人が集まった。")
    assert "NUMBER_MISMATCH" in _by_rule(answer)
    assert _by_rule(answer)["NUMBER_MISMATCH"]["rule"]["issueType"] == "numbers"
    assert "NUMBER_MISMATCH" not in _by_rule(_check(client, text="It drew 300 people."))


def test_mtfix_checks_english_and_leaves_other_languages_to_languagetool() -> None:
    detected = {"language": {"code": "fr", "detectedLanguage": {"code": "fr"}}}
    assert ltapi.english("en-GB", detected) and ltapi.english("EN", detected)
    assert not ltapi.english("de-DE", detected) and not ltapi.english("auto", detected)
    assert ltapi.english("auto", {"language": {"code": "en-US"}})
    answer = {"software": {"name": "LanguageTool"}, "matches": [{"offset": 0, "length": 3}]}
    params = ltapi.CheckParams.parse({"language": "de-DE", "text": "Das"}, 100)
    out = ltapi.response(answer, params, ltapi.Answer(None))
    assert out["matches"] == answer["matches"] and out["software"]["name"] == "mtfix"


def test_get_and_the_other_endpoints(client: TestClient) -> None:
    response = client.get("/v2/check", params={"language": "en-US", "text": NAMES})
    assert response.status_code == 200 and "NAME_VARIANT" in _by_rule(response.json())
    assert response.headers["access-control-allow-origin"] == "*"
    languages = client.get("/v2/languages").json()
    assert {"name": "English (US)", "code": "en", "longCode": "en-US"} in languages
    assert client.get("/v2/info").json()["software"]["name"] == "mtfix"
    assert client.get("/v2/maxtextlength").text == "100000"
    assert client.get("/v2/healthcheck").text == "OK"
    config = client.get("/v2/configinfo", params={"language": "en-US"}).json()
    assert config["rules"]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"language": "en-US"}, 400, "Error: Missing 'text' or 'data' parameter"),
        ({"language": "en-US", "data": "{bad"}, 400, "Error: Could not parse JSON from 'data'"),
        ({"language": "xx-YY", "text": "Hi."}, 400, "Error: 'xx-YY' is not a language code"),
        ({"text": "Hi."}, 400, "Error: Missing 'language' parameter"),
    ],
)
def test_bad_requests_get_a_one_line_400(
    client: TestClient, languagetool_url: str, params: dict, status: int, message: str
) -> None:
    response = client.post("/v2/check", data=params)
    assert response.status_code == status
    assert response.text.startswith(message) and "\n" not in response.text.strip()
    if "language" in params:  # LanguageTool itself words the same request alike
        plain = requests.post(f"{languagetool_url}/v2/check", data=params, timeout=30)
        assert plain.status_code == status and plain.text.startswith(message)


def test_a_body_that_is_not_utf8_is_a_400(client: TestClient) -> None:
    for body in (b"language=en-US&text=caf\xe9", b"language=en-US&text=caf%E9"):
        response = client.post(
            "/v2/check",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 400
        assert response.text == "Error: The request is not valid UTF-8"


def _engine(base: Engine, **settings: float) -> Engine:
    """An engine of other settings on the started one's LanguageTool (no second start)."""
    engine = Engine(ServeSettings(model=None, **settings))  # type: ignore[arg-type]
    engine.url, engine.info, engine.language_list = base.url, base.info, base.language_list
    return engine


def test_texts_over_the_limit_get_413(rules_engine: Engine, tmp_path: Path) -> None:
    client = client_for(_engine(rules_engine, max_text_length=50), tmp_path / "log.jsonl")
    response = client.post("/v2/check", data={"language": "en-US", "text": "word " * 20})
    assert response.status_code == 413
    assert response.text.startswith("Error: Your text exceeds the limit of 50 characters")
    huge = client.post("/v2/check", data={"language": "en-US", "text": "x" * 600_000})
    assert huge.status_code == 413 and "exceeds the limit" in huge.text


class _SlowDetector:
    name = "slow"

    def detect(self, doc: Document) -> list[Flag]:
        time.sleep(3)
        return []


class _SlowModel:
    """A stand-in for the model that takes 2 s per chunk (the real one is in test_model.py)."""

    name = "model"

    def propose(self, doc, targets):  # type: ignore[no-untyped-def]
        time.sleep(2)
        return []


def test_a_request_past_its_time_limit_is_a_503(rules_engine: Engine, tmp_path: Path) -> None:
    slow = _engine(rules_engine, time_limit=1)
    slow.detectors = [*slow.detectors, _SlowDetector()]
    client = client_for(slow, tmp_path / "log.jsonl")
    started = time.monotonic()
    response = client.post("/v2/check", data={"language": "en-US", "text": NAMES})
    assert time.monotonic() - started < 2.9
    assert response.status_code == 503
    assert response.text == (
        "Error: Text checking took longer than allowed maximum of 1 seconds "
        "(mtfix serve --time-limit)"
    )


def test_model_proposals_past_the_time_limit_are_left_out_not_waited_for(
    rules_engine: Engine, tmp_path: Path
) -> None:
    slow = _engine(rules_engine, time_limit=2)
    slow.worker = ModelWorker(_SlowModel(), chunk=1)
    client = client_for(slow, tmp_path / "log.jsonl")
    started = time.monotonic()
    answer = _check(client, text=NAMES)
    assert time.monotonic() - started < 2.9
    assert answer["warnings"]["incompleteResults"] is True
    assert "NAME_VARIANT" in _by_rule(answer)  # the rules' answer is all there
    slow.worker.close()


def test_the_review_api_answers_only_its_own_host_names(client: TestClient) -> None:
    assert client.get("/api/status", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/status").json()["model"] is None
