"""Fit the selector's calibrated confidence (:mod:`mtfix.select.confidence`) on held-out lines.

``python -m mtfix.lab.confidence [--sample N] [--beams K]``:

1. per MLQE-PE pair the rewriter trained on, ``N`` train lines it never saw (the ``heldout-<pair>``
   samples of :mod:`mtfix.lab.devcheck`, whose detector flags and candidates it computes and
   caches), less any line the quality estimator was fitted on, so no feature was fitted on the
   lines it describes; dev is never read;
2. every candidate (rules fixes, the model's ``K`` rewrites of every sentence, the suggestions it
   judged) becomes a row of :func:`mtfix.select.confidence.features`, with the quality
   estimator's word probabilities for its sentence, labelled 1 when applying it alone makes its
   line's TER against the post-edit lower than the MT's;
3. a standardised logistic regression (scikit-learn) is scored by 5-fold cross-validation,
   folds split by line: the out-of-fold probabilities give the calibration table (deciles of
   confidence: mean confidence against the observed rate) and the auto-apply threshold (the
   lowest at which at least :data:`TARGET_PRECISION` of the candidates above it were closer to
   the post-edit), then it is refitted on every row;
4. writes ``models/confidence/confidence.json`` (coefficients, threshold, table, data counts).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtfix.core import Span, apply_within
from mtfix.evaluate.metrics import Ter
from mtfix.model import DEFAULT_MODEL
from mtfix.paths import cache_root, models_dir
from mtfix.select.confidence import FEATURES, MODEL_DIR, MODEL_FILE, ConfidenceModel, features

TARGET_PRECISION = 0.8
FOLDS = 5


def _qe_risks(texts: Sequence[str], key: str) -> list[list[tuple[int, int, float]]]:
    """Per text, ``(start, end, probability)`` of each word from the default QE model (cached)."""
    from mtfix.model.qe import DEFAULT_QE_MODEL, load_estimator

    estimator = load_estimator(DEFAULT_QE_MODEL)
    path = cache_root() / "confidence" / f"qe-{key}-{estimator.meta.get('head_digest', '')}.json"
    if path.exists():
        return [[tuple(w) for w in line] for line in json.loads(path.read_text())]
    out = [
        [(w.token.start, w.token.end, w.bad) for w in words if w.bad is not None]
        for words in estimator.estimate(list(texts))
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


def _qe_trained_lines() -> set[str]:
    """The MT lines the default QE model was fitted on (its qe.json records how it chose them)."""
    from mtfix.lab.qe import _config, train_lines
    from mtfix.model.qe import DEFAULT_QE_MODEL, resolve_qe

    meta = json.loads((resolve_qe(DEFAULT_QE_MODEL) / "qe.json").read_text())
    cfg = _config(meta["config"])
    return {line for pair in cfg.pairs for line in train_lines(pair, cfg).mt}


def rows(pair: str, sample: int, model: str, beams: int) -> list[dict[str, Any]]:
    """Feature rows and labels for one held-out pair's candidates."""
    from mtfix.lab.devcheck import HELD_OUT_PREFIX, _cand, _flag, collect
    from mtfix.segment import segment

    data = collect(f"{HELD_OUT_PREFIX}{pair}", sample, model, "all", beams)
    text = "\n".join(data["source"])
    doc = segment(text, lines=data["lines_mode"])
    flags = [_flag(f) for f in data["flags"]]
    candidates = [_cand(c) for c in data["rules"]] + [_cand(c) for c in data["model"]]
    excluded = _qe_trained_lines()
    sentences = list(doc.sentences)
    key = f"{pair}-{sample}-{len(text)}"
    risks = dict(zip(sentences, _qe_risks([s.of(text) for s in sentences], key), strict=True))
    starts = [0]
    for line in data["source"]:
        starts.append(starts[-1] + len(line) + 1)
    ter = Ter()
    out = []
    for cand in candidates:
        if not cand.edits:
            continue
        n = max(i for i, s in enumerate(starts[:-1]) if s <= cand.sentence.start)
        line = Span(starts[n], starts[n] + len(data["source"][n]))
        if data["source"][n].strip() in excluded:
            continue
        refs = [r[n] for r in data["references"]]
        before = ter.sentence_score(line.of(text), refs)
        after = ter.sentence_score(apply_within(text, line, cand.edits), refs)
        local = [f for f in flags if f.span.touches(cand.sentence)]
        word_risks = [
            (Span(cand.sentence.start + a, cand.sentence.start + b), p)
            for a, b, p in risks.get(cand.sentence, [])
        ]
        out.append(
            {
                "pair": pair,
                "line": n,
                "origin": cand.origin,
                "features": features(doc, cand, local, word_risks or None),
                "label": int(after < before),
                "ter_gain": before - after,
            }
        )
    return out


