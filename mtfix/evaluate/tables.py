"""The tables every report format shares: scores, edits, flags, and the machine a run was on."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from typing import Any

from mtfix.evaluate.edits import BETA
from mtfix.evaluate.flags import FlagCounts
from mtfix.evaluate.score import Evaluation
from mtfix.version import __version__

METRIC_LABELS = {"bleu": "BLEU", "chrf": "chrF", "ter": "TER"}

Table = tuple[list[str], list[list[str]]]


def machine() -> dict[str, Any]:
    return {
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mtfix": __version__,
    }


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _ratio_row(name: str, c: FlagCounts) -> list[str]:
    return [
        name,
        str(c.flags),
        str(c.correct),
        str(c.gold),
        str(c.found),
        pct(c.precision),
        pct(c.recall),
        pct(c.f1),
    ]


def score_table(ev: Evaluation) -> Table:
    metrics = list(ev.scores["system"])
    header = ["", *(METRIC_LABELS.get(m, m) for m in metrics)]
    rows = [[who, *(f"{ev.scores[who][m]:.2f}" for m in metrics)] for who in ("source", "system")]
    rows.append(["delta", *(f"{ev.delta[m]:+.2f}" for m in metrics)])
    if sig := ev.significance:
        rows.append(
            [
                f"p ({sig.system} vs {sig.baseline})",
                *(f"{sig.results[m].p_value:.4f}" for m in metrics),
            ]
        )
    return header, rows


def edit_table(ev: Evaluation) -> Table:
    header = ["type", "tp", "fp", "fn", "P", "R", f"F{BETA:g}"]
    items = [("all", ev.edits.overall), *sorted(ev.edits.by_type.items())]
    rows = [
        [name, str(c.tp), str(c.fp), str(c.fn), pct(c.precision), pct(c.recall), pct(c.f(BETA))]
        for name, c in items
    ]
    return header, rows


def flag_table(ev: Evaluation) -> Table | None:
    if ev.flags is None:
        return None
    header = ["", "flags", "correct", "gold", "found", "P", "R", "F1"]
    rows = [_ratio_row("all", ev.flags.overall)]
    rows += [_ratio_row(f"detector {k}", v) for k, v in sorted(ev.flags.by_detector.items())]
    rows += [_ratio_row(f"category {k}", v) for k, v in sorted(ev.flags.by_category.items())]
    rows += [_ratio_row(f"MQM {k}", v) for k, v in sorted(ev.flags.by_dimension.items())]
    return header, rows


def mqm_table(ev: Evaluation) -> Table | None:
    """MQM points by dimension and the penalty per 100 words, before (the MT) and after (the
    system's output)."""
    if ev.mqm is None:
        return None
    before, after = ev.mqm["source"], ev.mqm["system"]
    header = ["dimension", "source points", "system points"]
    dimensions = sorted(set(before["by_dimension"]) | set(after["by_dimension"]))
    rows = [
        [d, *(str(side["by_dimension"].get(d, {}).get("points", 0)) for side in (before, after))]
        for d in dimensions
    ]
    rows.append(["penalty / 100 words", f"{before['penalty']:.2f}", f"{after['penalty']:.2f}"])
    return header, rows


def proposal_table(ev: Evaluation) -> Table | None:
    """hit@1, hit@3 and harm@1 of the ranked candidates, then the threshold curve: per
    confidence threshold, the sentences whose top candidate would be applied and the TER change
    over the flagged sentences."""
    if ev.ranking is None:
        return None
    r = ev.ranking

    def share(key: str) -> str:
        return "—" if r.get(key) is None else f"{r[key]:.3f}"

    header = ["threshold", "applied", "ΔTER (flagged sentences)"]
    rows = [
        [f"flagged {r['flagged']}", f"with candidates {r['with_candidates']}", ""],
        [f"hit@1 {share('hit@1')}", f"hit@3 {share('hit@3')}", f"harm@1 {share('harm@1')}"],
        *(
            [f"{p['threshold']:.1f}", str(p["applied"]), f"{p['delta_ter']:+.2f}"]
            for p in r["curve"]
        ),
    ]
    return header, rows
