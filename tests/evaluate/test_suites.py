"""Suites end to end: the seed article's acceptance figures, MLQE-PE samples, line handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mtfix.cli import main
from mtfix.core import Span
from mtfix.evaluate.flags import GoldSpan
from mtfix.evaluate.suites import Corpus, load_suites, split_lines

pytestmark = pytest.mark.languagetool

SUITES = (
    "seed",
    "ja-news",
    "mlqe-ro-en",
    "mlqe-ru-en",
    "mlqe-et-en",
    "mlqe-ne-en",
    "mlqe-si-en",
)


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["eval", *args])


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """One rules run over the seed article, with a report in every format."""
    tmp = tmp_path_factory.mktemp("seed")
    reports = [f"--report={tmp / name}" for name in ("seed.json", "seed.md", "seed.html")]
    result = _run("suite", "seed", "--system", "rules", "--bootstrap", "300", *reports)
    assert result.exit_code == 0, result.output
    return result, tmp


def test_every_suite_is_configured_and_aligned() -> None:
    config = load_suites()
    assert tuple(config.suites) == SUITES
    for name in SUITES:
        corpus = config.get(name).load()
        assert all(len(r) == len(corpus.source) for r in corpus.references)
    seed = config.get("seed").load()
    assert not seed.lines and seed.gold is not None and len(seed.gold) == 40
    ja_news = config.get("ja-news").load()
    assert not ja_news.lines and ja_news.gold is not None and len(ja_news.gold) == 74
    assert all(config.get(n).lines for n in SUITES[2:])


def test_rules_beat_raw_mt_on_the_seed_article(seed: tuple[Result, Path]) -> None:
    _, tmp = seed
    data = json.loads((tmp / "seed.json").read_text(encoding="utf-8"))
    assert data["system"]["chrf"] > data["source"]["chrf"]
    assert data["system"]["ter"] < data["source"]["ter"]
    assert data["delta"]["ter"] < 0
    # Blank paragraph breaks are not scored: 48 of the article's 161 lines carry text.
    assert data["lines"] == 48
    assert data["flags"]["gold"] == 40 and data["flags"]["recall"] > 0.5
    assert data["edits"]["tp"] > 0
    assert "lines:no" in data["signatures"]["mtfix"]
    # The rules resolve flags: fewer MQM points are left than the detectors found.
    assert data["mqm"]["system"]["penalty"] < data["mqm"]["source"]["penalty"]
    assert "accuracy" in data["mqm"]["source"]["by_dimension"]
    assert data["flags"]["by_dimension"]["accuracy"]["gold"] > 0


def test_seed_terminal_table_has_every_figure(seed: tuple[Result, Path]) -> None:
    out = seed[0].stdout
    for needle in ("BLEU", "chrF", "TER", "source", "system", "delta", "p (rules vs source)",
                   "F0.5", "Flags vs gold", "detector mt-artifacts", "category stray-glyph",
                   "Made worse:", "Signatures:", "nrefs:1", "MQM by dimension",
                   "penalty / 100 words", "MQM accuracy"):  # fmt: skip
        assert needle in out, needle


def test_seed_reports_agree(seed: tuple[Result, Path]) -> None:
    _, tmp = seed
    data = json.loads((tmp / "seed.json").read_text(encoding="utf-8"))
    markdown = (tmp / "seed.md").read_text(encoding="utf-8")
    html = (tmp / "seed.html").read_text(encoding="utf-8")
    assert f"{data['system']['chrf']:.2f}" in markdown
    assert "<ins>" in html and "<del>" in html


def test_mlqe_sample_is_fixed_and_line_aligned() -> None:
    args = ["suite", "mlqe-ro-en", "--sample", "15", "--format", "json", "--bootstrap", "0"]
    first = _run(*args)
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["lines"] == 15 and data["sample"] == 15
    assert "lines:yes" in data["signatures"]["mtfix"]
    assert data["delta"]["ter"] == pytest.approx(
        data["system"]["ter"] - data["source"]["ter"], abs=1e-3
    )
    again = json.loads(_run(*args).stdout)
    assert again["system"] == data["system"]


def test_sample_picks_the_same_lines_every_time() -> None:
    corpus = load_suites().get("mlqe-si-en").load()
    picked = corpus.sample(50).index
    assert picked == corpus.sample(50).index
    assert len(set(picked)) == 50 and list(picked) == sorted(picked)
    assert corpus.sample(5000) is corpus


def test_full_system_without_a_trained_model_is_an_environment_error(tmp_path: Path) -> None:
    result = _run("suite", "seed", "--system", "full", "--model", str(tmp_path))
    assert result.exit_code == 3, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "mtfix: error:" in result.stderr


def test_subset_moves_gold_spans_with_their_lines() -> None:
    source = ("first line", "", "second has an eror", "", "third ▼ glyph")
    text = "\n".join(source)
    gold = tuple(
        GoldSpan(Span(text.index(word), text.index(word) + len(word)), "x")
        for word in ("first", "eror", "▼")
    )
    corpus = Corpus("t", source, (source,), lines=False, gold=gold).scored()
    assert corpus.source == ("first line", "second has an eror", "third ▼ glyph")
    assert corpus.index == (0, 2, 4)
    assert corpus.gold is not None
    assert [g.span.of(corpus.text) for g in corpus.gold] == ["first", "eror", "▼"]
    dropped = corpus.subset([1])
    assert dropped.gold is not None
    assert [g.span.of(dropped.text) for g in dropped.gold] == ["eror"]


def test_split_lines_matches_how_sacrebleu_reads_a_file() -> None:
    assert split_lines("a\nb\n") == ["a", "b"]
    assert split_lines("a\n\nb") == ["a", "", "b"]
    # Only \n ends a line: a form feed or a Unicode line separator inside a segment stays.
    assert split_lines("a\u2028b\x0cc\n") == ["a\u2028b\x0cc"]


def test_all_prints_the_readme_table(tmp_path: Path) -> None:
    lines = tmp_path / "mt.txt"
    lines.write_text("He go home .\nThe sky is blue .\n", encoding="utf-8")
    ref = tmp_path / "pe.txt"
    ref.write_text("He goes home .\nThe sky is blue .\n", encoding="utf-8")
    suites = tmp_path / "suites.toml"
    suites.write_text('[suites.tiny]\nsource = "mt.txt"\nreferences = ["pe.txt"]\n')
    result = _run("all", "--system", "rules", "--suites", str(suites), "--bootstrap", "0")
    assert result.exit_code == 0, result.output
    head, _, table, *_ = result.stdout.splitlines()
    assert head.startswith("mtfix ") and " UTC, " in head and " cores" in head
    assert table.startswith("| suite | system | lines | BLEU | chrF | TER | ΔTER |")
    assert "| tiny | rules | 2 |" in result.stdout


def test_all_with_source_runs_the_suites_that_have_one_under_their_own_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "mt.txt").write_text("It drew 300 people.\nThe talks ended.\n", encoding="utf-8")
    (tmp_path / "pe.txt").write_text("It drew 30,000 people.\nThe talks ended.\n", encoding="utf-8")
    (tmp_path / "ja.txt").write_text("3万人が集まった。\n会談は終わった。\n", encoding="utf-8")
    bare = '[suites.bare]\nsource = "mt.txt"\nreferences = ["pe.txt"]\n'
    suites = tmp_path / "suites.toml"
    suites.write_text(
        '[suites.tiny]\nsource = "mt.txt"\nreferences = ["pe.txt"]\ntranslated = "ja.txt"\n' + bare,
        encoding="utf-8",
    )
    baseline = tmp_path / "baseline.json"
    args = ["all", "--system", "rules", "--suites", str(suites), "--bootstrap", "0"]
    result = _run(*args, "--with-source", f"--update-baseline={baseline}")
    assert result.exit_code == 0, result.output
    assert "no source to give, skipped: bare" in result.stderr
    assert "| tiny | rules+source | 2 |" in result.stdout and "| bare |" not in result.stdout
    # Gated apart from the MT-only figures: a plain run has none accepted.
    assert list(json.loads(baseline.read_text(encoding="utf-8"))["figures"]) == [
        "tiny/rules+source"
    ]
    assert _run(*args, "--with-source", f"--check-baseline={baseline}").exit_code == 0
    assert _run(*args, f"--check-baseline={baseline}").exit_code != 0
    suites.write_text(bare, encoding="utf-8")
    none = _run(*args, "--with-source")
    assert none.exit_code != 0 and "no suite has a source" in none.output


def test_with_source_a_suite_gives_mtfix_what_the_mt_translates(tmp_path: Path) -> None:
    (tmp_path / "mt.txt").write_text("It drew 300 people.\nThe talks ended.\n", encoding="utf-8")
    (tmp_path / "pe.txt").write_text("It drew 30,000 people.\nThe talks ended.\n", encoding="utf-8")
    (tmp_path / "ja.txt").write_text("3万人が集まった。\n会談は終わった。\n", encoding="utf-8")
    suites = tmp_path / "suites.toml"
    suites.write_text(
        '[suites.tiny]\nsource = "mt.txt"\nreferences = ["pe.txt"]\ntranslated = "ja.txt"\n'
        '[suites.bare]\nsource = "mt.txt"\nreferences = ["pe.txt"]\n',
        encoding="utf-8",
    )
    report = tmp_path / "r.json"
    args = ["suite", "tiny", "--suites", str(suites), f"--report={report}"]
    result = _run(*args, "--with-source")
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    # The QA checks read the source: the number the MT got wrong is an accuracy error.
    assert data["mqm"]["source"]["by_dimension"]["accuracy"]["major"] >= 1
    assert data["system_name"] == "rules+source" and "source:yes" in data["signatures"]["mtfix"]
    assert _run(*args).exit_code == 0
    plain = json.loads(report.read_text(encoding="utf-8"))
    assert plain["system_name"] == "rules"
    assert "accuracy" not in plain["mqm"]["source"]["by_dimension"]
    missing = _run("suite", "bare", "--suites", str(suites), "--with-source")
    assert missing.exit_code != 0 and "suite bare: no source" in missing.output
