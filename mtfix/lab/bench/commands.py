"""What a translator waits for: the default commands end to end, each in a new process.

``mtfix --help`` and ``mtfix check --help`` (no heavy imports), and ``mtfix clean`` of the seed
article with the model, cold (a new process that starts its own LanguageTool server, no daemon,
and loads the model, caches warm) on the default backend (``auto``) and on the reference one,
and on the default backend again with the daemon warm (LanguageTool and the forking mtfix
process, which runs the call in a child of its own). Targets (issue #13): help < 1 s, ``clean``
cold < 15 s. Each process's CPU time is recorded beside its wall time: on a shared machine the
wall time also holds the time it waited for a core (a call the daemon runs spends its CPU in the
daemon's child, not in the process measured). Writes ``eval/bench/commands.json``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from typing import Any

from mtfix.lab.bench import summary, write_result
from mtfix.paths import seed_article

HELP_RUNS = 5
CLEAN_RUNS = 2
TARGETS = {"help_s": 1.0, "clean_cold_s": 15.0}


def run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``mtfix ARGS`` in a new process (its LanguageTool included)."""
    env = {k: v for k, v in os.environ.items() if k != "MTFIX_LANGUAGETOOL_URL"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mtfix", *args], env=env, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"mtfix {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def measure(args: list[str], runs: int) -> dict[str, Any]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = run(args)
        walls.append(wall)
        cpus.append(cpu)
    return {"command": "mtfix " + " ".join(args), **summary(walls), "cpu": summary(cpus)}


def main() -> None:
    seed = str(seed_article())
    results: dict[str, Any] = {"load_average_1min_at_start": round(os.getloadavg()[0], 2)}
    results["help"] = measure(["--help"], HELP_RUNS)
    results["check_help"] = measure(["check", "--help"], HELP_RUNS)
    clean = ["clean", seed, "--format", "json", "--no-daemon"]
    run([*clean, "--backend", "auto"])  # builds any missing cache; not measured
    for name in ("auto", "transformers"):
        results[f"clean_cold_{name}"] = measure([*clean, "--backend", name], CLEAN_RUNS)
    # The translator's usual case: the daemon a first call started is still warm.
    warm = clean[:-1]
    run(warm)
    run(["daemon", "start"])  # waits until both halves are ready, as they are a minute later
    results["clean_daemon_warm_auto"] = measure(warm, CLEAN_RUNS)
    results["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    fast, reference = results["clean_cold_auto"], results["clean_cold_transformers"]
    results["clean_cold_speedup"] = round(reference["median_s"] / fast["median_s"], 2)
    results["targets"] = {
        **TARGETS,
        "met": {
            "help_s": max(results["help"]["median_s"], results["check_help"]["median_s"])
            < TARGETS["help_s"],
            "clean_cold_s": fast["median_s"] < TARGETS["clean_cold_s"],
        },
    }
    write_result("commands", results)


if __name__ == "__main__":
    main()
