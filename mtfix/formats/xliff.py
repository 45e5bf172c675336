"""XLIFF 1.2 (and 1.1, which translate-toolkit's converters write) and XLIFF 2.x.

translate-toolkit's unit classes give each unit its id, notes and review state; mtfix walks the
``<source>`` and ``<target>`` elements itself so that inline markup becomes opaque TAGs
(:mod:`mtfix.formats.inline`). Trados and other segmenting tools split a trans-unit into
sentences with ``<mrk mtype="seg" mid="N">`` in ``<seg-source>`` and ``<target>``: each such
``mrk`` is a unit of its own, ``TRANSUNIT::N``, with the matching ``<seg-source>`` mrk as source.
"""

from __future__ import annotations

from typing import Any

import mtfix.formats.xml as xml
from mtfix.formats.base import NOTE_ORIGIN, CatFile, Format, Handle, Unit, inline_unit, no_target
from mtfix.io import InputError

XLIFF1_VERSIONS = frozenset({"1.1", "1.2"})
XLIFF2_VERSIONS = frozenset({"2.0", "2.1", "2.2"})
SEGMENT_SEPARATOR = "::"  # translate-toolkit's own for XLIFF 2.0 multi-segment units
# Trados's confirmation level for a segment that needs a translator's look (SDLXLIFF keeps it in
# sdl:seg-defs, which Trados reads instead of XLIFF's state).
SDL_NAMESPACE = "http://sdl.com/FileTypes/SdlXliff/1.0"
SDL_DRAFT = "Draft"


def version_of(name: str, root: Any) -> Format:
    version = root.get("version") or ""
    namespace = root.nsmap.get(None) or ""
    if version in XLIFF1_VERSIONS or (not version and ":1." in namespace):
        return Format.XLIFF1
    if version in XLIFF2_VERSIONS or (not version and ":2." in namespace):
        return Format.XLIFF2
    supported = ", ".join(sorted(XLIFF1_VERSIONS | XLIFF2_VERSIONS))
    raise InputError(f"{name}: unsupported XLIFF version {version!r} (mtfix reads {supported})")


def _ns(root: Any) -> str:
    namespace = root.nsmap.get(None)
    return f"{{{namespace}}}" if namespace else ""


def read(name: str, data: bytes) -> CatFile:
    root = xml.parse(name, data)
    if version_of(name, root) is Format.XLIFF1:
        return Xliff1File(name, data, root)
    return Xliff2File(name, data, root)


class Xliff1File(CatFile):
    format = Format.XLIFF1

    def __init__(self, name: str, data: bytes, root: Any) -> None:
        from translate.storage.xliff import xliffunit

        self._root, self._ns = root, _ns(root)
        units: list[Unit] = []
        handles: list[Handle] = []
        for element in root.iter(f"{self._ns}trans-unit"):
            tt_unit = xliffunit.createfromxmlElement(element)
            tt_unit.namespace = root.nsmap.get(None)
            if not tt_unit.istranslatable() or element.get("restype") == "x-gettext-domain-header":
                continue  # translate="no", or a PO header po2xliff carried over: not prose
            unit_id = element.get("id") or f"#{len(units) + 1}"
            target = element.find(f"{self._ns}target")
            if target is None:
                raise no_target(name, unit_id, xml.line_of(element))
            source = element.find(f"{self._ns}source")
            segments = [m for m in target.iter(f"{self._ns}mrk") if m.get("mtype") == "seg"]
            pairs: list[tuple[str, Any, Any]]
            if segments:
                pairs = [
                    (f"{unit_id}{SEGMENT_SEPARATOR}{m.get('mid')}", self._seg_source(element, m), m)
                    for m in segments
                ]
            else:
                pairs = [(unit_id, source, target)]
            for segment_id, source_element, target_element in pairs:
                if source_element is None:
                    raise InputError(
                        f"{name}:{xml.line_of(target_element)}: unit {segment_id!r} has no source"
                    )
                unit, tgt = inline_unit(
                    segment_id,
                    source_element,
                    target_element,
                    notes=tt_unit.getnotes(),
                    state=target.get("state") or "",
                )
                units.append(unit)
                handles.append(Handle(tgt.fill, (tt_unit, target_element if segments else None)))
        super().__init__(name, data, units, handles)

    def _seg_source(self, trans_unit: Any, mrk: Any) -> Any:
        seg_source = trans_unit.find(f"{self._ns}seg-source")
        if seg_source is None:
            return None
        for m in seg_source.iter(f"{self._ns}mrk"):
            if m.get("mtype") == "seg" and m.get("mid") == mrk.get("mid"):
                return m
        return None

    def _mark(self, owner: Any, note: str) -> None:
        tt_unit, segment = owner
        tt_unit.markreviewneeded(True)
        tt_unit.addnote(note, origin=NOTE_ORIGIN)
        xml.indent_like_siblings(tt_unit.xmlelement[-1])
        if segment is not None:
            trans_unit = tt_unit.xmlelement
            for seg in trans_unit.iter(f"{{{SDL_NAMESPACE}}}seg"):
                if seg.get("id") == segment.get("mid"):
                    seg.set("conf", SDL_DRAFT)

    def _serialize(self) -> bytes:
        return xml.serialize(self._root, self.data)


