"""Rewriters: plug-ins that propose replacements for sentences; the selector decides.

A rewriter is any object with a ``name`` and ``propose(doc, targets) -> list[Candidate]``, where
each target is a sentence span with the flags that fall in it: the whole batch at once, so a model
can batch its generation. It may also have ``warm()`` (load what it needs now, so that a broken
resource fails once, up front) and ``close()``. It only proposes: what reaches the output is
decided in :mod:`mtfix.select`.

Rewriters are registered under the ``mtfix.rewriters`` entry-point group (pyproject.toml); each
entry point is a factory called with the run's :class:`RewriterSettings`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from mtfix.core import Candidate, Document, Target
from mtfix.model import DEFAULT_MODEL
from mtfix.model.backends import AUTO


@runtime_checkable
class Rewriter(Protocol):
    name: str

    def propose(self, doc: Document, targets: Sequence[Target]) -> list[Candidate]: ...


@dataclass(frozen=True)
class RewriterSettings:
    """What a run tells its rewriters; each reads the settings that concern it."""

    # The model rewriter's checkpoint: a directory under models/, or a path.
    model: str = DEFAULT_MODEL
    # Rewrites the model proposes per sentence (beam search); more gives the selector more
    # safe spelling fixes to find; 4 beams generate at about half the speed (mtfix.lab.bench).
    beams: int = 1
    # The runtime that runs it (mtfix.model.backend): "auto" is the fast ctranslate2 backend for
    # a LoRA adapter, transformers (the reference) for anything else.
    backend: str = AUTO


class UnknownRewriterError(KeyError):
    def __str__(self) -> str:
        return f"unknown rewriter {self.args[0]!r}; available: {', '.join(available())}"


def _factories() -> dict[str, Callable[[RewriterSettings], Rewriter]]:
    return {ep.name: ep.load() for ep in entry_points(group="mtfix.rewriters")}


def available() -> list[str]:
    return sorted(ep.name for ep in entry_points(group="mtfix.rewriters"))


def load(names: Sequence[str], settings: RewriterSettings) -> list[Rewriter]:
    """Instantiate rewriters by registered name, in the order given."""
    factories = _factories()
    rewriters = []
    for name in names:
        if name not in factories:
            raise UnknownRewriterError(name)
        rewriters.append(factories[name](settings))
    return rewriters


def warm(rewriter: Rewriter) -> None:
    if callable(load_now := getattr(rewriter, "warm", None)):
        load_now()


def close(rewriter: Rewriter) -> None:
    if callable(release := getattr(rewriter, "close", None)):
        release()
