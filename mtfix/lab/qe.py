"""Train and evaluate the word-level quality estimator (:mod:`mtfix.model.qe`).

``python -m mtfix.lab.qe train --config models/gemma-qe/qe.toml`` (resumable):

1. picks ``lines_per_pair`` MLQE-PE *train* lines per pair, seeded, from the first half of each
   pair's file (:data:`QE_HALF`): the second half is kept for what is fitted on QE probabilities
   later (the selector's confidence, :mod:`mtfix.lab.confidence`), which must not see lines the
   QE head was fitted on;
2. tags every MT word OK/BAD against its post-edit (:func:`mtfix.evaluate.wordtags.word_tags`);
3. runs the frozen backbone over them in chunks of :data:`CHUNK` lines, each chunk's features
   cached under ``$MTFIX_CACHE/qe/`` as it is done, so an interrupted run resumes where it stopped;
4. fits a standardised logistic regression and an MLP (scikit-learn) on 85% of the lines, keeps
   whichever has the higher MCC on the other 15%, and sets the BAD threshold there (the MCC-best
   one, and the detector's: the lowest whose BAD precision on those lines reaches
   ``flag_precision``);
5. writes ``head.safetensors`` and ``qe.json`` (layers, thresholds, data, held-out figures)
   beside the config.

``python -m mtfix.lab.qe dev MODEL [--sample N]`` scores a model on MLQE-PE dev samples (the lines
``mtfix eval suite NAME --sample N`` scores) per pair, with the gold tags from the post-edits:
word-level MCC, F1-BAD, F1-OK; results go into ``qe.json`` and ``eval/bench/qe-dev.json``. Dev is
only ever scored, never fitted on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from mtfix.evaluate.wordqe import WordQe
from mtfix.evaluate.wordtags import word_tags
from mtfix.model import qe as qe_model
from mtfix.paths import bench_dir, cache_root, corpora_dir, eval_dir, models_dir

CHUNK = 32
QE_HALF = 3500  # train lines [0, QE_HALF) of each pair feed the QE head; the rest never do
DEV_PAIRS = ("ro-en", "ru-en", "et-en", "ne-en", "si-en")


@dataclass(frozen=True)
class QeConfig:
    pairs: tuple[str, ...] = ("ro-en", "ru-en", "et-en")
    lines_per_pair: int = 700
    source: bool = False
    layers: tuple[int, ...] = qe_model.DEFAULT_LAYERS
    # The detector flags a word when its probability reaches the lowest threshold at which BAD
    # precision on the head's held-out lines is at least this.
    flag_precision: float = 0.8
    # Each word's row also carries the sentence's mean middle-layer state.
    sentence_context: bool = True
    # The logistic regression's inverse regularisation (scikit-learn's C): 2,500 features on
    # ~20,000 words want a strong prior; 0.0003 was best on the held-out lines among
    # 0.00003-0.01.
    regularisation: float = 0.0003
    seed: int = 0


class QeConfigError(ValueError):
    pass


def load_config(path: Path) -> QeConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise QeConfigError(f"{path}: {e}") from e
    known = {f.name for f in fields(QeConfig)}
    if unknown := set(raw) - known:
        raise QeConfigError(f"{path}: unknown keys {sorted(unknown)}")
    return _config(raw)


def _config(raw: dict[str, Any]) -> QeConfig:
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    return QeConfig(**values)


@dataclass(frozen=True)
class Lines:
    """Line-aligned MT, post-edits and (optionally) sources, with their line numbers."""

    name: str
    mt: list[str]
    pe: list[str]
    src: list[str] | None
    index: list[int]


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def train_lines(pair: str, cfg: QeConfig) -> Lines:
    base = corpora_dir() / "mlqe-pe" / pair
    mt, pe = _read(base / "train.mt"), _read(base / "train.pe")
    src = _read(base / "train.src") if cfg.source else None
    usable = [i for i in range(min(QE_HALF, len(mt))) if mt[i].strip() and pe[i].strip()]
    chosen = sorted(random.Random(f"{cfg.seed}-{pair}").sample(usable, cfg.lines_per_pair))
    return Lines(
        f"train-{pair}",
        [mt[i] for i in chosen],
        [pe[i] for i in chosen],
        [src[i] for i in chosen] if src else None,
        chosen,
    )


def dev_lines(pair: str, sample: int, source: bool) -> Lines:
    """The suite's seeded sample (``mtfix eval suite mlqe-<pair> --sample N``'s lines)."""
    from mtfix.evaluate.suites import load_suites

    corpus = load_suites().get(f"mlqe-{pair}").load()
    if sample < len(corpus.source):
        corpus = corpus.sample(sample)
    index = list(corpus.index)
    src = None
    if source:
        all_src = _read(eval_dir() / "suites" / "mlqe-pe" / pair / "dev.src")
        src = [all_src[i] for i in index]
    return Lines(f"dev-{pair}", list(corpus.source), list(corpus.references[0]), src, index)


def _feature_key(cfg: QeConfig) -> str:
    """What the features depend on: the backbone, the layers, the source, the feature layout."""
    from mtfix.model.backbone import cache_dir

    key = [list(cfg.layers), cfg.source, qe_model.FEATURES_VERSION]
    digest = hashlib.sha256(json.dumps(key).encode())
    digest.update((cache_dir() / "mtfix-vocab.json").read_bytes()[:4096])
    return digest.hexdigest()[:12]


def features(lines: Lines, cfg: QeConfig, log: Any = print) -> list[Any]:
    """Per line, its words' feature rows, computed in cached chunks (resumable)."""
    import numpy as np

    folder = cache_root() / "qe" / _feature_key(cfg)
    folder.mkdir(parents=True, exist_ok=True)
    backbone: tuple[Any, Any] | None = None
    out: list[Any] = []
    for start in range(0, len(lines.mt), CHUNK):
        stop = min(start + CHUNK, len(lines.mt))
        ids = ",".join(map(str, lines.index[start:stop]))
        name = hashlib.sha256(f"{lines.name}:{ids}".encode()).hexdigest()[:16]
        path = folder / f"{lines.name}-{name}.npz"
        if not path.exists():
            if backbone is None:
                import torch

                from mtfix.model.backbone import load_backbone

                torch.set_num_threads(2)
                backbone = load_backbone()
            began = time.monotonic()
            rows = qe_model.word_features(
                backbone[0],
                backbone[1],
                lines.mt[start:stop],
                lines.src[start:stop] if lines.src else None,
                layers=cfg.layers,
            )
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, *[r.astype(np.float16) for r in rows])
            tmp.replace(path)
            log(f"{lines.name}: lines {start}-{stop} in {time.monotonic() - began:.0f} s")
        with np.load(path) as chunk:
            out.extend(chunk[f"arr_{i}"].astype(np.float32) for i in range(stop - start))
    return out


