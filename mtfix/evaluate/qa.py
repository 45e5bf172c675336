"""The bilingual QA checks in an evaluation: with the source the MT translates, the MT and the
system's output are each checked against it, so a report shows what the system fixed and what it
broke (a number it changed, a placeholder it lost) by MQM dimension."""

from __future__ import annotations

from collections.abc import Sequence

from mtfix.core import Flag
from mtfix.pipeline import check


def qa_flags(lines: Sequence[str], sources: Sequence[str]) -> tuple[Flag, ...]:
    """The QA checks alone on line-aligned ``lines`` against ``sources`` (no LanguageTool: they
    compare each line with its source)."""
    text, source = "\n".join(lines), "\n".join(sources)
    return check(text, source=source, detectors=[], lines=True).flags
