"""The command line as a user drives it: formats, exit codes and one-line errors on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED

pytestmark = pytest.mark.languagetool

MTFIX = [sys.executable, "-m", "mtfix"]


def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*MTFIX, *args], input=stdin.decode() if stdin else None, capture_output=True,
        text=True, env=env, timeout=300,
    )  # fmt: skip
    return proc


def test_check_text_lines_point_at_the_problem() -> None:
    proc = run("check", str(SEED), "--detectors", "entities,mt-artifacts")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    byden = [line for line in lines if "NAME_VARIANT" in line]
    assert byden and byden[0].startswith(f"{SEED}:121:")
    # path:line:col: severity category RULE 'flagged text': message -> fix
    assert " error name-consistency NAME_VARIANT 'Byden': " in byden[0]
    assert byden[0].endswith("-> Biden")
    assert all(line.startswith(f"{SEED}:") for line in lines)


def test_languagetool_lines_quote_the_word_and_show_severity(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("The talks began.\nOnly the monopolyists gained.\n", encoding="utf-8")
    lines = run("check", str(path), "--detectors", "languagetool").stdout.splitlines()
    [typo] = [line for line in lines if "MORFOLOGIK_RULE_EN_US" in line]
    assert typo.startswith(f"{path}:2:10: error typos MORFOLOGIK_RULE_EN_US 'monopolyists': ")
    assert typo.endswith("-> monopolists")


def test_check_json_is_a_list_of_flags_with_offsets() -> None:
    text = SEED.read_text(encoding="utf-8")
    flags = json.loads(run("check", str(SEED), "--format", "json").stdout)
    assert flags and isinstance(flags, list)
    keys = {"start", "end", "detector", "rule", "category", "severity", "message", "suggestions"}
    # A flag with a proposal carries its best one.
    assert all(set(f) - {"proposal"} == keys | {"merged", "line", "column", "mqm"} for f in flags)
    (name,) = [f for f in flags if f["rule"] == "NAME_VARIANT"]
    assert name["proposal"]["replacement"] == "Biden" and name["proposal"]["origin"] == "rules"
    assert {f["mqm"]["dimension"] for f in flags} >= {"accuracy", "linguistic-conventions"}
    [typo] = [f for f in flags if text[f["start"] : f["end"]] == "monopolyists"]
    line = text.count("\n", 0, typo["start"]) + 1
    assert (typo["line"], typo["column"]) == (
        line,
        typo["start"] - text.rfind("\n", 0, typo["start"]),
    )
    # One category spelling across detectors, and one flag per problem.
    assert all(f["category"] == f["category"].lower() for f in flags)
    assert any(f["merged"] for f in flags)


def test_clean_json_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "clean.json"
    proc = run("clean", str(SEED), "--no-model", "--format", "json", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"text", "edits", "flags", "mqm", "proposals"}
    assert any("Biden" in p["text"] and p["applied"] for p in data["proposals"])
    assert data["mqm"]["words"] > 500 and data["mqm"]["penalty"] > 0
    assert "Byden" not in data["text"]
    assert {e["origin"] for e in data["edits"]} == {"rules"}
    assert not list(tmp_path.glob(".*.tmp")), "temporary file left behind"


def test_clean_diff_marks_edits_without_colour_when_piped() -> None:
    proc = run("clean", str(SEED), "--no-model", "--format", "diff")
    assert "[-Byden-]{+Biden+}" in proc.stdout
    assert "\x1b[" not in proc.stdout


def test_clean_diff_can_show_the_flags_left(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("It rained for a hour. The talks ended at the.\n", encoding="utf-8")
    proc = run("clean", str(path), "--no-model", "--format", "diff", "--show-flags")
    assert proc.returncode == 0, proc.stderr
    diff, _, flags = proc.stdout.partition("\n\n")
    assert "[-a-]{+an+}" in diff
    assert flags.splitlines() == [
        line for line in flags.splitlines() if line.startswith(f"{path}:1:")
    ]
    assert "TRUNCATED_SENTENCE 'the.'" in flags and "ARTICLE_SOUND" not in flags
    plain = run("clean", str(path), "--no-model", "--show-flags")
    assert (
        plain.stdout.startswith("It rained for an hour.") and "TRUNCATED_SENTENCE" in plain.stderr
    )


def test_lines_mode_keeps_one_output_line_per_input_line(tmp_path: Path) -> None:
    src = tmp_path / "corpus.txt"
    src.write_text(
        "The monopolyists said. You can.\n\nA ▼ list item.\nFine line.\n", encoding="utf-8"
    )
    proc = run("clean", str(src), "--lines", "--no-model")
    assert proc.returncode == 0, proc.stderr
    # Rules alone leave a rare-word spelling fix to the model: only the fragment goes.
    assert proc.stdout.splitlines() == ["The monopolyists said.", "", "A list item.", "Fine line."]


def test_stdin_is_accepted() -> None:
    proc = run(
        "clean", "-", "--no-model", "--detectors", "mt-artifacts", stdin=b"Talks ended. I will.\n"
    )
    assert proc.stdout == "Talks ended.\n"


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "bin.txt", b"\x00\x01\x02binary"), "binary file"),
        (lambda d: _write(d / "bad.txt", b"caf\xe9 au lait\n"), "invalid UTF-8"),
        (lambda d: _write(d / "empty.txt", b"  \n"), "file is empty"),
    ],
)
def test_bad_input_gets_one_line_error_and_no_output(tmp_path: Path, make, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    out = tmp_path / "out" / "clean.txt"
    for args in (["check", str(path)], ["clean", str(path), "--no-model", "-o", str(out)]):
        proc = run(*args)
        assert proc.returncode == 2
        err = proc.stderr.strip().splitlines()
        assert len(err) == 1 and problem in err[0] and str(path) in err[0]
    assert not out.exists()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_missing_java_is_an_environment_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MTFIX_LANGUAGETOOL_URL", "JAVA_HOME")}
    env["PATH"] = str(Path(sys.executable).parent)  # a PATH with python but no java
    out = tmp_path / "clean.txt"
    proc = run("clean", str(SEED), "--no-model", "-o", str(out), env=env)
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1 and "Java not found" in proc.stderr
    assert not out.exists()
    doctor = run("doctor", env=env)
    assert doctor.returncode == 3 and "fix:" in doctor.stdout


def test_unknown_detector_is_a_usage_error() -> None:
    proc = run("check", str(SEED), "--detectors", "nonsense")
    assert proc.returncode == 2 and "unknown detector 'nonsense'" in proc.stderr


def test_beam_count_outside_its_range_is_a_usage_error() -> None:
    proc = run("clean", str(SEED), "--beams", "0")
    assert proc.returncode == 2 and "--beams" in proc.stderr


@pytest.mark.model
def test_clean_uses_the_model_by_default_and_reports_its_edits() -> None:
    proc = run("clean", str(SEED), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    edits = json.loads(proc.stdout)["edits"]
    assert {e["origin"] for e in edits} == {"rules", "model"}
    assert all(0 < e["confidence"] <= 1 for e in edits if e["origin"] == "model")


def test_corrupt_model_is_one_line_and_no_model_still_works(tmp_path: Path) -> None:
    bad = tmp_path / "bad-model"
    bad.mkdir()
    (bad / "adapter_config.json").write_text('{"base_model_name_or_path": "gemma3-270m"}')
    _write(bad / "adapter_model.safetensors", b"truncated download")
    doc = _write(tmp_path / "doc.txt", b"The talks ended. I will.\n")
    out = tmp_path / "out.txt"
    proc = run("clean", str(doc), "--model", str(bad), "-o", str(out))
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1
    assert "adapter_model.safetensors: not a safetensors file" in proc.stderr
    assert not out.exists()
    proc = run("clean", str(doc), "--model", str(bad), "--no-model", "-o", str(out))
    assert proc.returncode == 0 and out.read_text() == "The talks ended.\n"