def tags(lines: Lines) -> list[list[bool]]:
    return [[t.bad for t in word_tags(m, p)] for m, p in zip(lines.mt, lines.pe, strict=True)]


def _head_rows(rows: Any, cfg: QeConfig) -> Any:
    """A sentence's cached rows as the head reads them (with the sentence's context)."""
    if cfg.sentence_context:
        return qe_model.with_sentence_context(rows, len(cfg.layers))
    return rows


def _stack(feats: Sequence[Any], gold: Sequence[Sequence[bool]]) -> tuple[Any, Any]:
    import numpy as np

    x = np.concatenate([np.nan_to_num(f) for f in feats])
    y = np.concatenate([np.asarray(g, dtype=np.int8) for g in gold])
    return x, y


def _fit_candidates(x: Any, y: Any, seed: int, c: float) -> dict[str, qe_model.Head]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    xs = scaler.transform(x)
    mean, scale = scaler.mean_.astype(np.float32), scaler.scale_.astype(np.float32)
    logistic = LogisticRegression(C=c, max_iter=400, class_weight="balanced").fit(xs, y)
    mlp = MLPClassifier(
        hidden_layer_sizes=(64,), alpha=1e-2, early_stopping=True, max_iter=60, random_state=seed
    ).fit(xs, y)
    return {
        "logistic": qe_model.Head(
            mean, scale, (logistic.coef_.T.astype(np.float32), logistic.intercept_)
        ),
        "mlp": qe_model.Head(
            mean,
            scale,
            (mlp.coefs_[0], mlp.intercepts_[0], mlp.coefs_[1], mlp.intercepts_[1]),
        ),
    }


def _best_threshold(p: Any, y: Any) -> float:
    from mtfix.evaluate.wordqe import WordQeScores

    best, best_mcc = 0.5, -1.0
    for t in [i / 100 for i in range(5, 96)]:
        flagged = p >= t
        s = WordQeScores(len(y), int(y.sum()), int(flagged.sum()), int((flagged & (y == 1)).sum()))
        if s.mcc > best_mcc:
            best, best_mcc = t, s.mcc
    return best


