"""The batch reports read from the manifest: triage order and category counts, on records made by
hand (the batch that writes real ones is run in test_run)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from mtfix.batch import summary
from mtfix.batch.inputs import Doc, Source
from mtfix.batch.manifest import Record


def record(key: str, words: int, changed: int, categories: list[str]) -> tuple[Doc, Record]:
    flags = [
        {"category": c, "severity": "error", "start": 0, "end": 1, "rule": "R"} for c in categories
    ]
    result: dict[str, Any] = {"text": "", "edits": [], "flags": flags, "words_changed": changed}
    doc = Doc(key, Source(Path(key), key, "text"), "", "digest")
    return doc, Record(key, key, "", "digest", "sig", "done", None, result, words, 1, 1)


def test_categories_count_as_one_whatever_their_case() -> None:
    pairs = [record("a.txt", 100, 0, ["PUNCTUATION", "punctuation", "TYPOS"])]
    docs, records = [d for d, _ in pairs], {r.key: r for _, r in pairs}
    report = summary.build(docs, records, summary.RunStats(1, 100, 1, 1.0), {})
    assert report["flags_left_by_category"] == {"punctuation": 2, "typos": 1}


def test_triage_puts_gutted_documents_first_then_the_worst() -> None:
    pairs = [
        record("flagged.txt", 100, 5, ["typos"] * 10),
        record("gutted.txt", 100, 80, []),
        record("half.txt", 100, 50, ["typos"]),
        record("fine.txt", 100, 0, []),
    ]
    docs, records = [d for d, _ in pairs], {r.key: r for _, r in pairs}
    rows = list(csv.DictReader(io.StringIO(summary._triage_csv(docs, records))))
    assert [r["document"] for r in rows] == ["gutted.txt", "half.txt", "flagged.txt", "fine.txt"]
    assert [float(r["words_changed"]) for r in rows] == [0.8, 0.5, 0.05, 0.0]
