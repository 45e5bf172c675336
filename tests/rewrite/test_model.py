from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mtfix.core import Candidate, Document, Flag, Span, apply_edits
from mtfix.model import ModelLoadError
from mtfix.model.load import load, resolve
from mtfix.pipeline import Pipeline, PipelineOptions
from mtfix.rewrite import Rewriter, RewriterSettings
from mtfix.rewrite.model import ModelRewriter, model_input
from tests.conftest import document_of
from tests.rewrite.tiny import ROOT, tiny_causal, tiny_t5

SHIPPED = ROOT / "models" / "gemma-mtfix"


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny")


def test_importing_mtfix_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, mtfix.rewrite.model, mtfix.select; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_seq2seq_backend_generates_and_skips_sentences_over_the_window(
    tiny_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model_dir = tiny_t5(tiny_dir)
    (model_dir / "mtfix-model.json").write_text(json.dumps({"window": 40}))
    rewriter = ModelRewriter(RewriterSettings(model=str(model_dir)), batch_size=2)
    assert isinstance(rewriter, Rewriter)
    assert rewriter.backend.loaded.seq2seq
    short = ["The mayor met the delegation.", "It rained.", "The talks ended on Tuesday."]
    long = " ".join(["the delegation"] * 40) + "."
    with caplog.at_level(logging.INFO, logger="mtfix.model.transformers_backend"):
        out = rewriter.backend.rewrite([*short, long])
    assert out[3] is None
    assert "over the model window of 40" in caplog.text
    assert all(isinstance(text, str) and "\n" not in text for text in out[:3])


def test_a_sentence_over_the_window_is_named_by_its_place_in_the_document(
    tiny_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model_dir = tiny_t5(tiny_dir)
    (model_dir / "mtfix-model.json").write_text(json.dumps({"window": 40}))
    rewriter = ModelRewriter(RewriterSettings(model=str(model_dir)))
    long = " ".join(["the delegation"] * 40) + "."
    doc = document_of("It rained.", "The mayor met them.", long)
    text = doc.text.replace("rained. ", "rained.\n", 1)
    doc = Document(text, doc.paragraphs, doc.sentences)
    with caplog.at_level(logging.WARNING, logger="mtfix.model.backend"):
        rewriter.propose(doc, [(doc.sentences[0], []), (doc.sentences[2], [])])
    # The long sentence is the second target, on line 2 after "The mayor met them. ".
    assert "line 2:21: the sentence" in caplog.text and "over the model window of 40" in caplog.text
    assert "sentence 2 " not in caplog.text


@pytest.mark.parametrize("backend", [tiny_t5, tiny_causal])
def test_beam_search_gives_each_sentence_its_best_rewrites(
    tiny_dir: Path, backend: Callable[[Path], Path]
) -> None:
    settings = RewriterSettings(model=str(backend(tiny_dir)), beams=3)
    rewriter = ModelRewriter(settings, batch_size=2)
    sentences = ["The mayor met the delegation.", "It rained.", "The talks ended on Tuesday."]
    options = rewriter.backend.rewrites(sentences)
    assert [len(o) for o in options] == [3, 3, 3]
    # Beam search's first hypothesis is the best one, which is what rewrite() returns.
    assert rewriter.backend.rewrite(sentences) == [o[0] for o in options]


def test_causal_backend_proposes_word_edits_in_document_offsets(tiny_dir: Path) -> None:
    rewriter = ModelRewriter(RewriterSettings(model=str(tiny_causal(tiny_dir))))
    assert not rewriter.backend.loaded.seq2seq
    doc = document_of("First sentence stays.", "The mayor met the delegation.")
    target = doc.sentences[1]
    candidates = rewriter.propose(doc, [(target, [])])
    rewrite = rewriter.backend.rewrite([target.of(doc.text)])[0]
    assert rewrite is not None
    if rewrite.split() == target.of(doc.text).split():
        assert candidates == []  # the model kept the sentence: nothing to propose
        return
    (cand,) = candidates
    assert cand.origin == "model" and cand.sentence == target
    assert all(target.contains(e.span) for e in cand.edits)
    rewritten = apply_edits(doc.text, list(cand.edits))
    assert rewritten.startswith("First sentence stays. ")
    # Word-level edits reproduce the rewrite's tokens (whitespace between equal tokens kept).
    assert rewritten[len("First sentence stays. ") :].split() == rewrite.split()


@pytest.mark.parametrize("backend", [tiny_causal, tiny_t5])
def test_preference_compares_whole_sentences_under_the_prompt(
    tiny_dir: Path, backend: Callable[[Path], Path]
) -> None:
    rewriter = ModelRewriter(RewriterSettings(model=str(backend(tiny_dir))))
    pairs = [("The mayor met.", "The mayor met."), ("a b", "a c"), ("a b", "a b c d e")]
    same, other, longer = rewriter.backend.preference(pairs)
    assert same == pytest.approx(0.0, abs=1e-4)
    assert other != pytest.approx(0.0, abs=1e-6)
    # Sums over tokens: the probability of three more tokens is paid for.
    (copy, extended) = rewriter.backend.log_prob(["a b", "a b"], ["a b", "a b c d e"])
    assert longer == pytest.approx(extended - copy, abs=1e-4)
    assert copy < 0 and extended < 0


def test_missing_model_directory_is_a_clear_error() -> None:
    with pytest.raises(ModelLoadError, match="no such model directory"):
        resolve("no-such-model-anywhere")


def test_corrupt_adapter_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "x"}))
    (bad / "adapter_model.safetensors").write_bytes(b"this is not a safetensors file")
    with pytest.raises(ModelLoadError, match=r"adapter_model.safetensors: not a safetensors file"):
        load(bad)
    (bad / "adapter_model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match=r"adapter_model.safetensors: missing"):
        load(bad)


def test_directory_without_a_model_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="neither a LoRA adapter nor"):
        load(tmp_path)


