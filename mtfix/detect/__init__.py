"""Detectors: plug-ins that read a Document and return Flags.

A detector is any object with a ``name`` and ``detect(doc) -> list[Flag]``. mtfix's own are
registered under the ``mtfix.detectors`` entry-point group in pyproject.toml, so a third-party
package can add one by declaring an entry point of its own, without touching mtfix. One whose
``detect`` mostly waits on another process (``waits = True``: LanguageTool's server) runs in a
thread beside the others (:func:`run`), so the wait overlaps their work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from functools import partial
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

import mtfix.progress as progress
from mtfix.core import Document, Flag


@runtime_checkable
class Detector(Protocol):
    name: str

    def detect(self, doc: Document) -> list[Flag]: ...


DEFAULT_DETECTORS: tuple[str, ...] = ("languagetool", "entities", "mt-artifacts", "syntax")


class UnknownDetectorError(KeyError):
    def __str__(self) -> str:
        return f"unknown detector {self.args[0]!r}; available: {', '.join(available())}"


def _factories() -> dict[str, Callable[[], Detector]]:
    return {ep.name: ep.load() for ep in entry_points(group="mtfix.detectors")}


def available() -> list[str]:
    return sorted(ep.name for ep in entry_points(group="mtfix.detectors"))


def load(names: Sequence[str] = DEFAULT_DETECTORS) -> list[Detector]:
    """Instantiate detectors by registered name, in the order given."""
    factories = _factories()
    detectors = []
    for name in names:
        if name not in factories:
            raise UnknownDetectorError(name)
        detectors.append(factories[name]())
    return detectors


def run(detectors: Sequence[Detector], doc: Document) -> list[Flag]:
    """Every detector's flags on ``doc``, detector by detector; those that wait on a server run
    in threads meanwhile (their own order kept: the caller sorts)."""
    waiting = [d for d in detectors if getattr(d, "waits", False)]
    if not waiting or len(detectors) == 1:
        return [flag for d in detectors for flag in _staged(d, doc, partial(d.detect, doc))]
    pending = {d.name: _in_background(partial(d.detect, doc)) for d in waiting}
    here = {d.name: _staged(d, doc, partial(d.detect, doc)) for d in detectors if d not in waiting}
    # A progress display shows one stage at a time: a threaded detector's stage is the wait for
    # its result, once the others are done.
    found = {d.name: _staged(d, doc, pending[d.name].result) for d in waiting}
    return [flag for d in detectors for flag in (found.get(d.name) or here.get(d.name) or [])]


def _in_background(work: Callable[[], list[Flag]]) -> Future[list[Flag]]:
    """``work`` in a daemon thread. A pool's worker would hold the interpreter's exit until the
    server answered, so Ctrl-C during the wait would wait for the answer too."""
    future: Future[list[Flag]] = Future()

    def target() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # the caller's result() raises it
            future.set_exception(exc)

    threading.Thread(target=target, name="mtfix-detect", daemon=True).start()
    return future


def _staged(detector: Detector, doc: Document, work: Callable[[], list[Flag]]) -> list[Flag]:
    with progress.stage(f"detect: {detector.name}", len(doc.sentences)) as advance:
        flags = work()
        advance(len(doc.sentences))
    return flags
