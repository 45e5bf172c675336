"""Word-level quality estimation: how likely a post-editor is to change each word of an MT sentence.

A light head on the frozen Gemma backbone, which reads ``<bos> MT`` (with a source,
``<bos> source \nEnglish: MT``, :func:`mtfix.model.qe_head`) once. Per word (the tokens of
:func:`mtfix.diff.tokens`) the features are

- the mean of its tokens' hidden states at the layers in ``layers``, and the next word's at the
  middle one of them: a causal model sees only what is left of a word, and the next word's state
  is where the model has read this word and learnt whether what follows fits it;
- its surprisal (total and worst token, in nats), the next word's, and the sentence's mean: a
  word the model did not expect, or that makes the next one unexpected;
- its English word frequency (wordfreq Zipf), whether it is punctuation, capitalised, a number,
  its relative position, token count and the sentence's length in words;
- the sentence's mean hidden state at the middle layer (:func:`with_sentence_context`, added
  to the cached rows when the head reads them): how good the whole sentence is, which sets how
  likely any of its words is to be changed (it raised held-out MCC from 0.24 to 0.30).

The head is a standardised logistic regression or a one-hidden-layer MLP over them, fitted by
:mod:`mtfix.lab.qe` and stored as plain arrays in ``models/<name>/head.safetensors`` with
``qe.json`` (layers, threshold, figures): a few hundred kilobytes, never a backbone copy. Running it
needs numpy and the backbone, not scikit-learn. The echo reading (the sentence twice, features
from the second copy) would give every word its whole sentence as context but doubles the
backbone's work, which this CPU-only project cannot spend on every flagged document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mtfix.lexicon as lexicon
from mtfix.diff import Token, tokens
from mtfix.model import ModelLoadError, qe_head
from mtfix.model.backbone import Codec

if TYPE_CHECKING:
    import torch

DEFAULT_QE_MODEL = "gemma-qe"
DEFAULT_SOURCE_QE_MODEL = "gemma-qe-src"
HEAD_FILE = "head.safetensors"
META_FILE = "qe.json"
DEFAULT_LAYERS = (6, 12, 18)
# Raising this invalidates cached training features: what a word's feature row holds changed.
FEATURES_VERSION = 1
# Sentences longer than this (in backbone tokens, source included) are cut: their words past the
# cut get no estimate rather than a wrong one.
MAX_TOKENS = 512
SCALARS = (
    "surprisal",
    "surprisal_max",
    "next_surprisal",
    "sentence_surprisal",
    "zipf",
    "punctuation",
    "capitalised",
    "number",
    "position",
    "pieces",
    "sentence_words",
)


@dataclass(frozen=True)
class Encoded:
    """One sentence laid out for the backbone: ids, and per MT word its token range."""

    ids: list[int]
    words: list[Token]
    ranges: list[tuple[int, int]]


def encode(codec: Codec, mt: str, source: str | None = None) -> Encoded:
    """The backbone's input for ``mt``, encoded word by word (each with the spaces before it) so
    each word's tokens are known; the same split at training and at run time."""
    head = qe_head(source)
    ids = [codec.bos_id] if codec.bos_id is not None else [codec.eos_id]
    ids += codec.encode(head) if head else []
    words = tokens(mt)
    ranges = []
    cursor = 0
    for word in words:
        # The first word after the source's "English:" gets its space, as in running text.
        text = mt[cursor : word.end] if cursor else (" " if head else "") + word.text
        piece = codec.encode(text)
        ranges.append((len(ids), len(ids) + len(piece)))
        ids.extend(piece)
        cursor = word.end
    return Encoded(ids, words, ranges)


def _word_scalars(
    words: Sequence[Token], surprisal: Sequence[float], worst: Sequence[float]
) -> Any:
    import numpy as np

    n = len(words)
    mean = float(np.mean(surprisal)) if n else 0.0
    rows = []
    for i, w in enumerate(words):
        text = w.text
        rows.append(
            [
                surprisal[i],
                worst[i],
                surprisal[i + 1] if i + 1 < n else 0.0,
                mean,
                lexicon.zipf(text.lower()) if w.is_word else 7.0,
                0.0 if w.is_word else 1.0,
                1.0 if text[:1].isupper() else 0.0,
                1.0 if any(c.isdigit() for c in text) else 0.0,
                i / max(1, n - 1),
                0.0,  # filled with the token count by the caller
                float(n),
            ]
        )
    return np.asarray(rows, dtype=np.float32)


