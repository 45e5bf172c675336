"""The end of a batch: ``summary.json``, ``triage.csv`` and ``errors.jsonl``, all read from the
manifest, so they describe the whole batch (documents done in earlier runs included) and a rerun
that had nothing to do still reports it fully.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtfix.batch.inputs import Doc
from mtfix.batch.manifest import Record
from mtfix.io import write_text

SUMMARY_NAME = "summary.json"
TRIAGE_NAME = "triage.csv"
ERRORS_NAME = "errors.jsonl"
TRIAGE_TOP_CATEGORIES = 3


@dataclass(frozen=True)
class RunStats:
    """What this run did, as opposed to what the manifest holds from every run."""

    cleaned: int
    words: int
    sentences: int
    wall_s: float


def _per_100_words(flags: int, words: int) -> float:
    return round(100 * flags / max(words, 1), 2)


def _done(doc: Doc, records: dict[str, Record]) -> Record | None:
    record = records.get(doc.key)
    return record if record is not None and record.state == "done" else None


def build(
    docs: Sequence[Doc],
    records: dict[str, Record],
    run: RunStats,
    settings: dict[str, Any],
) -> dict[str, Any]:
    done = [r for d in docs if (r := _done(d, records)) is not None]
    categories: Counter[str] = Counter()
    origins: Counter[str] = Counter()
    for record in done:
        assert record.result is not None
        categories.update(f["category"] for f in record.result["flags"])
        origins.update(e["origin"] for e in record.result["edits"])
    minutes = run.wall_s / 60
    return {
        "documents": {
            "total": len(docs),
            "done": run.cleaned,
            "skipped": len(done) - run.cleaned,
            "failed": len(docs) - len(done),
        },
        "flags_left": sum(categories.values()),
        "flags_left_by_category": dict(categories.most_common()),
        "edits_applied": sum(origins.values()),
        "edits_by_origin": dict(origins.most_common()),
        "words": sum(r.words for r in done),
        "wall_s": round(run.wall_s, 3),
        "throughput": {
            "documents_per_min": round(run.cleaned / minutes, 1) if minutes else 0.0,
            "sentences_per_s": round(run.sentences / run.wall_s, 1) if run.wall_s else 0.0,
            "words_per_s": round(run.words / run.wall_s, 1) if run.wall_s else 0.0,
        },
        **settings,
    }


def _triage_csv(docs: Sequence[Doc], records: dict[str, Record]) -> str:
    rows: list[dict[str, Any]] = []
    for doc in docs:
        record = _done(doc, records)
        if record is None or record.result is None:
            continue
        flags = record.result["flags"]
        top = Counter(f["category"] for f in flags).most_common(TRIAGE_TOP_CATEGORIES)
        rows.append(
            {
                "document": doc.key,
                "words": record.words,
                "flags_left": len(flags),
                "flags_per_100_words": _per_100_words(len(flags), record.words),
                "edits_applied": len(record.result["edits"]),
                "top_categories": " ".join(f"{c}:{n}" for c, n in top),
            }
        )
    rows.sort(key=lambda r: (-r["flags_per_100_words"], -r["flags_left"], r["document"]))
    buffer = io.StringIO()
    fields = ["rank", "document", "words", "flags_left", "flags_per_100_words", "edits_applied"]
    writer = csv.DictWriter(buffer, [*fields, "top_categories"], lineterminator="\n")
    writer.writeheader()
    for rank, row in enumerate(rows, start=1):
        writer.writerow({"rank": rank, **row})
    return buffer.getvalue()


def _errors_jsonl(docs: Sequence[Doc], records: dict[str, Record]) -> str:
    lines = []
    for doc in docs:
        if _done(doc, records) is not None:
            continue
        record = records.get(doc.key)
        entry: dict[str, Any] = {"document": doc.key, "source": str(doc.source.path)}
        if doc.source.kind == "jsonl":
            entry |= {"id": doc.doc_id, "line": doc.line}
        if record is None:
            entry |= {"state": "failed", "reason": "not processed"}
        else:
            entry |= {"state": record.state, "reason": record.error}
        lines.append(json.dumps(entry, ensure_ascii=False) + "\n")
    return "".join(lines)


def write(
    out_dir: Path, summary: dict[str, Any], docs: Sequence[Doc], records: dict[str, Record]
) -> None:
    write_text(out_dir / ERRORS_NAME, _errors_jsonl(docs, records))
    write_text(out_dir / TRIAGE_NAME, _triage_csv(docs, records))
    write_text(out_dir / SUMMARY_NAME, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")


def render(summary: dict[str, Any], out_dir: Path) -> str:
    docs, speed = summary["documents"], summary["throughput"]

    def counts(mapping: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in mapping.items()) or "none"

    return "\n".join(
        [
            f"documents: {docs['done']} done, {docs['skipped']} skipped, "
            f"{docs['failed']} failed (of {docs['total']})",
            f"flags left: {summary['flags_left']} ({counts(summary['flags_left_by_category'])})",
            f"edits applied: {summary['edits_applied']} ({counts(summary['edits_by_origin'])})",
            f"wall time: {summary['wall_s']:.1f} s, {speed['documents_per_min']} documents/min, "
            f"{speed['sentences_per_s']} sentences/s",
            f"outputs: {out_dir} (summary.json, triage.csv, errors.jsonl)",
        ]
    )
