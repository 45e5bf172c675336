"""The rewriter's training set: (damaged sentence → corrected sentence) pairs from three sources.

1. MLQE-PE train pairs (``corpora/mlqe-pe/<pair>/train.{mt,pe}``): real NMT output and its
   post-edit. Only lightly edited pairs are kept (character similarity ≥ ``min_similarity``): a
   heavily re-translated post-edit needs the source sentence, which the rewriter never sees, and
   teaches it to rewrite freely, which the selector would have to reject anyway.
2. Synthetic pairs: clean sentences (the post-edit side of MLQE-PE lines not used in 1) damaged
   by :mod:`mtfix.lab.synth`, plus a share of unchanged ones so the model learns to copy.
3. Hand-written pairs (``corpora/handwritten-pairs.tsv``) in the style of Japanese→English MT.
4. For a context-aware rewriter (``passages`` > 0): multi-sentence synthetic examples
   (:mod:`mtfix.lab.passages`) whose repair needs the sentence before or the flag, and, on a
   share (``qe_flag_share``) of the MLQE-PE pairs, the words the post-editor changed as
   ``QE_BAD`` flags, which the quality estimator raises at run time.
5. For a source-aware rewriter (``source_share`` > 0): on that share of the MLQE-PE pairs, the
   sentence the MT translates (``train.src``), which a bilingual document gives it at run time;
   the other pairs teach it to fix the English alone, as it must where no source is given.

A pair carries the sentences before it and its flags; :func:`mtfix.model.context_input` lays them
out, and a pair with neither is read exactly as the plain rewriter's ``Fix: <mt>``.

Nothing is read from ``eval/``; as a second line of defence any pair whose input also occurs in an
eval suite is dropped.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mtfix.lab import synth
from mtfix.paths import corpora_dir


@dataclass(frozen=True)
class Pair:
    source: str
    target: str
    origin: str
    context: tuple[str, ...] = ()
    # (rule, flagged text) per flag on ``source``.
    flags: tuple[tuple[str, str], ...] = ()
    # The sentence ``source`` machine-translates, where the rewriter is shown it.
    translated: str = ""


@dataclass(frozen=True)
class DataConfig:
    mlqe_pairs: tuple[str, ...] = ("ro-en", "ru-en", "et-en")
    mlqe_per_pair: int = 1000
    min_similarity: float = 75.0
    synthetic: int = 1500
    identity_share: float = 0.15
    handwritten_repeat: int = 3
    max_words: int = 60
    # Multi-sentence synthetic examples (mtfix.lab.passages); 0 for a plain rewriter.
    passages: int = 0
    # Share of the MLQE-PE pairs shown with their post-edited words as QE_BAD flags.
    qe_flag_share: float = 0.0
    # Share of the MLQE-PE pairs shown with the sentence their MT translates.
    source_share: float = 0.0
    seed: int = 0
    corpora: Path = field(default_factory=corpora_dir)


class DataError(ValueError):
    pass


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _eval_inputs(repo: Path) -> set[str]:
    return {
        line.strip()
        for path in (repo / "eval").glob("suites/**/*.mt")
        for line in _lines(path)
        if line.strip()
    }


def _check_not_eval(path: Path) -> None:
    if "eval" in path.resolve().relative_to(path.resolve().anchor).parts:
        raise DataError(f"{path}: refusing to train on eval data")


def _mlqe(cfg: DataConfig, rng: random.Random) -> tuple[list[Pair], list[str]]:
    from rapidfuzz.fuzz import ratio

    pairs: list[Pair] = []
    spare_clean: list[str] = []
    # Its own stream: the lines a config without sources draws stay the ones it drew.
    shown = random.Random(f"{cfg.seed}:source")
    for name in cfg.mlqe_pairs:
        mt_path = cfg.corpora / "mlqe-pe" / name / "train.mt"
        pe_path = mt_path.with_suffix(".pe")
        _check_not_eval(mt_path)
        mt, pe = _lines(mt_path), _lines(pe_path)
        if len(mt) != len(pe):
            raise DataError(f"{mt_path}: {len(mt)} lines but {pe_path.name} has {len(pe)}")
        src = _sources(mt_path, len(mt)) if cfg.source_share else []
        order = list(range(len(mt)))
        rng.shuffle(order)
        taken = 0
        for i in order:
            mt_line, tgt = mt[i].strip(), pe[i].strip()
            usable = mt_line and tgt and len(tgt.split()) <= cfg.max_words
            if usable and taken < cfg.mlqe_per_pair and ratio(mt_line, tgt) >= cfg.min_similarity:
                # Drawn only when asked for, so a plain config's sample stays what it was.
                flagged = cfg.qe_flag_share and rng.random() < cfg.qe_flag_share
                flags = _bad_spans(mt_line, tgt) if flagged else ()
                translated = src[i].strip() if src and shown.random() < cfg.source_share else ""
                origin = f"mlqe-pe:{name}" + ("+source" if translated else "")
                pairs.append(Pair(mt_line, tgt, origin, flags=flags, translated=translated))
                taken += 1
            elif usable:
                spare_clean.append(tgt)
    return pairs, spare_clean


def _sources(mt_path: Path, lines: int) -> list[str]:
    path = mt_path.with_suffix(".src")
    src = _lines(path)
    if len(src) != lines:
        raise DataError(f"{path}: {len(src)} lines but {mt_path.name} has {lines}")
    return src


def _bad_spans(mt: str, pe: str, limit: int = 3) -> tuple[tuple[str, str], ...]:
    """The runs of words a post-editor changed, as the QE detector's flags would name them."""
    from mtfix.evaluate.wordtags import word_tags

    runs: list[list[int]] = []
    tagged = word_tags(mt, pe)
    for n, t in enumerate(tagged):
        if t.bad and t.token.is_word:
            if runs and runs[-1][-1] == n - 1:
                runs[-1].append(n)
            else:
                runs.append([n])
    spans = [mt[tagged[r[0]].token.start : tagged[r[-1]].token.end] for r in runs[:limit]]
    return tuple(("QE_BAD", text) for text in spans)


