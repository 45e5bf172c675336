"""Shared fixtures: one real LanguageTool server for the whole test session.

Every test that checks text talks to this server through ``MTFIX_LANGUAGETOOL_URL``, so the JVM
starts once (a few seconds) instead of once per test, and subprocesses (the CLI, batch workers)
reuse it too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtfix.core import Document, Span
from mtfix.languagetool_server import LanguageToolServer

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpora" / "geneva-summit-mt.txt"


@pytest.fixture(scope="session", autouse=True)
def languagetool_url() -> Iterator[str]:
    if url := os.environ.get("MTFIX_LANGUAGETOOL_URL"):
        yield url
        return
    with LanguageToolServer() as server:
        os.environ["MTFIX_LANGUAGETOOL_URL"] = server.url
        try:
            yield server.url
        finally:
            del os.environ["MTFIX_LANGUAGETOOL_URL"]


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def document_of(*sentences: str) -> Document:
    """A one-paragraph Document of the given sentences joined by single spaces, segmented by
    construction (no segmenter), for tests of what comes after segmentation."""
    text = " ".join(sentences)
    spans, pos = [], 0
    for s in sentences:
        spans.append(Span(pos, pos + len(s)))
        pos += len(s) + 1
    return Document(text, (Span(0, len(text)),), tuple(spans))
