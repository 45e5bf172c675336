"""The real model behind the server: one worker thread, loaded once, its rewrites proposed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mtfix.rewrite import model as model_rewriter
from mtfix.serve.engine import Engine, ServeSettings
from tests.serve.conftest import client_for

pytestmark = [pytest.mark.languagetool, pytest.mark.model]

PARAGRAPHS = [
    "Mr Biden met Putin in Geneva. Then Biden spoke. Later Biden left. Byden said so.",
    "The monopolyists are angry about the new tarifs. They protested in the city.",
    "The Masachusetts delegation arrived late. Its leader apologised.",
    "Talks ended without a deal. The ministers will meet again next mnth.",
]


def test_concurrent_requests_share_one_model_in_one_thread(
    rules_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[str] = []
    real_open = model_rewriter.open_backend

    def counting_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(threading.current_thread().name)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(model_rewriter, "open_backend", counting_open)
    engine = Engine(ServeSettings(beams=2, time_limit=600))
    engine.url, engine.info, engine.language_list = (
        rules_engine.url,
        rules_engine.info,
        rules_engine.language_list,
    )
    assert engine.worker is not None
    rewriter = engine.worker.rewriter
    active, most, threads = [0], [0], set()
    lock = threading.Lock()
    propose = rewriter.propose

    def watched(doc, targets):  # type: ignore[no-untyped-def]
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
            threads.add(threading.current_thread().name)
        try:
            return propose(doc, targets)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(rewriter, "propose", watched)
    client = client_for(engine, tmp_path / "log.jsonl")

    def check(text: str) -> dict:
        response = client.post("/v2/check", data={"language": "en-US", "text": text})
        assert response.status_code == 200, response.text
        return response.json()

    try:
        # Not warmed: the first requests race to need the model.
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(check, PARAGRAPHS))
        assert len(loads) == 1 and loads[0].startswith("mtfix-model")
        assert most[0] == 1 and all(name.startswith("mtfix-model") for name in threads)
        assert not any(a["warnings"]["incompleteResults"] for a in answers)
        # The model's verdict on LanguageTool's spelling suggestion is the fix offered first.
        spelling = [
            m
            for m in answers[1]["matches"]
            if PARAGRAPHS[1][m["offset"] : m["offset"] + m["length"]] == "monopolyists"
        ]
        assert spelling and spelling[0]["replacements"][0]["value"] == "monopolists"
        # The same text again comes from the worker's cache.
        before = engine.worker.status()["sentences"]
        check(PARAGRAPHS[1])
        assert engine.worker.status()["sentences"] == before
        assert engine.worker.status()["cached"] > 0
        # A review lists the model's rewrites among the candidates.
        review = client.post("/api/reviews", json={"text": "\n\n".join(PARAGRAPHS)}).json()
        while review["state"] == "running":
            time.sleep(0.5)
            review = client.get(f"/api/reviews/{review['id']}").json()
        assert review["state"] == "done", review["error"]
        origins = {p["origin"] for p in review["result"]["proposals"]}
        assert "model" in origins
    finally:
        engine.worker.close()
