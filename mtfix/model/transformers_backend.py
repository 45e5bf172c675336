"""Generation and scoring with transformers: the reference backend, and the one training uses.

Generation is batched greedy decoding with the KV cache (``beams=K``: beam search, the K best
rewrites of each sentence); scoring gives summed log-probabilities of given outputs, batched.
Besides the causal models every backend runs (see :mod:`mtfix.model.backend`), it runs seq2seq
models (T5, BART, Marian) and any local Hugging Face directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mtfix.model.backend import Backend
from mtfix.model.load import LoadedModel


class TransformersBackend(Backend):
    name = "transformers"

    def __init__(self, loaded: LoadedModel, *, batch_size: int = 8, beams: int = 1) -> None:
        super().__init__(
            prompt=loaded.prompt,
            window=loaded.window,
            codec=loaded.codec,
            batch_size=batch_size,
            beams=beams,
        )
        self.loaded = loaded

    def _encode_prompt(self, prompt: str) -> list[int]:
        if self.codec is not None:
            return super()._encode_prompt(prompt)
        return list(self.loaded.tokenizer(prompt).input_ids)

    def _decode(self, tokens: Sequence[int]) -> str:
        if self.codec is not None:
            return super()._decode(tokens)
        return str(self.loaded.tokenizer.decode(list(tokens), skip_special_tokens=True))

    def _generate(self, batch: list[list[int]], budget: int) -> list[list[int]]:
        import torch

        m = self.loaded
        longest = max(len(ids) for ids in batch)
        if self.codec is not None:
            pad, eos = self.codec.pad_id, self.codec.eos_id
            # Left padding: every row's next token comes right after its prompt.
            ids = torch.tensor([[pad] * (longest - len(r)) + r for r in batch])
            mask = torch.tensor([[0] * (longest - len(r)) + [1] * len(r) for r in batch])
        else:
            pad = m.tokenizer.pad_token_id
            eos = m.model.generation_config.eos_token_id or m.tokenizer.eos_token_id
            ids = torch.tensor([r + [pad] * (longest - len(r)) for r in batch])
            mask = torch.tensor([[1] * len(r) + [0] * (longest - len(r)) for r in batch])
        with torch.inference_mode():
            generated = m.model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=budget,
                do_sample=False,
                num_beams=self.beams,
                num_return_sequences=self.beams,
                use_cache=True,
                eos_token_id=eos,
                pad_token_id=pad,
            )
        out = []
        for row in generated:
            new = row[longest:] if self.codec is not None else row
            tokens = [int(t) for t in new if int(t) != pad]
            out.append(tokens[: tokens.index(eos)] if eos in tokens else tokens)
        return out

    def fluency_gain(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """As :meth:`Backend.fluency_gain`; 0 for seq2seq models, which cannot read a sentence
        as a plain language model."""
        if self.codec is None:
            return [0.0] * len(pairs)
        return super().fluency_gain(pairs)

    def log_prob(self, sources: Sequence[str], outputs: Sequence[str]) -> list[float]:
        if self.codec is not None:
            return super().log_prob(sources, outputs)
        import torch

        pairs = list(zip(sources, outputs, strict=True))
        step = self.batch_size * 2
        with torch.inference_mode():
            return [
                logp
                for start in range(0, len(pairs), step)
                for logp in _seq2seq_log_probs(self.loaded, pairs[start : start + step])
            ]

    def _causal_scores(self, rows: list[list[int]], heads: list[int]) -> list[float]:
        import torch

        assert self.codec is not None
        step = self.batch_size * 2
        with torch.inference_mode():
            return [
                logp
                for start in range(0, len(rows), step)
                for logp in _causal_log_probs(
                    self.loaded.model,
                    rows[start : start + step],
                    heads[start : start + step],
                    self.codec.pad_id,
                )
            ]


def _causal_log_probs(model: Any, rows: list[list[int]], heads: list[int], pad: int) -> list[float]:
    import torch

    width = max(len(r) for r in rows)
    ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
    token_logp = logits.log_softmax(-1).gather(2, ids[:, 1:, None])[..., 0]
    # Position t predicts token t + 1: count the predictions of the output's tokens only.
    positions = torch.arange(width - 1)[None, :]
    keep = (positions >= torch.tensor(heads)[:, None] - 1) & (mask[:, 1:] == 1)
    return [float(v) for v in (token_logp * keep).sum(1)]


def _seq2seq_log_probs(m: LoadedModel, pairs: list[tuple[str, str]]) -> list[float]:
    tok = m.tokenizer
    enc = tok([m.prompt.format(source=src) for src, _ in pairs], return_tensors="pt", padding=True)
    labels = tok([out for _, out in pairs], return_tensors="pt", padding=True).input_ids
    keep = labels != tok.pad_token_id
    logits = m.model(**enc, labels=labels.masked_fill(~keep, -100)).logits.float()
    token_logp = logits.log_softmax(-1).gather(2, labels[..., None])[..., 0]
    return [float(v) for v in (token_logp * keep).sum(1)]
