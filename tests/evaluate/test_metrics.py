"""Corpus, edit and flag scores: mtfix's figures against sacrebleu's own tool and hand counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mtfix.cli import main
from mtfix.core import Flag, Span
from mtfix.evaluate.edits import ErrantMetric
from mtfix.evaluate.flags import FlagMetric, GoldSpan
from tests.conftest import ROOT

RO = ROOT / "eval" / "suites" / "mlqe-pe" / "ro-en"
SACREBLEU = Path(sys.executable).parent / "sacrebleu"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """200 ro-en lines: raw MT, a half post-edited "system", and two references."""
    tmp = tmp_path_factory.mktemp("metrics")
    mt = (RO / "dev.mt").read_text(encoding="utf-8").splitlines()[:200]
    pe = (RO / "dev.pe").read_text(encoding="utf-8").splitlines()[:200]
    hyp = [p if i % 2 else m for i, (m, p) in enumerate(zip(mt, pe, strict=True))]
    # A second reference that differs from the first, so multi-reference scoring is exercised.
    ref2 = [m if i % 3 else p for i, (m, p) in enumerate(zip(mt, pe, strict=True))]
    out = {}
    for name, lines in {"src": mt, "hyp": hyp, "ref": pe, "ref2": ref2}.items():
        out[name] = tmp / f"{name}.txt"
        out[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _sacrebleu(hyp: Path, *refs: Path) -> dict[str, float]:
    cmd = [str(SACREBLEU), *map(str, refs), "-i", str(hyp), "-m", "bleu", "chrf", "ter"]
    out = subprocess.run(
        [*cmd, "-w", "4", "-f", "json"], capture_output=True, text=True, check=True
    )
    names = {"BLEU": "bleu", "chrF2": "chrf", "TER": "ter"}
    return {names[r["name"]]: r["score"] for r in json.loads(out.stdout)}


def _mtfix(*args: str) -> dict:
    result = CliRunner().invoke(main, ["eval", *args, "--format", "json", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("nrefs", [1, 2])
def test_scores_match_sacrebleu_command_line(files: dict[str, Path], nrefs: int) -> None:
    refs = [files["ref"], files["ref2"]][:nrefs]
    ref_args = [a for r in refs for a in ("--ref", str(r))]
    ours = _mtfix("--src", str(files["src"]), "--hyp", str(files["hyp"]), *ref_args)
    for who in ("source", "system"):
        theirs = _sacrebleu(files["src" if who == "source" else "hyp"], *refs)
        for metric, score in theirs.items():
            assert ours[who][metric] == pytest.approx(score, abs=1e-4), (who, metric)
    assert ours["delta"]["ter"] == pytest.approx(
        ours["system"]["ter"] - ours["source"]["ter"], abs=1e-3
    )
    assert ours["signatures"]["bleu"].startswith(f"nrefs:{nrefs}|")
    assert {"bleu", "chrf", "ter", "errant"} <= set(ours["signatures"])


def test_edit_scores_on_a_hand_counted_example() -> None:
    sources = ["He go to school every days .", "The cat sat on mat ."]
    refs = [["He goes to school every day .", "The cat sat on the mat ."]]
    # Line 1: "go→goes" right, "days" left alone (missed), "the" inserted wrongly.
    # Line 2: unchanged, so the reference's "the" is missed.
    hyps = ["He goes to the school every days .", "The cat sat on mat ."]
    scores = ErrantMetric().corpus_score(sources, hyps, refs)
    assert (scores.overall.tp, scores.overall.fp, scores.overall.fn) == (1, 1, 2)
    assert scores.overall.precision == pytest.approx(0.5)
    assert scores.overall.recall == pytest.approx(1 / 3)
    assert scores.overall.f(0.5) == pytest.approx(1.25 * 0.5 * (1 / 3) / (0.25 * 0.5 + 1 / 3))
    assert scores.by_type["R:VERB:SVA"].tp == 1
    assert scores.by_type["M:DET"].fp == 1
    assert scores.by_type["M:DET"].fn == 1


def _flag(start: int, end: int, detector: str, category: str) -> Flag:
    return Flag(Span(start, end), detector, "RULE", category, "message")


def test_flag_precision_and_recall_on_a_hand_made_example() -> None:
    gold = [
        GoldSpan(Span(0, 5), "spelling"),
        GoldSpan(Span(10, 12), "grammar"),
        GoldSpan(Span(20, 21), "stray-glyph"),
    ]
    flags = [
        _flag(3, 8, "a", "spelling"),  # overlaps gold 1
        _flag(4, 6, "b", "grammar"),  # overlaps gold 1 again: correct, recalls nothing new
        _flag(12, 15, "a", "grammar"),  # touches gold 2's end only: half-open, no overlap
        _flag(20, 20, "b", "stray-glyph"),  # empty span inside gold 3: counts
    ]
    scores = FlagMetric().corpus_score(flags, gold)
    overall = scores.overall
    assert (overall.flags, overall.correct, overall.gold, overall.found) == (4, 3, 3, 2)
    assert overall.precision == pytest.approx(3 / 4)
    assert overall.recall == pytest.approx(2 / 3)
    assert overall.f1 == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))
    a, b = scores.by_detector["a"], scores.by_detector["b"]
    assert (a.flags, a.correct, a.found) == (2, 1, 1)
    assert (b.flags, b.correct, b.found) == (2, 2, 2)
    grammar = scores.by_category["grammar"]
    # Precision of flags labelled grammar (one of two hits gold 1), recall of gold grammar spans.
    assert (grammar.flags, grammar.correct, grammar.gold, grammar.found) == (2, 1, 1, 0)
    assert scores.to_dict()["by_category"]["grammar"]["recall"] == 0.0
    # By MQM dimension: spelling and grammar are linguistic conventions, a stray glyph markup.
    fluency = scores.by_dimension["linguistic-conventions"]
    assert (fluency.flags, fluency.correct, fluency.gold, fluency.found) == (3, 2, 2, 1)
    markup = scores.by_dimension["design-and-markup"]
    assert (markup.flags, markup.correct, markup.gold, markup.found) == (1, 1, 1, 1)
