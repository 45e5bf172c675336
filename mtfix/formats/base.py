"""What every CAT format reader produces: units (id, source, target, tags, notes, state) and a file
that can be written back with only some targets changed.

translate-toolkit (the ``cat`` extra) parses and marks units; this layer adds what mtfix needs on
top: inline markup as opaque TAG characters, one-line errors, and writes that change nothing but
the changed targets, their review state and an mtfix note.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from mtfix.core import UnavailableError
from mtfix.formats.inline import InlineContent
from mtfix.io import InputError, atomic_writer


class Format(StrEnum):
    XLIFF1 = "xliff-1.2"
    XLIFF2 = "xliff-2.0"
    TMX = "tmx"
    PO = "po"


# Who wrote a note and marked a unit: CAT tools show it beside the note.
NOTE_ORIGIN = "mtfix"


@dataclass(frozen=True)
class Unit:
    """One segment of a CAT file: the MT (``target``) is what mtfix checks and edits.

    Inline tags are :data:`mtfix.formats.inline.TAG` characters in ``source`` and ``target``;
    ``source_tags``/``target_tags`` name them in order ("g#1", "/g#1", "x#2").
    """

    id: str
    source: str
    target: str
    source_tags: tuple[str, ...] = ()
    target_tags: tuple[str, ...] = ()
    notes: str = ""
    state: str = ""


def inline_unit(
    unit_id: str, source: Any, target: Any, *, notes: str = "", state: str = ""
) -> tuple[Unit, InlineContent]:
    """The unit of a ``source`` and ``target`` XML element pair, inline markup as TAGs, and the
    target's content, whose ``fill`` writes a new target back."""
    src, tgt = InlineContent.of(source), InlineContent.of(target)
    unit = Unit(
        id=unit_id,
        source=src.text,
        target=tgt.text,
        source_tags=tuple(src.labels),
        target_tags=tuple(tgt.labels),
        notes=notes,
        state=state,
    )
    return unit, tgt


@dataclass(frozen=True)
class Change:
    """A unit's new target (its TAGs where they were) and the note that says what mtfix did."""

    target: str
    note: str


@dataclass
class Handle:
    """How one unit goes back into the file: ``fill`` puts its new target text in place; units
    sharing an ``owner`` (segments of one trans-unit, plural forms of one PO entry) share one
    state and one note."""

    fill: Callable[[str], None]
    owner: Any


class CatFile(ABC):
    """A parsed CAT file. :meth:`render` changes the parsed tree, so a file is rendered once."""

    format: Format

    def __init__(self, name: str, data: bytes, units: list[Unit], handles: list[Handle]) -> None:
        self.name = name
        self.data = data
        self.units = tuple(units)
        self._handles = handles
        self._rendered = False

    def render(self, changes: Mapping[int, Change]) -> bytes:
        """The file's bytes with ``changes`` (by unit index) applied, each changed unit marked for
        review with a note; with no changes, the file exactly as it was read."""
        if not changes:
            return self.data
        if self._rendered:
            raise RuntimeError(f"{self.name}: a CAT file is rendered once; read it again")
        self._rendered = True
        notes: dict[int, tuple[Any, list[str]]] = {}
        for index in sorted(changes):
            change, handle = changes[index], self._handles[index]
            try:
                handle.fill(change.target)
            except ValueError as exc:
                raise ValueError(f"{self.name}: unit {self.units[index].id!r}: {exc}") from None
            notes.setdefault(id(handle.owner), (handle.owner, []))[1].append(change.note)
        for owner, lines in notes.values():
            self._mark(owner, "\n".join(line for line in lines if line))
        return self._serialize()

    def write(self, path: str | Path, changes: Mapping[int, Change]) -> None:
        data = self.render(changes)
        with atomic_writer(path, "wb") as handle:
            handle.write(data)

    @abstractmethod
    def _mark(self, owner: Any, note: str) -> None:
        """Give a changed unit its review state and mtfix's note."""

    @abstractmethod
    def _serialize(self) -> bytes: ...


def require_cat_extra(what: str = "CAT formats") -> None:
    """An UnavailableError unless the ``cat`` extra (translate-toolkit, kanjize) is installed;
    ``what`` names what needs it."""
    try:
        import kanjize  # noqa: F401
        import translate.storage  # noqa: F401
    except ImportError:
        raise UnavailableError(
            f"{what} need translate-toolkit and kanjize: pip install 'mtfix[cat]'"
        ) from None


def no_target(name: str, unit_id: str, line: int | None) -> InputError:
    where = f"{name}:{line}" if line else name
    return InputError(f"{where}: unit {unit_id!r} has no target (mtfix checks the MT in <target>)")
