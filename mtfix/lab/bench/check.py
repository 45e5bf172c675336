"""`mtfix check` on the seed article: cold (a new process that starts its own LanguageTool
server) and warm (the same pipeline and server, checked again), with the warm time split into
its stages (segmentation, then each detector: LanguageTool's request, spaCy's parse, ...)."""

from __future__ import annotations

import os
import subprocess
import sys

from mtfix.lab.bench import summary, timed, write_result
from mtfix.paths import seed_article
from mtfix.pipeline import Pipeline
from mtfix.segment import segment

COLD_RUNS = 3
WARM_RUNS = 10


def cold_check() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MTFIX_LANGUAGETOOL_URL"}
    cmd = [sys.executable, "-m", "mtfix", "check", str(seed_article()), "--format", "json"]
    proc = subprocess.run(cmd, env=env, capture_output=True, timeout=600)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"mtfix check failed: {proc.stderr.decode(errors='replace')}")


def main() -> None:
    seed = seed_article()
    text = seed.read_text(encoding="utf-8")
    cold = timed(cold_check, COLD_RUNS)
    pipeline = Pipeline()
    first = timed(lambda: pipeline.check(text), 1)
    warm = timed(lambda: pipeline.check(text), WARM_RUNS)
    doc = segment(text)
    stages = {"segment": summary(timed(lambda: segment(text), WARM_RUNS))}
    for detector in pipeline.detectors:
        stages[f"detect: {detector.name}"] = summary(
            timed(lambda d=detector: d.detect(doc), WARM_RUNS)  # type: ignore[misc]
        )
    write_result(
        "check",
        {
            "input": {"file": seed.name, "chars": len(text), "words": len(text.split())},
            "cold_process": summary(cold),
            "first_in_process": summary(first),
            "warm": summary(warm),
            "warm_words_per_s": round(len(text.split()) / min(warm), 1),
            "warm_stages": stages,
        },
    )


if __name__ == "__main__":
    main()