def word_features(
    model: Any,
    codec: Codec,
    sentences: Sequence[str],
    sources: Sequence[str | None] | None = None,
    *,
    layers: Sequence[int] = DEFAULT_LAYERS,
    batch_size: int = 16,
) -> list[Any]:
    """Per sentence, a ``(words, features)`` float32 array: the backbone's view of every word."""
    import numpy as np
    import torch

    sources = sources if sources is not None else [None] * len(sentences)
    encoded = [encode(codec, mt, src) for mt, src in zip(sentences, sources, strict=True)]
    out: list[Any] = [None] * len(encoded)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            rows = [encoded[i].ids[:MAX_TOKENS] for i in chunk]
            states, logp = _run(model, rows, codec.pad_id, layers)
            for n, i in enumerate(chunk):
                out[i] = _sentence_features(encoded[i], states[n], logp[n], len(rows[n]))
    width = (len(layers) + 1) * _hidden_size(model) + len(SCALARS)
    return [o if o is not None else np.zeros((0, width), np.float32) for o in out]


def _hidden_size(model: Any) -> int:
    return int(model.config.get_text_config().hidden_size)


def _run(
    model: Any, rows: list[list[int]], pad: int, layers: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Hidden states at ``layers`` (batch, layer, position, dim) and each token's log-probability
    given what precedes it (batch, position; position 0 gets 0)."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
    result = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    hidden = torch.stack([result.hidden_states[k] for k in layers], dim=1)
    logp = result.logits.float().log_softmax(-1)
    token_logp = logp[:, :-1].gather(2, ids[:, 1:, None])[..., 0]
    return hidden, torch.nn.functional.pad(token_logp, (1, 0))


def _sentence_features(enc: Encoded, states: torch.Tensor, logp: torch.Tensor, length: int) -> Any:
    import numpy as np

    kept = [i for i, (a, b) in enumerate(enc.ranges) if a < b <= length]
    if not kept:
        return None
    words = [enc.words[i] for i in kept]
    spans = [enc.ranges[i] for i in kept]
    surprisal = [-float(logp[a:b].sum()) for a, b in spans]
    worst = [-float(logp[a:b].min()) for a, b in spans]
    scalars = _word_scalars(words, surprisal, worst)
    scalars[:, SCALARS.index("pieces")] = [b - a for a, b in spans]
    pooled = np.stack([states[:, a:b].mean(1).reshape(-1).numpy() for a, b in spans])
    middle = states.shape[0] // 2
    following = np.zeros((len(spans), states.shape[-1]), np.float32)
    for n, (a, b) in enumerate(spans[1:]):
        following[n] = states[middle, a:b].mean(0).numpy()
    features = np.concatenate([pooled, following, scalars], axis=1).astype(np.float32)
    if len(kept) < len(enc.words):
        # Words cut off by MAX_TOKENS: NaN rows, which the head turns into "no estimate".
        full = np.full((len(enc.words), features.shape[1]), np.nan, np.float32)
        full[kept] = features
        return full
    return features


def with_sentence_context(rows: Any, layers: int) -> Any:
    """``rows`` (one sentence's words, as :func:`word_features` gives them) with the sentence's
    mean middle-layer state appended to each; NaN rows (words past the window) stay NaN."""
    import numpy as np

    hidden = (rows.shape[1] - len(SCALARS)) // (layers + 1)
    middle = layers // 2
    block = rows[:, middle * hidden : (middle + 1) * hidden]
    known = ~np.isnan(block).any(axis=1)
    mean = block[known].mean(0) if known.any() else np.zeros(hidden, rows.dtype)
    return np.concatenate([rows, np.repeat(mean[None, :], len(rows), 0)], axis=1)


@dataclass(frozen=True)
class Head:
    """The fitted classifier as arrays: standardisation, then a logistic regression (``w1``,
    ``b1`` with one output) or an MLP (``w1``, ``b1``, ReLU, ``w2``, ``b2``)."""

    mean: Any
    scale: Any
    weights: tuple[Any, ...]

    def probability(self, features: Any) -> Any:
        import numpy as np

        x = (features - self.mean) / self.scale
        w1, b1 = self.weights[0], self.weights[1]
        z = x @ w1 + b1
        if len(self.weights) == 4:
            z = np.maximum(z, 0.0) @ self.weights[2] + self.weights[3]
        z = z.reshape(-1)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def arrays(self) -> dict[str, Any]:
        names = ("w1", "b1", "w2", "b2")[: len(self.weights)]
        layers = dict(zip(names, self.weights, strict=True))
        return {"mean": self.mean, "scale": self.scale, **layers}

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any]) -> Head:
        weights = tuple(arrays[k] for k in ("w1", "b1", "w2", "b2") if k in arrays)
        return cls(arrays["mean"], arrays["scale"], weights)


