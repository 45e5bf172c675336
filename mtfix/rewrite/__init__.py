"""Rewriters: plug-ins that propose replacements for a sentence; the selector decides.

A rewriter is any object with a ``name`` and ``propose(doc, targets) -> list[Candidate]``, where
each target is a sentence span with the flags that fall in it: the whole batch at once, so a model
can batch its generation. It only proposes: what reaches the output is decided in
:mod:`mtfix.select`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from mtfix.core import Document, Edit, Flag, Span


@dataclass(frozen=True)
class Candidate:
    """A proposed version of one sentence, carried as edits against the original text."""

    sentence: Span
    edits: tuple[Edit, ...]
    origin: str
    # Scores a rewriter can supply for the selector (e.g. the model's mean log-probability).
    score: float = 0.0


# A sentence to rewrite and the flags that fall inside it.
Target = tuple[Span, Sequence[Flag]]


@runtime_checkable
class Rewriter(Protocol):
    name: str

    def propose(self, doc: Document, targets: Sequence[Target]) -> list[Candidate]: ...
