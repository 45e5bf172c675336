"""``mtfix batch`` end to end on small corpora (rules only): outputs, isolation of bad documents,
reports, resuming, and agreement with ``mtfix clean``."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mtfix.cli import main
from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.languagetool

# No syntax detector: it loads spaCy in every worker process, which costs seconds per batch here
# and adds nothing to what these tests check.
DETECTORS = "languagetool,entities,mt-artifacts"
MT = ROOT / "eval" / "suites" / "mlqe-pe" / "ro-en" / "dev.mt"


def mt_lines(count: int, start: int = 0) -> list[str]:
    return MT.read_text(encoding="utf-8").splitlines()[start : start + count]


def write_jsonl(path: Path, records: list[dict[str, object]], extra: str = "") -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra, encoding="utf-8")


def batch(*args: str | Path, detectors: str = DETECTORS) -> Result:
    argv = ["batch", *map(str, args), "--no-model", "--detectors", detectors, "--no-progress"]
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def processed_counts(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / "manifest.sqlite") as db:
        return dict(db.execute("SELECT key, processed FROM documents").fetchall())


def make_mixed(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "good.txt").write_text(" ".join(mt_lines(3)) + "\n", encoding="utf-8")
    (corpus / "sub" / "nested.txt").write_text("\n\n".join(mt_lines(2, 10)), encoding="utf-8")
    (corpus / "binary.txt").write_bytes(b"GIF89a\x00\x01\x02 not text")
    (corpus / "latin1.txt").write_bytes("Café in Genève.".encode("latin-1"))
    (corpus / "empty.txt").write_text("  \n", encoding="utf-8")
    (corpus / "notes.md").write_text("Not matched by the default globs.", encoding="utf-8")
    records = [{"id": f"r{i}", "text": t, "lang": "ro-en"} for i, t in enumerate(mt_lines(3, 20))]
    records.append({"id": "blank", "text": ""})
    write_jsonl(corpus / "docs.jsonl", records, extra="{not json\n")
    return corpus


def test_mixed_directory_isolates_bad_documents_and_reports(tmp_path: Path) -> None:
    corpus, out = make_mixed(tmp_path), tmp_path / "out"
    result = batch(corpus, "--out", out, "--jobs", "2")
    assert result.exit_code == 1, result.output

    # One cleaned file and one flags file per good text file, mirroring the tree.
    assert (out / "good.txt").read_text(encoding="utf-8").strip()
    assert (out / "sub" / "nested.txt").is_file()
    flags = json.loads((out / "good.txt.flags.json").read_text(encoding="utf-8"))
    assert flags["id"] == "good.txt" and isinstance(flags["flags"], list)
    for bad in ("binary.txt", "latin1.txt", "empty.txt", "notes.md"):
        assert not (out / bad).exists()

    # JSONL in, JSONL out: the good records in input order, other fields kept, flags added.
    lines = (out / "docs.jsonl").read_text(encoding="utf-8").splitlines()
    cleaned = [json.loads(line) for line in lines]
    assert [r["id"] for r in cleaned] == ["r0", "r1", "r2"]
    assert all(r["lang"] == "ro-en" and "flags" in r and "edits" in r for r in cleaned)
    per_doc = (out / "docs.jsonl.flags.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in per_doc] == ["r0", "r1", "r2"]

    errors = {
        e["document"]: e["reason"]
        for e in map(json.loads, (out / "errors.jsonl").read_text().splitlines())
    }
    assert set(errors) == {"binary.txt", "latin1.txt", "empty.txt", "docs.jsonl#blank",
                           "docs.jsonl#line:5"}  # fmt: skip
    assert "binary" in errors["binary.txt"]
    assert "invalid UTF-8" in errors["latin1.txt"]
    assert "empty" in errors["empty.txt"] and "empty" in errors["docs.jsonl#blank"]
    assert "invalid JSON" in errors["docs.jsonl#line:5"]

    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == {"total": 10, "done": 5, "skipped": 0, "failed": 5}
    assert summary["flags_left"] == sum(summary["flags_left_by_category"].values())
    left = sum(len(r["flags"]) for r in cleaned) + len(flags["flags"])
    nested = json.loads((out / "sub" / "nested.txt.flags.json").read_text())
    assert summary["flags_left"] == left + len(nested["flags"])
    assert summary["edits_applied"] == sum(summary["edits_by_origin"].values())

    with open(out / "triage.csv", newline="") as handle:
        triage = list(csv.DictReader(handle))
    assert len(triage) == 5
    # Worst first by MQM penalty per 100 words.
    penalties = [float(row["mqm_penalty"]) for row in triage]
    assert penalties == sorted(penalties, reverse=True) and penalties[0] > 0
    dimensions = summary["mqm"]["by_dimension"]
    assert summary["mqm"]["points"] == sum(row["points"] for row in dimensions.values()) > 0

    # The same command again: nothing is redone, the failures are still reported.
    again = batch(corpus, "--out", out, "--jobs", "2")
    assert again.exit_code == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == {"total": 10, "done": 0, "skipped": 5, "failed": 5}
    assert set(processed_counts(out).values()) == {1}


def test_changed_options_or_content_redo_only_what_changed(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for i, line in enumerate(mt_lines(3, 40)):
        (corpus / f"d{i}.txt").write_text(line, encoding="utf-8")
    rules = "entities,mt-artifacts"
    assert batch(corpus, "--out", out, "-j", "1", detectors=rules).exit_code == 0
    before = (out / "d1.txt").read_text()
    (corpus / "d1.txt").write_text(mt_lines(1, 50)[0], encoding="utf-8")
    assert batch(corpus, "--out", out, "-j", "1", detectors=rules).exit_code == 0
    assert json.loads((out / "summary.json").read_text())["documents"]["done"] == 1
    assert processed_counts(out) == {"d0.txt": 1, "d1.txt": 2, "d2.txt": 1}
    assert (out / "d1.txt").read_text() != before

    # A deleted output of a finished document is restored without cleaning it again.
    (out / "d2.txt").unlink()
    assert batch(corpus, "--out", out, "-j", "1", detectors=rules).exit_code == 0
    assert (out / "d2.txt").is_file() and processed_counts(out)["d2.txt"] == 1

    # Other options into the same --out: refused, nothing touched, unless --force.
    refused = batch(corpus, "--out", out, "-j", "1", detectors="mt-artifacts")
    assert refused.exit_code == 2
    [message] = refused.output.strip().splitlines()
    assert "made with other options (detectors entities+mt-artifacts -> mt-artifacts)" in message
    assert "--force" in message
    assert processed_counts(out) == {"d0.txt": 1, "d1.txt": 2, "d2.txt": 1}

    # Forced: another signature, so everything is redone.
    forced = batch(corpus, "--out", out, "-j", "1", "--force", detectors="mt-artifacts")
    assert forced.exit_code == 0
    assert processed_counts(out) == {"d0.txt": 2, "d1.txt": 3, "d2.txt": 2}


def test_a_gutted_document_tops_the_triage(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    said = "The city council approved the new budget for schools on Monday."
    # The rules delete two exact repeats and three fragments: most of the document goes.
    (corpus / "gutted.txt").write_text(
        f"{said} {said} {said} It is said. Was decided. There is.", encoding="utf-8"
    )
    (corpus / "flagged.txt").write_text(
        "I think the talks failed. We said that the deal was dead. I left.", encoding="utf-8"
    )
    (corpus / "clean.txt").write_text("The talks ended on Monday.", encoding="utf-8")
    assert batch(corpus, "--out", out, "-j", "1", detectors="entities,mt-artifacts").exit_code == 0
    with open(out / "triage.csv", newline="") as handle:
        triage = list(csv.DictReader(handle))
    assert [row["document"] for row in triage] == ["gutted.txt", "flagged.txt", "clean.txt"]
    changed = {row["document"]: float(row["words_changed"]) for row in triage}
    assert changed["gutted.txt"] > 0.5 and changed["clean.txt"] == 0.0
    # Without the share, the gutted document would rank by its penalty, below the flagged one.
    penalty = {row["document"]: float(row["mqm_penalty"]) for row in triage}
    assert penalty["gutted.txt"] < penalty["flagged.txt"]


def test_batch_output_equals_clean(tmp_path: Path) -> None:
    document = tmp_path / "article.txt"
    # Enough of the seed article to exercise the rule fixes and several detectors.
    document.write_text("\n".join(SEED.read_text(encoding="utf-8").splitlines()[:40]) + "\n")
    out = tmp_path / "out"
    assert batch(document, "--out", out, "--jobs", "1").exit_code == 0

    runner = CliRunner()
    args = [str(document), "--no-model", "--detectors", DETECTORS]
    text = runner.invoke(main, ["clean", *args], catch_exceptions=False)
    as_json = runner.invoke(main, ["clean", *args, "--format", "json"], catch_exceptions=False)
    assert (out / "article.txt").read_text(encoding="utf-8") == text.stdout
    expected = json.loads(as_json.stdout)
    assert expected["edits"], "the excerpt should need at least one fix"
    flags = json.loads((out / "article.txt.flags.json").read_text(encoding="utf-8"))
    assert flags["edits"] == expected["edits"] and flags["flags"] == expected["flags"]


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert batch(tmp_path / "missing", "--out", tmp_path / "out").exit_code == 2
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.txt").write_text("One.")
    (tmp_path / "b" / "x.txt").write_text("Two.")
    clash = batch(tmp_path / "a", tmp_path / "b", "--out", tmp_path / "out")
    assert clash.exit_code == 2 and "would both be written" in clash.output
    argv = ["batch", str(tmp_path / "a"), "--out", str(tmp_path / "o"), "--detectors", "nope"]
    assert CliRunner().invoke(main, argv).exit_code == 2
