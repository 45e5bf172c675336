"""CAT files in and out: XLIFF 1.2 and 2.x, TMX and PO, read and written through translate-toolkit.

:func:`read` turns a file into :class:`Unit` objects (id, source, MT target, inline tags as opaque
TAGs, notes, state); :meth:`CatFile.write` puts changed targets back, marks each changed unit for
review and notes what mtfix did, atomically. Which format a file is comes from its extension, or
from its content where the extension says nothing (:func:`sniff`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from mtfix.formats.base import CatFile, Change, Format, Unit, require_cat_extra
from mtfix.formats.inline import TAG
from mtfix.io import InputError, read_bytes

__all__ = ["TAG", "CatFile", "Change", "Format", "Unit", "read", "sniff"]

# Extensions that name a format family; XLIFF's version is always read from the file.
EXTENSIONS: dict[str, str] = {
    ".xlf": "xliff",
    ".xliff": "xliff",
    ".sdlxliff": "xliff",
    ".mxliff": "xliff",
    ".mqxliff": "xliff",
    ".tmx": "tmx",
    ".po": "po",
    ".pot": "po",
}
# Extensions that say "plain text": their content is never sniffed.
TEXT_EXTENSIONS = frozenset({".txt", ".text", ".md"})
_SNIFF_BYTES = 4096
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")
_PO_ENTRY = re.compile(rb'^msgid\s+"', re.MULTILINE)


def _family_by_content(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        # Skip the declaration, comments and doctype: the first element names the format.
        body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", text, flags=re.DOTALL)
        match = _XML_ROOT.search(body)
        if match and match.group(1).lower() in (b"xliff", b"tmx"):
            return match.group(1).decode().lower()
        return None
    return "po" if _PO_ENTRY.search(text) else None


def sniff(path: str | Path, data: bytes) -> str | None:
    """The format family ("xliff", "tmx", "po") of a file, or None for plain text."""
    suffix = Path(str(path)).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if suffix in TEXT_EXTENSIONS:
        return None
    return _family_by_content(data[:_SNIFF_BYTES])


def _readers() -> dict[str, Callable[[str, bytes], CatFile]]:
    from mtfix.formats import po, tmx, xliff

    return {"xliff": xliff.read, "tmx": tmx.read, "po": po.read}


def read(path: str | Path, data: bytes | None = None) -> CatFile | None:
    """The CAT file at ``path`` (``data`` if already read), or None when it is plain text."""
    name = str(path)
    if data is None:
        data = read_bytes(path)
    family = sniff(path, data)
    if family is None:
        return None
    require_cat_extra()
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    cat = _readers()[family](name, data)
    if not cat.units:
        raise InputError(f"{name}: no translatable units")
    for unit in cat.units:
        tags = unit.target.count(TAG) + unit.source.count(TAG)
        if tags != len(unit.target_tags) + len(unit.source_tags):
            raise InputError(f"{name}: unit {unit.id!r} contains U+FFFC, which mtfix reserves")
    return cat
