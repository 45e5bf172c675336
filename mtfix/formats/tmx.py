"""TMX translation memories: each ``<tu>``'s source-language ``<tuv>`` is the source, the first
other one the MT. TMX has no review state, so a changed unit gets only mtfix's ``<note>``
(translate-toolkit places it before the ``<prop>`` and ``<tuv>`` elements, as the DTD requires).
"""

from __future__ import annotations

from typing import Any

import mtfix.formats.xml as xml
from mtfix.formats.base import NOTE_ORIGIN, CatFile, Format, Handle, Unit, inline_unit, no_target
from mtfix.io import InputError

TMX_VERSIONS = frozenset({"1.1", "1.2", "1.3", "1.4", "1.4b"})
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _language(tuv: Any) -> str:
    return (tuv.get(_XML_LANG) or tuv.get("lang") or "").lower()


def _matches(language: str, wanted: str) -> bool:
    # "ja" names "ja-JP" too: header and tuv often differ in how much of the tag they give.
    return language == wanted or language.split("-")[0] == wanted.split("-")[0]


def read(name: str, data: bytes) -> CatFile:
    root = xml.parse(name, data)
    version = root.get("version") or ""
    if version not in TMX_VERSIONS:
        supported = ", ".join(sorted(TMX_VERSIONS))
        raise InputError(f"{name}: unsupported TMX version {version!r} (mtfix reads {supported})")
    return TmxFile(name, data, root)


class TmxFile(CatFile):
    format = Format.TMX

    def __init__(self, name: str, data: bytes, root: Any) -> None:
        from translate.storage.tmx import tmxunit

        self._root = root
        header = root.find("header")
        source_language = (header.get("srclang") if header is not None else "") or ""
        source_language = source_language.lower()
        units: list[Unit] = []
        handles: list[Handle] = []
        for position, tu in enumerate(root.iter("tu"), start=1):
            unit_id = tu.get("tuid") or f"#{position}"
            tuvs = list(tu.iterchildren("tuv"))
            if source_language and source_language != "*all*":
                sources = [t for t in tuvs if _matches(_language(t), source_language)]
            else:
                sources = tuvs[:1]
            others = [t for t in tuvs if t not in sources[:1]]
            if not sources or not others or others[0].find("seg") is None:
                raise no_target(name, unit_id, xml.line_of(tu))
            tt_unit = tmxunit.createfromxmlElement(tu)
            unit, tgt = inline_unit(
                unit_id,
                sources[0].find("seg"),
                others[0].find("seg"),
                notes=tt_unit.getnotes(),
            )
            units.append(unit)
            handles.append(Handle(tgt.fill, tt_unit))
        super().__init__(name, data, units, handles)

    def _mark(self, owner: Any, note: str) -> None:
        owner.addnote(f"{NOTE_ORIGIN}: {note}")
        notes = owner.xmlelement.findall("note")
        xml.indent_like_siblings(notes[-1])

    def _serialize(self) -> bytes:
        return xml.serialize(self._root, self.data)
