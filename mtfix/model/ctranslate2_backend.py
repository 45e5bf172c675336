"""Generation and scoring with CTranslate2: the fast backend for LoRA adapters.

The adapter, merged into its base (:func:`mtfix.model.load.merged_checkpoint`), is converted once
to CTranslate2's format with int8 weights and cached under
``$MTFIX_CACHE/models/ctranslate2/<adapter key>-int8/``, keyed like the merge by a digest of the
adapter's files: a retrained adapter gets its own conversion, built on first use (``make
bootstrap`` builds the shipped one). Building needs torch and transformers; a load afterwards
needs only ``ctranslate2`` and ``tokenizers``, which is most of why it starts in under a second.

The converted vocabulary is the model's own ids written as decimal strings, so the conversion
works for any causal base CTranslate2 supports, through the same
:class:`~mtfix.model.backbone.Codec` as the reference backend: both run the trimmed Gemma
vocabulary and see the same prompt ids. CTranslate2 brings what the rewriter needs natively:
batched greedy and beam search (``beam_size``, ``num_hypotheses``) and batched scoring
(``score_batch``).

``python -m mtfix.model.ctranslate2_backend [MODEL]`` builds the conversion and prints its path.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mtfix.model import DEFAULT_MODEL, ModelLoadError
from mtfix.model.backbone import Codec
from mtfix.model.backend import Backend, even_batches
from mtfix.model.load import (
    AdapterInfo,
    adapter_codec,
    adapter_info,
    is_adapter,
    merged_checkpoint,
    resolve,
)
from mtfix.paths import cache_root

log = logging.getLogger(__name__)

QUANTIZATION = "int8"
# ctranslate2 runs its int8 products on Intel MKL on an Intel CPU and on oneDNN elsewhere, and the
# two round differently enough to tip a rewrite the model is unsure of: on an Intel Xeon, MKL lost
# the seed article's "I am ready to deny it." → "He is ready ..." and moved MLQE-PE ro-en and
# et-en dev by a line or two each. oneDNN on every CPU gives every machine the decisions the tests
# and the eval baseline were accepted on (an AMD CPU, where it is the default anyway); an explicit
# CT2_USE_MKL=1 brings MKL back. ctranslate2 reads the variable when it is first imported, which
# in mtfix happens only in this module, after this line; a host program that imported it first
# has made its own choice, which _generator warns of.
_IMPORTED_BEFORE_PIN = "ctranslate2" in sys.modules and "CT2_USE_MKL" not in os.environ
os.environ.setdefault("CT2_USE_MKL", "0")
# Raising this invalidates old conversions: the vocabulary scheme or the recipe changed.
_FORMAT = 1


def conversion_dir(info: AdapterInfo, quantization: str = QUANTIZATION) -> Path:
    return cache_root() / "models" / "ctranslate2" / f"{info.key}-{quantization}-f{_FORMAT}"


def ensure_converted(info: AdapterInfo, quantization: str = QUANTIZATION) -> Path:
    """The adapter's CTranslate2 conversion, built on first use (merging it first if needed)."""
    target = conversion_dir(info, quantization)
    if (target / "model.bin").exists():
        return target
    merged = merged_checkpoint(info.path)
    codec = adapter_codec(info)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target and renamed: an interrupted conversion never looks complete.
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _convert(merged, codec, tmp / "model", quantization)
        shutil.rmtree(target, ignore_errors=True)
        (tmp / "model").rename(target)
    except (NotImplementedError, ValueError, OSError) as e:
        raise ModelLoadError(f"{info.path}: cannot convert for ctranslate2 ({e})") from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@dataclass
class _Specials:
    """The tokenizer attributes CTranslate2's loaders read, in the id-string vocabulary. Every
    token the backend passes is in the vocabulary, so the unknown token is never looked up."""

    bos_token: str
    eos_token: str
    unk_token: str
    chat_template: None = None


def _convert(merged: Path, codec: Codec, out: Path, quantization: str) -> None:
    # Imported here: ctranslate2's converters import torch and transformers, which a load of a
    # converted model never needs.
    import torch
    from ctranslate2.converters import Converter
    from ctranslate2.converters.transformers import _MODEL_LOADERS
    from transformers import AutoModelForCausalLM

    class MergedConverter(Converter):
        def _load(self) -> Any:
            model = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32)
            name = type(model.config).__name__
            if name not in _MODEL_LOADERS:
                raise NotImplementedError(f"ctranslate2 has no loader for {name}")
            loader = _MODEL_LOADERS[name]
            with torch.no_grad():
                spec = loader.get_model_spec(model)
            bos = codec.bos_id if codec.bos_id is not None else codec.eos_id
            specials = _Specials(str(bos), str(codec.eos_id), str(codec.pad_id))
            loader.set_config(spec.config, model, specials)
            spec.register_vocabulary([str(i) for i in range(model.config.vocab_size)])
            return spec

    MergedConverter().convert(str(out), quantization=quantization)


