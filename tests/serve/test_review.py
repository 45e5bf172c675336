"""The review API: proposals for a text, decisions, undo, the post-edit log and writing back."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mtfix.serve.engine import Engine
from tests.serve.conftest import client_for

pytestmark = pytest.mark.languagetool

TEXT = (
    "Mr Biden met Putin in Geneva. Then Biden spoke. Later Biden left.\n\n"
    "Byden said the talks were useful. You can. The monopolyists are angry."
)


def _wait(client: TestClient, review: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        review = client.get(f"/api/reviews/{review['id']}").json()
        if review["state"] != "running":
            assert review["state"] == "done", review["error"]
            return review
        time.sleep(0.2)
    raise AssertionError("the review did not finish")


def _start(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/reviews", json=body)
    assert response.status_code == 202, response.text
    return _wait(client, response.json())


def _stretch(review: dict[str, Any], needle: str) -> tuple[int, int]:
    text = review["result"]["original"]
    for start, end in review["result"]["stretches"]:
        if needle in text[start:end]:
            return start, end
    raise AssertionError(f"no stretch has {needle!r}")


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_review_has_clean_json_fields_and_the_page_extras(client: TestClient) -> None:
    review = _start(client, text=TEXT, name="talks.txt")
    result = review["result"]
    # The same field names as `mtfix clean --format json`...
    assert {"text", "edits", "flags", "mqm", "proposals"} <= set(result)
    assert "Biden said" in result["text"]
    # ...and what a reviewer needs beside them.
    assert result["original"] == TEXT and result["sentences"]
    proposal = next(p for p in result["proposals"] if "Biden said" in p["text"])
    assert proposal["rank"] == 1 and proposal["applied"]
    assert ["-", "Byden"] in proposal["diff"] and ["+", "Biden"] in proposal["diff"]
    assert review["name"] == "talks.txt" and not review["writable"]


def test_decisions_undo_the_log_and_the_reviewed_text(client: TestClient, tmp_path: Path) -> None:
    review = _start(client, text=TEXT, name="talks.txt")
    rid = review["id"]
    byden, fragment = _stretch(review, "Byden"), _stretch(review, "You can.")
    spelling = _stretch(review, "monopolyists")
    url = f"/api/reviews/{rid}/decisions"
    accepted = client.post(
        url, json={"start": byden[0], "end": byden[1], "action": "accept", "chosen": 1}
    )
    assert accepted.status_code == 200, accepted.text
    rejected = client.post(url, json={"start": fragment[0], "end": fragment[1], "action": "reject"})
    assert rejected.json()["record"]["final"] == TEXT[fragment[0] : fragment[1]]
    edit = "The monopolists are furious."
    edited = client.post(
        url, json={"start": spelling[0], "end": spelling[1], "action": "edit", "text": edit}
    )
    assert edited.json()["record"]["diff"][-1] == ["=", "."]
    text = client.get(f"/api/reviews/{rid}/text").text
    assert "Biden said the talks" in text and "You can." in text and edit in text
    # Undo takes back the last decision (the edit) and is logged too.
    undone = client.post(f"/api/reviews/{rid}/undo", json={})
    assert undone.json()["record"]["action"] == "undo"
    assert len(undone.json()["decisions"]) == 2
    assert "monopolyists" in client.get(f"/api/reviews/{rid}/text").text
    download = client.get(f"/api/reviews/{rid}/text")
    assert (
        download.headers["content-disposition"] == 'attachment; filename="talks.txt.reviewed.txt"'
    )
    log = _log(tmp_path / "post-edits.jsonl")
    assert [r["action"] for r in log] == ["accept", "reject", "edit", "undo"]
    first = log[0]
    assert first["document"]["name"] == "talks.txt" and len(first["document"]["sha256"]) == 64
    assert first["mt"] == TEXT[byden[0] : byden[1]] and first["chosen"] == 1
    assert first["final"] == first["candidates"][0]["text"] and "Biden said" in first["final"]
    assert {"rank", "text", "origin", "score", "confidence"} <= set(first["candidates"][0])
    assert first["sentence"]["start"] == byden[0] and first["time"].endswith("Z")
    assert log[3]["final"] == TEXT[spelling[0] : spelling[1]]


def test_bad_decisions_and_requests_are_one_line_errors(client: TestClient) -> None:
    review = _start(client, text=TEXT)
    url = f"/api/reviews/{review['id']}/decisions"
    byden = _stretch(review, "Byden")
    cases = [
        ({"start": 0, "end": 3, "action": "reject"}, 400, "not a stretch"),
        ({"start": byden[0], "end": byden[1], "action": "accept", "chosen": 9}, 400, "no proposal"),
        ({"start": byden[0], "end": byden[1], "action": "shout"}, 400, "unknown action"),
        ({"start": "a", "end": byden[1], "action": "reject"}, 400, "offsets"),
    ]
    for body, status, message in cases:
        response = client.post(url, json=body)
        assert response.status_code == status and message in response.json()["error"]
    assert client.post(f"/api/reviews/{review['id']}/undo", json={}).status_code == 409
    assert client.get("/api/reviews/nope").status_code == 404
    form = client.post("/api/reviews", data={"text": TEXT})
    assert form.status_code == 415 and "JSON" in form.json()["error"]
    assert client.post("/api/reviews", json={"text": " "}).status_code == 400
    # Nothing can name a path: a review of pasted text cannot be written anywhere.
    saved = client.post(f"/api/reviews/{review['id']}/save", json={"path": "/tmp/x"})
    assert saved.status_code == 403


def test_save_writes_back_only_the_opened_file_atomically(
    rules_engine: Engine, tmp_path: Path
) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
    os.chmod(article, 0o640)
    client = client_for(rules_engine, tmp_path / "log.jsonl", opened=article)
    assert client.get("/api/document").json() == {
        "name": "article.txt",
        "text": TEXT,
        "writable": True,
    }
    review = _start(client, opened=True)
    assert review["writable"] and review["name"] == "article.txt"
    byden = _stretch(review, "Byden")
    client.post(
        f"/api/reviews/{review['id']}/decisions",
        json={"start": byden[0], "end": byden[1], "action": "accept", "chosen": 1},
    )
    assert client.post(f"/api/reviews/{review['id']}/save", json={}).json() == {
        "saved": "article.txt"
    }
    raw = article.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"Biden said" in raw
    assert stat.S_IMODE(article.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # A file changed on disk since is not overwritten.
    article.write_text("someone else's edit", encoding="utf-8")
    response = client.post(f"/api/reviews/{review['id']}/save", json={})
    assert response.status_code == 409 and "changed on disk" in response.json()["error"]
    assert article.read_text(encoding="utf-8") == "someone else's edit"
    # Pasting the same text elsewhere makes no writable review of it.
    other = _start(client, text="Another text. You can.")
    assert not other["writable"]
