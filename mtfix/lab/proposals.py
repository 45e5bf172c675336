"""Ranked proposals on a suite sample: hit@1, hit@K, harm@1 and the threshold curve.

``python -m mtfix.lab.proposals MODEL --suites seed mlqe-ro-en [--sample N] [--beams K]
[--confidence FILE]`` reads
the flags and candidates :mod:`mtfix.lab.devcheck` collects (cached), ranks every flagged
sentence's candidates (the rules fix, the model's rewrites, the suggestions it judged) by the
selector's calibrated confidence (:mod:`mtfix.select.confidence`, with the quality estimator's
word probabilities where it was fitted with them), and scores the top ones against the
references with :mod:`mtfix.evaluate.ranking`. It also reports the sentences flagged for a stray
first person, a truncated sentence or a broken quote on their own, and what applying the top
candidate above the confidence threshold does to the suite's TER. Results:
``eval/bench/proposals-<model>.json``.
"""

from __future__ import annotations

import argparse
import json
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

from mtfix.core import Candidate, Flag, Span, apply_edits, apply_within
from mtfix.evaluate.metrics import Ter
from mtfix.evaluate.ranking import Ranked, ranking_scores
from mtfix.paths import bench_dir
from mtfix.select.confidence import ConfidenceModel
from mtfix.select.rank import ConfidenceRanker

ARTIFACT_RULES = frozenset(
    {"STRAY_FIRST_PERSON", "TRUNCATED_SENTENCE", "UNBALANCED_QUOTE", "MISPLACED_QUOTE"}
)
K = 3


def _candidates(data: dict[str, Any], doc: Any, flags: Sequence[Flag]) -> list[Candidate]:
    """Every proposal source of the pipeline: the rules fix, the model's rewrites and judged
    suggestions, and each detector suggestion applied alone."""
    from mtfix.lab.devcheck import _cand
    from mtfix.pipeline import sentence_for
    from mtfix.rewrite.suggestions import suggestion_candidates

    by_sentence: dict[Span, list[Flag]] = {}
    for flag in flags:
        by_sentence.setdefault(sentence_for(doc, flag.span), []).append(flag)
    found = [_cand(c) for c in data["rules"] + data["model"]]
    found += suggestion_candidates(doc, list(by_sentence.items()))
    return [c for c in found if c.edits]


def rank(data: dict[str, Any], confidence: ConfidenceModel) -> list[tuple[Ranked, Any]]:
    """Per flagged sentence: its ranking (line texts) and what it needs for the summary."""
    from mtfix.lab.confidence import QE_FEATURES, _qe_risks
    from mtfix.lab.devcheck import _flag
    from mtfix.segment import segment

    source = data["source"]
    text = "\n".join(source)
    doc = segment(text, lines=data["lines_mode"])
    flags = [_flag(f) for f in data["flags"]]
    candidates = _candidates(data, doc, flags)
    starts = [0, *accumulate(len(line) + 1 for line in source)]
    flagged = [s for s in doc.sentences if any(f.span.touches(s) for f in flags)]
    risks: dict[Span, list[tuple[int, int, float]]] = {s: [] for s in flagged}
    # The quality estimator only where the confidence model reads it (fitted with --qe).
    if QE_FEATURES & set(confidence.names):
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
        mine = [c for c in candidates if c.sentence == sentence and line.contains(c.sentence)]
        scored = sorted(
            ((confidence.confidence(doc, c, local, qe), c) for c in mine), key=lambda pc: -pc[0]
        )
        texts: dict[str, float] = {}
        for p, cand in scored:
            texts.setdefault(apply_within(text, line, cand.edits), p)
        refs = tuple(r[n] for r in data["references"])
        ranked = Ranked(line.of(text), refs, tuple(texts.items())[:K], n)
        info = {
            "sentence": sentence,
            "rules": {f.rule for f in local},
            "artifact_flags": [f for f in local if f.rule in ARTIFACT_RULES],
            "candidates": mine,
            "line": line,
        }
        out.append((ranked, info))
    return out