@pytest.mark.model
def test_shipped_adapter_loads_offline_and_fixes_a_misspelling(tmp_path: Path) -> None:
    assert (SHIPPED / "adapter_model.safetensors").stat().st_size < 50 * 2**20
    rewriter = ModelRewriter(RewriterSettings(model="gemma-mtfix"))
    out = rewriter.backend.rewrite(
        ["The goverment announced the new budget on Tuesday.", "The talks ended in Geneva."]
    )
    assert out[0] is not None and "government" in out[0] and "Tuesday" in out[0]
    assert out[1] is not None and "Geneva" in out[1]
    # A copy with its weights broken fails loudly instead of loading the base model alone.
    broken = tmp_path / "broken"
    shutil.copytree(SHIPPED, broken)
    (broken / "adapter_model.safetensors").write_bytes(b"\0" * 64)
    with pytest.raises(ModelLoadError, match="not a safetensors file"):
        load(broken)


def test_plausible_detector_suggestions_are_put_to_the_model(tiny_dir: Path) -> None:
    rewriter = ModelRewriter(RewriterSettings(model=str(tiny_causal(tiny_dir))))
    doc = document_of("The monopolyists and the goverment met.")
    sentence = doc.sentences[0]

    def flag(word: str, fix: str, confidence: float) -> Flag:
        start = doc.text.index(word)
        span = Span(start, start + len(word))
        return Flag(span, "languagetool", "MORFOLOGIK", "TYPOS", "", suggestions=(fix,),
                    confidence=confidence)  # fmt: skip

    plausible = flag("monopolyists", "monopolists", 0.6)
    flags = [plausible, flag("goverment", "government", 0.9), flag("and", "an", 0.0)]
    suggested = {f.span: f.suggestions[0] for f in flags}
    judged = [
        c
        for c in rewriter.propose(doc, [(sentence, flags)])
        if len(c.edits) == 1 and suggested.get(c.edits[0].span) == c.edits[0].replacement
    ]
    # Only the plausible one: auto-fixed (0.9) and unconfident (0.0) ones are not the model's.
    (cand,) = judged
    assert cand.origin == "model" and cand.edits[0].replacement == "monopolists"
    fixed = doc.text.replace("monopolyists", "monopolists")
    assert cand.score == pytest.approx(
        rewriter.backend.fluency_gain([(doc.text, fixed)])[0], abs=1e-4
    )


