"""``mtfix batch`` over CAT files and texts with their sources (rules only, no LanguageTool):
mirrored outputs in the same format, resuming, triage by MQM penalty, the MQM breakdown, and
sources translated two ways across the batch."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result

from mtfix import formats
from mtfix.cli import main

DATA = Path(__file__).parent.parent / "data"
ARTICLE = (DATA / "cat" / "article.xlf").read_bytes()


def batch(*args: str | Path) -> Result:
    argv = ["batch", *map(str, args), "--no-model", "--detectors", "mt-artifacts", "-j", "1"]
    return CliRunner().invoke(main, [*argv, "--no-progress"], catch_exceptions=False)


def processed(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / "manifest.sqlite") as db:
        return dict(db.execute("SELECT key, processed FROM documents").fetchall())


def triage(out: Path) -> list[dict[str, str]]:
    with open(out / "triage.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def make_xliff_tree(root: Path) -> Path:
    """Three XLIFF files in a tree: one with a lost number and a double space, one clean copy,
    one malformed."""
    corpus = root / "corpus"
    (corpus / "news").mkdir(parents=True)
    damaged = ARTICLE.replace(b"For details, see", b"For details,  see")
    damaged = damaged.replace(b"30,000 people", b"300 people")
    (corpus / "news" / "damaged.xlf").write_bytes(damaged)
    (corpus / "clean.xlf").write_bytes(ARTICLE)
    (corpus / "broken.xlf").write_bytes(ARTICLE.replace(b"</target>", b"</tagret>", 1))
    return corpus


def test_a_directory_of_xliff_files_is_mirrored_resumed_and_triaged(tmp_path: Path) -> None:
    corpus, out = make_xliff_tree(tmp_path), tmp_path / "out"
    result = batch(corpus, "--out", out)
    assert result.exit_code == 1, result.output  # the malformed file

    # The same format back, mirroring the tree: only the fixed target changed, tags intact.
    before = formats.read(corpus / "news" / "damaged.xlf")
    after = formats.read(out / "news" / "damaged.xlf")
    assert before is not None and after is not None and after.format is before.format
    pairs = enumerate(zip(before.units, after.units, strict=True))
    assert [i for i, (a, b) in pairs if a.target != b.target] == [2]
    assert "  " not in after.units[2].target and after.units[2].state == "translated"
    assert after.units[2].target_tags == before.units[2].target_tags
    # Nothing to fix: the very same bytes.
    assert (out / "clean.xlf").read_bytes() == ARTICLE
    flags = json.loads((out / "news" / "damaged.xlf.flags.json").read_text(encoding="utf-8"))
    number = next(f for f in flags["flags"] if f["rule"] == "NUMBER_MISMATCH")
    assert number["unit"] == "headline" and number["mqm"]["dimension"] == "accuracy"

    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert [(e["document"], e["state"]) for e in errors] == [("broken.xlf", "invalid")]
    assert "malformed XML" in errors[0]["reason"] and not (out / "broken.xlf").exists()

    # Triage ranks by MQM penalty per 100 words: the lost number (major, 5 points) first.
    rows = triage(out)
    assert [r["document"] for r in rows] == ["news/damaged.xlf", "clean.xlf"]
    penalties = [float(r["mqm_penalty"]) for r in rows]
    assert penalties == sorted(penalties, reverse=True) and penalties[0] > penalties[1]
    assert rows[0]["top_dimensions"].startswith("accuracy:")

    summary = json.loads((out / "summary.json").read_text())
    by_dimension = summary["mqm"]["by_dimension"]
    assert by_dimension["accuracy"]["major"] >= 1
    assert summary["mqm"]["points"] == sum(row["points"] for row in by_dimension.values())
    assert "source:yes" in summary["signature"]

    # The headline's source is translated two ways across the two files.
    (entry,) = [json.loads(line) for line in (out / "consistency.jsonl").read_text().splitlines()]
    assert "3万人" in entry["source"]
    assert {w for t in entry["translations"] for w in t["where"]} == {
        "clean.xlf#headline",
        "news/damaged.xlf#headline",
    }
    assert summary["inconsistent_sources"] == 1

    # Rerun: nothing redone; a deleted output is written again from the manifest.
    (out / "news" / "damaged.xlf").unlink()
    again = batch(corpus, "--out", out)
    assert again.exit_code == 1
    assert set(processed(out).values()) == {1}
    assert formats.read(out / "news" / "damaged.xlf") is not None
    assert (out / "news" / "damaged.xlf").read_bytes() == after.data
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == {"total": 3, "done": 0, "skipped": 2, "failed": 1}


def test_a_glossary_is_part_of_what_a_document_was_done_with(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    (corpus / "a.xlf").write_bytes(ARTICLE)
    assert batch(corpus, "--out", out).exit_code == 0
    glossary = DATA / "qa" / "glossary.tbx"
    # Another glossary is another option set: refused into the same --out, redone with --force.
    refused = batch(corpus, "--out", out, "--glossary", glossary)
    assert refused.exit_code == 2 and "glossary none -> " in refused.output
    assert batch(corpus, "--out", out, "--glossary", glossary, "--force").exit_code == 0
    assert processed(out) == {"a.xlf": 2}
    flags = json.loads((out / "a.xlf.flags.json").read_text(encoding="utf-8"))["flags"]
    assert "TERM_MISSING" not in {f["rule"] for f in flags}  # "summit" is there
    assert json.loads((out / "summary.json").read_text())["signature"].count("glossary:none") == 0


def test_a_glossary_with_no_source_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    text, out = tmp_path / "a.txt", tmp_path / "out"
    text.write_text("One.\n", encoding="utf-8")
    result = batch(text, "--out", out, "--glossary", DATA / "qa" / "glossary.tbx")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "needs a source" in result.stderr
    assert not out.exists()


def test_texts_with_a_source_directory(tmp_path: Path) -> None:
    corpus, sources, out = tmp_path / "mt", tmp_path / "ja", tmp_path / "out"
    corpus.mkdir()
    sources.mkdir()
    (corpus / "a.txt").write_text("The march drew 300 people.\nIt ended.\n", encoding="utf-8")
    (sources / "a.txt").write_text("行進には3万人が集まった。\n終わった。\n", encoding="utf-8")
    (corpus / "b.txt").write_text("One line.\n", encoding="utf-8")
    (sources / "b.txt").write_text("一行目。\n二行目。\n", encoding="utf-8")
    (corpus / "c.txt").write_text("No source.\n", encoding="utf-8")
    result = batch(corpus, "--out", out, "--source", sources, "--lines")
    assert result.exit_code == 1, result.output
    flags = json.loads((out / "a.txt.flags.json").read_text(encoding="utf-8"))["flags"]
    assert [(f["rule"], f["unit"]) for f in flags] == [("NUMBER_MISMATCH", "1")]
    errors = {
        e["document"]: e for e in map(json.loads, (out / "errors.jsonl").read_text().splitlines())
    }
    assert errors.keys() == {"b.txt", "c.txt"}
    assert (
        f"{corpus / 'b.txt'} has 1 lines but --source {sources / 'b.txt'} has 2"
        in (errors["b.txt"]["reason"])
    )
    assert errors["b.txt"]["state"] == "invalid"
    assert "no such file" in errors["c.txt"]["reason"]
    # A changed source redoes its document, and only it.
    (sources / "a.txt").write_text("行進には300人が集まった。\n終わった。\n", encoding="utf-8")
    batch(corpus, "--out", out, "--source", sources, "--lines")
    assert processed(out)["a.txt"] == 2
    assert json.loads((out / "a.txt.flags.json").read_text(encoding="utf-8"))["flags"] == []
