"""A model directory resolved and loaded once per process.

A directory is either

- a LoRA adapter (``adapter_config.json`` + ``adapter_model.safetensors``, as written by
  :func:`mtfix.lab.train.train`) on the base it names: ``gemma3-270m`` (the cached backbone) or a
  local causal LM directory; it is merged into its base once and cached
  (:func:`merged_checkpoint`), so a load is one safetensors read and peft is imported only to
  build that cache;
- or any local Hugging Face model directory: seq2seq (T5, BART, Marian) or causal, through the
  Auto classes. An optional ``mtfix-model.json`` there can set ``"prompt"`` (``{source}`` is the
  sentence); the default is the sentence itself for seq2seq and :data:`mtfix.model.PROMPT` for
  causal models.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mtfix.model import DEFAULT_MODEL, PROMPT, ModelLoadError
from mtfix.model.backbone import BackboneError, Codec, TokenizerCodec, load_base, load_base_codec
from mtfix.paths import cache_root, models_dir

DEFAULT_WINDOW = 256


def looks_like_path(spec: str) -> bool:
    """Whether a ``--model`` value names a directory (``./x``, ``../x``, ``/x``, ``~/x``) rather
    than a model by name."""
    return spec in (".", "..") or spec.startswith(("/", "./", "../", "~"))


def resolve(spec: str | None) -> Path:
    """A model directory: a path (it must look like one: ``./x``, ``/x``, ``~/x``), a bare name
    under the project's ``models/`` (never the current directory, where a stray folder of the
    same name would silently replace the bundled model), or an ``org/name`` hub id already in
    the offline cache."""
    spec = spec or DEFAULT_MODEL
    if looks_like_path(spec):
        path = Path(spec).expanduser()
        if path.is_dir():
            return path
        raise ModelLoadError(f"{spec}: no such model directory")
    if "/" not in spec:
        path = models_dir() / spec
        if path.is_dir():
            return path
        raise ModelLoadError(
            f"{spec}: no such model directory in {models_dir()} "
            f"(a directory elsewhere is given as a path: ./{spec})"
        )
    if spec.count("/") == 1:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        # Never the network: only a copy already in the Hugging Face cache.
        try:
            return Path(snapshot_download(spec, local_files_only=True))
        except (LocalEntryNotFoundError, ValueError):
            pass
    raise ModelLoadError(
        f"{spec}: no such model directory in the offline Hugging Face cache "
        f"(a local directory is given as a path: ./{spec})"
    )


def is_adapter(path: Path) -> bool:
    return (path / "adapter_config.json").exists()


def _check_safetensors(path: Path) -> None:
    from safetensors import SafetensorError, safe_open

    if not path.exists():
        raise ModelLoadError(f"{path}: missing")
    try:
        # numpy, not pt: checking a file must not import torch (the fast backend never does).
        with safe_open(str(path), framework="numpy") as f:
            f.keys()
    except (SafetensorError, OSError, ValueError) as e:
        raise ModelLoadError(f"{path}: not a safetensors file ({e})") from e


def model_meta(path: Path) -> dict[str, Any]:
    """The model directory's ``mtfix-model.json`` (empty where it has none)."""
    return _read_json(path / "mtfix-model.json")


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
    """A model ready to run: causal (``codec`` set) or seq2seq (``tokenizer`` set)."""

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
    meta = model_meta(path)
    if is_adapter(path):
        return _load_adapter(path, meta)
    if (path / "config.json").exists():
        return _load_plain(path, meta)
    raise ModelLoadError(f"{path}: neither a LoRA adapter nor a Hugging Face model directory")


def _load_adapter(path: Path, meta: dict[str, Any]) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM

    info = adapter_info(path)
    merged = merged_checkpoint(path)
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32)
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"{merged}: merged checkpoint is unreadable ({e}); delete it") from e
    model.eval()
    return LoadedModel(path, model, info.prompt, info.window, codec=adapter_codec(info))


@dataclass(frozen=True)
class AdapterInfo:
    """A LoRA adapter directory as its JSON files describe it, read without loading weights."""

    path: Path
    base: str
    prompt: str
    window: int
    # Names the adapter's version: a digest of its base and files (the caches' key).
    key: str


def adapter_info(path: Path) -> AdapterInfo:
    _check_safetensors(path / "adapter_model.safetensors")
    meta = model_meta(path)
    config = _read_json(path / "adapter_config.json")
    base = str(config.get("base_model_name_or_path") or meta.get("base") or "")
    if not base:
        raise ModelLoadError(f"{path / 'adapter_config.json'}: names no base model")
    digest = hashlib.sha256(base.encode())
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update((path / name).read_bytes())
    window = int(meta.get("window", DEFAULT_WINDOW))
    prompt = meta.get("prompt_template", PROMPT)
    return AdapterInfo(path, base, prompt, window, f"{path.name}-{digest.hexdigest()[:16]}")


def adapter_codec(info: AdapterInfo) -> Codec:
    try:
        return load_base_codec(info.base)
    except BackboneError as e:
        raise ModelLoadError(str(e)) from e


def merged_checkpoint(path: Path) -> Path:
    """The adapter merged into its base, cached as a plain checkpoint under ``$MTFIX_CACHE``.

    Importing peft and wrapping the model cost ~2.5 s per load; merging once, keyed by a digest
    of the adapter files, makes later loads a single safetensors read.
    """
    info = adapter_info(path)
    target = cache_root() / "models" / "merged" / info.key
    if (target / "model.safetensors").exists():
        return target
    from peft import PeftModel

    try:
        model, _ = load_base(info.base)
        merged = PeftModel.from_pretrained(model, str(path)).merge_and_unload()
    except BackboneError as e:
        raise ModelLoadError(str(e)) from e
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise ModelLoadError(f"{path}: adapter does not fit base {info.base!r} ({e})") from e
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