def test_a_rewrites_change_at_the_flags_alone_is_a_candidate_too(tiny_dir: Path) -> None:
    rewriter = ModelRewriter(RewriterSettings(model=str(tiny_causal(tiny_dir))))
    text = "A complaint against tribes was about the whole trib."
    doc = document_of(text)
    start = text.index("trib.")
    typo = Flag(Span(start, start + 4), "languagetool", "MORFOLOGIK", "TYPOS", "",
                suggestions=("trip", "tribe"), confidence=0.0)  # fmt: skip
    rewrite = "A complaint against the tribes was about the whole tribe."
    # The generation is fixed here (the tiny model's own rewrites are noise); scoring is real.
    rewriter.backend.rewrites = lambda inputs, where=None: [[rewrite] for _ in inputs]  # type: ignore[method-assign]
    cands = rewriter.propose(doc, [(doc.sentences[0], [typo])])
    by_text = {apply_edits(text, c.edits): c for c in cands}
    part = text.replace("trib.", "tribe.")
    assert set(by_text) == {rewrite, part}
    assert len(by_text[rewrite].edits) == 2 and len(by_text[part].edits) == 1
    for version, cand in by_text.items():
        (gain,) = rewriter.backend.preference([(text, version)])
        assert cand.score == pytest.approx(gain, abs=1e-4)
    # A rewrite whose every change is at a flag gives no second, identical candidate.
    rewriter.backend.rewrites = lambda inputs, where=None: [[part] for _ in inputs]  # type: ignore[method-assign]
    assert [
        apply_edits(text, c.edits) for c in rewriter.propose(doc, [(doc.sentences[0], [typo])])
    ] == [part]


def test_pipeline_hands_its_beam_count_to_the_model(tiny_dir: Path) -> None:
    settings = RewriterSettings(model=str(tiny_causal(tiny_dir)), beams=3)
    options = PipelineOptions(detectors=("mt-artifacts",), settings=settings)
    model = Pipeline(options).rewriters[-1]
    assert isinstance(model, ModelRewriter) and model.backend.beams == 3
    assert "beams:3" in options.signature()


def test_a_suggestion_in_a_sentence_over_the_window_is_not_judged(tiny_dir: Path) -> None:
    rewriter = ModelRewriter(RewriterSettings(model=str(tiny_causal(tiny_dir))))
    window = rewriter.backend.window
    short = document_of("The goverment met.")
    long = document_of("The goverment met " + "the delegation " * window + "today.")

    def judged(doc: Document) -> list[Candidate]:
        start = doc.text.index("goverment")
        flag = Flag(Span(start, start + 9), "languagetool", "MORFOLOGIK", "TYPOS", "",
                    suggestions=("government",), confidence=0.6)  # fmt: skip
        return [
            c
            for c in rewriter.propose(doc, [(doc.sentences[0], [flag])])
            if [e.replacement for e in c.edits] == ["government"]
        ]

    assert rewriter.backend.fits(short.text) and not rewriter.backend.fits(long.text)
    assert len(judged(short)) == 1
    # Scored whole, past what the model can read, its evidence would mean nothing.
    assert judged(long) == []


