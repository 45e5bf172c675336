"""Tiny randomly initialised models with a SentencePiece tokenizer trained on corpora/ text.

They exercise the real loading, generation and training code in seconds, without the Gemma
backbone: what they generate is noise, so tests assert on shapes, offsets and files, not wording.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT


def train_spm(out: Path, vocab_size: int = 300) -> Path:
    import sentencepiece as spm

    lines = (ROOT / "corpora/mlqe-pe/ro-en/train.pe").read_text(encoding="utf-8").splitlines()
    text = out / "spm-train.txt"
    text.write_text("\n".join(lines[:3000]) + "\n", encoding="utf-8")
    prefix = out / "spm"
    spm.SentencePieceTrainer.train(
        input=str(text),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        character_coverage=1.0,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def tokenizer(out: Path):  # type: ignore[no-untyped-def]
    import sentencepiece as spm
    from transformers import T5Tokenizer

    sp = spm.SentencePieceProcessor(model_file=str(train_spm(out)))
    # transformers 5 builds the T5 tokenizer from (piece, score) pairs, not from a .model file.
    vocab = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    return T5Tokenizer(vocab=vocab, extra_ids=0)


def tiny_t5(out: Path) -> Path:
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    tok = tokenizer(out)
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=len(tok), d_model=32, d_ff=64, d_kv=8, num_layers=2, num_heads=2,
        decoder_start_token_id=tok.pad_token_id, pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
    )  # fmt: skip
    model_dir = out / "tiny-t5"
    T5ForConditionalGeneration(config).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    return model_dir


def tiny_causal(out: Path) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = tokenizer(out)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=None,
    )  # fmt: skip
    model_dir = out / "tiny-causal"
    LlamaForCausalLM(config).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    return model_dir
