"""Soak: 2,000 documents through one ``mtfix batch --no-model`` whose LanguageTool server is
recycled on schedule (``MTFIX_LANGUAGETOOL_RECYCLE_REQUESTS``), as a long-running deployment is.

What it shows, in ``eval/bench/soak.json``:

- memory stays bounded: every JVM's resident memory, sampled twice a second, under its heap
  bound (``MTFIX_LANGUAGETOOL_HEAP``) plus the margin a JVM needs beyond its heap
  (:func:`mtfix.languagetool.settings.rss_margin`);
- throughput does not degrade: documents per second in the last quarter of the run against the
  first (from the manifest's completion times), within 10%, recycles included; and the same per
  CPU second of the batch's own processes, which other users of a shared machine do not move;
- the recycles happened (``summary.json``'s ``languagetool``), and nothing failed.

This is a benchmark, not a test: minutes of CPU, figures that depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from mtfix.lab.bench import write_result
from mtfix.lab.bench.batch import generate_corpus
from mtfix.languagetool.jvm import rss_bytes
from mtfix.languagetool.settings import MIB, java_size, parse_size, rss_margin

DOCUMENTS = 2000
JOBS = 2
HEAP = "1g"
RECYCLE_REQUESTS = 400
MAX_SLOWDOWN = 0.10
SAMPLE_S = 0.5


_TICK = os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> dict[int, tuple[str, float]]:
    """Every process under ``root`` (itself included): its name and CPU seconds so far."""
    parents: dict[int, int] = {}
    info: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        fields = rest.split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        info[pid] = (name, (int(fields[11]) + int(fields[12])) / _TICK)
    found = {}
    for pid in info:
        ancestor: int | None = pid
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root:
            found[pid] = info[pid]
    return found


class _Sampler(threading.Thread):
    """Twice a second: every JVM's resident memory under ``root``, and the CPU time the whole
    tree (driver, workers, JVMs, the dead ones' last reading included) has used."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.series: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            for pid, (name, cpu) in _tree(self.root).items():
                self.cpu[pid] = cpu
                if name == "java":
                    self.peak[pid] = max(self.peak.get(pid, 0), rss_bytes(pid))
            self.series.append((time.time(), sum(self.cpu.values())))

    def cpu_at(self, when: float) -> float:
        """CPU seconds used by ``when`` (the last sample at or before it)."""
        return next((cpu for t, cpu in reversed(self.series) if t <= when), 0.0)


def _quarters(out: Path) -> list[tuple[int, float, float]]:
    """Each quarter of the run: documents done, its start and its end, from the manifest's
    completion times; the first quarter is timed from the first document done (the JVM's start
    is not a rate)."""
    with sqlite3.connect(out / "manifest.sqlite") as db:
        stamps = sorted(
            datetime.fromisoformat(t).timestamp()
            for (t,) in db.execute("SELECT updated_at FROM documents WHERE state = 'done'")
        )
    size = len(stamps) // 4
    bounds = [stamps[0], *(stamps[size * q - 1] for q in range(1, 4)), stamps[-1]]
    counts = [size - 1, size, size, len(stamps) - 3 * size]
    return list(zip(counts, bounds, bounds[1:], strict=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=DOCUMENTS)
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument("--heap", default=HEAP)
    parser.add_argument("--recycle-requests", type=int, default=RECYCLE_REQUESTS)
    args = parser.parse_args()

    heap = parse_size(args.heap, "--heap")
    bound = heap + rss_margin(heap)
    with tempfile.TemporaryDirectory(prefix="mtfix-bench-soak-") as tmp:
        work = Path(tmp)
        corpus = generate_corpus(work / "corpus", args.documents, seed=11)
        env = {k: v for k, v in os.environ.items() if k != "MTFIX_LANGUAGETOOL_URL"}
        env |= {
            "MTFIX_NO_DAEMON": "1",
            "MTFIX_LANGUAGETOOL_HEAP": java_size(heap),
            "MTFIX_LANGUAGETOOL_RECYCLE_REQUESTS": str(args.recycle_requests),
        }
        cmd = [sys.executable, "-m", "mtfix", "batch", str(work / "corpus")]
        cmd += ["--out", str(work / "out"), "--no-model", "--jobs", str(args.jobs), "--no-progress"]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sampler = _Sampler(proc.pid)
        sampler.start()
        _, err = proc.communicate()
        sampler.stop.set()
        sampler.join()
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"mtfix batch failed ({proc.returncode}): {err.decode()[-2000:]}")
        summary = json.loads((work / "out" / "summary.json").read_text(encoding="utf-8"))
        quarters = _quarters(work / "out")
    peak = max(sampler.peak.values(), default=0)
    rates = [round(n / max(b - a, 1e-9), 3) for n, a, b in quarters]
    # Per CPU second of the batch's own processes: what the server's health decides, whatever
    # else the (shared) machine is doing; the wall-clock rate also moves with others' load.
    per_cpu = [
        round(n / max(sampler.cpu_at(b) - sampler.cpu_at(a), 1e-9), 3) for n, a, b in quarters
    ]
    change = rates[-1] / rates[0] - 1
    cpu_change = per_cpu[-1] / per_cpu[0] - 1
    results: dict[str, Any] = {
        "corpus": corpus,
        "jobs": args.jobs,
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "wall_s": round(wall, 1),
        "documents": summary["documents"],
        "languagetool": {k: v for k, v in summary["languagetool"].items() if k != "events"},
        "recycle_requests": args.recycle_requests,
        "memory": {
            "heap_mib": heap // MIB,
            "margin_mib": rss_margin(heap) // MIB,
            "bound_mib": bound // MIB,
            "jvms": len(sampler.peak),
            "peak_rss_mib_per_jvm": sorted(v // MIB for v in sampler.peak.values()),
            "peak_rss_mib": peak // MIB,
            "samples": len(sampler.series),
            "within_bound": peak <= bound,
        },
        "throughput": {
            "documents_per_s_by_quarter": rates,
            "last_vs_first_quarter": round(change, 3),
            "documents_per_cpu_s_by_quarter": per_cpu,
            "per_cpu_last_vs_first_quarter": round(cpu_change, 3),
            "max_slowdown": MAX_SLOWDOWN,
            "within": change >= -MAX_SLOWDOWN,
            "per_cpu_within": cpu_change >= -MAX_SLOWDOWN,
            "cpu_s": round(sum(sampler.cpu.values()), 1),
        },
    }
    write_result("soak", results)


if __name__ == "__main__":
    main()