def test_an_input_past_the_window_loses_its_context_then_its_flags_not_the_rewrite(
    tiny_dir: Path,
) -> None:
    backend = ModelRewriter(RewriterSettings(model=str(tiny_causal(tiny_dir)))).backend
    sentence = "I am ready to deny the goverment claims."
    before = "Putin met Biden " + "and the delegation " * backend.window + "today."
    doc = document_of(before, sentence)
    span = doc.sentences[1]
    start = doc.text.index("I am")
    pronoun = Flag(Span(start, start + 4), "mt-artifacts", "STRAY_FIRST_PERSON", "", "")
    whole = model_input(doc, span, [pronoun])
    assert whole.startswith("Context: Putin") and not backend.reads(whole)
    assert model_input(doc, span, [pronoun], backend.reads) == (
        f'Flags: STRAY_FIRST_PERSON "I"\nFix: {sentence}'
    )
    # Flags enough to fill the window go too: the sentence alone is what the model still reads.
    word = doc.text.index("goverment")
    typos = [Flag(Span(word, word + 9), "languagetool", "MORFOLOGIK", "TYPOS", "")] * backend.window
    assert model_input(doc, span, [pronoun, *typos], backend.reads) == f"Fix: {sentence}"
    assert backend.reads(f"Fix: {sentence}")


def test_a_source_goes_before_the_context_and_is_dropped_after_it_past_the_window(
    tiny_dir: Path,
) -> None:
    backend = ModelRewriter(RewriterSettings(model=str(tiny_causal(tiny_dir)))).backend
    sentence = "I am ready to deny the claims."
    doc = document_of("Putin met Biden today.", sentence)
    span = doc.sentences[1]
    start = doc.text.index("I am")
    pronoun = Flag(Span(start, start + 4), "mt-artifacts", "STRAY_FIRST_PERSON", "", "")
    source = "Я готов это отрицать."
    assert model_input(doc, span, [pronoun], translated=source) == (
        f'Source: {source}\nContext: Putin met Biden today.\nFlags: STRAY_FIRST_PERSON "I"\n'
        f"Fix: {sentence}"
    )
    long = "Я готов " * backend.window
    assert model_input(doc, span, [pronoun], backend.reads, translated=long) == (
        f'Flags: STRAY_FIRST_PERSON "I"\nFix: {sentence}'
    )


def test_a_source_aware_rewriter_reads_a_bilingual_documents_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mtfix.formats.bitext import document

    mt = "As a result, the wrestlon who has lost may no longer use that manoeuvre."
    source = "Drept urmare, luptătorul care a pierdut nu mai poate folosi acea manevră."
    doc = document(mt, source, lines=True)
    start = mt.index("wrestlon")
    typo = Flag(Span(start, start + 8), "languagetool", "MORFOLOGIK_RULE_EN_US", "TYPOS", "")
    targets = [(doc.sentences[0], [typo])]
    read: dict[str, list[str]] = {}
    for name in ("gemma-mtfix-src", "gemma-mtfix-ctx"):
        rewriter = ModelRewriter(RewriterSettings(model=name))
        backend = rewriter.backend
        real = backend.rewrites

        def spy(
            inputs: list[str],
            where: list[str] | None = None,
            *,
            real: Callable[..., list[list[str]]] = real,
            name: str = name,
        ) -> list[list[str]]:
            read.setdefault(name, []).extend(inputs)
            return real(inputs, where)

        monkeypatch.setattr(backend, "rewrites", spy)
        candidates = rewriter.propose(doc, targets)
        assert rewriter.reads_source == (name == "gemma-mtfix-src")
        if rewriter.reads_source:
            # It read the source and, from it, proposed a change at the flagged word.
            assert any(e.span.touches(typo.span) for c in candidates for e in c.edits)
    assert read["gemma-mtfix-src"] == [
        f'Source: {source}\nFlags: MORFOLOGIK_RULE_EN_US "wrestlon"\nFix: {mt}'
    ]
    assert read["gemma-mtfix-ctx"] == [f'Flags: MORFOLOGIK_RULE_EN_US "wrestlon"\nFix: {mt}']
