"""The backbone's SentencePiece tokenizer (built from the GGUF) against transformers' own
``tokenizer.json``: the same ids on real text, scripts the vocabulary has not kept included."""

from __future__ import annotations

import random

import pytest

from mtfix.model.backbone import ensure_backbone, load_vocab
from tests.conftest import ROOT


@pytest.mark.model
def test_sentencepiece_copy_encodes_and_decodes_like_tokenizer_json() -> None:
    from tokenizers import Tokenizer

    path = ensure_backbone()
    vocab = load_vocab(path)
    reference = Tokenizer.from_file(str(path / "tokenizer.json"))
    lines = [
        line
        for pattern in (
            "corpora/mlqe-pe/*/train.mt",
            "eval/suites/mlqe-pe/*/dev.mt",
            "corpora/*.txt",
        )
        for file in sorted(ROOT.glob(pattern))
        for line in file.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    sample = random.Random(13).sample(lines, 3000)
    sample += ["Fix: " + line + "\nFixed:" for line in sample[:200]] + ["  two  spaces\ttab ▼ 3万"]
    for line in sample:
        assert vocab.tokenizer.encode(line) == reference.encode(line, add_special_tokens=False).ids
    rng = random.Random(5)
    for _ in range(500):
        ids = [rng.randrange(len(vocab)) for _ in range(rng.randint(1, 12))]
        old = [vocab.kept_ids[i] for i in ids]
        assert vocab.decode(ids) == reference.decode(old, skip_special_tokens=True)
