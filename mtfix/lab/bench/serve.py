"""`mtfix serve` under load on loopback: 8 concurrent clients send paragraph-sized texts to
``/v2/check`` for a bounded time, rules only and with the model.

Per run: requests per second, p50/p95/max latency, failed requests (anything but a 200: the
target is none), the share of answers whose model proposals were cut short by the server's time
limit (``warnings.incompleteResults``: not a failure, the rules' answer is complete), and the
server process's RSS after warm-up and after the load, with the bound it must stay under. A
single client's latency on the same texts is measured first (the figure an editor waits for).

The texts are MLQE-PE *train* MT lines (never dev, never the seed), joined into paragraphs of
about ``WORDS`` words, each request a different one, so the model's cache cannot flatter the
figures. Both servers share one LanguageTool the bench starts (its RSS is reported too). The
machine's load average and the CPU seconds each request cost the server and LanguageTool are
recorded beside the latencies: on a machine shared with other work, latency measures the
others too, CPU per request much less.
Run: ``python -m mtfix.lab.bench.serve`` (part of ``make bench``).
"""

from __future__ import annotations

import itertools
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import psutil
import requests

from mtfix.lab.bench import write_result
from mtfix.languagetool.server import LanguageToolServer
from mtfix.paths import corpora_dir
from mtfix.serve.server import wait_until_serving

CLIENTS = 8
WORDS = 100
# Requests a single client sends first, one at a time (fewer with the model: each waits for it).
SINGLE_REQUESTS = {"rules": 20, "model": 4}
RULES_SECONDS = 45.0
MODEL_SECONDS = 60.0
# The server may grow by this much under load (caches, allocator slack), and no more.
RSS_GROWTH_BOUND_MIB = 150.0
PAIRS = ("ro-en", "et-en", "ru-en")


def paragraphs(words: int = WORDS, limit: int = 2000) -> list[str]:
    """MLQE-PE train MT lines, interleaved across pairs, joined into ~``words``-word texts."""
    lines = [
        (corpora_dir() / "mlqe-pe" / pair / "train.mt").read_text(encoding="utf-8").splitlines()
        for pair in PAIRS
    ]
    out: list[str] = []
    current: list[str] = []
    for line in itertools.chain.from_iterable(zip(*lines, strict=False)):
        current.append(line.strip())
        if sum(len(s.split()) for s in current) >= words:
            out.append(" ".join(current))
            current = []
            if len(out) == limit:
                break
    return out


def _percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def _rss_mib(pid: int) -> float:
    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _jvm() -> psutil.Process:
    """The LanguageTool JVM this bench started."""
    return next(p for p in psutil.Process().children() if "java" in p.name().lower())


def _start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtfix", "serve", *args, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(proc, url, timeout=300)
    return proc, url


class _Load:
    """Clients that each send the next unsent text until the time is up."""

    def __init__(self, url: str, texts: list[str], seconds: float, clients: int) -> None:
        self.url, self.texts, self.seconds, self.clients = url, texts, seconds, clients
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.incomplete = 0
        self._next = itertools.count()
        self._lock = threading.Lock()

    def _client(self, deadline: float) -> None:
        session = requests.Session()
        while time.monotonic() < deadline:
            text = self.texts[next(self._next) % len(self.texts)]
            started = time.perf_counter()
            try:
                response = session.post(
                    f"{self.url}/v2/check", data={"language": "en-US", "text": text}, timeout=120
                )
                ok, why = response.status_code == 200, f"HTTP {response.status_code}"
                incomplete = ok and response.json()["warnings"]["incompleteResults"]
            except requests.RequestException as exc:
                ok, why, incomplete = False, type(exc).__name__, False
            elapsed = time.perf_counter() - started
            with self._lock:
                self.latencies.append(elapsed)
                self.incomplete += bool(incomplete)
                if not ok:
                    self.failures.append(why)

    def run(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=self._client, args=(deadline,)) for _ in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        n = len(self.latencies)
        return {
            "clients": self.clients,
            "seconds": round(wall, 1),
            "requests": n,
            "failed": len(self.failures),
            "failures": sorted(set(self.failures)),
            "requests_per_s": round(n / wall, 2),
            "p50_s": round(statistics.median(self.latencies), 3),
            "p95_s": round(_percentile(self.latencies, 95), 3),
            "max_s": round(max(self.latencies), 3),
            "incomplete_results": self.incomplete,
        }


def measure(
    args: list[str], env: dict[str, str], texts: list[str], seconds: float, single: int
) -> dict[str, Any]:
    proc, url = _start(args, env)
    try:
        # One client, one request at a time: what an editor waits for (and the warm-up).
        latencies, failed = [], 0
        for text in texts[:single]:
            started = time.perf_counter()
            response = requests.post(
                f"{url}/v2/check", data={"language": "en-US", "text": text}, timeout=120
            )
            latencies.append(time.perf_counter() - started)
            failed += response.status_code != 200
        rss_before = _rss_mib(proc.pid)
        server, jvm = psutil.Process(proc.pid), _jvm()
        cpu_before = (_cpu_s(server), _cpu_s(jvm))
        load_before = os.getloadavg()[0]
        loaded = _Load(url, texts[single:], seconds, CLIENTS).run()
        rss_after = _rss_mib(proc.pid)
        # CPU seconds per request: what the figures would be on an idle machine, roughly.
        loaded["cpu_s_per_request"] = {
            "server": round((_cpu_s(server) - cpu_before[0]) / max(1, loaded["requests"]), 3),
            "languagetool": round((_cpu_s(jvm) - cpu_before[1]) / max(1, loaded["requests"]), 3),
        }
        loaded["machine_load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {
        "server_args": args,
        "single_client": {
            "requests": len(latencies),
            "failed": failed,
            "p50_s": round(statistics.median(latencies), 3),
            "p95_s": round(_percentile(latencies, 95), 3),
        },
        "load": loaded,
        "rss_mib": {
            "after_warm_up": rss_before,
            "after_load": rss_after,
            "growth": round(rss_after - rss_before, 1),
            "bound": RSS_GROWTH_BOUND_MIB,
            "within_bound": rss_after - rss_before <= RSS_GROWTH_BOUND_MIB,
        },
    }


def main() -> None:
    texts = paragraphs()
    words = [len(t.split()) for t in texts]
    with LanguageToolServer() as languagetool:
        env = dict(os.environ, MTFIX_LANGUAGETOOL_URL=languagetool.url)
        rules = measure(["--no-model"], env, texts, RULES_SECONDS, SINGLE_REQUESTS["rules"])
        model = measure(["--beams", "1"], env, texts[::-1], MODEL_SECONDS, SINGLE_REQUESTS["model"])
        java = _rss_mib(_jvm().pid)
    write_result(
        "serve",
        {
            "texts": {
                "source": "MLQE-PE train MT (ro/et/ru-en), joined into paragraphs",
                "count": len(texts),
                "words_median": statistics.median(words),
            },
            "rules": rules,
            "model": model,
            "languagetool_rss_mib": java,
            "targets": {
                "rules_single_p95_under_1s": rules["single_client"]["p95_s"] < 1.0,
                "rules_load_p95_under_1s": rules["load"]["p95_s"] < 1.0,
                "no_failed_requests": rules["load"]["failed"] == model["load"]["failed"] == 0,
                "rss_within_bound": rules["rss_mib"]["within_bound"]
                and model["rss_mib"]["within_bound"],
            },
        },
    )


if __name__ == "__main__":
    main()
