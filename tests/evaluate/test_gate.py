"""The regression gate: accepted figures, tolerances, absolute limits, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mtfix.cli import main
from mtfix.evaluate import gate
from mtfix.evaluate.score import evaluate
from mtfix.evaluate.suites import Corpus
from mtfix.io import InputError
from tests.conftest import ROOT

RO = ROOT / "eval" / "suites" / "mlqe-pe" / "ro-en"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("gate")
    mt = (RO / "dev.mt").read_text(encoding="utf-8").splitlines()[:100]
    pe = (RO / "dev.pe").read_text(encoding="utf-8").splitlines()[:100]
    good = [p if i % 4 == 0 else m for i, (m, p) in enumerate(zip(mt, pe, strict=True))]
    # Deliberately worse: every fourth line loses its second half.
    bad = [" ".join(g.split()[: len(g.split()) // 2]) if i % 4 == 1 else g
           for i, g in enumerate(good)]  # fmt: skip
    out = {}
    for name, lines in {"src": mt, "ref": pe, "good": good, "bad": bad}.items():
        out[name] = tmp / f"{name}.txt"
        out[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _eval(files: dict[str, Path], hyp: str, *extra: str):
    args = ["eval", "--src", str(files["src"]), "--hyp", str(files[hyp])]
    return CliRunner().invoke(main, [*args, "--ref", str(files["ref"]), "--bootstrap", "0", *extra])


def test_gate_passes_the_accepted_run_and_fails_a_worse_one(
    files: dict[str, Path], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    accepted = _eval(files, "good", "--update-baseline", str(baseline))
    assert accepted.exit_code == 0, accepted.output
    data = json.loads(baseline.read_text())
    assert data["figures"]["files/system"]["chrf"] > 0
    assert data["tolerance"]["ter"] == gate.DEFAULT_TOLERANCE["ter"]

    same = _eval(files, "good", "--check-baseline", str(baseline))
    assert same.exit_code == 0, same.output
    assert "Baseline gate: passed" in same.stdout

    worse = _eval(files, "bad", "--check-baseline", str(baseline))
    assert worse.exit_code == 1
    assert "mtfix: eval gate failed: files/system chrf" in worse.stderr
    assert "mtfix: eval gate failed: files/system ter" in worse.stderr


def test_update_keeps_other_suites_and_tolerances(files: dict[str, Path], tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(
        json.dumps({"tolerance": {"chrf": 9.0}, "figures": {"seed/rules": {"chrf": 1.0}}})
    )
    assert _eval(files, "good", "--update-baseline", str(baseline)).exit_code == 0
    data = json.loads(baseline.read_text())
    assert data["tolerance"] == {"chrf": 9.0}
    assert set(data["figures"]) == {"seed/rules", "files/system"}
    # With the stated tolerance of 9 chrF points the worse run passes: tolerance is per file.
    assert _eval(files, "bad", "--check-baseline", str(baseline)).exit_code == 0


def _evaluation(name: str, system: str, source: list[str], hyp: list[str], ref: list[str]):
    corpus = Corpus(name, tuple(source), (tuple(ref),))
    return evaluate(corpus, hyp, system=system, bootstrap=0)


def test_rules_must_not_raise_ter_on_ne_and_si_by_more_than_0_2() -> None:
    baseline = gate.load(ROOT / "eval" / "baseline.json")
    src = ["the cat sat on the mat today", "a dog barked at night loudly"]
    ref = src
    harmful = ["the cats sat on a mat today", "a dog barked at night loudly"]
    for suite in ("mlqe-ne-en", "mlqe-si-en"):
        ev = _evaluation(suite, "rules", src, harmful, ref)
        assert ev.delta["ter"] > 0.2
        limits = [c for c in gate.check([ev], baseline) if c.figure == "delta.ter"]
        assert len(limits) == 1 and not limits[0].ok, limits
        assert "beyond limit max +0.2" in limits[0].message
        harmless = _evaluation(suite, "rules", src, src, ref)
        assert all(c.ok for c in gate.check([harmless], baseline) if c.figure == "delta.ter")


def test_the_full_system_must_do_no_harm_with_the_source_as_without_it() -> None:
    baseline = gate.load(ROOT / "eval" / "baseline.json")
    src = ["the cat sat on the mat today", "a dog barked at night loudly"]
    harmful = ["the cats sat on a mat today", "a dog barked at night loudly"]
    for suite in ("mlqe-ro-en", "mlqe-ru-en", "mlqe-et-en", "mlqe-ne-en", "mlqe-si-en"):
        for system in ("full", "full+source"):
            ev = _evaluation(suite, system, src, harmful, src)
            limits = [c for c in gate.check([ev], baseline) if "limit" in c.message]
            assert len(limits) == 1 and not limits[0].ok, (suite, system, limits)


def test_missing_figures_fail_and_samples_are_kept_apart() -> None:
    ev = _evaluation("seed", "rules", ["a b"], ["a b"], ["a b"])
    checks = gate.check([ev], {"figures": {}})
    assert [c.ok for c in checks] == [False]
    assert "seed/rules: no accepted figures" in checks[0].message
    ev.sample = 50
    assert ev.key == "seed/rules@50"
    checks = gate.check([ev], {"figures": {"seed/rules": {"chrf": 1.0}}})
    assert [c.ok for c in checks] == [False]


def test_a_malformed_limit_is_an_input_error(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"figures": {}, "limits": [{"suite": "x", "figure": "ter"}]}))
    with pytest.raises(InputError, match="a limit needs suite, system, figure"):
        gate.load(baseline)
