"""Benchmarks behind ``make bench``: each module measures one thing and writes one JSON file
to ``eval/bench/`` through :func:`write_result`, so every figure in the README can be rerun."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mtfix.io import write_text
from mtfix.paths import bench_dir
from mtfix.version import __version__


def machine() -> dict[str, Any]:
    return {
        "cpu": platform.processor() or platform.machine(),
        # The vendor matters beyond speed: ctranslate2 runs its int8 products on Intel MKL on an
        # Intel CPU and on oneDNN elsewhere, and the two can tip a close rewrite either way.
        "cpu_model": _cpu_model(),
        # Unset, mtfix.model.ctranslate2_backend sets it to 0 (oneDNN) where it loads the model.
        "ct2_use_mkl": os.environ.get("CT2_USE_MKL", "0"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(terse=True),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "runs": len(times),
    }


def write_result(name: str, results: dict[str, Any]) -> Path:
    payload = {
        "benchmark": name,
        "mtfix": __version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "results": results,
    }
    path = bench_dir() / f"{name}.json"
    write_text(path, json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))
    return path
