"""TER of raw MT, rules only and rules + model on seeded MLQE-PE dev samples, for the model card.

``python -m mtfix.lab.devcheck [MODEL] [--sample N]`` runs the detectors once per suite, asks
the rules rewriter and the model for candidates on the flagged sentences (the pipeline's default
scope), and scores three outputs with the eval harness's TER against the post-edits: the raw MT, the
selector's choice among rules candidates only, and its choice among rules and model candidates.
The sample is the eval harness's (``mtfix eval suite NAME --sample N`` scores the same lines).
Candidates are cached under ``$MTFIX_CACHE/devcheck/`` so a selector policy can be re-scored
without generating again; results go to ``eval/bench/rewriter-dev-<model>.json``.

``--heldout`` scores MLQE-PE *train* lines the model never saw instead (suites
``heldout-<pair>``, see :func:`mtfix.lab.data.held_out`), and the synthetic passages built from
their post-edits (``passages-<pair>``): the set to tune selector thresholds on, so that the dev
figures stay an unbiased measure.

``--backend NAME`` runs the model on that backend (default: the rewriter's own, ``auto``);
``--compare-backends`` runs ctranslate2 and transformers on the same flags and targets, and
``auto`` with each flagged sentence in a call of its own (the lone rows it runs on llama.cpp),
and writes ``eval/bench/backends-dev.json``: per suite, the share of sentences whose applied
edits are the same as the reference's, and each run's TER change (the fast backend's acceptance
bar).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import asdict
from functools import lru_cache
from itertools import accumulate, groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mtfix.core import Candidate, Edit, Flag, Span, apply_edits, apply_within
from mtfix.evaluate.metrics import Ter
from mtfix.model import DEFAULT_MODEL
from mtfix.model.backends import AUTO, choose
from mtfix.model.load import resolve
from mtfix.paths import bench_dir, cache_root
from mtfix.rewrite import RewriterSettings
from mtfix.rewrite.model import ModelRewriter
from mtfix.select import select
from mtfix.select.guard import DEFAULT_POLICY, Policy
from mtfix.select.rank import Ranker, installed_ranker

if TYPE_CHECKING:
    from mtfix.evaluate.suites import Corpus
    from mtfix.lab.data import DataConfig
    from mtfix.pipeline import RewriteScope

SUITES = ("mlqe-ro-en", "mlqe-ru-en", "mlqe-et-en", "mlqe-ne-en", "mlqe-si-en", "seed")
HELD_OUT_PREFIX = "heldout-"
# The backend comparison's third run: ``auto`` given one flagged sentence per call.
ALONE = "auto_one_at_a_time"
PASSAGES_PREFIX = "passages-"
DAMAGED_PREFIX = "damaged-"
PREFIXES = (HELD_OUT_PREFIX, PASSAGES_PREFIX, DAMAGED_PREFIX)
# Per pair, the synthetic passages built from its held-out post-edits, and their seed (training
# draws its own from other post-edits, with the training config's seed).
PASSAGES = 200
PASSAGES_SEED = 101
# The held-out post-edits with one synthetic artifact each (mtfix.lab.synth), the kind the rules
# repair: the confidence model's only source of rules fixes, which MLQE-PE's MT rarely needs.
DAMAGED_SEED = 103


def _cand_json(c: Candidate) -> dict[str, Any]:
    return {
        "sentence": [c.sentence.start, c.sentence.end],
        "origin": c.origin,
        "score": c.score,
        "edits": [
            [e.span.start, e.span.end, e.replacement, e.origin, e.confidence] for e in c.edits
        ],
    }


def _cand(d: dict[str, Any]) -> Candidate:
    edits = tuple(Edit(Span(s, e), r, o, conf) for s, e, r, o, conf in d["edits"])
    return Candidate(Span(*d["sentence"]), edits, d["origin"], d["score"])


def _flag_json(f: Flag) -> dict[str, Any]:
    return {
        "span": [f.span.start, f.span.end],
        "category": f.category,
        "rule": f.rule,
        "suggestions": list(f.suggestions),
        "confidence": f.confidence,
    }


def _flag(d: dict[str, Any]) -> Flag:
    suggestions = tuple(d.get("suggestions", ()))
    confidence = d.get("confidence", 0.0)
    return Flag(
        Span(*d["span"]),
        "cached",
        d["rule"],
        d["category"],
        "",
        suggestions=suggestions,
        confidence=confidence,
    )


def _weights_key(model: str) -> str:
    """A digest of the model's weights: a retrained adapter must not reuse old candidates."""
    digest = hashlib.sha256()
    for path in sorted(resolve(model).glob("*.safetensors")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _code_key() -> str:
    """A digest of the code that makes flags and candidates: a changed detector must not reuse
    old flags. This module's scoring and the model card are not part of it."""
    package = Path(__file__).resolve().parents[1]
    sources = [
        *(package / "detect").glob("*.py"),
        *(package / "rewrite").glob("*.py"),
        *(package / "model").glob("*.py"),
        package / "pipeline.py",
        package / "segment.py",
    ]
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _training_data(model: str) -> DataConfig:
    """The data section of the config ``model`` was trained with (its ``train.toml``)."""
    from mtfix.lab.train import load_config

    return load_config(resolve(model) / "train.toml").data


def _ancestors_data(model: str) -> list[DataConfig]:
    """The training data of the adapters ``model``'s weights started from (``lora.init``, and
    theirs in turn): lines they saw are not held out from ``model``."""
    from mtfix.lab.train import load_config

    out: list[DataConfig] = []
    init = load_config(resolve(model) / "train.toml").lora.init
    while init and len(out) < 8:
        cfg = load_config(resolve(init) / "train.toml")
        out.append(cfg.data)
        init = cfg.lora.init
    return out


def _corpus(suite: str, model: str) -> Corpus:
    """A dev suite from ``eval/suites.toml``; ``heldout-<pair>``: the MLQE-PE train lines that
    ``model`` and the adapters it started from left unseen; or ``passages-<pair>``: synthetic
    passages (:mod:`mtfix.lab.passages`, one a line: the sentence before, then the damaged one)
    built from those lines' post-edits, the undamaged passage as the reference; or
    ``damaged-<pair>``: those post-edits with one artifact of :mod:`mtfix.lab.synth` each (the
    lines no injector fits are left out), the post-edit as the reference."""
    import random

    from mtfix.evaluate.suites import Corpus, load_suites
    from mtfix.lab import passages, synth
    from mtfix.lab.data import held_out

    prefix = next((p for p in PREFIXES if suite.startswith(p)), None)
    if prefix is None:
        return load_suites().get(suite).load()
    pair = suite.removeprefix(prefix)
    mt, pe = held_out(_training_data(model), pair, also=_ancestors_data(model))
    if prefix == HELD_OUT_PREFIX:
        return Corpus(suite, tuple(mt), (tuple(pe),))
    if prefix == DAMAGED_PREFIX:
        rng = random.Random(DAMAGED_SEED)
        pairs = [(d[0], line) for line in pe if (d := synth.damage(line, rng))]
        return Corpus(suite, tuple(d for d, _ in pairs), (tuple(line for _, line in pairs),))
    built = passages.build(pe, PASSAGES, random.Random(PASSAGES_SEED))
    source = tuple(" ".join((*p.context, p.damaged)) for p in built)
    target = tuple(" ".join((*p.context, p.target)) for p in built)
    return Corpus(suite, source, (target,))


@lru_cache(maxsize=2)
def _checked(suite: str, sample: int, model: str, rewrite: RewriteScope) -> dict[str, Any]:
    """The sample's detection and rules candidates: the part every backend shares."""
    from mtfix.pipeline import RULES_ONLY, Pipeline, PipelineOptions

    corpus = _corpus(suite, model)
    if sample < len(corpus.source):
        corpus = corpus.sample(sample)
    text = "\n".join(corpus.source)
    options = PipelineOptions(rewriters=RULES_ONLY, lines=corpus.lines, rewrite=rewrite)
    pipeline = Pipeline(options)
    checked = pipeline.check(text)
    targets = pipeline.targets(checked.document, checked.flags)
    rules = pipeline.rewriters[0].propose(checked.document, targets)
    return {"corpus": corpus, "checked": checked, "targets": targets, "rules": rules}


def collect(
    suite: str,
    sample: int,
    model: str,
    rewrite: RewriteScope = "flagged",
    beams: int = 1,
    backend: str = AUTO,
    one_at_a_time: bool = False,
) -> dict[str, Any]:
    """Flags and candidates for one suite's sample (cached per suite, sample, model, beams,
    backend and code). ``one_at_a_time`` puts each flagged sentence to the model in a call of
    its own, as a one-sentence request is (where ``auto`` runs it on llama.cpp); otherwise the
    sample's sentences go in one call, as a document's do."""
    chosen = choose(backend, resolve(model).resolve())
    alone = "-alone" if one_at_a_time else ""
    key = f"{suite}-{sample}-{rewrite}-b{beams}-{chosen}{alone}-{_weights_key(model)}-{_code_key()}"
    cache = cache_root() / "devcheck" / f"{key}.json"
    if cache.exists():
        return dict(json.loads(cache.read_text()))
    shared = _checked(suite, sample, model, rewrite)
    corpus, checked, targets = shared["corpus"], shared["checked"], shared["targets"]
    start = time.perf_counter()
    rewriter = ModelRewriter(RewriterSettings(model=model, beams=beams, backend=backend))
    doc = checked.document
    calls = [[t] for t in targets] if one_at_a_time else [targets]
    proposed = [c for call in calls for c in rewriter.propose(doc, call)]
    data = {
        "suite": suite,
        "sample": sample,
        "backend": chosen,
        "lines_mode": corpus.lines,
        "source": list(corpus.source),
        "references": [list(r) for r in corpus.references],
        "flags": [_flag_json(f) for f in checked.flags],
        "targets": len(targets),
        "rules": [_cand_json(c) for c in shared["rules"]],
        "model": [_cand_json(c) for c in proposed],
        "model_seconds": round(time.perf_counter() - start, 1),
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(data))
    return data


def applied(
    data: dict[str, Any], policy: Policy = DEFAULT_POLICY, ranker: Ranker | None = None
) -> list[Edit]:
    """The edits the selector applies among the rules and model candidates of ``data``, as
    ``clean`` chooses (with ``ranker``, by default the installed one)."""
    from mtfix.segment import segment

    doc = segment("\n".join(data["source"]), lines=data["lines_mode"])
    flags = [_flag(f) for f in data["flags"]]
    candidates = [_cand(c) for c in data["rules"] + data["model"]]
    return list(select(doc, candidates, flags, policy, ranker or installed_ranker()).edits)


def agreement(reference: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """How often two runs on the same sample (two backends) apply the same edits: per sentence
    of the document, the applied edits inside it, compared as (offsets, replacement)."""
    from mtfix.segment import segment

    doc = segment("\n".join(reference["source"]), lines=reference["lines_mode"])

    def by_sentence(edits: Sequence[Edit]) -> list[set[tuple[int, int, str]]]:
        out: list[set[tuple[int, int, str]]] = [set() for _ in doc.sentences]
        for e in edits:
            n = next((i for i, s in enumerate(doc.sentences) if s.touches(e.span)), 0)
            out[n].add((e.span.start, e.span.end, e.replacement))
        return out

    a, b = by_sentence(applied(reference)), by_sentence(applied(other))
    same = sum(x == y for x, y in zip(a, b, strict=True))
    return {
        "sentences": len(a),
        "sentences_with_edits": sum(bool(x or y) for x, y in zip(a, b, strict=True)),
        "same_applied_edits": same,
        "same_share": round(same / len(a), 4) if a else 1.0,
    }


def score(data: dict[str, Any], policy: Policy = DEFAULT_POLICY) -> dict[str, Any]:
    from mtfix.segment import segment

    text = "\n".join(data["source"])
    doc = segment(text, lines=data["lines_mode"])
    flags = [_flag(f) for f in data["flags"]]
    rules = [_cand(c) for c in data["rules"]]
    model = [_cand(c) for c in data["model"]]
    refs = data["references"]

    def ter(lines: Sequence[str]) -> float:
        return round(Ter().corpus_score(lines, refs), 2)

    rules_edits = select(doc, rules, flags, policy).edits
    # As `clean` chooses: with the calibrated confidence's threshold where it is installed.
    full_edits = select(doc, rules + model, flags, policy, installed_ranker()).edits
    raw = ter(data["source"])
    rules_ter = ter(apply_edits(text, rules_edits).split("\n"))
    full_ter = ter(apply_edits(text, full_edits).split("\n"))
    oracle_edits = _oracle(data["source"], refs, rules_edits, model)
    oracle_ter = ter(apply_edits(text, oracle_edits).split("\n"))
    return {
        "lines": len(data["source"]),
        "sentences_sent_to_model": data["targets"],
        "model_candidates": sum(bool(c.edits) for c in model),
        "model_edits_accepted": sum(e.origin == "model" for e in full_edits),
        "rules_edits_accepted": [len(rules_edits), sum(e.origin == "rules" for e in full_edits)],
        "ter_raw": raw,
        "ter_rules": rules_ter,
        "ter_full": full_ter,
        "delta_rules": round(rules_ter - raw, 2),
        "delta_full": round(full_ter - raw, 2),
        "delta_oracle": round(oracle_ter - raw, 2),
        "model_seconds": data["model_seconds"],
    }


def _oracle(
    source: Sequence[str],
    refs: Sequence[Sequence[str]],
    rules_edits: Sequence[Edit],
    model: Sequence[Candidate],
) -> list[Edit]:
    """Per sentence, the rules system's edits or the model candidate that lowers its line's TER
    most: what a selector that could read the post-edits would keep, so the ceiling of any real
    selector over these candidates."""
    text = "\n".join(source)
    starts = [0, *accumulate(len(line) + 1 for line in source)]
    chosen = list(rules_edits)

    def sentence_of(c: Candidate) -> tuple[int, int]:
        return c.sentence.start, c.sentence.end

    for (start, end), group in groupby(sorted(model, key=sentence_of), key=sentence_of):
        sentence = Span(start, end)
        n = bisect_right(starts, start) - 1
        line = Span(starts[n], starts[n] + len(source[n]))
        # A rules edit reaching into the sentence (a paragraph-level fix) is the sentence's.
        mine = [e for e in chosen if e.span.touches(sentence)]
        others = [e for e in chosen if e not in mine]
        in_line = [e for e in others if line.contains(e.span)]
        options = [mine, *(list(c.edits) for c in group)]
        refs_n = [r[n] for r in refs]
        ters = [_line_ter(text, line, in_line + edits, refs_n) for edits in options]
        chosen = others + options[ters.index(min(ters))]
    return chosen


def _line_ter(text: str, line: Span, edits: Sequence[Edit], refs: list[str]) -> float:
    within = [e for e in edits if line.contains(e.span)]
    return Ter().sentence_score(apply_within(text, line, within), refs)


def bench_name(model: str, heldout: bool, beams: int, rewrite: str) -> str:
    """The file under ``eval/bench/`` a run writes: ``rewriter-dev[-beamsK][-all]-<model>.json``
    (``rewriter-heldout...`` for ``--heldout``), one per model so that two rewriters' figures
    sit side by side."""
    stem = "rewriter-heldout" if heldout else "rewriter-dev"
    stem += f"-beams{beams}" if beams > 1 else ""
    stem += "" if rewrite == "flagged" else f"-{rewrite}"
    return f"{stem}-{Path(model).name}.json"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--suites", nargs="*", default=list(SUITES))
    parser.add_argument("--rewrite", choices=["flagged", "all"], default="flagged")
    parser.add_argument(
        "--beams", type=int, default=1, help="the model proposes this many rewrites a sentence"
    )
    parser.add_argument(
        "--backend", default=AUTO, help="model backend: auto, ctranslate2 or transformers"
    )
    parser.add_argument(
        "--compare-backends",
        action="store_true",
        help="run ctranslate2 and transformers on the same sample, and auto one sentence per "
        "call; write backends-dev.json",
    )
    parser.add_argument(
        "--heldout",
        action="store_true",
        help="score the MLQE-PE train lines the model never saw, and the synthetic passages "
        "built from them, one suite of each per trained pair",
    )
    args = parser.parse_args(argv)
    if args.heldout:
        pairs = _training_data(args.model).mlqe_pairs
        args.suites = [
            f"{prefix}{pair}" for prefix in (HELD_OUT_PREFIX, PASSAGES_PREFIX) for pair in pairs
        ]
    if args.compare_backends:
        compare_backends(args)
        return
    results = {}
    for suite in args.suites:
        data = collect(suite, args.sample, args.model, args.rewrite, args.beams, args.backend)
        results[suite] = score(data)
        print(suite, json.dumps(results[suite]), flush=True)
    out = bench_dir() / bench_name(args.model, args.heldout, args.beams, args.rewrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model": args.model,
        "sample": args.sample,
        "rewrite": args.rewrite,
        "heldout": args.heldout,
        "beams": args.beams,
        "policy": asdict(DEFAULT_POLICY),
        "metric": "sacrebleu TER, corpus level",
        "suites": results,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n")


def compare_backends(args: argparse.Namespace) -> None:
    """The fast backend against the reference on each suite's sample: the same flags and
    targets, each backend's candidates, the selector's applied edits compared per sentence."""
    results = {}
    for suite in args.suites:
        runs = {
            name: collect(suite, args.sample, args.model, args.rewrite, args.beams, name)
            for name in ("transformers", "ctranslate2")
        }
        # The default backend on one-sentence calls: the rows llama.cpp runs.
        runs[ALONE] = collect(
            suite, args.sample, args.model, args.rewrite, args.beams, AUTO, one_at_a_time=True
        )
        scores = {name: score(data) for name, data in runs.items()}
        results[suite] = {
            **agreement(runs["transformers"], runs["ctranslate2"]),
            ALONE: agreement(runs["transformers"], runs[ALONE]),
            "delta_full": {name: s["delta_full"] for name, s in scores.items()},
            "model_edits_accepted": {name: s["model_edits_accepted"] for name, s in scores.items()},
            "model_seconds": {name: s["model_seconds"] for name, s in scores.items()},
        }
        print(suite, json.dumps(results[suite]), flush=True)
    worst = min(r["same_share"] for r in results.values())
    payload = {
        "model": args.model,
        "sample": args.sample,
        "rewrite": args.rewrite,
        "beams": args.beams,
        "reference": "transformers",
        "candidate": "ctranslate2",
        "metric": "share of sentences with the same applied edits; sacrebleu TER, corpus level",
        "lowest_same_share": worst,
        "delta_full_no_worse_everywhere": all(
            r["delta_full"]["ctranslate2"] <= r["delta_full"]["transformers"]
            for r in results.values()
        ),
        "lowest_same_share_one_at_a_time": min(r[ALONE]["same_share"] for r in results.values()),
        "delta_full_no_worse_everywhere_one_at_a_time": all(
            r["delta_full"][ALONE] <= r["delta_full"]["transformers"] for r in results.values()
        ),
        "suites": results,
    }
    out = bench_dir() / "backends-dev.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
