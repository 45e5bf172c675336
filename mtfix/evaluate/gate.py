"""The regression gate: accepted figures per suite and system in ``eval/baseline.json``.

A figure fails when it is worse than its accepted value by more than the tolerance the file
states for it (``tolerance``; only figures listed there are gated), and a ``limits`` entry fails
when a figure passes its absolute bound, whatever the baseline says (the issue's rule: the rules
system must not raise TER on ne-en or si-en by more than 0.2). A run with no accepted figures
fails too: figures that cannot be compared do not pass. A sample's figures are kept apart from
the full suite's (``mlqe-ro-en/rules@100``), so a fast sampled run can be gated as well.
``update`` rewrites the accepted figures of the evaluations given and keeps the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtfix.evaluate.score import Evaluation
from mtfix.io import InputError, atomic_writer, read_text

# Figures where a smaller value is better; every other gated figure is better larger.
LOWER_IS_BETTER = frozenset({"ter", "delta.ter"})

DEFAULT_TOLERANCE = {
    "bleu": 0.5,
    "chrf": 0.3,
    "ter": 0.3,
    "edits.f0.5": 0.02,
    "flags.f1": 0.02,
}
DEFAULT_LIMITS = [
    {
        "suite": suite,
        "system": "rules",
        "figure": "delta.ter",
        "max": 0.2,
        "why": "do no harm: the rules system must not raise TER on MT it cannot repair",
    }
    for suite in ("mlqe-ne-en", "mlqe-si-en")
]


@dataclass(frozen=True)
class Check:
    key: str  # suite/system
    figure: str
    ok: bool
    message: str


def load(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("figures", {}), dict):
        raise InputError(f"{path}: not a baseline file (expected an object with 'figures')")
    for limit in data.get("limits", []):
        if not {"suite", "system", "figure"} <= set(limit) or not {"min", "max"} & set(limit):
            raise InputError(f"{path}: a limit needs suite, system, figure and min or max: {limit}")
    return data


def _worse_by(figure: str, accepted: float, value: float) -> float:
    return value - accepted if figure in LOWER_IS_BETTER else accepted - value


def check(evaluations: Sequence[Evaluation], baseline: dict[str, Any]) -> list[Check]:
    tolerance: dict[str, float] = baseline.get("tolerance", DEFAULT_TOLERANCE)
    checks: list[Check] = []
    for ev in evaluations:
        figures = ev.figures()
        accepted = baseline.get("figures", {}).get(ev.key)
        if accepted is None:
            message = f"{ev.key}: no accepted figures (accept them with --update-baseline)"
            checks.append(Check(ev.key, "*", False, message))
        else:
            for figure, tol in tolerance.items():
                if figure not in figures or figure not in accepted:
                    continue
                value, was = figures[figure], accepted[figure]
                worse = _worse_by(figure, was, value)
                ok = worse <= tol
                verdict = "worse" if not ok else "ok"
                checks.append(
                    Check(
                        ev.key,
                        figure,
                        ok,
                        f"{ev.key} {figure} {value:g} vs accepted {was:g}: "
                        f"{verdict} (tolerance {tol:g})",
                    )
                )
        for limit in baseline.get("limits", []):
            if (limit["suite"], limit["system"]) != (ev.name, ev.system):
                continue
            figure = limit["figure"]
            value = figures[figure]
            too_high = "max" in limit and value > limit["max"]
            too_low = "min" in limit and value < limit["min"]
            ok = not (too_high or too_low)
            bound = ", ".join(f"{k} {limit[k]:+g}" for k in ("min", "max") if k in limit)
            verdict = "within" if ok else "beyond"
            checks.append(
                Check(ev.key, figure, ok, f"{ev.key} {figure} {value:+g}: {verdict} limit {bound}")
            )
    return checks


def update(evaluations: Sequence[Evaluation], path: str | Path) -> dict[str, Any]:
    """Accept the evaluations' figures into the baseline file at ``path`` (created if absent)."""
    baseline = load(path) if Path(path).exists() else {}
    baseline.setdefault("tolerance", DEFAULT_TOLERANCE)
    baseline.setdefault("limits", DEFAULT_LIMITS)
    figures = baseline.setdefault("figures", {})
    for ev in evaluations:
        figures[ev.key] = {"sample": ev.sample, "lines": ev.lines, **ev.figures()}
    baseline["figures"] = dict(sorted(figures.items()))
    with atomic_writer(path) as handle:
        json.dump(baseline, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return baseline