class Xliff2File(CatFile):
    format = Format.XLIFF2

    def __init__(self, name: str, data: bytes, root: Any) -> None:
        from translate.storage.xliff2 import Xliff2Unit

        self._root, ns = root, _ns(root)
        self._ns = ns
        units: list[Unit] = []
        handles: list[Handle] = []
        for unit_element in root.iter(f"{ns}unit"):
            if (unit_element.get("translate") or "yes").lower() == "no":
                continue
            for segment in unit_element.iterchildren(f"{ns}segment"):
                tt_unit = Xliff2Unit.createfromxmlElement(segment)
                tt_unit.namespace = root.nsmap.get(None)
                unit_id = tt_unit.getid() or f"#{len(units) + 1}"
                target = segment.find(f"{ns}target")
                if target is None:
                    raise no_target(name, unit_id, xml.line_of(segment))
                unit, tgt = inline_unit(
                    unit_id,
                    segment.find(f"{ns}source"),
                    target,
                    notes=self._notes(unit_element),
                    state=segment.get("state") or "",
                )
                units.append(unit)
                handles.append(Handle(tgt.fill, segment))
        super().__init__(name, data, units, handles)

    def _notes(self, unit_element: Any) -> str:
        notes = unit_element.find(f"{self._ns}notes")
        if notes is None:
            return ""
        return "\n".join(n.text or "" for n in notes.iterchildren(f"{self._ns}note"))

    def _mark(self, owner: Any, note: str) -> None:
        from lxml import etree

        segment = owner
        segment.set("state", "translated")
        # translate-toolkit's Xliff2Unit.addnote puts <notes> inside <segment>, which XLIFF 2.0
        # does not allow: notes belong to the unit, before <originalData> and the segments.
        unit_element = segment.getparent()
        notes = unit_element.find(f"{self._ns}notes")
        if notes is None:
            notes = etree.Element(f"{self._ns}notes")
            anchor = next(
                (
                    child
                    for child in unit_element
                    if isinstance(child.tag, str)
                    and child.tag.rsplit("}", 1)[-1] in {"originalData", "segment", "ignorable"}
                ),
                None,
            )
            if anchor is None:
                unit_element.append(notes)
            else:
                anchor.addprevious(notes)
            xml.indent_like_siblings(notes)
        element = etree.SubElement(notes, f"{self._ns}note", category=NOTE_ORIGIN)
        element.text = note
        xml.indent_like_siblings(element)

    def _serialize(self) -> bytes:
        return xml.serialize(self._root, self.data)
