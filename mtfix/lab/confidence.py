"""Fit the selector's calibrated confidence (:mod:`mtfix.select.confidence`) on held-out lines.

``python -m mtfix.lab.confidence [--sample N] [--beams K] [--qe]``:

1. per MLQE-PE pair the rewriter trained on, ``N`` train lines neither it nor the adapter it
   started from ever saw (the ``heldout-<pair>`` samples of :mod:`mtfix.lab.devcheck`, whose
   detector flags and candidates it computes and caches), and the synthetic passages built from
   those lines' post-edits (``passages-<pair>``: a stray first person, a truncated sentence, a
   broken quote, a doubled conjunction, each after the sentence that tells how to repair it),
   and the same post-edits with one artifact of :mod:`mtfix.lab.synth` each (``damaged-<pair>``:
   a misspelling, a doubled phrase, an orphan fragment..., what the rules repair: MLQE-PE's MT
   alone gives the fit almost no rules fixes to learn from); dev, ``eval/`` and the seed are
   never read;
2. every candidate (rules fixes, the model's ``K`` rewrites of every sentence, the suggestions it
   judged) becomes a row of :func:`mtfix.select.confidence.features`, labelled 1 when applying it
   alone makes its line's TER against the post-edit (or the undamaged passage) lower than the
   MT's. The run-time pipeline computes no word-level QE, so by default neither does the fit
   (the ``qe_*`` features are left out of the model); ``--qe`` adds the quality estimator's
   word probabilities, less the lines it was fitted on;
3. a standardised logistic regression (scikit-learn) is scored by 5-fold cross-validation,
   folds split by line: the out-of-fold probabilities give the calibration table (deciles of
   confidence: mean confidence against the observed rate) and the auto-apply threshold: the
   lowest confidence at which at least :data:`TARGET_PRECISION` of the candidates ``clean``
   would then apply (per sentence, the best-scored model candidate the guard passes among those
   at or above it, :func:`mtfix.select.select`) were closer to the post-edit; then it is
   refitted on every row;
4. writes ``models/confidence/confidence.json`` (coefficients, threshold, table, data counts)
   and its model card.
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
from mtfix.select import candidate_score
from mtfix.select.confidence import FEATURES, MODEL_DIR, MODEL_FILE, ConfidenceModel, features

QE_FEATURES = frozenset({"qe_sentence", "qe_changed", "qe_missing"})

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


def rows(suite: str, sample: int, model: str, beams: int, qe: bool) -> list[dict[str, Any]]:
    """Feature rows and labels for the candidates of one held-out suite (``heldout-<pair>``,
    ``passages-<pair>`` or ``damaged-<pair>``)."""
    from mtfix.lab.devcheck import _cand, _flag, collect
    from mtfix.segment import segment

    data = collect(suite, sample, model, "all", beams)
    text = "\n".join(data["source"])
    doc = segment(text, lines=data["lines_mode"])
    flags = [_flag(f) for f in data["flags"]]
    candidates = [_cand(c) for c in data["rules"]] + [_cand(c) for c in data["model"]]
    excluded = _qe_trained_lines() if qe else set()
    sentences = list(doc.sentences)
    risks: dict[Span, list[tuple[int, int, float]]] = {}
    if qe:
        key = f"{suite}-{sample}-{len(text)}"
        texts = [s.of(text) for s in sentences]
        risks = dict(zip(sentences, _qe_risks(texts, key), strict=True))
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
                "suite": suite,
                "line": n,
                "sentence": [cand.sentence.start, cand.sentence.end],
                "origin": cand.origin,
                "features": features(doc, cand, local, word_risks or None),
                # What the selector chooses by among the candidates the threshold lets through.
                "score": candidate_score(doc, cand, local),
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


def applied_at(all_rows: Sequence[dict[str, Any]], p: Any, threshold: float) -> list[int]:
    """Per sentence, the row ``clean`` would apply with this threshold: among the model
    candidates the guard passes whose confidence reaches it, the best-scored one."""
    best: dict[tuple[str, int, int], int] = {}
    for i, r in enumerate(all_rows):
        if r["origin"] == "rules" or not r["features"]["guarded"] or p[i] < threshold:
            continue
        key = (r["suite"], *r["sentence"])
        if key not in best or r["score"] > all_rows[best[key]]["score"]:
            best[key] = i
    return sorted(best.values())


def applied_threshold(
    all_rows: Sequence[dict[str, Any]],
    p: Any,
    y: Any,
    target: float = TARGET_PRECISION,
    least: int = 10,
) -> float:
    """The lowest confidence at which at least ``target`` of what ``clean`` would apply with it
    (:func:`applied_at`) was closer to the post-edit (1.0 when none is)."""
    guarded = [
        i for i, r in enumerate(all_rows) if r["origin"] != "rules" and r["features"]["guarded"]
    ]
    for t in sorted({round(float(p[i]), 3) for i in guarded}):
        chosen = applied_at(all_rows, p, t)
        if len(chosen) >= least and y[chosen].mean() >= target:
            return t
    return 1.0


def fit(
    all_rows: list[dict[str, Any]], names: Sequence[str] = FEATURES, seed: int = 0
) -> tuple[ConfidenceModel, dict[str, Any]]:
    import numpy as np

    x = np.array([[r["features"][n] for n in names] for r in all_rows], dtype=float)
    y = np.array([r["label"] for r in all_rows])
    lines = sorted({(r["suite"], r["line"]) for r in all_rows})
    random.Random(seed).shuffle(lines)
    fold_of = {line: i % FOLDS for i, line in enumerate(lines)}
    folds = np.array([fold_of[(r["suite"], r["line"])] for r in all_rows])
    p = np.zeros(len(y))
    for k in range(FOLDS):
        train, test = folds != k, folds == k
        if len(set(y[train])) < 2:
            raise ValueError(f"fold {k}: only one label among {int(train.sum())} candidates")
        p[test] = _fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    tops = applied_at(all_rows, p, 0.0)
    threshold = applied_threshold(all_rows, p, y)
    table = calibration_table(p, y)
    final = _fit(x, y)
    scaler, logistic = final.steps[0][1], final.steps[1][1]
    gains = np.array([r["ter_gain"] for r in all_rows])
    applied = np.array(applied_at(all_rows, p, threshold), dtype=int)
    by_suite: dict[str, dict[str, Any]] = {}
    for suite in sorted({r["suite"] for r in all_rows}):
        mine = np.array([all_rows[i]["suite"] == suite for i in applied], dtype=bool)
        chosen = applied[mine] if len(applied) else applied
        by_suite[suite] = {
            "applied": len(chosen),
            "closer": int(y[chosen].sum()) if len(chosen) else 0,
            "further": int((gains[chosen] < 0).sum()) if len(chosen) else 0,
            "ter_gain_sum": round(float(gains[chosen].sum()), 2) if len(chosen) else 0.0,
        }
    report = {
        "candidates": len(y),
        "closer_share": round(float(y.mean()), 4),
        "lines": len(lines),
        "by_suite": dict(sorted(Counter(r["suite"] for r in all_rows).items())),
        "by_origin": dict(sorted(Counter(r["origin"] for r in all_rows).items())),
        "calibration": table,
        "max_gap": max(row["gap"] for row in table),
        "threshold_precision_target": TARGET_PRECISION,
        "cross_validated": {
            "sentences_with_a_guarded_model_candidate": len(tops),
            "applied": len(applied),
            "precision": round(float(y[applied].mean()), 4) if len(applied) else None,
            "further": int((gains[applied] < 0).sum()) if len(applied) else 0,
            "ter_gain_sum": round(float(gains[applied].sum()), 2) if len(applied) else 0.0,
            "by_suite": by_suite,
        },
    }
    model = ConfidenceModel(
        tuple(names),
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
    qe = "with" if payload["qe"] else "without"
    lines = [
        "# confidence: how likely a post-editor is to prefer a candidate to the MT",
        "",
        "A logistic regression (`mtfix/select/confidence.py`) over what the selector knows about a"
        " candidate: the model's evidence, the edit's size and kind, word frequencies, the flags "
        "it touches, whether a flag licensed it and whether the guard passes it"
        + (", and the quality estimator's word probabilities" if payload["qe"] else "")
        + ". `confidence.json` holds its coefficients, its auto-apply threshold and every figure "
        "below. `mtfix clean` loads it when it is installed (`mtfix.select.rank.installed_ranker`"
        "): it ranks every flagged sentence's proposals, and a model rewrite is applied only at "
        "or above the threshold.",
        "",
        "## Data",
        "",
        f"- Candidates of the `{payload['rewriter']}` rewriter ({payload['beams']} rewrites of "
        "every sentence, the rules fixes, the suggestions it judged) on "
        f"{payload['sample']} held-out MLQE-PE *train* lines per pair (`heldout-<pair>`: never "
        "the input or target of the rewriter or of the adapter it started from) and on "
        "synthetic passages built from those lines' post-edits (`passages-<pair>`, "
        "`mtfix/lab/passages.py`: a stray first person, a truncated sentence, a broken quote, a "
        "doubled conjunction, each after the sentence that tells how to repair it), and on "
        "the same post-edits with one artifact of `mtfix/lab/synth.py` each (`damaged-<pair>`: "
        "a misspelling, a doubled phrase, an orphan fragment, a slipped article or agreement: "
        "what the rules repair); never dev, `eval/` or the seed.",
        f"- {payload['candidates']:,} candidates on {payload['lines']:,} lines; by suite "
        f"{payload['by_suite']}; by origin {payload['by_origin']}.",
        "- Label: applying the candidate alone lowers its line's sentence TER against the "
        f"post-edit, or the undamaged passage ({payload['closer_share']:.1%} of candidates do).",
        f"- Fitted {qe} the quality estimator's word probabilities"
        + (
            "."
            if payload["qe"]
            else " (the run-time pipeline computes none, so the model never reads them)."
        ),
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
        f"{payload['threshold_precision_target']:.0%} of what `clean` would then apply (per "
        "held-out sentence, the best-scored model candidate the guard passes among those at or "
        "above it) was closer to the post-edit. Out of fold: "
        f"{cv['sentences_with_a_guarded_model_candidate']} "
        f"sentences had a guarded model candidate, {cv['applied']} reach the threshold, "
        f"precision {cv['precision']}, {cv['further']} further from the post-edit, summed "
        f"sentence-TER gain {cv['ter_gain_sum']}.",
        "",
        "| held-out suite | applied | closer | further | summed sentence-TER gain |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {suite} | {row['applied']} | {row['closer']} | {row['further']} | "
            f"{row['ter_gain_sum']} |"
            for suite, row in cv["by_suite"].items()
        ),
        "",
        "## Limits",
        "",
        "- Fitted on Wikipedia MT (ro/ru/et→en) and on synthetic passages: real Japanese→English "
        "news artifacts are not in its data, only their imitations.",
        "- The label is one post-editor's choice: a candidate as good as the post-edit but "
        "worded otherwise counts as not closer.",
        "- The rewriter's candidates change with its weights: refit after retraining it.",
        "",
        f"Regenerate: `{payload['command']}` (rewrites this card and `confidence.json`).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    from mtfix.lab.devcheck import PREFIXES, _training_data

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--beams", type=int, default=2)
    parser.add_argument(
        "--qe", action="store_true", help="add the quality estimator's word probabilities"
    )
    parser.add_argument("--out", type=Path, default=models_dir() / MODEL_DIR / MODEL_FILE)
    parser.add_argument(
        "--pairs", nargs="*", help="held-out pairs (default: every pair the model trained on)"
    )
    args = parser.parse_args(argv)
    pairs = args.pairs or list(_training_data(args.model).mlqe_pairs)
    all_rows = []
    for pair in pairs:
        for suite in (f"{prefix}{pair}" for prefix in PREFIXES):
            made = rows(suite, args.sample, args.model, args.beams, args.qe)
            closer = sum(r["label"] for r in made)
            print(suite, len(made), "candidates", closer, "closer", flush=True)
            all_rows += made
    names = [n for n in FEATURES if args.qe or n not in QE_FEATURES]
    model, report = fit(all_rows, names)
    payload = model.to_dict() | {
        "rewriter": args.model,
        "sample": args.sample,
        "beams": args.beams,
        "qe": args.qe,
        "pairs": pairs,
        "command": "python -m mtfix.lab.confidence"
        + (f" --model {args.model}" if args.model != DEFAULT_MODEL else "")
        + (f" --sample {args.sample}" if args.sample != 200 else "")
        + (f" --beams {args.beams}" if args.beams != 2 else "")
        + (" --qe" if args.qe else "")
        + (f" --pairs {' '.join(args.pairs)}" if args.pairs else ""),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(args.out)
    card_path = args.out.parent / "MODEL_CARD.md"
    card_tmp = card_path.with_suffix(".tmp")
    card_tmp.write_text(card(payload), encoding="utf-8")
    card_tmp.replace(card_path)
    print(json.dumps({k: report[k] for k in ("candidates", "closer_share", "max_gap")}))
    print("threshold", model.threshold, json.dumps(report["cross_validated"]))


if __name__ == "__main__":
    main()
