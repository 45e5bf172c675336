"""check and clean on CAT files and with --source: unit ids, the same format back, and bad input
as a one-line error with nothing written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mtfix import formats
from tests.cli.test_text import run

DATA = Path(__file__).parent.parent / "data" / "cat"


@pytest.fixture
def damaged_xliff(tmp_path: Path) -> Path:
    """article.xlf with two MT errors a QA check sees: a number and a double space."""
    path = tmp_path / "article.xlf"
    path.write_bytes(
        (DATA / "article.xlf")
        .read_bytes()
        .replace(b"For details, see", b"For details,  see")
        .replace(b"30,000 people", b"300 people")
    )
    return path


@pytest.mark.languagetool
def test_check_reports_unit_ids_and_mqm(damaged_xliff: Path) -> None:
    proc = run("check", str(damaged_xliff))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert f"{damaged_xliff}:headline:21: error number NUMBER_MISMATCH '300'" in lines[0]
    assert any(
        f"{damaged_xliff}:body::s2:13: warning whitespace DOUBLE_SPACE" in line for line in lines
    )
    flags = json.loads(run("check", str(damaged_xliff), "--format", "json").stdout)
    number = next(f for f in flags if f["rule"] == "NUMBER_MISMATCH")
    assert number["unit"] == "headline"
    assert number["mqm"] == {"dimension": "accuracy", "severity": "major"}


@pytest.mark.languagetool
def test_clean_writes_the_same_format_with_only_the_fix(
    damaged_xliff: Path, tmp_path: Path
) -> None:
    out = tmp_path / "clean.xlf"
    proc = run("clean", str(damaged_xliff), "--no-model", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    before, after = formats.read(damaged_xliff), formats.read(out)
    assert before is not None and after is not None and after.format == before.format
    pairs = zip(before.units, after.units, strict=True)
    changed = [i for i, (a, b) in enumerate(pairs) if a.target != b.target]
    assert changed == [2]
    assert "  " not in after.units[2].target
    assert after.units[2].target_tags == before.units[2].target_tags
    assert "(rules DOUBLE_SPACE)" in after.units[2].notes
    # The number is for a person: flagged, not changed.
    assert after.units[0].target == before.units[0].target


@pytest.mark.languagetool
def test_plain_text_with_a_source_gets_the_qa_checks(tmp_path: Path) -> None:
    mt, source = tmp_path / "mt.txt", tmp_path / "src.txt"
    mt.write_text("The meeting drew 300 people.\nIt ended.\n", encoding="utf-8")
    source.write_text("会合には3万人が集まった。\n終わった。\n", encoding="utf-8")
    proc = run("check", str(mt), "--source", str(source), "--lines")
    assert proc.returncode == 1
    assert f"{mt}:1:18: error number NUMBER_MISMATCH '300'" in proc.stdout


BAD_XLIFF = (
    '<?xml version="1.0"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" '
    'version="{version}"><file original="a" source-language="ja" datatype="plaintext">'
    "<body>\n{unit}\n</body></file></xliff>\n"
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "broken.xlf",
            BAD_XLIFF.format(version="1.2", unit="<trans-unit id='1'><source>a</target>"),
            r"broken\.xlf:3:\d+: malformed XML",
        ),
        ("v3.xlf", BAD_XLIFF.format(version="3.0", unit=""), "unsupported XLIFF version '3.0'"),
        (
            "bare.xlf",
            BAD_XLIFF.format(
                version="1.2", unit="<trans-unit id='u1'><source>a</source></trans-unit>"
            ),
            r"bare\.xlf:3: unit 'u1' has no target",
        ),
    ],
)
@pytest.mark.parametrize("command", ["check", "clean"])
def test_bad_cat_input_is_one_line_exit_2_and_nothing_written(
    command: str, name: str, content: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.xlf"
    args = [command, str(path)] + (["--no-model", "-o", str(out)] if command == "clean" else [])
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert re.search(message, proc.stderr)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_source_of_another_length_is_one_line_and_nothing_written(tmp_path: Path) -> None:
    mt, source, out = tmp_path / "mt.txt", tmp_path / "src.txt", tmp_path / "out.txt"
    mt.write_text("One.\nTwo.\n", encoding="utf-8")
    source.write_text("一。\n二。\n三。\n", encoding="utf-8")
    proc = run("clean", str(mt), "--source", str(source), "--lines", "--no-model", "-o", str(out))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert f"{mt} has 2 lines but --source {source} has 3" in proc.stderr
    assert not out.exists()


def test_a_glossary_needs_a_source(tmp_path: Path) -> None:
    mt = tmp_path / "mt.txt"
    mt.write_text("One.\n", encoding="utf-8")
    proc = run("check", str(mt), "--glossary", str(DATA.parent / "qa" / "glossary.tbx"))
    assert proc.returncode == 2 and "needs a source" in proc.stderr
