"""What the rewriter asks of a model runtime: the interface every backend implements.

A backend generates rewrites (greedy or beam search, batched) and scores given outputs (summed
log-probabilities, batched). :class:`Backend` holds what every runtime shares: the prompt (built
once here, from the model's template), the window check that skips a sentence instead of cutting
it, batching by length, decoding, and the scores the selector reads
(:meth:`Backend.preference`, :meth:`Backend.fluency_gain`). A runtime implements two steps on
token ids: :meth:`Backend._generate` and :meth:`Backend._causal_scores`.

The runtimes, and how one is chosen by name, are in :mod:`mtfix.model.backends`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from textwrap import shorten
from typing import TypeVar

import mtfix.progress as progress
from mtfix.model.backbone import Codec

log = logging.getLogger(__name__)

T = TypeVar("T")


def even_batches(items: Sequence[T], size: int, workers: int = 1) -> list[list[T]]:
    """``items``, in order, cut into batches of at most ``size`` that are as even as they can be
    and as many as a multiple of ``workers`` (fewer only when there are fewer items): a short
    last batch, or one batch more than the workers can share, leaves a core idle while the
    others finish (27 rows in batches of 8 on 2 workers: 7, 7, 7, 6 rather than 8, 8, 8, 3)."""
    if not items:
        return []
    count = -(-len(items) // size)
    count = min(len(items), -(-count // workers) * workers)
    width, extra = divmod(len(items), count)
    out, start = [], 0
    for n in range(count):
        end = start + width + (n < extra)
        out.append(list(items[start:end]))
        start = end
    return out


class Backend(ABC):
    """Generation and scoring for one loaded causal model (``codec`` set); subclasses may also
    run seq2seq models by overriding the encoding, decoding and scoring steps."""

    name: str
    # Batches this runtime runs side by side: rewrites and scores are cut into a multiple of it.
    workers = 1

    def __init__(
        self,
        *,
        prompt: str,
        window: int,
        codec: Codec | None,
        batch_size: int = 8,
        beams: int = 1,
    ) -> None:
        self.prompt = prompt
        self.window = window
        self.codec = codec
        self.batch_size = batch_size
        self.beams = beams
        # Tokens generated so far (up to each hypothesis's end of sequence): for the bench.
        self.generated_tokens = 0
        # A faster runtime for a call whose whole work is one greedy row (prompt ids, budget ->
        # new ids): set by mtfix.model.backends where one is installed.
        self.single_row: Callable[[Sequence[int], int], list[int]] | None = None

    def rewrite(self, sentences: Sequence[str]) -> list[str | None]:
        """The best rewrite of each sentence; None where the sentence does not fit the window."""
        return [options[0] if options else None for options in self.rewrites(sentences)]

    def rewrites(
        self, sentences: Sequence[str], where: Sequence[str] | None = None
    ) -> list[list[str]]:
        """The ``beams`` best rewrites of each sentence, best first; none where the sentence does
        not fit the model window. ``where`` names each sentence in that warning ("line 12:1"):
        by default its place in ``sentences``, which a caller rewriting a document's flagged
        sentences knows better."""
        encoded = [self._prompt_ids(s) for s in sentences]
        out: list[list[str]] = [[] for _ in sentences]
        todo = []
        for i, ids in enumerate(encoded):
            if len(ids) > self.window:
                # Never truncated: a cut sentence would come back as a "fixed" shorter one.
                log.warning(
                    "%s: the sentence %r has %d tokens, over the model window of %d: not rewritten",
                    where[i] if where is not None else f"sentence {i + 1}",
                    shorten(sentences[i], 40, placeholder="..."),
                    len(ids),
                    self.window,
                )
            else:
                todo.append(i)
        # Similar lengths together: less padding per batch.
        todo.sort(key=lambda i: len(encoded[i]))
        chunks = even_batches(todo, self.batch_size, self.workers)
        batches = []
        for chunk in chunks:
            batch = [encoded[i] for i in chunk]
            batches.append((batch, self.budget(batch)))
        with progress.stage("model: rewriting", len(todo)) as advance:
            for chunk, hypotheses in zip(chunks, self._hypotheses(batches), strict=True):
                for n, i in enumerate(chunk):
                    rows = hypotheses[n * self.beams : (n + 1) * self.beams]
                    self.generated_tokens += sum(len(tokens) + 1 for tokens in rows)
                    # A causal model that runs on past its answer starts a new line: the first.
                    out[i] = [self._decode(t).strip().split("\n", 1)[0].strip() for t in rows]
                advance(len(chunk))
        return out

    def budget(self, batch: Sequence[Sequence[int]]) -> int:
        """New tokens a batch of prompts may generate: room for a rewrite a little longer than
        the longest source, never unbounded."""
        return min(self.window, int(max(map(len, batch)) * 1.3) + 8)

    def _prompt_ids(self, source: str) -> list[int]:
        """The ids the model reads for ``source`` under its prompt."""
        return self._encode_prompt(self.prompt.format(source=source))

    def _encode_prompt(self, prompt: str) -> list[int]:
        assert self.codec is not None
        bos = [self.codec.bos_id] if self.codec.bos_id is not None else []
        return bos + self.codec.encode(prompt)

    def _decode(self, tokens: Sequence[int]) -> str:
        assert self.codec is not None
        return self.codec.decode(tokens)

    @abstractmethod
    def _generate(self, batch: list[list[int]], budget: int) -> list[list[int]]:
        """``beams`` hypotheses per prompt of ``batch``, consecutive and best first: the new
        tokens of each, at most ``budget``, without the end of sequence."""

    def _hypotheses(
        self, batches: Sequence[tuple[list[list[int]], int]]
    ) -> Iterator[list[list[int]]]:
        """Each batch's hypotheses: on :attr:`single_row` when the work is one greedy row."""
        if self.single_row is not None and self.beams == 1 and len(batches) == 1:
            ((rows, budget),) = batches
            if len(rows) == 1:
                return iter([[self.single_row(rows[0], budget)]])
        return self._generate_batches(batches)

    def _generate_batches(
        self, batches: Sequence[tuple[list[list[int]], int]]
    ) -> Iterator[list[list[int]]]:
        """:meth:`_generate` of each (batch, budget), in order. A runtime that can run several
        batches at once (one per core) overrides this."""
        for batch, budget in batches:
            yield self._generate(batch, budget)

    @abstractmethod
    def _causal_scores(self, rows: list[list[int]], heads: list[int]) -> list[float]:
        """Summed log-probabilities of each row's tokens from position ``heads[i]`` on."""

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

    def reads(self, text: str) -> bool:
        """Whether :meth:`rewrites` takes ``text``: its prompt is within the model's window."""
        if self.codec is None:
            return True
        return len(self._prompt_ids(text)) <= self.window

    def fits(self, text: str) -> bool:
        """Whether :meth:`fluency_gain` reads ``text`` whole within the model's window: past it
        the scores mean nothing the model learnt, and a megabyte "sentence" would be scored in
        one piece. A seq2seq model, which scores no plain text, has no such limit."""
        if self.codec is None:
            return True
        return len(self.codec.encode(text)) + 1 <= self.window  # and the start of sequence

    def fluency_gain(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Per (sentence, variant): ``log P(variant) - log P(sentence)`` with the model read as
        a plain language model (no prompt), in nats."""
        assert self.codec is not None
        start = [self.codec.bos_id if self.codec.bos_id is not None else self.codec.eos_id]
        rows = [start + self.codec.encode(text) for pair in pairs for text in pair]
        logps = self._scores(rows, [1] * len(rows))
        return [logps[2 * i + 1] - logps[2 * i] for i in range(len(pairs))]

    def log_prob(self, sources: Sequence[str], outputs: Sequence[str]) -> list[float]:
        """``log P(output | prompt(source))`` per pair: the output's tokens and end of sequence."""
        assert self.codec is not None
        rows, heads = [], []
        for src, out in zip(sources, outputs, strict=True):
            head = self._prompt_ids(src)
            rows.append(head + self.codec.encode(" " + out) + [self.codec.eos_id])
            heads.append(len(head))
        return self._scores(rows, heads)

    def _scores(self, rows: list[list[int]], heads: list[int]) -> list[float]:
        if not rows:
            return []
        with progress.stage("model: scoring", len(rows), unit="texts") as advance:
            scores = self._causal_scores(rows, heads)
            advance(len(rows))
        return scores