def _fit(x: Any, y: Any) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000)).fit(x, y)


def calibration_table(p: Any, y: Any, bins: int = 10) -> list[dict[str, Any]]:
    """Equal-count bins of confidence: mean confidence, observed rate, and their gap."""
    import numpy as np

    order = np.argsort(p, kind="stable")
    table = []
    for chunk in np.array_split(order, bins):
        if len(chunk) == 0:
            continue
        mean, rate = float(p[chunk].mean()), float(y[chunk].mean())
        table.append(
            {
                "candidates": len(chunk),
                "confidence_min": round(float(p[chunk].min()), 4),
                "confidence_max": round(float(p[chunk].max()), 4),
                "mean_confidence": round(mean, 4),
                "observed_rate": round(rate, 4),
                "gap": round(abs(mean - rate), 4),
            }
        )
    return table


def threshold_for(p: Any, y: Any, target: float = TARGET_PRECISION, least: int = 10) -> float:
    """The lowest confidence at which at least ``target`` of the candidates at or above it were
    closer to the post-edit (1.0 when none is)."""
    for t in sorted({round(float(v), 3) for v in p}):
        above = p >= t
        if above.sum() >= least and y[above].mean() >= target:
            return t
    return 1.0


def fit(all_rows: list[dict[str, Any]], seed: int = 0) -> tuple[ConfidenceModel, dict[str, Any]]:
    import numpy as np

    x = np.array([[r["features"][n] for n in FEATURES] for r in all_rows], dtype=float)
    y = np.array([r["label"] for r in all_rows])
    lines = sorted({(r["pair"], r["line"]) for r in all_rows})
    random.Random(seed).shuffle(lines)
    fold_of = {line: i % FOLDS for i, line in enumerate(lines)}
    folds = np.array([fold_of[(r["pair"], r["line"])] for r in all_rows])
    p = np.zeros(len(y))
    for k in range(FOLDS):
        train, test = folds != k, folds == k
        if len(set(y[train])) < 2:
            raise ValueError(f"fold {k}: only one label among {int(train.sum())} candidates")
        p[test] = _fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    threshold = threshold_for(p, y)
    table = calibration_table(p, y)
    final = _fit(x, y)
    scaler, logistic = final.steps[0][1], final.steps[1][1]
    applied = p >= threshold
    gains = np.array([r["ter_gain"] for r in all_rows])
    report = {
        "candidates": len(y),
        "closer_share": round(float(y.mean()), 4),
        "lines": len(lines),
        "by_pair": dict(sorted(Counter(r["pair"] for r in all_rows).items())),
        "by_origin": dict(sorted(Counter(r["origin"] for r in all_rows).items())),
        "calibration": table,
        "max_gap": max(row["gap"] for row in table),
        "threshold_precision_target": TARGET_PRECISION,
        "cross_validated": {
            "applied": int(applied.sum()),
            "precision": round(float(y[applied].mean()), 4) if applied.any() else None,
            "ter_gain_sum": round(float(gains[applied].sum()), 2),
        },
    }
    model = ConfidenceModel(
        FEATURES,
        tuple(map(float, scaler.mean_)),
        tuple(float(s) if s > 0 else 1.0 for s in scaler.scale_),
        tuple(map(float, logistic.coef_[0])),
        float(logistic.intercept_[0]),
        threshold,
        report,
    )
    return model, report