def _passages(clean: list[str], cfg: DataConfig, rng: random.Random) -> list[Pair]:
    from mtfix.lab import passages

    return [
        Pair(p.damaged, p.target, f"passage:{p.kind}", p.context, p.flags)
        for p in passages.build(clean, cfg.passages, rng)
    ]


def _synthetic(clean: list[str], cfg: DataConfig, rng: random.Random) -> list[Pair]:
    pairs: list[Pair] = []
    rng.shuffle(clean)
    for sentence in clean:
        if len(pairs) >= cfg.synthetic:
            break
        if rng.random() < cfg.identity_share:
            pairs.append(Pair(sentence, sentence, "synthetic:identity"))
            continue
        damaged = synth.damage(sentence, rng)
        if damaged is not None:
            pairs.append(Pair(damaged[0], sentence, f"synthetic:{damaged[1]}"))
    return pairs


def _handwritten(cfg: DataConfig) -> list[Pair]:
    path = cfg.corpora / "handwritten-pairs.tsv"
    pairs = []
    for n, line in enumerate(_lines(path), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise DataError(f"{path}:{n}: expected 2 tab-separated fields, got {len(fields)}")
        pairs.append(Pair(fields[0].strip(), fields[1].strip(), "handwritten"))
    return pairs * cfg.handwritten_repeat


def build_pairs(cfg: DataConfig) -> list[Pair]:
    """The shuffled training pairs; deterministic for a given config."""
    rng = random.Random(cfg.seed)
    mlqe, spare = _mlqe(cfg, rng)
    pairs = mlqe + _synthetic(spare, cfg, rng) + _handwritten(cfg)
    if cfg.passages:
        # After the single-sentence synthetic pairs took theirs, so a plain config's data (and
        # the lines it leaves held out) stays what it was.
        pairs += _passages(spare, cfg, rng)
    held_out = _eval_inputs(cfg.corpora.parent)
    pairs = [p for p in pairs if p.source not in held_out]
    rng.shuffle(pairs)
    return pairs


def counts(pairs: list[Pair]) -> dict[str, int]:
    return dict(sorted(Counter(p.origin for p in pairs).items()))


def held_out(
    cfg: DataConfig, pair: str, *, also: Sequence[DataConfig] = ()
) -> tuple[list[str], list[str]]:
    """The MLQE-PE train lines of ``pair`` (MT, post-edit) that a model trained on ``cfg`` never
    saw, neither as an input nor as a target (synthetic pairs use post-edits as targets); ``also``
    are the data of the models its weights started from (``lora.init``), which saw theirs.

    Thresholds tuned on these lines leave the dev sets an unbiased measure.
    """
    seen = {text for c in (cfg, *also) for p in build_pairs(c) for text in (p.source, p.target)}
    mt_path = cfg.corpora / "mlqe-pe" / pair / "train.mt"
    mt, pe = _lines(mt_path), _lines(mt_path.with_suffix(".pe"))
    kept = [
        (m.strip(), p.strip())
        for m, p in zip(mt, pe, strict=True)
        if m.strip() and p.strip() and m.strip() not in seen and p.strip() not in seen
    ]
    return [m for m, _ in kept], [p for _, p in kept]
