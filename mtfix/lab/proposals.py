"""Ranked proposals on a suite sample: hit@1, hit@K, harm@1 and the threshold curve.

``python -m mtfix.lab.proposals MODEL --suites seed mlqe-ro-en [--sample N] [--beams K]`` reads
the flags and candidates :mod:`mtfix.lab.devcheck` collects (cached), ranks every flagged
sentence's candidates (the rules fix, the model's rewrites, the suggestions it judged) by the
selector's calibrated confidence (:mod:`mtfix.select.confidence`, with the quality estimator's
word probabilities), and scores the top ones against the references with
:mod:`mtfix.evaluate.ranking`. It also reports the sentences flagged for a stray first person, a
truncated sentence or a broken quote on their own, and what applying the top candidate above the
confidence threshold does to the suite's TER. Results: ``eval/bench/proposals-<model>.json``.
"""

from __future__ import annotations

import argparse
import json
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from mtfix.core import Candidate, Span, apply_edits, apply_within
from mtfix.evaluate.metrics import Ter
from mtfix.evaluate.ranking import Ranked, ranking_scores
from mtfix.paths import bench_dir
from mtfix.select.confidence import ConfidenceModel

ARTIFACT_RULES = frozenset(
    {"STRAY_FIRST_PERSON", "TRUNCATED_SENTENCE", "UNBALANCED_QUOTE", "MISPLACED_QUOTE"}
)
K = 3


def rank(data: dict[str, Any], confidence: ConfidenceModel) -> list[tuple[Ranked, Any]]:
    """Per flagged sentence: its ranking (line texts) and what it needs for the summary."""
    from mtfix.lab.confidence import _qe_risks
    from mtfix.lab.devcheck import _cand, _flag
    from mtfix.segment import segment

    source = data["source"]
    text = "\n".join(source)
    doc = segment(text, lines=data["lines_mode"])
    flags = [_flag(f) for f in data["flags"]]
    candidates = [_cand(c) for c in data["rules"] + data["model"] if c["edits"]]
    starts = [0, *accumulate(len(line) + 1 for line in source)]
    flagged = [s for s in doc.sentences if any(f.span.touches(s) for f in flags)]
    key = f"{data['suite']}-{data['sample']}-{len(text)}-flagged"
    risks = dict(zip(flagged, _qe_risks([s.of(text) for s in flagged], key), strict=True))
    out = []
    for sentence in flagged:
        n = bisect_right(starts, sentence.start) - 1
        line = Span(starts[n], starts[n] + len(source[n]))
        local = [f for f in flags if f.span.touches(sentence)]
        qe = [
            (Span(sentence.start + a, sentence.start + b), p) for a, b, p in risks[sentence]
        ] or None
        scored: list[tuple[float, Candidate]] = []
        for cand in candidates:
            if cand.sentence == sentence and line.contains(cand.sentence):
                scored.append((confidence.confidence(doc, cand, local, qe), cand))
        scored.sort(key=lambda pc: -pc[0])
        texts: dict[str, float] = {}
        for p, cand in scored:
            texts.setdefault(apply_within(text, line, cand.edits), p)
        refs = tuple(r[n] for r in data["references"])
        ranked = Ranked(line.of(text), refs, tuple(texts.items())[:K])
        out.append((ranked, {"rules": {f.rule for f in local}, "top": scored[:1], "line": n}))
    return out


def suite_report(data: dict[str, Any], confidence: ConfidenceModel) -> dict[str, Any]:
    ranked = rank(data, confidence)
    artifacts = [r for r, info in ranked if info["rules"] & ARTIFACT_RULES]
    source = data["source"]
    text = "\n".join(source)
    # The top candidate of each flagged sentence applied where its confidence reaches the
    # threshold: what `clean` would do with the confidence wired in.
    applied = [
        info["top"][0][1]
        for _, info in ranked
        if info["top"] and info["top"][0][0] >= confidence.threshold
    ]
    edits = [e for cand in applied for e in cand.edits]
    ter = Ter()
    refs = data["references"]
    raw = ter.corpus_score(source, refs)
    after = ter.corpus_score(apply_edits(text, edits).split("\n"), refs)
    return {
        "flagged": ranking_scores([r for r, _ in ranked], K),
        "artifact_flags": ranking_scores(artifacts, K)
        | {
            "fixed_automatically": sum(
                1
                for r, info in ranked
                if info["rules"] & ARTIFACT_RULES
                and info["top"]
                and info["top"][0][0] >= confidence.threshold
            )
        },
        "threshold": confidence.threshold,
        "applied": len(applied),
        "ter_raw": round(raw, 2),
        "ter_top_above_threshold": round(after, 2),
        "delta_ter": round(after - raw, 2),
    }


def main(argv: Sequence[str] | None = None) -> None:
    from mtfix.lab.devcheck import collect

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("model")
    parser.add_argument("--suites", nargs="*", default=["seed"])
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--beams", type=int, default=K)
    args = parser.parse_args(argv)
    confidence = ConfidenceModel.load()
    results = {}
    for suite in args.suites:
        data = collect(suite, args.sample, args.model, "flagged", args.beams)
        results[suite] = suite_report(data, confidence)
        print(suite, json.dumps(results[suite]), flush=True)
    out = bench_dir() / f"proposals-{args.model}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"model": args.model, "beams": args.beams, "sample": args.sample, "suites": results}
    out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