def card(payload: dict[str, Any]) -> str:
    """The model card: data, the calibration table per decile, the threshold, the limits."""
    table = payload["calibration"]
    cv = payload["cross_validated"]
    within = sum(row["gap"] <= 0.1 for row in table)
    lines = [
        "# confidence: how likely a post-editor is to prefer a candidate to the MT",
        "",
        "A logistic regression (`mtfix/select/confidence.py`) over what the selector knows about a"
        " candidate: the model's evidence, the quality estimator's word probabilities for the "
        "sentence and for the words the candidate changes, the edit's size and kind, word "
        "frequencies, the flags it touches, whether a flag licensed it and whether the guard "
        "passes it. `confidence.json` holds its coefficients, its auto-apply threshold and every "
        "figure below.",
        "",
        "## Data",
        "",
        f"- Candidates of the `{payload['rewriter']}` rewriter ({payload['beams']} rewrites of "
        f"every sentence, the rules fixes, the suggestions it judged) on {payload['sample']} "
        "held-out MLQE-PE *train* lines per pair (`python -m mtfix.lab.devcheck --heldout`'s "
        "lines: never the rewriter's input or target), less the lines the quality estimator was "
        "fitted on; never dev.",
        f"- {payload['candidates']:,} candidates on {payload['lines']:,} lines; by pair "
        f"{payload['by_pair']}; by origin {payload['by_origin']}.",
        f"- Label: applying the candidate alone lowers its line's sentence TER against the "
        f"post-edit ({payload['closer_share']:.1%} of candidates do).",
        f"- Command: `{payload['command']}`.",
        "",
        "## Calibration (5-fold cross-validation, folds by line)",
        "",
        "Deciles of out-of-fold confidence: mean confidence against the observed share of "
        f"candidates closer to the post-edit. Within 0.1 in {within} of {len(table)} deciles "
        f"(largest gap {payload['max_gap']:.3f}).",
        "",
        "| decile | candidates | confidence range | mean confidence | observed rate | gap |",
        "| ---: | ---: | --- | ---: | ---: | ---: |",
        *(
            f"| {i + 1} | {row['candidates']} | {row['confidence_min']:.3f}–"
            f"{row['confidence_max']:.3f} | {row['mean_confidence']:.3f} | "
            f"{row['observed_rate']:.3f} | {row['gap']:.3f} |"
            for i, row in enumerate(table)
        ),
        "",
        "## Auto-apply threshold",
        "",
        f"`{payload['threshold']}`: the lowest confidence at which at least "
        f"{payload['threshold_precision_target']:.0%} of the held-out candidates at or above it "
        f"were closer to the post-edit (out of fold: {cv['applied']} candidates, precision "
        f"{cv['precision']}, summed sentence-TER gain {cv['ter_gain_sum']}). `clean` should "
        "apply a sentence's top candidate automatically only at or above it and offer the rest "
        "as proposals.",
        "",
        "## Limits",
        "",
        "- Fitted on Wikipedia MT (ro/ru/et→en): Japanese→English news artifacts are rare there, "
        "so the flag-type features for them rest on few candidates.",
        "- The label is one post-editor's choice: a candidate as good as the post-edit but "
        "worded otherwise counts as not closer.",
        "",
        f"Regenerate: `{payload['command']}` (rewrites this card and `confidence.json`).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    from mtfix.lab.devcheck import _training_data

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--beams", type=int, default=2)
    parser.add_argument("--out", type=Path, default=models_dir() / MODEL_DIR / MODEL_FILE)
    parser.add_argument(
        "--pairs", nargs="*", help="held-out pairs (default: every pair the model trained on)"
    )
    args = parser.parse_args(argv)
    pairs = args.pairs or list(_training_data(args.model).mlqe_pairs)
    all_rows = []
    for pair in pairs:
        made = rows(pair, args.sample, args.model, args.beams)
        print(pair, len(made), "candidates", sum(r["label"] for r in made), "closer", flush=True)
        all_rows += made
    model, report = fit(all_rows)
    payload = model.to_dict() | {
        "rewriter": args.model,
        "sample": args.sample,
        "beams": args.beams,
        "pairs": pairs,
        "command": "python -m mtfix.lab.confidence"
        + (f" --sample {args.sample}" if args.sample != 200 else "")
        + (f" --beams {args.beams}" if args.beams != 2 else "")
        + (f" --pairs {' '.join(args.pairs)}" if args.pairs else ""),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(args.out)
    (args.out.parent / "MODEL_CARD.md").write_text(card(payload), encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("candidates", "closer_share", "max_gap")}))
    print("threshold", model.threshold, json.dumps(report["cross_validated"]))


if __name__ == "__main__":
    main()
