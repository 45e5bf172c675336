"""The full system against rules on the MLQE-PE dev suites, with and without the source, for the
model card.

``python -m mtfix.lab.sourcecheck [MODEL] [--sample N] [--suites NAME ...]`` runs what ``mtfix eval
suite NAME --system full --against rules --model MODEL`` runs, once on the MT alone and once with
the text the MT translates (``--with-source``), and writes
``eval/bench/with-source-<model>.json``: per suite and run, each system's ΔTER against the raw
MT and how many lines each changed. A source-aware rewriter's gain is the difference between the
two runs' full-system rows; the rules rows differ only by the QA checks the source turns on.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtfix.evaluate.runs import run_suite
from mtfix.evaluate.score import SOURCE, Evaluation
from mtfix.evaluate.suites import load_suites
from mtfix.io import write_text
from mtfix.lab.bench import machine
from mtfix.model import DEFAULT_MODEL
from mtfix.model.load import resolve
from mtfix.paths import bench_dir

SUITES = ("mlqe-ro-en", "mlqe-ru-en", "mlqe-et-en", "mlqe-ne-en", "mlqe-si-en")


def bench_file(model: str) -> Path:
    return bench_dir() / f"with-source-{Path(model).name}.json"


def _figures(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "delta_ter": round(evaluation.delta["ter"], 3),
        "lines_changed": len(evaluation.sentences),
        "lines_worse": len(evaluation.worse),
    }


def check(model: str, suites: Sequence[str], sample: int | None) -> dict[str, Any]:
    config = load_suites()
    path = str(resolve(model).resolve())
    out: dict[str, Any] = {}
    for name in suites:
        suite = config.get(name)
        for with_source in (False, True):
            start = time.perf_counter()
            rules = run_suite(
                config, suite, "rules", sample=sample, against=SOURCE, bootstrap=0,
                model=path, with_source=with_source,
            )  # fmt: skip
            full = run_suite(
                config, suite, "full", sample=sample, against=SOURCE, bootstrap=0,
                model=path, with_source=with_source,
            )  # fmt: skip
            out.setdefault(name, {})["with_source" if with_source else "mt_alone"] = {
                "lines": full.lines,
                "rules": _figures(rules),
                "full": _figures(full),
                "seconds": round(time.perf_counter() - start, 1),
            }
            print(name, "with source" if with_source else "MT alone", out[name], flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    parser.add_argument("--sample", type=int, default=None)
    parser.add_argument("--suites", nargs="*", default=list(SUITES))
    args = parser.parse_args(argv)
    payload = {
        "model": Path(args.model).name,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "sample": args.sample,
        "suites": check(args.model, args.suites, args.sample),
    }
    write_text(bench_file(args.model), json.dumps(payload, indent=2) + "\n")
    print(bench_file(args.model))


if __name__ == "__main__":
    main()
