"""Progress of long work: reported by whatever does it, shown by whoever asked for it.

A stage (``with stage("model: rewriting", total=n) as advance:``) is reported to the reporter
installed for the current context by :func:`reporting`; with none installed (a library call, a
piped CLI run, a batch worker) a stage costs nothing and shows nothing. The CLI installs one that
draws on a terminal (:mod:`mtfix.cli.common`), so the pipeline, the detectors and the model
report the same way without taking a reporter as an argument.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Reporter(Protocol):
    def start(self, stage: str, total: int | None, unit: str) -> None: ...

    def advance(self, n: int) -> None: ...

    def finish(self) -> None: ...


_current: ContextVar[Reporter | None] = ContextVar("mtfix_progress", default=None)


def _ignore(n: int = 1) -> None:
    pass


@contextmanager
def stage(
    name: str, total: int | None = None, unit: str = "sentences"
) -> Iterator[Callable[[int], None]]:
    """Report a stage of ``total`` units (None: no count); yields ``advance(n)``."""
    reporter = _current.get()
    if reporter is None:
        yield _ignore
        return
    reporter.start(name, total, unit)
    try:
        yield reporter.advance
    finally:
        reporter.finish()


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Send the stages reported inside this block to ``reporter``."""
    token = _current.set(reporter)
    try:
        yield
    finally:
        _current.reset(token)