def save_head(head: Head, path: Path) -> None:
    from safetensors.numpy import save_file

    save_file({k: v.astype("float32") for k, v in head.arrays().items()}, str(path))


@dataclass(frozen=True)
class WordEstimate:
    token: Token
    # Probability that a post-editor changes this word (None: past the model's window).
    bad: float | None


@lru_cache(maxsize=1)
def _shared_backbone() -> tuple[Any, Codec]:
    """The frozen backbone every QE model reads (one copy per process)."""
    from mtfix.model.backbone import load_backbone

    return load_backbone()


def resolve_qe(spec: str) -> Path:
    """A QE model directory: a path, or a name under ``models/``."""
    from mtfix.paths import models_dir

    for path in (Path(spec), models_dir() / spec):
        if (path / META_FILE).is_file():
            return path
    raise ModelLoadError(f"{spec}: no QE model (looked for {META_FILE} in . and {models_dir()})")


@lru_cache(maxsize=4)
def load_estimator(spec: str) -> QualityEstimator:
    """The QE model ``spec`` (see :func:`resolve_qe`), loaded once per process."""
    return QualityEstimator(resolve_qe(spec))


class QualityEstimator:
    """A QE model directory (``models/gemma-qe``): the head and which backbone layers it reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        meta_path = path / META_FILE
        try:
            self.meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"{meta_path}: not a QE model ({e})") from e
        self.layers = tuple(self.meta["layers"])
        self.threshold = float(self.meta["threshold"])
        # The detector's cut-off: BAD precision at least 0.8 on the head's held-out lines.
        self.flag_threshold = float(self.meta.get("flag_threshold", self.threshold))
        self.with_source = bool(self.meta.get("source", False))
        self.sentence_context = bool(self.meta.get("sentence_context", False))

    @cached_property
    def head(self) -> Head:
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        try:
            return Head.from_arrays(load_file(str(self.path / HEAD_FILE)))
        except (SafetensorError, OSError, KeyError) as e:
            raise ModelLoadError(f"{self.path / HEAD_FILE}: unreadable QE head ({e})") from e

    @property
    def backbone(self) -> tuple[Any, Codec]:
        return _shared_backbone()

    def probabilities(self, rows: Any) -> Any:
        """The head's BAD probability for each of one sentence's feature rows."""
        import numpy as np

        if self.sentence_context:
            rows = with_sentence_context(rows, len(self.layers))
        return self.head.probability(np.nan_to_num(rows))

    def estimate(
        self, sentences: Sequence[str], sources: Sequence[str | None] | None = None
    ) -> list[list[WordEstimate]]:
        """Per sentence, each word with the probability that a post-editor changes it."""
        import numpy as np

        model, codec = self.backbone
        if not self.with_source:
            sources = None
        feats = word_features(model, codec, sentences, sources, layers=self.layers)
        out = []
        for sentence, f in zip(sentences, feats, strict=True):
            words = tokens(sentence)
            if len(f) == 0:
                out.append([WordEstimate(w, None) for w in words])
                continue
            missing = np.isnan(f).any(axis=1)
            p = self.probabilities(f)
            out.append(
                [
                    WordEstimate(w, None if gone else float(q))
                    for w, q, gone in zip(words, p, missing, strict=True)
                ]
            )
        return out
