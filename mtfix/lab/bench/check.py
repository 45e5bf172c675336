"""`mtfix check` on the seed article, as a translator runs it:

- cold: a new process that starts its own LanguageTool (``--no-daemon``), caches warm, as it
  runs by default (class-data archive, C1-only JIT) and without each of the two
  (``MTFIX_LANGUAGETOOL_CDS=0``, ``MTFIX_LANGUAGETOOL_JIT=full``);
- with the daemon: the first call (which starts it) and the calls after it (which find it warm:
  its LanguageTool, and the mtfix process that runs each call in a child of its own), in a
  daemon directory of the bench's own, stopped at the end;
- warm in one process (the server and the pipeline loaded), the library's own speed: the same
  text again, and the text with one paragraph edited (LanguageTool's sentence cache answers the
  rest); the same text's time split into its stages (segmentation, then each detector:
  LanguageTool's request, spaCy's parse).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import mtfix.languagetool.http as http
from mtfix.lab.bench import summary, timed, write_result
from mtfix.languagetool.jvm import LanguageToolServer
from mtfix.languagetool.settings import LanguageToolSettings
from mtfix.languagetool.supervisor import CHECK_PATH
from mtfix.paths import seed_article
from mtfix.pipeline import Pipeline
from mtfix.segment import segment

COLD_RUNS = 3
DAEMON_RUNS = 5
WARM_RUNS = 10
# Issue 13's targets.
COLD_TARGET_S = 10.0
DAEMON_TARGET_S = 2.0
CACHE_SENTENCES = LanguageToolSettings.cache_sentences


def _cli(env: dict[str, str], *extra: str) -> Callable[[], None]:
    cmd = [sys.executable, "-m", "mtfix", "check", str(seed_article()), "--format", "json"]

    def run() -> None:
        proc = subprocess.run([*cmd, *extra], env=env, capture_output=True, timeout=600)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"mtfix check failed: {proc.stderr.decode(errors='replace')}")

    return run


def _languagetool_requests(text: str, cache_sentences: int) -> dict[str, Any]:
    settings = replace(LanguageToolSettings.from_env(), cache_sentences=cache_sentences)
    edited = text.replace("Biden", "Obama")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with LanguageToolServer(settings=settings) as server:

        def check(body: str) -> Callable[[], None]:
            data = urllib.parse.urlencode({"language": "en-US", "text": body}).encode("utf-8")

            def run() -> None:
                answer = http.request("POST", server.url + CHECK_PATH, data, headers, 600)
                if answer.status != 200:
                    raise SystemExit(
                        f"LanguageTool answered {answer.status}: {http.one_line(answer.body)}"
                    )

            return run

        first = timed(check(text), 1)
        # Past the JVM's warm-up, so the cache is what differs between the two servers.
        timed(check(text), 2)
        again = timed(check(text), WARM_RUNS)
        changed = timed(check(edited), 1)
    return {
        "first": summary(first),
        "again": summary(again),
        "one_name_changed": summary(changed),
    }


def main() -> None:
    seed = seed_article()
    text = seed.read_text(encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if k not in ("MTFIX_LANGUAGETOOL_URL",)}
    base.pop("MTFIX_NO_DAEMON", None)
    cold = timed(_cli(base, "--no-daemon"), COLD_RUNS)
    cold_no_cds = timed(_cli({**base, "MTFIX_LANGUAGETOOL_CDS": "0"}, "--no-daemon"), COLD_RUNS)
    cold_full_jit = timed(
        _cli({**base, "MTFIX_LANGUAGETOOL_JIT": "full"}, "--no-daemon"), COLD_RUNS
    )
    with tempfile.TemporaryDirectory(prefix="mtfix-bench-daemon-") as tmp:
        env = {**base, "MTFIX_DAEMON_DIR": str(Path(tmp) / "daemon")}
        try:
            first = timed(_cli(env), 1)
            # The next call comes a minute later, when the daemon has finished loading.
            subprocess.run([sys.executable, "-m", "mtfix", "daemon", "start"], env=env, timeout=300)
            daemon = timed(_cli(env), DAEMON_RUNS)
        finally:
            subprocess.run([sys.executable, "-m", "mtfix", "daemon", "stop"], env=env, timeout=60)
    pipeline = Pipeline()
    in_process = timed(lambda: pipeline.check(text), 1)
    warm = timed(lambda: pipeline.check(text), WARM_RUNS)
    # A translator's next check: the article with one paragraph edited, a different one each
    # run, so only that paragraph's sentences are new to LanguageTool's cache.
    paragraphs = text.split("\n\n")
    edits = iter(range(WARM_RUNS))

    def edited() -> str:
        k = next(edits)
        changed = list(paragraphs)
        changed[k % len(changed)] += f" It was said on day {k + 1}."
        return "\n\n".join(changed)

    rechecked = timed(lambda: pipeline.check(edited()), WARM_RUNS)
    doc = segment(text)
    stages = {"segment": summary(timed(lambda: segment(text), WARM_RUNS))}
    for detector in pipeline.detectors:
        stages[f"detect: {detector.name}"] = summary(
            timed(lambda d=detector: d.detect(doc), WARM_RUNS)  # type: ignore[misc]
        )
    cache = {f"cache_{size}": _languagetool_requests(text, size) for size in (0, CACHE_SENTENCES)}
    write_result(
        "check",
        {
            "input": {"file": seed.name, "chars": len(text), "words": len(text.split())},
            "load_average_1min_at_end": round(os.getloadavg()[0], 2),
            "cold_process": {**summary(cold), "target_s": COLD_TARGET_S},
            "cold_process_without_cds": summary(cold_no_cds),
            "cold_process_with_c2_jit": summary(cold_full_jit),
            "daemon_first_call": summary(first),
            "daemon_warm_call": {**summary(daemon), "target_s": DAEMON_TARGET_S},
            "first_in_process": summary(in_process),
            "warm": summary(warm),
            "warm_one_paragraph_edited": summary(rechecked),
            "warm_words_per_s": round(len(text.split()) / min(warm), 1),
            "warm_stages": stages,
            # LanguageTool alone (one JVM each, its sentence cache off and on): the seed article
            # sent again, and sent with one name changed throughout.
            "languagetool_requests": cache,
        },
    )


if __name__ == "__main__":
    main()
