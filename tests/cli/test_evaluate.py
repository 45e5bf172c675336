"""`mtfix eval` from the command line: bad input, output formats, reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mtfix.cli import main


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    src = ["He go to school every days.", "The cat sat on mat.", "All is well."]
    hyp = ["He goes to school every days.", "The cat sat on mat.", "All is is well."]
    ref = ["He goes to school every day.", "The cat sat on the mat.", "All is well."]
    out = {}
    for name, lines in {"src": src, "hyp": hyp, "ref": ref}.items():
        out[name] = tmp_path / f"{name}.txt"
        out[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["eval", *args])


def _files_args(files: dict[str, Path], **override: Path) -> list[str]:
    paths = {**files, **override}
    return ["--src", str(paths["src"]), "--hyp", str(paths["hyp"]), "--ref", str(paths["ref"])]


def _one_line_error(result: Result, code: int = 2) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mtfix: error: "), result.stderr
    return lines[0]


def test_line_count_mismatch_names_both_files_and_counts(
    files: dict[str, Path], tmp_path: Path
) -> None:
    short = tmp_path / "short.txt"
    short.write_text("one line\n", encoding="utf-8")
    message = _one_line_error(_run(*_files_args(files, hyp=short), "--bootstrap", "0"))
    assert str(short) in message and str(files["src"]) in message
    assert "has 1 lines" in message and "has 3" in message


def test_empty_file_is_an_input_error(files: dict[str, Path], tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    message = _one_line_error(_run(*_files_args(files, ref=empty)))
    assert f"{empty}: file is empty" in message


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_reference_is_an_input_error(
    files: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    ref = tmp_path / "nothing.txt"
    if kind == "directory":
        ref = tmp_path / "a-directory"
        ref.mkdir()
    message = _one_line_error(_run(*_files_args(files, ref=ref)))
    assert str(ref) in message


def test_invalid_utf8_is_an_input_error(files: dict[str, Path], tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\xe9 one\nCaf\xe9 two\nthree\n".encode("latin-1"))
    message = _one_line_error(_run(*_files_args(files, hyp=latin1)))
    assert f"{latin1}: invalid UTF-8" in message


def test_missing_suite_is_an_input_error() -> None:
    message = _one_line_error(_run("suite", "no-such-suite"))
    assert "no suite named 'no-such-suite'" in message and "seed" in message


def test_files_without_src_hyp_ref_is_a_usage_error() -> None:
    assert _run("--src", "x").exit_code == 2


def test_json_has_source_system_delta_and_signatures(files: dict[str, Path]) -> None:
    result = _run(*_files_args(files), "--format", "json", "--bootstrap", "200")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for who in ("source", "system"):
        assert set(data[who]) == {"bleu", "chrf", "ter"}
    assert set(data["delta"]) == {"bleu", "chrf", "ter"}
    assert data["delta"]["chrf"] == pytest.approx(
        data["system"]["chrf"] - data["source"]["chrf"], abs=1e-3
    )
    assert set(data["signatures"]) >= {"bleu", "chrf", "ter", "errant"}
    sig = data["significance"]
    assert sig["baseline"] == "source" and sig["samples"] == 200
    assert 0 <= sig["results"]["ter"]["p_value"] <= 1
    # Line 3 doubled a word: the one sentence made worse.
    assert [s["line"] for s in data["worse"]] == [3]
    assert data["edits"]["tp"] == 1


def test_against_a_second_system(files: dict[str, Path]) -> None:
    result = _run(*_files_args(files), "--against", str(files["ref"]), "--format", "json")
    assert result.exit_code == 0, result.output
    sig = json.loads(result.stdout)["significance"]
    assert sig["baseline"] == str(files["ref"])
    assert sig["results"]["chrf"]["baseline"] == pytest.approx(100.0)


def test_text_output_shows_both_systems_and_p_values(files: dict[str, Path]) -> None:
    result = _run(*_files_args(files))
    assert result.exit_code == 0, result.output
    out = result.stdout
    for needle in ("source", "system", "delta", "p (system vs source)", "F0.5", "line 3:"):
        assert needle in out, needle


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("report.md", lambda text: "## files · system" in text and "All is is well." in text),
        ("report.json", lambda text: json.loads(text)["worse"][0]["line"] == 3),
        ("report.html", lambda text: "<ins>is</ins>" in text and '<td class="text">' in text),
        ("report.xml", lambda text: ET.fromstring(text).find("testsuite") is not None),
    ],
)
def test_reports_by_extension(files: dict[str, Path], tmp_path: Path, name: str, check) -> None:
    report = tmp_path / "out" / name
    result = _run(*_files_args(files), "--bootstrap", "0", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert check(report.read_text(encoding="utf-8"))
    # Written atomically: nothing but the report is left in its directory.
    assert [p.name for p in report.parent.iterdir()] == [name]


def test_junit_fails_a_system_worse_than_the_source(files: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    args = _files_args(files, src=files["ref"])  # the source is already perfect
    assert _run(*args, "--bootstrap", "0", "--report", str(report)).exit_code == 0
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "2"


def test_unknown_report_extension_needs_format(files: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "report.weird"
    assert _run(*_files_args(files), "--report", str(report)).exit_code == 2
    ok = _run(*_files_args(files), "--report", str(report), "--format", "markdown")
    assert ok.exit_code == 0 and report.read_text().startswith("# mtfix evaluation")


def test_identical_systems_are_not_significantly_different(files: dict[str, Path]) -> None:
    # sacrebleu alone would give p = 1/(n+1) here; no change is never a significant one.
    args = _files_args(files, hyp=files["src"])
    result = _run(*args, "--format", "json", "--bootstrap", "100")
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["significance"]["results"]
    assert all(r["p_value"] == 1.0 for r in results.values())


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_source_reports_the_qa_flags_before_and_after_by_mqm_dimension(tmp_path: Path) -> None:
    # The system fixed the number and lost the placeholder.
    src = _write(tmp_path / "mt.txt", ["It drew 300 people.", "Save %s now."])
    hyp = _write(tmp_path / "hyp.txt", ["It drew 30,000 people.", "Save now."])
    ref = _write(tmp_path / "ref.txt", ["It drew 30,000 people.", "Save %s now."])
    source = _write(tmp_path / "ja.txt", ["3万人が集まった。", "%sを保存。"])
    args = ["--src", str(src), "--hyp", str(hyp), "--ref", str(ref), "--source", str(source)]
    result = _run(*args, "--format", "json", "--bootstrap", "0")
    assert result.exit_code == 0, result.output
    before, after = (json.loads(result.stdout)["mqm"][who] for who in ("source", "system"))
    assert before["by_dimension"] == {
        "accuracy": {"minor": 0, "major": 1, "critical": 0, "points": 5}
    }
    assert after["by_dimension"] == {
        "design-and-markup": {"minor": 0, "major": 0, "critical": 1, "points": 10}
    }
    assert after["penalty"] > before["penalty"]
    text = _run(*args, "--bootstrap", "0").stdout
    assert "MQM by dimension" in text and "design-and-markup" in text


def test_cat_files_are_scored_unit_by_unit_with_their_own_sources(tmp_path: Path) -> None:
    article = (Path(__file__).parent.parent / "data" / "cat" / "article.xlf").read_bytes()
    mt = tmp_path / "mt.xlf"
    mt.write_bytes(article.replace(b"30,000 people", b"300 people"))
    good = tmp_path / "good.xlf"
    good.write_bytes(article)
    result = _run("--src", str(mt), "--hyp", str(good), "--ref", str(good), "--format", "json",
                  "--bootstrap", "0")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lines"] == 3 and data["system"]["chrf"] == pytest.approx(100.0)
    assert data["mqm"]["source"]["by_dimension"]["accuracy"]["major"] == 1
    assert "accuracy" not in data["mqm"]["system"]["by_dimension"]
    again = _run("--src", str(mt), "--hyp", str(good), "--ref", str(good), "--source", str(mt))
    assert "carries its own source" in _one_line_error(again)


def test_a_source_of_another_length_is_a_one_line_error(
    files: dict[str, Path], tmp_path: Path
) -> None:
    source = _write(tmp_path / "ja.txt", ["一。", "二。"])
    result = _run(*_files_args(files), "--source", str(source))
    line = _one_line_error(result)
    assert f"{source} has 2 lines" in line and "has 3" in line
