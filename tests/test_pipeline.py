"""The library API with a source: the QA checks join, the glossary is the run's, and both are in
the signature."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mtfix.detect.qa.glossary import Glossary
from mtfix.io import InputError
from mtfix.pipeline import Pipeline, PipelineOptions, check, clean

GLOSSARY = Path(__file__).parent / "data" / "qa" / "glossary.tbx"
RULES = PipelineOptions(detectors=("mt-artifacts",), rewriters=("rules",))


def test_check_with_a_source_runs_the_qa_checks() -> None:
    result = check("It drew 300 people.", source="3万人が集まった。", detectors=["mt-artifacts"])
    assert [f.rule for f in result.flags] == ["NUMBER_MISMATCH"]
    assert result.document.source_of(result.flags[0].span) == "3万人が集まった。"
    assert check("It drew 300 people.", detectors=["mt-artifacts"]).flags == ()


def test_clean_with_a_source_applies_only_safe_fixes() -> None:
    result = clean("Save  %s now.", source="%sを保存。", detectors=["mt-artifacts"], model=None)
    assert result.text == "Save %s now."


def test_the_glossary_and_the_source_are_in_the_signature() -> None:
    glossary = Glossary.load(GLOSSARY)
    assert len(glossary.digest) == 12
    plain = RULES.signature()
    assert "source:no" in plain and "glossary:none" in plain
    assert "+qa|" not in plain
    bilingual = replace(RULES, glossary=glossary).with_source(True)
    assert "source:yes" in bilingual.signature()
    # The QA checks run on every document with a source: the detectors say so.
    assert f"detectors:{'+'.join(RULES.detectors)}+qa|" in bilingual.signature()
    assert f"glossary:{glossary.digest}" in bilingual.signature()


def test_a_glossary_without_a_source_is_an_input_error() -> None:
    glossary = Glossary.load(GLOSSARY)
    with pytest.raises(InputError, match="needs a source"):
        replace(RULES, glossary=glossary).with_source(False)


def test_qa_named_in_detectors_runs_once_with_the_runs_glossary() -> None:
    options = replace(RULES, detectors=("qa", "mt-artifacts"), glossary=Glossary.load(GLOSSARY))
    pipeline = Pipeline(options.with_source(True))
    assert [d.name for d in pipeline.detectors] == ["mt-artifacts"]
    (qa,) = pipeline.bilingual_detectors()
    assert getattr(qa, "glossary", None) is options.glossary


@pytest.mark.languagetool
def test_reduplication_survives_clean_and_stutter_does_not() -> None:
    said = "The fans called again and again and again and again for more and more songs."
    assert clean(said, model=None).text == said
    doubled = "They develop hypersonic weapons and hypersonic weapons, officials said."
    assert clean(doubled, model=None).text == "They develop hypersonic weapons, officials said."


@pytest.mark.languagetool
def test_japanese_mt_typography_and_fragments_are_repaired() -> None:
    text = (
        "It rained for a hour in Tokyo on the １４th。The ceremony will be held next week. "
        "Will be held.\n\nThe mayor said 「I will go.」"
    )
    assert clean(text, model=None).text == (
        "It rained for an hour in Tokyo on the 14th. The ceremony will be held next week."
        '\n\nThe mayor said "I will go."'
    )
