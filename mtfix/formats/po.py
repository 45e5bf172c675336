"""Gettext PO: each ``msgstr`` is a unit (each ``msgstr[N]`` of a plural entry one of its own,
``ID[N]`` as po2xliff names them), its ``msgid`` (``msgid_plural`` for N >= 1) the source. A
changed entry becomes fuzzy and gets a translator comment saying what mtfix did. Parsing and
writing are translate-toolkit's, which writes an unchanged catalogue back byte for byte.
"""

from __future__ import annotations

from typing import Any

from mtfix.formats.base import NOTE_ORIGIN, CatFile, Format, Handle, Unit
from mtfix.io import InputError


def read(name: str, data: bytes) -> CatFile:
    from translate.storage.pypo import pofile

    try:
        store = pofile.parsestring(data)
    except Exception as exc:  # translate-toolkit's PO parser raises plain ValueError and friends
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"{name}: malformed PO: {message}") from None
    return PoFile(name, data, store)


def _strings(value: Any) -> list[str]:
    strings = getattr(value, "strings", None)
    return [str(s) for s in strings] if strings is not None else [str(value or "")]


class _Entry:
    """A PO entry's target forms while mtfix fills them; written back as one assignment."""

    def __init__(self, tt_unit: Any) -> None:
        self.tt_unit = tt_unit
        self.forms = _strings(tt_unit.target)

    def setter(self, index: int) -> Any:
        def fill(text: str) -> None:
            self.forms[index] = text

        return fill


class PoFile(CatFile):
    format = Format.PO

    def __init__(self, name: str, data: bytes, store: Any) -> None:
        self._store = store
        units: list[Unit] = []
        handles: list[Handle] = []
        for tt_unit in store.units:
            if tt_unit.isheader() or tt_unit.isobsolete():
                continue
            context = tt_unit.getcontext()
            sources = _strings(tt_unit.source)
            entry = _Entry(tt_unit)
            base_id = f"{context}|{sources[0]}" if context else sources[0]
            plural = tt_unit.hasplural()
            for index, target in enumerate(entry.forms):
                units.append(
                    Unit(
                        id=f"{base_id}[{index}]" if plural else base_id,
                        source=sources[min(index, len(sources) - 1)],
                        target=target,
                        notes=tt_unit.getnotes(),
                        state="fuzzy" if tt_unit.isfuzzy() else "",
                    )
                )
                handles.append(Handle(entry.setter(index), entry))
        super().__init__(name, data, units, handles)

    def _mark(self, owner: Any, note: str) -> None:
        from translate.misc.multistring import multistring

        entry: _Entry = owner
        unit = entry.tt_unit
        unit.target = multistring(entry.forms) if unit.hasplural() else entry.forms[0]
        unit.markfuzzy(True)
        unit.addnote(f"{NOTE_ORIGIN}: {note}", origin="translator")

    def _serialize(self) -> bytes:
        return bytes(self._store)