def _precision_threshold(p: Any, y: Any, target: float) -> float:
    """The lowest threshold whose BAD precision is at least ``target`` (1.0 if none is)."""
    for t in [i / 100 for i in range(5, 100)]:
        flagged = p >= t
        if flagged.sum() >= 20 and (y[flagged] == 1).mean() >= target:
            return t
    return 1.0


def _scores(p_lines: Sequence[Any], gold: Sequence[Sequence[bool]], threshold: float) -> Any:
    return WordQe(threshold).corpus_score([list(map(float, p)) for p in p_lines], gold)


def train(config_path: Path) -> Path:
    import numpy as np

    cfg = load_config(config_path)
    out_dir = config_path.parent
    data = [train_lines(pair, cfg) for pair in cfg.pairs]
    feats = [[_head_rows(f, cfg) for f in features(lines, cfg)] for lines in data]
    gold = [tags(lines) for lines in data]
    rng = random.Random(cfg.seed)
    fit_x, fit_y, val_f, val_g = [], [], [], []
    for f_pair, g_pair in zip(feats, gold, strict=True):
        for f, g in zip(f_pair, g_pair, strict=True):
            if rng.random() < 0.15:
                val_f.append(f)
                val_g.append(g)
            else:
                fit_x.append(f)
                fit_y.append(g)
    if not val_f:
        # A handful of lines (a test run) may draw none: hold out the last one.
        val_f.append(fit_x.pop())
        val_g.append(fit_y.pop())
    x, y = _stack(fit_x, fit_y)
    vx, vy = _stack(val_f, val_g)
    heads = _fit_candidates(x, y, cfg.seed, cfg.regularisation)
    chosen, mcc, threshold = "", -1.0, 0.5
    held_out: dict[str, Any] = {}
    for name, head in heads.items():
        p = head.probability(vx)
        t = _best_threshold(p, vy)
        scores = _scores([p], [list(vy.astype(bool))], t)
        held_out[name] = {"threshold": t, **scores.to_dict()}
        if scores.mcc > mcc:
            chosen, mcc, threshold = name, scores.mcc, t
    head = heads[chosen]
    p = head.probability(vx)
    flag_threshold = max(threshold, _precision_threshold(p, vy, cfg.flag_precision))
    qe_model.save_head(head, out_dir / qe_model.HEAD_FILE)
    meta = {
        "name": out_dir.name,
        "base": "gemma3-270m",
        "layers": list(cfg.layers),
        "source": cfg.source,
        "sentence_context": cfg.sentence_context,
        "head": chosen,
        "threshold": threshold,
        "flag_threshold": flag_threshold,
        "features": int(x.shape[1]),
        "config": asdict(cfg),
        "data": {
            lines.name: {"lines": len(lines.mt), "words": int(sum(map(len, g)))}
            for lines, g in zip(data, gold, strict=True)
        },
        "fit_words": len(y),
        "held_out_words": len(vy),
        "held_out": held_out,
        "held_out_flag_precision": round(float((vy[p >= flag_threshold] == 1).mean()), 4)
        if (p >= flag_threshold).any()
        else None,
        "bad_share_fit": round(float(np.mean(y)), 4),
    }
    previous = _read_meta(out_dir)
    if "dev" in previous and previous.get("head_digest") == _digest(out_dir):
        meta["dev"] = previous["dev"]
    meta["head_digest"] = _digest(out_dir)
    (out_dir / qe_model.META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return out_dir


def _digest(out_dir: Path) -> str:
    return hashlib.sha256((out_dir / qe_model.HEAD_FILE).read_bytes()).hexdigest()[:12]


def _read_meta(out_dir: Path) -> dict[str, Any]:
    path = out_dir / qe_model.META_FILE
    return dict(json.loads(path.read_text())) if path.exists() else {}


def evaluate_dev(model: str, sample: int, pairs: Sequence[str] = DEV_PAIRS) -> dict[str, Any]:
    path = Path(model) if Path(model).is_dir() else models_dir() / model
    meta = _read_meta(path)
    cfg = _config(meta["config"])
    estimator = qe_model.QualityEstimator(path)
    results: dict[str, Any] = {}
    for pair in pairs:
        lines = dev_lines(pair, sample, cfg.source)
        probs = [estimator.probabilities(f) for f in features(lines, cfg)]
        gold = tags(lines)
        results[pair] = {
            "lines": len(lines.mt),
            "at_threshold": _scores(probs, gold, meta["threshold"]).to_dict(),
            "at_flag_threshold": _scores(probs, gold, meta["flag_threshold"]).to_dict(),
        }
        print(pair, json.dumps(results[pair]), flush=True)
    # Pairs scored earlier (perhaps on another sample size) keep their figures.
    meta = _read_meta(path)
    scored = meta.get("dev", {}).get("pairs", {}) | results
    meta["dev"] = {"pairs": {p: scored[p] for p in DEV_PAIRS if p in scored}}
    (path / qe_model.META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    bench = bench_dir() / f"qe-dev-{path.name}.json"
    bench.parent.mkdir(parents=True, exist_ok=True)
    payload = {"model": path.name, "source": cfg.source, "pairs": meta["dev"]["pairs"]}
    bench.write_text(json.dumps(payload, indent=2) + "\n")
    return results


def seed_flags(model: str) -> dict[str, Any]:
    """Flag precision and recall on the seed article's gold spans, with the default detectors and
    with ``model-qe`` added (the seed is scored here, never fitted on)."""
    from mtfix.detect import DEFAULT_DETECTORS
    from mtfix.evaluate.flags import FlagMetric
    from mtfix.evaluate.suites import load_suites
    from mtfix.pipeline import RULES_ONLY, Pipeline, PipelineOptions

    suite = load_suites().get("seed").load()
    gold = list(suite.gold or ())
    results: dict[str, Any] = {}
    for name, detectors in (
        ("defaults", DEFAULT_DETECTORS),
        ("defaults+model-qe", (*DEFAULT_DETECTORS, "model-qe")),
    ):
        options = PipelineOptions(detectors=detectors, rewriters=RULES_ONLY, lines=suite.lines)
        flags = Pipeline(options).check(suite.text).flags
        scores = FlagMetric().corpus_score(flags, gold)
        results[name] = {
            "overall": scores.overall.to_dict(),
            "model-qe": scores.by_detector["model-qe"].to_dict()
            if "model-qe" in scores.by_detector
            else None,
        }
        print(name, json.dumps(results[name]), flush=True)
    path = Path(model) if Path(model).is_dir() else models_dir() / model
    meta = _read_meta(path)
    meta["seed"] = results
    (path / qe_model.META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return results


def _row(name: str, s: dict[str, Any], lines: int | None = None) -> str:
    count = f" {lines} |" if lines is not None else ""
    return (
        f"| {name} |{count} {s['words']:,} | {s['bad_share']:.3f} | {s['mcc']:.3f} "
        f"| {s['f1_bad']:.3f} | {s['f1_ok']:.3f} | {s['precision_bad']:.3f} "
        f"| {s['recall_bad']:.3f} |"
    )


HEADER = (
    "| pair | words | BAD share | MCC | F1-BAD | F1-OK | BAD precision | BAD recall |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


DEV_HEADER = HEADER.replace("| words |", "| lines | words |").replace(
    "| ---: |", "| ---: | ---: |", 1
)


def card(model: str) -> str:
    """The model card's text, from ``qe.json`` (training, held-out and dev figures)."""
    path = Path(model) if Path(model).is_dir() else models_dir() / model
    meta = _read_meta(path)
    cfg = meta["config"]
    source = "the source sentence and the MT" if meta["source"] else "the MT alone"
    used = (
        "for documents with a source; its flags are `accuracy`"
        if meta["source"]
        else "for documents without a source (its flags are `fluency`)"
    )
    lines = [
        f"# {meta['name']}: word-level quality estimation",
        "",
        f"A light head on the frozen Gemma 3 270M backbone that reads {source} and gives each MT "
        "word the probability that a post-editor would change it (BAD: substituted, deleted, "
        "shifted, or followed by an insertion in the post-edit, `mtfix.evaluate.wordtags`). It "
        f"is the `model-qe` detector's model (`--detectors ...,model-qe`) {used}. Files: "
        "`head.safetensors` (the head, "
        f"{(path / qe_model.HEAD_FILE).stat().st_size // 1024} KB), `qe.json` (settings and "
        "every figure below), `qe.toml` (its training config).",
        "",
        "## Training",
        "",
        f"- Backbone: `gemma3-270m` (frozen; hidden states of layers {meta['layers']}, the next "
        "word's at the middle one, surprisal; `mtfix/model/qe.py`), plus word frequency and "
        f"shape features: {meta['features']} per word.",
        f"- Head: {meta['head']} (chosen over the other by MCC on held-out lines), scikit-learn.",
        f"- Data: {cfg['lines_per_pair']} MLQE-PE *train* lines per pair of {cfg['pairs']}, seeded"
        f" sample from the first {QE_HALF} lines of each file (the rest is left for the "
        f"selector's confidence); {meta['fit_words']:,} words fitted, {meta['held_out_words']:,}"
        f" held out (15% of lines). BAD share {meta['bad_share_fit']:.3f}.",
        f"- Thresholds: BAD at p >= {meta['threshold']} (best MCC on the held-out lines); the "
        f"detector flags at p >= {meta['flag_threshold']} (the lowest at which held-out BAD "
        f"precision reached {cfg['flag_precision']}; measured "
        f"{meta['held_out_flag_precision']}).",
        f"- Command: `python -m mtfix.lab.qe train --config models/{meta['name']}/qe.toml` "
        "(resumable: backbone features are cached per chunk of lines under `$MTFIX_CACHE/qe/`).",
        "",
        "Held-out train lines (both heads, each at its own MCC-best threshold):",
        "",
        HEADER.replace("| pair |", "| head |"),
        *(_row(name, s) for name, s in meta["held_out"].items()),
        "",
    ]
    if dev := meta.get("dev"):
        lines += [
            "## Evaluation: MLQE-PE dev",
            "",
            f"`python -m mtfix.lab.qe dev {meta['name']} --sample N --pairs PAIR` (the N lines "
            "`mtfix eval suite mlqe-PAIR --sample N` scores; N is the lines column; gold tags "
            "from the post-edits). At the MCC threshold:",
            "",
            HEADER.replace("| words |", "| lines | words |").replace(
                "| ---: |", "| ---: | ---: |", 1
            ),
            *(_row(p, r["at_threshold"], r["lines"]) for p, r in dev["pairs"].items()),
            "",
            "At the detector's threshold (what `model-qe` flags):",
            "",
            HEADER.replace("| words |", "| lines | words |").replace(
                "| ---: |", "| ---: | ---: |", 1
            ),
            *(_row(p, r["at_flag_threshold"], r["lines"]) for p, r in dev["pairs"].items()),
            "",
        ]
    if seed := meta.get("seed"):
        d, q = seed["defaults"]["overall"], seed["defaults+model-qe"]["overall"]
        own = seed["defaults+model-qe"]["model-qe"] or {"flags": 0, "correct": 0}
        lines += [
            "## Flags on the seed article",
            "",
            f"`python -m mtfix.lab.qe seed {meta['name']}`: flag precision and recall against "
            "the seed's gold spans (`eval/suites/seed/gold.json`; the seed is never fitted on).",
            "",
            "| detectors | flags | precision | recall |",
            "| --- | ---: | ---: | ---: |",
            f"| defaults | {d['flags']} | {d['precision']} | {d['recall']} |",
            f"| defaults + model-qe | {q['flags']} | {q['precision']} | {q['recall']} |",
            "",
            f"model-qe's own flags: {own['flags']}, {own['correct']} on a gold span.",
            "",
        ]
    lines += [
        "## Limits",
        "",
        "- English MT of Wikipedia sentences (ro/ru/et→en) is what it learnt; news-style "
        "Japanese→English errors differ.",
        "- A post-editor's changes are the labels: inconsistent post-editing is noise the "
        "head learns too.",
        "- Causal backbone: a word's features see the words before it and only the next word "
        "after it.",
        "",
        f"Regenerate this card: `python -m mtfix.lab.qe card {meta['name']}`.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("train", help="fit the head (resumable)")
    fit.add_argument("--config", type=Path, default=models_dir() / "gemma-qe" / "qe.toml")
    dev = sub.add_parser("dev", help="score a QE model on MLQE-PE dev samples")
    dev.add_argument("model", nargs="?", default=qe_model.DEFAULT_QE_MODEL)
    dev.add_argument("--sample", type=int, default=300)
    dev.add_argument("--pairs", nargs="*", default=list(DEV_PAIRS))
    seed = sub.add_parser("seed", help="flag P/R on the seed gold with and without model-qe")
    seed.add_argument("model", nargs="?", default=qe_model.DEFAULT_QE_MODEL)
    write_card = sub.add_parser("card", help="write the model card from qe.json")
    write_card.add_argument("model", nargs="?", default=qe_model.DEFAULT_QE_MODEL)
    args = parser.parse_args(argv)
    if args.command == "train":
        print(train(args.config))
    elif args.command == "dev":
        evaluate_dev(args.model, args.sample, args.pairs)
    elif args.command == "seed":
        seed_flags(args.model)
    else:
        path = Path(args.model) if Path(args.model).is_dir() else models_dir() / args.model
        (path / "MODEL_CARD.md").write_text(card(args.model), encoding="utf-8")


if __name__ == "__main__":
    main()