def suite_report(
    data: dict[str, Any], clean_data: dict[str, Any], confidence: ConfidenceModel
) -> dict[str, Any]:
    """Ranking scores over ``data``'s candidates (K beams); and what ``clean`` does, from
    ``clean_data`` (the same flags, the model's greedy rewrite: the pipeline's default), chosen
    as it chooses (:func:`mtfix.lab.devcheck.applied`, with the installed confidence)."""
    from mtfix.lab.devcheck import _cand, _flag, applied
    from mtfix.segment import segment
    from mtfix.select import select

    ranked = rank(data, confidence)
    artifacts = [(r, info) for r, info in ranked if info["artifact_flags"]]
    source = data["source"]
    text = "\n".join(source)
    doc = segment(text, lines=clean_data["lines_mode"])
    clean_edits = applied(clean_data, ranker=ConfidenceRanker(confidence))
    rules_only = [_cand(c) for c in clean_data["rules"]]
    rules_edits = select(doc, rules_only, [_flag(f) for f in clean_data["flags"]]).edits
    ter = Ter()
    refs = data["references"]
    starts = [0, *accumulate(len(line) + 1 for line in source)]

    def fixed(info: dict[str, Any]) -> bool:
        """Whether clean's edits in the sentence bring its line closer to the reference."""
        line, sentence = info["line"], info["sentence"]
        inside = [e for e in clean_edits if sentence.touches(e.span) and line.contains(e.span)]
        line_refs = [r[bisect_right(starts, line.start) - 1] for r in refs]
        before = ter.sentence_score(line.of(text), line_refs)
        after = ter.sentence_score(apply_within(text, line, inside), line_refs)
        return bool(inside) and after < before

    artifact_flags = list(dict.fromkeys(f for _, info in artifacts for f in info["artifact_flags"]))
    greedy = _candidates(clean_data, doc, [_flag(f) for f in clean_data["flags"]])

    def with_proposal(candidates: Sequence[Candidate]) -> int:
        """The artifact flags that some candidate changes."""
        return sum(
            any(any(e.span.touches(f.span) for e in c.edits) for c in candidates)
            for f in artifact_flags
        )

    raw = ter.corpus_score(source, refs)
    rules_ter = ter.corpus_score(apply_edits(text, rules_edits).split("\n"), refs)
    clean_ter = ter.corpus_score(apply_edits(text, clean_edits).split("\n"), refs)
    return {
        "flagged": ranking_scores([r for r, _ in ranked], K),
        "artifact_sentences": ranking_scores([r for r, _ in artifacts], K)
        | {
            "flags": len(artifact_flags),
            "flags_with_a_proposal": with_proposal(
                [c for _, info in artifacts for c in info["candidates"]]
            ),
            "flags_with_a_proposal_greedy": with_proposal(greedy),
            "fixed_by_clean": sum(fixed(info) for _, info in artifacts),
        },
        "threshold": confidence.threshold,
        "clean_model_edits": sum(e.origin == "model" for e in clean_edits),
        "ter_raw": round(raw, 2),
        "ter_rules": round(rules_ter, 2),
        "ter_clean": round(clean_ter, 2),
        "delta_rules": round(rules_ter - raw, 2),
        "delta_clean": round(clean_ter - raw, 2),
    }


def main(argv: Sequence[str] | None = None) -> None:
    from mtfix.lab.devcheck import collect

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("model")
    parser.add_argument("--suites", nargs="*", default=["seed"])
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--beams", type=int, default=K)
    parser.add_argument(
        "--confidence",
        type=Path,
        help="a fitted confidence.json (default: the installed models/confidence/ one)",
    )
    args = parser.parse_args(argv)
    confidence = ConfidenceModel.load(args.confidence)
    results = {}
    for suite in args.suites:
        data = collect(suite, args.sample, args.model, "flagged", args.beams)
        greedy = data if args.beams == 1 else collect(suite, args.sample, args.model, "flagged")
        results[suite] = suite_report(data, greedy, confidence)
        print(suite, json.dumps(results[suite]), flush=True)
    out = bench_dir() / f"proposals-{args.model}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model": args.model,
        "beams": args.beams,
        "sample": args.sample,
        "confidence": {
            "threshold": confidence.threshold,
            "rewriter": confidence.meta.get("rewriter"),
        },
        "suites": results,
    }
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(out)


if __name__ == "__main__":
    main()
