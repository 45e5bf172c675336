"""Fine-tune the rewriter: LoRA on a causal LM, on CPU, resumable, bounded by steps or wall time.

``train(config_path)`` reads ``models/<name>/train.toml`` and writes, beside it, the adapter
(``adapter_model.safetensors`` + ``adapter_config.json``), ``mtfix-model.json`` (base model, data
counts, steps, wall time, hardware: what the model card reports) and ``train-log.jsonl`` (loss per
logging interval). Checkpoints (adapter, optimizer, scheduler, step, elapsed time) go to
``$MTFIX_CACHE/train/<name>/`` every ``checkpoint_every`` steps; a rerun with the same config
resumes from the latest one, and ``max_minutes`` counts the time of all runs together.

Each example is ``<bos>Fix: <mt>\\nFixed:`` followed by `` <corrected>`` and ``<eos>``; the loss is
taken on the target tokens only, and the output layer is applied only at those positions, which
is most of the speed-up over a plain causal-LM loss on a CPU.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import time
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mtfix.lab.data import DataConfig, Pair, build_pairs, counts
from mtfix.model import CONTEXT_PROMPT, PROMPT, context_input, prompt
from mtfix.model.backbone import NAME as BACKBONE
from mtfix.model.backbone import Codec, load_base
from mtfix.paths import cache_root

if TYPE_CHECKING:
    import torch

META_FILE = "mtfix-model.json"
LOG_FILE = "train-log.jsonl"
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGETS
    # A trained adapter (a directory under models/, or a path) whose weights training starts
    # from, instead of zero: a context-aware rewriter starts from the plain one's skills.
    init: str = ""


@dataclass(frozen=True)
class TrainSettings:
    learning_rate: float = 2e-4
    batch_size: int = 8
    max_steps: int = 600
    max_minutes: float = 40.0
    warmup_steps: int = 20
    max_tokens: int = 160
    checkpoint_every: int = 25
    log_every: int = 5
    threads: int = 2
    seed: int = 0


@dataclass(frozen=True)
class TrainConfig:
    name: str
    out_dir: Path
    base: str = BACKBONE
    data: DataConfig = field(default_factory=DataConfig)
    lora: LoraSettings = field(default_factory=LoraSettings)
    train: TrainSettings = field(default_factory=TrainSettings)


class ConfigError(ValueError):
    pass


def _section(cls: Any, raw: dict[str, Any], where: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    if "corpora" in values:
        values["corpora"] = Path(str(values["corpora"]))
    return cls(**values)


def load_config(path: str | Path) -> TrainConfig:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: {e}") from e
    extra = set(raw) - {"name", "base", "data", "lora", "train"}
    if extra:
        raise ConfigError(f"{path}: unknown keys {sorted(extra)}")
    return TrainConfig(
        name=raw.get("name", path.parent.name),
        out_dir=path.parent,
        base=raw.get("base", BACKBONE),
        data=_section(DataConfig, raw.get("data", {}), f"{path} [data]"),
        lora=_section(LoraSettings, raw.get("lora", {}), f"{path} [lora]"),
        train=_section(TrainSettings, raw.get("train", {}), f"{path} [train]"),
    )


@dataclass(frozen=True)
class Example:
    ids: list[int]
    n_prompt: int


def reads_context(data: DataConfig) -> bool:
    """Whether the model trained on ``data`` reads the sentences before and the flags."""
    return bool(data.passages or data.qe_flag_share or data.source_share)


def encode_pair(codec: Codec, pair: Pair) -> Example:
    # A pair with no context and no flags reads "Fix: <mt>", the plain rewriter's prompt.
    block = context_input(pair.source, pair.context, pair.flags, pair.translated)
    text = CONTEXT_PROMPT.format(source=block)
    head = ([codec.bos_id] if codec.bos_id is not None else []) + codec.encode(text)
    return Example(head + codec.encode(" " + pair.target) + [codec.eos_id], len(head))


def _batches(examples: list[Example], size: int, seed: int) -> list[list[int]]:
    """Index batches for one epoch: shuffled, then length-sorted within windows to cut padding."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    window = size * 16
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: len(examples[i].ids))
        batches.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    rng.shuffle(batches)
    return batches