def _threads() -> int:
    """The cores this process may use: its share where a parent set one in ``OMP_NUM_THREADS``
    (each of ``mtfix batch --jobs N``'s workers, a Ray task), else every CPU it may run on. A
    worker that took every core would put N x cores decoders on the machine's cores."""
    share = os.environ.get("OMP_NUM_THREADS", "")
    if share.isdigit() and int(share) > 0:
        return int(share)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class CTranslate2Backend(Backend):
    name = "ctranslate2"

    def __init__(
        self,
        model_dir: Path,
        info: AdapterInfo,
        codec: Codec,
        *,
        batch_size: int = 8,
        beams: int = 1,
    ) -> None:
        super().__init__(
            prompt=info.prompt, window=info.window, codec=codec, batch_size=batch_size, beams=beams
        )
        self.model_dir = model_dir
        self.generator = _generator(model_dir)
        self.workers = self.generator.num_generators

    def _generate(self, batch: list[list[int]], budget: int) -> list[list[int]]:
        return next(self._generate_batches([(batch, budget)]))

    def _generate_batches(
        self, batches: Sequence[tuple[list[list[int]], int]]
    ) -> Iterator[list[list[int]]]:
        assert self.codec is not None
        # All submitted at once: the generator's workers (one per core) take them in turn.
        pending = [
            self.generator.generate_batch(
                [[str(t) for t in row] for row in batch],
                beam_size=self.beams,
                num_hypotheses=self.beams,
                max_length=budget,
                include_prompt_in_result=False,
                end_token=[self.codec.eos_id],
                asynchronous=True,
            )
            for batch, budget in batches
        ]
        for results in pending:
            yield [list(ids) for result in results for ids in result.result().sequences_ids]

    def _causal_scores(self, rows: list[list[int]], heads: list[int]) -> list[float]:
        assert self.codec is not None
        pad = str(self.codec.pad_id)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        pending = []
        for chunk in even_batches(order, self.batch_size, self.workers):
            width = max(len(rows[i]) for i in chunk)
            # Rows of one length: ctranslate2 4.8 mis-sizes Gemma 3's sliding-window mask for a
            # padded batch. Padding on the right changes nothing before it in a causal model.
            batch = [[str(t) for t in rows[i]] + [pad] * (width - len(rows[i])) for i in chunk]
            pending.append(
                (chunk, self.generator.score_batch(batch, max_input_length=0, asynchronous=True))
            )
        out = [0.0] * len(rows)
        for chunk, results in pending:
            for i, result in zip(chunk, results, strict=True):
                # log_probs[t] is the log-probability of token t + 1 given those before it.
                out[i] = float(sum(result.result().log_probs[heads[i] - 1 : len(rows[i]) - 1]))
        return out


@lru_cache(maxsize=4)
def _generator(model_dir: Path) -> Any:
    import ctranslate2

    if _IMPORTED_BEFORE_PIN:
        log.warning(
            "ctranslate2 was imported before mtfix could set CT2_USE_MKL=0: on an Intel CPU its "
            "int8 products run on MKL, and rewrites may differ from mtfix's published figures "
            "(set CT2_USE_MKL=0 before importing it)"
        )
    try:
        # One worker per core, each on one thread (the workers share the weights): a decoding
        # step of a 270M model is many small matrix products, which a second thread slows down
        # (its hand-offs cost more than it computes: `ctranslate2_step_costs` in
        # eval/bench/model.json); independent batches on separate cores do not.
        return ctranslate2.Generator(
            str(model_dir),
            device="cpu",
            compute_type=QUANTIZATION,
            inter_threads=_threads(),
            intra_threads=1,
        )
    except (RuntimeError, ValueError) as e:
        raise ModelLoadError(f"{model_dir}: unreadable ctranslate2 model ({e}); delete it") from e


def open_model(path: Path, *, batch_size: int = 8, beams: int = 1) -> CTranslate2Backend:
    """The LoRA adapter in ``path`` on CTranslate2, converting it on first use."""
    if not is_adapter(path):
        raise ModelLoadError(
            f"{path}: the ctranslate2 backend runs LoRA adapters (as in models/); "
            "use --backend transformers for a plain Hugging Face directory"
        )
    info = adapter_info(path)
    return CTranslate2Backend(
        ensure_converted(info), info, adapter_codec(info), batch_size=batch_size, beams=beams
    )


if __name__ == "__main__":
    model = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MODEL
    print(ensure_converted(adapter_info(resolve(model).resolve())))
