"""The model rewriter: a fine-tuned language model proposes a fluent version of each sentence.

``ModelRewriter(spec)`` takes a model directory (a path, or a name under ``models/``), loaded
lazily, once per process, on the first :meth:`~ModelRewriter.propose`:

- a LoRA adapter (``adapter_config.json`` + ``adapter_model.safetensors``, as written by
  :func:`mtfix.rewrite.train.train`) on the base it names: ``gemma3-270m`` (the cached backbone)
  or a local causal LM directory;
- any local Hugging Face model directory: seq2seq (T5, BART, Marian) or causal, through the Auto
  classes. An optional ``mtfix-model.json`` there can set ``"prompt"`` (``{source}`` is the
  sentence); the default is the sentence itself for seq2seq and ``Fix: …\\nFixed:`` for causal.

Generation is batched greedy decoding with the KV cache (``beams=K``: beam search, the K best
rewrites of each sentence). A sentence whose prompt exceeds the model window is skipped with a
logged note, never truncated. Each rewrite that changes the sentence becomes a
:class:`~mtfix.rewrite.Candidate` of word-level edits in original-text offsets;
``Candidate.score`` is the model's preference for its rewrite over copying the source
(:meth:`ModelRewriter.preference`).

An adapter is merged into its base once and cached (:func:`merged_checkpoint`), so a load is one
safetensors read and peft is imported only to build that cache.

Nothing here imports torch until a model is loaded, so ``--no-model`` runs stay light.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from textwrap import shorten
from typing import Any

from mtfix.core import Document, Edit, Span, UnavailableError, apply_within
from mtfix.rewrite import Candidate, Target
from mtfix.rewrite.backbone import (
    BackboneError,
    Codec,
    TokenizerCodec,
    cache_root,
    load_base,
    load_base_codec,
)
from mtfix.rewrite.data import PROMPT, REPO
from mtfix.rewrite.diff import word_changes
from mtfix.rewrite.rules import AUTO_FIX_THRESHOLD, flag_edit

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gemma-mtfix"
ORIGIN = "model"
# Confidence the selector uses only to order overlapping candidates of different sentences.
CONFIDENCE = 0.5
DEFAULT_WINDOW = 256
# Detector suggestions from this confidence up to the rules' auto-fix threshold are put to the
# model (LanguageTool's plausible spelling fixes, see mtfix.detect.languagetool).
JUDGED_CONFIDENCE = 0.5


class ModelLoadError(UnavailableError):
    """The model directory is missing, incomplete or corrupt; the message is one line."""


def resolve(spec: str | None) -> Path:
    """A model directory from a path, a name under ``models/`` or a hub id already cached."""
    spec = spec or DEFAULT_MODEL
    for path in (Path(spec), REPO / "models" / spec):
        if path.is_dir():
            return path
    if spec.count("/") == 1:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        # Never the network: only a copy already in the Hugging Face cache.
        try:
            return Path(snapshot_download(spec, local_files_only=True))
        except (LocalEntryNotFoundError, ValueError):
            pass
    raise ModelLoadError(
        f"{spec}: no such model directory (looked in ., {REPO / 'models'} and the offline "
        "Hugging Face cache)"
    )


def _check_safetensors(path: Path) -> None:
    from safetensors import SafetensorError, safe_open

    if not path.exists():
        raise ModelLoadError(f"{path}: missing")
    try:
        with safe_open(str(path), framework="pt") as f:
            f.keys()
    except (SafetensorError, OSError, ValueError) as e:
        raise ModelLoadError(f"{path}: not a safetensors file ({e})") from e


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: expected a JSON object")
    return data


@dataclass
class LoadedModel:
    """A model ready to rewrite: causal (``codec`` set) or seq2seq (``tokenizer`` set)."""

    path: Path
    model: Any
    prompt: str
    window: int
    codec: Codec | None = None
    tokenizer: Any = None

    @property
    def seq2seq(self) -> bool:
        return self.codec is None


@lru_cache(maxsize=4)
def load(path: Path) -> LoadedModel:
    """Load the model in ``path`` (cached per process)."""
    from transformers.utils import logging as hf_logging

    # Loading takes seconds; a weight-by-weight progress bar on stderr is noise in a CLI run.
    hf_logging.disable_progress_bar()
    meta = _read_json(path / "mtfix-model.json")
    if (path / "adapter_config.json").exists():
        return _load_adapter(path, meta)
    if (path / "config.json").exists():
        return _load_plain(path, meta)
    raise ModelLoadError(f"{path}: neither a LoRA adapter nor a Hugging Face model directory")


def _load_adapter(path: Path, meta: dict[str, Any]) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM

    merged = merged_checkpoint(path)
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32)
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"{merged}: merged checkpoint is unreadable ({e}); delete it") from e
    model.eval()
    base = _adapter_base(path, meta)
    codec = load_base_codec(base)
    window = int(meta.get("window", DEFAULT_WINDOW))
    prompt = meta.get("prompt_template", PROMPT)
    return LoadedModel(path, model, prompt, window, codec=codec)


def _adapter_base(path: Path, meta: dict[str, Any]) -> str:
    config = _read_json(path / "adapter_config.json")
    base = str(config.get("base_model_name_or_path") or meta.get("base") or "")
    if not base:
        raise ModelLoadError(f"{path / 'adapter_config.json'}: names no base model")
    return base


def merged_checkpoint(path: Path) -> Path:
    """The adapter merged into its base, cached as a plain checkpoint under ``$MTFIX_CACHE``.

    Importing peft and wrapping the model cost ~2.5 s per load; merging once, keyed by a digest
    of the adapter files, makes later loads a single safetensors read.
    """
    _check_safetensors(path / "adapter_model.safetensors")
    meta = _read_json(path / "mtfix-model.json")
    base = _adapter_base(path, meta)
    digest = hashlib.sha256(base.encode())
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update((path / name).read_bytes())
    target = cache_root() / "models" / "merged" / f"{path.name}-{digest.hexdigest()[:16]}"
    if (target / "model.safetensors").exists():
        return target
    from peft import PeftModel

    try:
        model, _ = load_base(base)
        merged = PeftModel.from_pretrained(model, str(path)).merge_and_unload()
    except BackboneError as e:
        raise ModelLoadError(str(e)) from e
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise ModelLoadError(f"{path}: adapter does not fit base {base!r} ({e})") from e
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed: an interrupted merge never looks complete.
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        merged.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _load_plain(path: Path, meta: dict[str, Any]) -> LoadedModel:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    _check_safetensors_or_bin(path)
    try:
        config = AutoConfig.from_pretrained(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
        auto = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
        model = auto.from_pretrained(path, dtype=torch.float32)
    except (OSError, ValueError, KeyError) as e:
        raise ModelLoadError(f"{path}: cannot load the model ({e})") from e
    model.eval()
    positions = getattr(config, "max_position_embeddings", None) or getattr(
        config, "n_positions", 0
    )
    window = int(meta.get("window") or min(DEFAULT_WINDOW * 2, positions or DEFAULT_WINDOW * 2))
    if config.is_encoder_decoder:
        return LoadedModel(path, model, meta.get("prompt", "{source}"), window, tokenizer=tokenizer)
    codec = TokenizerCodec(tokenizer)
    return LoadedModel(path, model, meta.get("prompt", PROMPT), window, codec=codec)


def _check_safetensors_or_bin(path: Path) -> None:
    shards = sorted(path.glob("*.safetensors"))
    if not shards and not list(path.glob("*.bin")):
        raise ModelLoadError(f"{path}: no weights (*.safetensors or *.bin)")
    for shard in shards:
        _check_safetensors(shard)


class ModelRewriter:
    """Proposes model rewrites of the target sentences; the selector decides what is kept."""

    name = ORIGIN

    def __init__(self, model: str | None = None, *, batch_size: int = 8, beams: int = 1) -> None:
        self.spec = model
        self.batch_size = batch_size
        self.beams = beams
        # Tokens generated so far (up to each row's end of sequence): throughput for the bench.
        self.generated_tokens = 0

    @property
    def loaded(self) -> LoadedModel:
        return load(resolve(self.spec).resolve())

    def propose(self, doc: Document, targets: Sequence[Target]) -> list[Candidate]:
        """The model's rewrite of each target sentence, and its verdict on the detectors'
        plausible suggestions there (confidence in [``JUDGED_CONFIDENCE``, the rules' auto-fix
        threshold)): each becomes a candidate scored by the model's evidence for it."""
        if not targets:
            return []
        sentences = [span for span, _ in targets]
        rewrites = self.rewrites([s.of(doc.text) for s in sentences])
        pending = [
            (span, edits)
            for span, options in zip(sentences, rewrites, strict=True)
            for rewrite in dict.fromkeys(options)
            if (edits := _edits(doc, span, rewrite))
        ]
        scores = self.preference([_versions(doc, span, e) for span, e in pending])
        judged = [
            (span, (flag_edit(doc.text, flag, origin=ORIGIN),))
            for span, flags in targets
            for flag in flags
            if flag.suggestions
            and JUDGED_CONFIDENCE <= flag.confidence < AUTO_FIX_THRESHOLD
            and span.contains(flag.span)
        ]
        gains = self.fluency_gain([_versions(doc, span, e) for span, e in judged])
        return [
            Candidate(span, edits, ORIGIN, score)
            for (span, edits), score in zip([*pending, *judged], [*scores, *gains], strict=True)
        ]

    def rewrite(self, sentences: Sequence[str]) -> list[str | None]:
        """The best rewrite of each sentence; None where the sentence does not fit the window."""
        return [options[0] if options else None for options in self.rewrites(sentences)]

    def rewrites(self, sentences: Sequence[str]) -> list[list[str]]:
        """The ``beams`` best rewrites of each sentence, best first; none where the sentence does
        not fit the model window."""
        import torch

        m = self.loaded
        prompts = [m.prompt.format(source=s) for s in sentences]
        encoded = [self._encode_prompt(m, p) for p in prompts]
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
                texts = self._generate(m, [encoded[i] for i in chunk])
                for n, i in enumerate(chunk):
                    out[i] = texts[n * self.beams : (n + 1) * self.beams]
        return out

    @staticmethod
    def _encode_prompt(m: LoadedModel, prompt: str) -> list[int]:
        if m.codec is not None:
            bos = [m.codec.bos_id] if m.codec.bos_id is not None else []
            return bos + m.codec.encode(prompt)
        return list(m.tokenizer(prompt).input_ids)

    def _generate(self, m: LoadedModel, batch: list[list[int]]) -> list[str]:
        """The decoded rewrites, ``beams`` consecutive ones per row of ``batch``."""
        import torch

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
                head = self._encode_prompt(m, m.prompt.format(source=src))
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


def _versions(doc: Document, span: Span, edits: Sequence[Edit]) -> tuple[str, str]:
    return span.of(doc.text), apply_within(doc.text, span, edits)


def _edits(doc: Document, span: Span, rewrite: str) -> tuple[Edit, ...]:
    changes = word_changes(
        span.of(doc.text), rewrite, offset=span.start, origin=ORIGIN, confidence=CONFIDENCE
    )
    return tuple(c.edit for c in changes)
