"""How mtfix runs LanguageTool, from the environment (README, Reliability and limits):

- ``MTFIX_LANGUAGETOOL_HEAP``: the JVM's ``-Xmx`` (``1536m``, ``2g``); by default from the
  machine's memory (:func:`default_heap`);
- ``MTFIX_LANGUAGETOOL_TIMEOUT``: seconds a request may take (default 60);
- ``MTFIX_LANGUAGETOOL_RETRIES``: retries of a request whose server died (default 2);
- ``MTFIX_LANGUAGETOOL_STARTUP_TIMEOUT``: seconds a server may take to start (default 120);
- ``MTFIX_LANGUAGETOOL_RECYCLE_REQUESTS``: replace the server after this many requests (default
  5000; 0 never), ``MTFIX_LANGUAGETOOL_RECYCLE_RSS`` or once its resident memory passes this
  (default the heap plus :func:`rss_margin`);
- ``MTFIX_LANGUAGETOOL_JIT``: ``quick`` (C1 only) or ``full`` (tiered C1 and C2);
- ``MTFIX_LANGUAGETOOL_CACHE``: sentences LanguageTool keeps the answers of (its own
  ``cacheSize``; default 5000, 0 none), so a text checked again after an edit costs only the
  sentences that changed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from mtfix.io import InputError

MIB = 1024 * 1024
_SIZE = re.compile(r"(\d+)([kKmMgG]?)")
_UNITS = {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}
# LanguageTool's English rules need about 400 MiB of heap; more only helps concurrent requests.
MIN_HEAP = 768 * MIB
MAX_HEAP = 2048 * MIB


def parse_size(value: str, name: str) -> int:
    match = _SIZE.fullmatch(value.strip())
    if not match or int(match.group(1)) == 0:
        raise InputError(f"{name}={value!r}: expected a size such as 1536m or 2g")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def java_size(n: int) -> str:
    return f"{n // MIB}m"


def machine_memory() -> int:
    """Physical memory, or the cgroup's limit when a container sets a lower one."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            raw = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if raw.isdigit():
            total = min(total, int(raw))
    return total


def default_heap() -> int:
    """An eighth of the machine's memory, kept within [768 MiB, 2 GiB]: LanguageTool's default
    (a quarter of the memory, unbounded in practice) grew to 6 GiB here on long runs."""
    return max(MIN_HEAP, min(MAX_HEAP, machine_memory() // 8 // MIB * MIB))


def rss_margin(heap: int) -> int:
    """What a JVM holds beyond its heap: metaspace, code cache, thread stacks, GC structures,
    the class-data archive; measured at about 300 MiB for LanguageTool (README)."""
    return max(512 * MIB, heap // 2)


def _float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise InputError(f"{name}={raw!r}: expected a number of seconds >= {minimum:g}")
    return value


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw not in choices:
        raise InputError(f"{name}={raw!r}: expected one of {', '.join(choices)}")
    return raw


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise InputError(f"{name}={raw!r}: expected a whole number >= 0")
    return int(raw)


@dataclass(frozen=True)
class LanguageToolSettings:
    heap: int
    timeout: float = 60.0
    retries: int = 2
    startup_timeout: float = 120.0
    recycle_requests: int = 5000
    recycle_rss: int = 0
    # "quick": the JVM compiles with C1 only, half the CPU to its first answers (a server for
    # one command); "full": tiered C1 and C2, for servers that answer thousands of requests.
    jit: str = "full"
    cache_sentences: int = 5000

    @property
    def rss_ceiling(self) -> int:
        return self.recycle_rss or self.heap + rss_margin(self.heap)

    @classmethod
    def from_env(cls, *, jit: str = "full") -> LanguageToolSettings:
        """The settings from the environment; ``jit`` is the default of a server started for
        one command ("quick") or for many requests ("full"), which MTFIX_LANGUAGETOOL_JIT
        overrides."""
        raw_heap = os.environ.get("MTFIX_LANGUAGETOOL_HEAP", "").strip()
        heap = parse_size(raw_heap, "MTFIX_LANGUAGETOOL_HEAP") if raw_heap else default_heap()
        raw_rss = os.environ.get("MTFIX_LANGUAGETOOL_RECYCLE_RSS", "").strip()
        return cls(
            heap=heap,
            timeout=_float("MTFIX_LANGUAGETOOL_TIMEOUT", 60.0, minimum=1.0),
            retries=_int("MTFIX_LANGUAGETOOL_RETRIES", 2),
            startup_timeout=_float("MTFIX_LANGUAGETOOL_STARTUP_TIMEOUT", 120.0, minimum=1.0),
            recycle_requests=_int("MTFIX_LANGUAGETOOL_RECYCLE_REQUESTS", 5000),
            recycle_rss=parse_size(raw_rss, "MTFIX_LANGUAGETOOL_RECYCLE_RSS") if raw_rss else 0,
            jit=_choice("MTFIX_LANGUAGETOOL_JIT", ("quick", "full"), jit),
            cache_sentences=_int("MTFIX_LANGUAGETOOL_CACHE", 5000),
        )
