"""Context- and flag-aware training data: multi-sentence passages and the prompt that reads them."""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

from mtfix.lab import passages
from mtfix.lab.data import DataConfig, build_pairs, counts
from mtfix.lab.train import encode_pair, load_config, reads_context
from mtfix.model import CONTEXT_PROMPT, PROMPT, context_input
from mtfix.rewrite.model import model_input
from tests.conftest import ROOT, document_of

CLEAN = (ROOT / "corpora/mlqe-pe/ro-en/train.pe").read_text(encoding="utf-8").splitlines()[4000:]


@pytest.mark.parametrize("name", sorted(passages.BUILDERS))
def test_each_passage_is_damaged_where_its_flag_says(name: str) -> None:
    rng = random.Random(1)
    names = passages.names_in(CLEAN)
    made = [p for s in CLEAN[:1500] if (p := passages.BUILDERS[name](s, names, rng))]
    assert len(made) >= 10
    for p in made:
        assert p.damaged != p.target and p.kind == name
        assert all(text in p.damaged for _, text in p.flags)
        if name == "speaker":
            assert p.damaged.split()[0] in ("I", "We") and p.target.split()[0] in passages._FIRST
        if name in ("speaker", "truncated", "quote"):
            # The context names what the repair needs: the speaker, or the lost object.
            assert p.context
        if name == "truncated":
            lost = p.target.removeprefix(p.damaged[:-1]).strip(" .")
            assert lost and lost in p.context[0].lower()


def test_a_pair_without_context_or_flags_reads_as_the_plain_prompt() -> None:
    assert CONTEXT_PROMPT.format(source=context_input("I am here.")) == PROMPT.format(
        source="I am here."
    )
    block = context_input("I am ready.", ["Putin spoke."], [("STRAY_FIRST_PERSON", "I")])
    assert block == 'Context: Putin spoke.\nFlags: STRAY_FIRST_PERSON "I"\nFix: I am ready.'


def test_the_rewriter_reads_the_sentences_before_and_the_flags() -> None:
    from mtfix.core import Flag, Span

    doc = document_of("Putin met Biden.", "They talked.", "I am ready to deny it.")
    # The detector flags the pronoun with the verb its repair changes; the model learnt to read
    # the pronoun alone, as the passages tag it.
    flag = Flag(Span(30, 34), "mt-artifacts", "STRAY_FIRST_PERSON", "stray-first-person", "")
    assert flag.span.of(doc.text) == "I am"
    assert model_input(doc, doc.sentences[2], [flag]) == (
        'Context: Putin met Biden. They talked.\nFlags: STRAY_FIRST_PERSON "I"\n'
        "Fix: I am ready to deny it."
    )


def test_context_config_mixes_passages_and_qe_flags_into_the_data() -> None:
    cfg = load_config(ROOT / "models/gemma-mtfix-ctx/train.toml")
    assert reads_context(cfg.data)
    pairs = build_pairs(cfg.data)
    by_origin = counts(pairs)
    assert {f"passage:{k}" for k in passages.BUILDERS} <= set(by_origin)
    flagged = [p for p in pairs if p.origin.startswith("mlqe-pe") and p.flags]
    assert 0.2 < len(flagged) / sum(p.origin.startswith("mlqe-pe") for p in pairs) < 0.4
    assert all(rule == "QE_BAD" and text in p.source for p in flagged for rule, text in p.flags)


def test_a_plain_config_keeps_the_data_it_was_trained_on() -> None:
    """The shipped rewriter's data (and so its held-out lines) is unchanged by the context
    options: the same counts as its mtfix-model.json records."""
    cfg = load_config(ROOT / "models/gemma-mtfix/train.toml")
    assert not reads_context(cfg.data)
    meta = json.loads((ROOT / "models/gemma-mtfix/mtfix-model.json").read_text())
    assert counts(build_pairs(cfg.data)) == meta["data"]


def test_an_encoded_passage_puts_the_loss_on_the_sentence_only() -> None:
    from mtfix.model.backbone import TokenizerCodec  # noqa: F401  (the codec protocol)

    class Chars:
        bos_id, eos_id, pad_id = 0, 1, 2

        def encode(self, text: str) -> list[int]:
            return [ord(c) for c in text]

        def decode(self, ids: list[int]) -> str:
            return "".join(map(chr, ids))

    pair = build_pairs(DataConfig(mlqe_per_pair=0, synthetic=0, passages=8))[0]
    example = encode_pair(Chars(), pair)
    head = Chars().decode(example.ids[1 : example.n_prompt])
    assert head.endswith("\nFixed:") and pair.source in head
    assert Chars().decode(example.ids[example.n_prompt : -1]) == " " + pair.target


def test_a_source_aware_config_shows_a_share_of_mlqe_pairs_the_sentence_they_translate() -> None:
    plain = DataConfig(mlqe_pairs=("ru-en",), mlqe_per_pair=200, synthetic=0, handwritten_repeat=0)
    sourced = dataclasses.replace(plain, source_share=0.5)
    without, shown = build_pairs(plain), build_pairs(sourced)
    # The same lines either way: the source is drawn from a stream of its own.
    assert sorted(p.source for p in without) == sorted(p.source for p in shown)
    assert not any(p.translated for p in without)
    with_source = [p for p in shown if p.translated]
    assert 0.35 < len(with_source) / len(shown) < 0.65
    assert all(p.origin == "mlqe-pe:ru-en+source" for p in with_source)
    corpus = ROOT / "corpora/mlqe-pe/ru-en"
    lines = dict(
        zip(
            (corpus / "train.mt").read_text(encoding="utf-8").splitlines(),
            (corpus / "train.src").read_text(encoding="utf-8").splitlines(),
            strict=True,
        )
    )
    assert all(lines[p.source].strip() == p.translated for p in with_source)
    block = context_input("The cat sat.", (), (), "Кошка сидела.")
    assert block == "Source: Кошка сидела.\nFix: The cat sat."


def test_the_shipped_source_aware_config_reads_sources_and_context() -> None:
    cfg = load_config(ROOT / "models/gemma-mtfix-src/train.toml")
    assert reads_context(cfg.data) and cfg.data.source_share
    meta = json.loads((ROOT / "models/gemma-mtfix-src/mtfix-model.json").read_text())
    assert meta["source"] and meta["context"]
    assert counts(build_pairs(cfg.data)) == meta["data"]
