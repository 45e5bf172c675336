"""The end of a batch: ``summary.json``, ``triage.csv``, ``errors.jsonl`` and
``consistency.jsonl``, all read from the manifest, so they describe the whole batch (documents
done in earlier runs included) and a rerun that had nothing to do still reports it fully.

The flags left in each document are weighed as MQM errors (:mod:`mtfix.mqm`): ``triage.csv``
ranks documents by MQM penalty per 100 words, worst first, and ``summary.json`` breaks the
batch's flags down by MQM dimension. A document whose edits replaced or deleted most of its words
(``words_changed``, the share of its words) ranks above all others whatever its penalty: with
little text left it has few flags left, yet it is the one a person must read first.
``consistency.jsonl`` lists the sources the batch translates
more than one way across documents (within one document the QA checks already flag them).
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

import mtfix.mqm as mqm
from mtfix.batch.inputs import Doc
from mtfix.batch.manifest import Record
from mtfix.core import category_key
from mtfix.detect.qa import translated_two_ways
from mtfix.io import write_text

SUMMARY_NAME = "summary.json"
TRIAGE_NAME = "triage.csv"
ERRORS_NAME = "errors.jsonl"
CONSISTENCY_NAME = "consistency.jsonl"
TRIAGE_TOP_CATEGORIES = 3
# A document with at least this share of its words changed or deleted was gutted, not polished.
GUTTED_SHARE = 0.5


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


def _classes(record: Record) -> list[mqm.Classification]:
    assert record.result is not None
    return [mqm.of_record(f) for f in record.result["flags"]]


def inconsistent(docs: Sequence[Doc], records: dict[str, Record]) -> list[dict[str, Any]]:
    """Sources translated more than one way by different documents of the batch: each with its
    translations, the most common first, and where each occurs (``document#unit``)."""
    triples = []
    for doc in docs:
        record = _done(doc, records)
        if record is None or record.result is None:
            continue
        for unit, source, target in record.result.get("segments", ()):
            triples.append(((doc.key, unit, source, target), source, target))
    found = []
    for groups in translated_two_ways(triples):
        if len({key for group in groups for key, *_ in group}) < 2:
            continue  # one document's own inconsistency: its QA flags say so
        found.append(
            {
                "source": groups[0][0][2],
                "translations": [
                    {
                        "target": group[0][3],
                        "where": [f"{key}#{unit}" for key, unit, *_ in group],
                    }
                    for group in groups
                ],
            }
        )
    return found


def build(
    docs: Sequence[Doc],
    records: dict[str, Record],
    run: RunStats,
    settings: dict[str, Any],
    inconsistent_sources: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    done = [r for d in docs if (r := _done(d, records)) is not None]
    categories: Counter[str] = Counter()
    origins: Counter[str] = Counter()
    for record in done:
        assert record.result is not None
        # Spelt as flags spell them now, also in a manifest written before they all were.
        categories.update(category_key(f["category"]) for f in record.result["flags"])
        origins.update(e["origin"] for e in record.result["edits"])
    minutes = run.wall_s / 60
    words = sum(r.words for r in done)
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
        "words": words,
        "mqm": mqm.summary((c for r in done for c in _classes(r)), words),
        "inconsistent_sources": len(inconsistent_sources),
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
        top = Counter(category_key(f["category"]) for f in flags).most_common(TRIAGE_TOP_CATEGORIES)
        score = mqm.summary(_classes(record), record.words)
        dimensions = sorted(score["by_dimension"].items(), key=lambda kv: -kv[1]["points"])
        changed = record.result.get("words_changed", 0) / max(record.words, 1)
        rows.append(
            {
                "document": doc.key,
                "words": record.words,
                "words_changed": round(min(changed, 1.0), 3),
                "mqm_penalty": score["penalty"],
                "mqm_points": score["points"],
                "flags_left": len(flags),
                "flags_per_100_words": _per_100_words(len(flags), record.words),
                "edits_applied": len(record.result["edits"]),
                "top_dimensions": " ".join(f"{d}:{row['points']}" for d, row in dimensions),
                "top_categories": " ".join(f"{c}:{n}" for c, n in top),
            }
        )
    # Worst first: a translator opens the top of the list; gutted documents above the rest.
    rows.sort(
        key=lambda r: (
            r["words_changed"] < GUTTED_SHARE,
            -r["words_changed"] if r["words_changed"] >= GUTTED_SHARE else 0.0,
            -r["mqm_penalty"],
            -r["flags_left"],
            r["document"],
        )
    )
    buffer = io.StringIO()
    fields = [
        "rank",
        "document",
        "words",
        "words_changed",
        "mqm_penalty",
        "mqm_points",
        "flags_left",
        "flags_per_100_words",
        "edits_applied",
        "top_dimensions",
    ]
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
    out_dir: Path,
    summary: dict[str, Any],
    docs: Sequence[Doc],
    records: dict[str, Record],
    inconsistent_sources: Sequence[dict[str, Any]] = (),
) -> None:
    write_text(out_dir / ERRORS_NAME, _errors_jsonl(docs, records))
    lines = [json.dumps(entry, ensure_ascii=False) + "\n" for entry in inconsistent_sources]
    write_text(out_dir / CONSISTENCY_NAME, "".join(lines))
    write_text(out_dir / TRIAGE_NAME, _triage_csv(docs, records))
    write_text(out_dir / SUMMARY_NAME, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")


def render(summary: dict[str, Any], out_dir: Path) -> str:
    docs, speed = summary["documents"], summary["throughput"]

    def counts(mapping: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in mapping.items()) or "none"

    points = {d: row["points"] for d, row in summary["mqm"]["by_dimension"].items()}
    return "\n".join(
        [
            f"documents: {docs['done']} done, {docs['skipped']} skipped, "
            f"{docs['failed']} failed (of {docs['total']})",
            f"flags left: {summary['flags_left']} ({counts(summary['flags_left_by_category'])})",
            f"edits applied: {summary['edits_applied']} ({counts(summary['edits_by_origin'])})",
            f"MQM penalty of the flags left: {summary['mqm']['penalty']} per 100 words "
            f"(points: {counts(points)})",
            f"wall time: {summary['wall_s']:.1f} s, {speed['documents_per_min']} documents/min, "
            f"{speed['sentences_per_s']} sentences/s",
            f"sources translated more than one way across documents: "
            f"{summary['inconsistent_sources']} (consistency.jsonl)",
            f"outputs: {out_dir} (summary.json, triage.csv, errors.jsonl)",
        ]
    )
