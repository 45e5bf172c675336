"""Generation and scoring with transformers: the reference backend, and the one training uses.

Generation is batched greedy decoding with the KV cache (``beams=K``: beam search, the K best
rewrites of each sentence). A sentence whose prompt exceeds the model window is skipped with a
logged note, never truncated. Scoring gives summed log-probabilities of given outputs, batched.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from textwrap import shorten
from typing import Any

from mtfix.model.load import LoadedModel

log = logging.getLogger(__name__)


class TransformersBackend:
    def __init__(self, loaded: LoadedModel, *, batch_size: int = 8, beams: int = 1) -> None:
        self.loaded = loaded
        self.batch_size = batch_size
        self.beams = beams
        # Tokens generated so far (up to each row's end of sequence): throughput for the bench.
        self.generated_tokens = 0

    def rewrite(self, sentences: Sequence[str]) -> list[str | None]:
        """The best rewrite of each sentence; None where the sentence does not fit the window."""
        return [options[0] if options else None for options in self.rewrites(sentences)]

    def rewrites(self, sentences: Sequence[str]) -> list[list[str]]:
        """The ``beams`` best rewrites of each sentence, best first; none where the sentence does
        not fit the model window."""
        import torch

        m = self.loaded
        prompts = [m.prompt.format(source=s) for s in sentences]
        encoded = [self._encode_prompt(p) for p in prompts]
        out: list[list[str]] = [[] for _ in sentences]
        todo = []
        for i, ids in enumerate(encoded):
            if len(ids) > m.window:
                # Never truncated: a cut sentence would come back as a "fixed" shorter one.
                log.warning(
                    "sentence %d (%r) has %d tokens, over the model window of %d: not rewritten",
                    i + 1,
                    shorten(sentences[i], 40, placeholder="..."),
                    len(ids),
                    m.window,
                )
            else:
                todo.append(i)
        # Similar lengths together: less padding per batch.
        todo.sort(key=lambda i: len(encoded[i]))
        with torch.inference_mode():
            for start in range(0, len(todo), self.batch_size):
                chunk = todo[start : start + self.batch_size]
                texts = self._generate([encoded[i] for i in chunk])
                for n, i in enumerate(chunk):
                    out[i] = texts[n * self.beams : (n + 1) * self.beams]
        return out

    def _encode_prompt(self, prompt: str) -> list[int]:
        m = self.loaded
        if m.codec is not None:
            bos = [m.codec.bos_id] if m.codec.bos_id is not None else []
            return bos + m.codec.encode(prompt)
        return list(m.tokenizer(prompt).input_ids)

    def _generate(self, batch: list[list[int]]) -> list[str]:
        """The decoded rewrites, ``beams`` consecutive ones per row of ``batch``."""
        import torch

        m = self.loaded
        longest = max(len(ids) for ids in batch)
        if m.codec is not None:
            pad, eos = m.codec.pad_id, m.codec.eos_id
            # Left padding: every row's next token comes right after its prompt.
            ids = torch.tensor([[pad] * (longest - len(r)) + r for r in batch])
            mask = torch.tensor([[0] * (longest - len(r)) + [1] * len(r) for r in batch])
        else:
            pad = m.tokenizer.pad_token_id
            eos = m.model.generation_config.eos_token_id or m.tokenizer.eos_token_id
            ids = torch.tensor([r + [pad] * (longest - len(r)) for r in batch])
            mask = torch.tensor([[1] * len(r) + [0] * (longest - len(r)) for r in batch])
        # Room for a rewrite a little longer than the source, never unbounded.
        budget = min(m.window, int(longest * 1.3) + 8)
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
        texts = []
        for row in generated:
            new = row[longest:] if m.codec is not None else row
            tokens = [int(t) for t in new if int(t) != pad]
            if eos in tokens:
                tokens = tokens[: tokens.index(eos)]
            self.generated_tokens += len(tokens) + 1
            text = (
                m.codec.decode(tokens)
                if m.codec is not None
                else m.tokenizer.decode(tokens, skip_special_tokens=True)
            )
            # A causal model that runs on past its answer starts a new line; keep the first.
            texts.append(text.strip().split("\n", 1)[0].strip())
        return texts

    def preference(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Per (source, rewrite): how much more the model wants to write the rewrite than to copy
        the source, ``log P(rewrite | prompt) - log P(source | prompt)`` in nats.

        The selector's score for a model candidate: greedy decoding picks the rewrite locally,
        token by token; this compares the two whole sentences, so a rewrite the model only
        half-prefers (a first token it barely chose) scores near zero.
        """
        sources = [src for src, _ in pairs for _ in (0, 1)]
        outputs = [text for pair in pairs for text in pair]
        logps = self.log_prob(sources, outputs)
        return [logps[2 * i + 1] - logps[2 * i] for i in range(len(pairs))]

    def fluency_gain(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Per (sentence, variant): ``log P(variant) - log P(sentence)`` with the model read as
        a plain language model (no prompt), in nats; 0 for seq2seq models, which cannot."""
        m = self.loaded
        if m.codec is None:
            return [0.0] * len(pairs)
        start = [m.codec.bos_id if m.codec.bos_id is not None else m.codec.eos_id]
        rows = [start + m.codec.encode(text) for pair in pairs for text in pair]
        logps = self._causal_scores(rows, [1] * len(rows))
        return [logps[2 * i + 1] - logps[2 * i] for i in range(len(pairs))]

    def log_prob(self, sources: Sequence[str], outputs: Sequence[str]) -> list[float]:
        """``log P(output | prompt(source))`` per pair: the output's tokens and end of sequence."""
        import torch

        m = self.loaded
        if m.codec is not None:
            rows, heads = [], []
            for src, out in zip(sources, outputs, strict=True):
                head = self._encode_prompt(m.prompt.format(source=src))
                rows.append(head + m.codec.encode(" " + out) + [m.codec.eos_id])
                heads.append(len(head))
            return self._causal_scores(rows, heads)
        pairs = list(zip(sources, outputs, strict=True))
        step = self.batch_size * 2
        with torch.inference_mode():
            return [
                logp
                for start in range(0, len(pairs), step)
                for logp in _seq2seq_log_probs(m, pairs[start : start + step])
            ]

    def _causal_scores(self, rows: list[list[int]], heads: list[int]) -> list[float]:
        """Summed log-probabilities of each row's tokens from ``heads[i]`` on."""
        import torch

        m = self.loaded
        assert m.codec is not None
        step = self.batch_size * 2
        with torch.inference_mode():
            return [
                logp
                for start in range(0, len(rows), step)
                for logp in _causal_log_probs(
                    m.model, rows[start : start + step], heads[start : start + step], m.codec.pad_id
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
