"""Large inputs: how long ``mtfix check`` takes on a 1 MB line with no sentence break, a 1 MB
article, and how fast it refuses what is past the input limit (a 20 MB file, ``/dev/zero``, an
endless pipe). Each is a new ``mtfix check`` process with its own LanguageTool (``--no-daemon``),
as a user runs it; ``eval/bench/large.json``, the README's Reliability and limits section.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mtfix.io import DEFAULT_MAX_INPUT_BYTES
from mtfix.lab.bench import write_result
from mtfix.paths import seed_article

MB = 1_000_000


def _check(args: list[str], stdin: Any = None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "MTFIX_LANGUAGETOOL_URL"}
    env["MTFIX_NO_DAEMON"] = "1"
    cmd = [sys.executable, "-m", "mtfix", "check", *args, "--format", "json"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdin=stdin, capture_output=True, timeout=7200)
    wall = time.perf_counter() - started
    lines = proc.stderr.decode(errors="replace").strip().splitlines()
    out: dict[str, Any] = {"exit": proc.returncode, "wall_s": round(wall, 2)}
    if proc.returncode in (0, 1):
        out["flags"] = proc.stdout.count(b'"rule":')
    else:
        out["error"] = lines[-1] if lines else ""
    print(f"{' '.join(args)}: {out}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=MB, help="bytes of the accepted inputs")
    args = parser.parse_args()
    seed = seed_article().read_text(encoding="utf-8")
    words = seed.replace(".", "").replace("?", "").replace("!", "").split()
    results: dict[str, Any] = {"limit_bytes": DEFAULT_MAX_INPUT_BYTES}
    with tempfile.TemporaryDirectory(prefix="mtfix-bench-large-") as tmp:
        work = Path(tmp)
        line = work / "line.txt"
        text = " ".join(words * (args.size // len(" ".join(words)) + 1))
        line.write_text(text[: args.size] + "\n", encoding="utf-8")
        article = work / "article.txt"
        article.write_text(("\n\n".join([seed] * (args.size // len(seed) + 1)))[: args.size])
        big = work / "20mb.txt"
        big.write_text(("\n\n".join([seed] * (20 * MB // len(seed) + 1)))[: 20 * MB])
        results["refused"] = {
            "20mb_file": _check([str(big)]),
            "dev_zero": _check(["/dev/zero"]),
        }
        yes = subprocess.Popen(["yes", "an endless line of text"], stdout=subprocess.PIPE)
        try:
            results["refused"]["endless_pipe"] = _check(["-"], stdin=yes.stdout)
        finally:
            yes.kill()
            yes.wait()
        results["accepted"] = {
            "one_line": {"bytes": line.stat().st_size, **_check([str(line), "--no-daemon"])},
            "article": {"bytes": article.stat().st_size, **_check([str(article), "--no-daemon"])},
        }
    results["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    write_result("large", results)


if __name__ == "__main__":
    main()
