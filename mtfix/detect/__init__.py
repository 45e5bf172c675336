"""Detectors: plug-ins that read a Document and return Flags.

A detector is any object with a ``name`` and ``detect(doc) -> list[Flag]``. mtfix's own are
registered under the ``mtfix.detectors`` entry-point group in pyproject.toml, so a third-party
package can add one by declaring an entry point of its own, without touching mtfix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

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