def collate(examples: list[Example], pad_id: int) -> dict[str, torch.Tensor]:
    import torch

    width = max(len(e.ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    labels = torch.full((len(examples), width), -100, dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.ids)
        ids[row, :n] = torch.tensor(e.ids)
        mask[row, :n] = 1
        labels[row, e.n_prompt : n] = ids[row, e.n_prompt : n]
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def target_loss(model: Any, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy on target tokens, projecting to the vocabulary only where a label exists."""
    import torch.nn.functional as F

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    body = getattr(inner, inner.base_model_prefix)
    hidden = body(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
    ).last_hidden_state
    labels = batch["labels"][:, 1:]
    keep = labels != -100
    logits = inner.get_output_embeddings()(hidden[:, :-1][keep])
    cap = getattr(inner.config, "final_logit_softcapping", None)
    if cap:
        logits = (logits / cap).tanh() * cap
    return F.cross_entropy(logits.float(), labels[keep])


def _hardware() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs (CPU training)"


def train(config_path: str | Path) -> Path:
    """Fine-tune per ``config_path``; returns the directory holding the adapter."""
    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from peft.utils import get_peft_model_state_dict
    from tqdm import tqdm

    cfg = load_config(config_path)
    ts = cfg.train
    torch.set_num_threads(ts.threads)
    torch.manual_seed(ts.seed)

    model, codec = load_base(cfg.base)
    lora = LoraConfig(
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=list(cfg.lora.target_modules),
        task_type="CAUSAL_LM",
    )
    peft_model: Any = get_peft_model(model, lora)
    if cfg.lora.init:
        from safetensors.torch import load_file

        from mtfix.model.load import resolve

        start_from = resolve(cfg.lora.init) / "adapter_model.safetensors"
        set_peft_model_state_dict(peft_model, load_file(str(start_from)))
    peft_model.train()

    pairs = build_pairs(cfg.data)
    encoded = [encode_pair(codec, p) for p in pairs]
    examples = [e for e in encoded if len(e.ids) <= ts.max_tokens]
    skipped = len(encoded) - len(examples)
    if not examples:
        raise ConfigError(f"{config_path}: no training example fits max_tokens={ts.max_tokens}")

    params = [p for p in peft_model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=ts.learning_rate, weight_decay=0.0)

    def schedule(step: int) -> float:
        if step < ts.warmup_steps:
            return (step + 1) / ts.warmup_steps
        progress = (step - ts.warmup_steps) / max(1, ts.max_steps - ts.warmup_steps)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)

    ckpt_dir = cache_root() / "train" / cfg.name
    ckpt_file = ckpt_dir / "checkpoint.pt"
    # What the weights depend on; the time budget, threads and logging may change between runs.
    shape = asdict(ts) | dict.fromkeys(("max_minutes", "checkpoint_every", "log_every", "threads"))
    fingerprint = json.dumps(
        {"base": cfg.base, "data": asdict(cfg.data), "lora": asdict(cfg.lora), "train": shape},
        default=str,
        sort_keys=True,
    )
    step, elapsed, tokens_seen = 0, 0.0, 0
    if ckpt_file.exists():
        state = torch.load(ckpt_file, weights_only=False)
        if state["fingerprint"] == fingerprint:
            set_peft_model_state_dict(peft_model, state["adapter"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            step, elapsed, tokens_seen = state["step"], state["elapsed"], state["tokens"]
            torch.set_rng_state(state["rng"])

    def save_checkpoint() -> None:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        tmp = ckpt_file.with_suffix(".tmp")
        state = {
            "fingerprint": fingerprint,
            "adapter": get_peft_model_state_dict(peft_model),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "step": step,
            "elapsed": elapsed,
            "tokens": tokens_seen,
            "rng": torch.get_rng_state(),
        }
        torch.save(state, tmp)
        tmp.replace(ckpt_file)

    log_path = cfg.out_dir / LOG_FILE
    # Entries past the checkpoint were logged by a run that stopped before saving; they repeat.
    kept_log = [
        line
        for line in (log_path.read_text().splitlines() if log_path.exists() else [])
        if step and json.loads(line)["step"] <= step
    ]
    log_path.write_text("".join(line + "\n" for line in kept_log))
    per_epoch = math.ceil(len(examples) / ts.batch_size)
    started = time.monotonic() - elapsed
    bar = tqdm(total=ts.max_steps, initial=step, desc=f"train {cfg.name}", unit="step")
    window_loss, window_n, window_tokens, window_start = 0.0, 0, 0, time.monotonic()
    while step < ts.max_steps and elapsed < ts.max_minutes * 60:
        epoch, offset = divmod(step, per_epoch)
        index = _batches(examples, ts.batch_size, ts.seed + epoch)[offset]
        batch = collate([examples[i] for i in index], codec.pad_id)
        loss = target_loss(peft_model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        n_tokens = int(batch["attention_mask"].sum())
        tokens_seen += n_tokens
        elapsed = time.monotonic() - started
        window_loss += loss.item()
        window_n += 1
        window_tokens += n_tokens
        bar.update(1)
        if step % ts.log_every == 0 or step == ts.max_steps:
            rate = window_tokens / max(1e-9, time.monotonic() - window_start)
            record = {
                "step": step,
                "loss": round(window_loss / window_n, 4),
                "lr": scheduler.get_last_lr()[0],
                "tokens_per_s": round(rate, 1),
                "elapsed_s": round(elapsed, 1),
            }
            with log_path.open("a") as log:
                log.write(json.dumps(record) + "\n")
            bar.set_postfix(loss=record["loss"], tok_s=record["tokens_per_s"])
            window_loss, window_n, window_tokens, window_start = 0.0, 0, 0, time.monotonic()
        if step % ts.checkpoint_every == 0:
            save_checkpoint()
    bar.close()
    save_checkpoint()

    peft_model.save_pretrained(cfg.out_dir)
    # peft's generated README stub would shadow MODEL_CARD.md, which carries the real figures.
    (cfg.out_dir / "README.md").unlink(missing_ok=True)
    adapter_config = cfg.out_dir / "adapter_config.json"
    config_json = json.loads(adapter_config.read_text())
    # The cache path of whoever trained it means nothing elsewhere; name the base instead.
    config_json["base_model_name_or_path"] = cfg.base
    adapter_config.write_text(json.dumps(config_json, indent=2) + "\n")
    meta = {
        "name": cfg.name,
        "base": cfg.base,
        "vocab_size": int(peft_model.get_base_model().config.vocab_size),
        "prompt": prompt("<mt>"),
        **(
            {
                "context": True,
                "prompt_template": CONTEXT_PROMPT,
                **({"source": True} if cfg.data.source_share else {}),
            }
            if reads_context(cfg.data)
            else {"prompt_template": PROMPT}
        ),
        "data": counts(pairs),
        "examples": len(examples),
        "skipped_too_long": skipped,
        "steps": step,
        "epochs": round(step / per_epoch, 2),
        "batch_size": ts.batch_size,
        "tokens": tokens_seen,
        "wall_time_s": round(elapsed, 1),
        "tokens_per_s": round(tokens_seen / max(elapsed, 1e-9), 1),
        "hardware": _hardware(),
        "threads": ts.threads,
        "torch": torch.__version__,
    }
    (cfg.out_dir / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return cfg.out_dir
