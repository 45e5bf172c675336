"""One input as a Document: a CAT file (XLIFF, TMX, PO), plain MT text with ``--source``, or
plain text alone (which goes through unchanged).

:func:`load` reads and validates everything before any work starts, so bad input is a one-line
error with nothing written; :func:`render_clean` gives the bytes ``clean`` writes: the same
format back for a CAT file (only changed targets, marked for review), the cleaned text otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mtfix.formats as formats
from mtfix.core import Document, Edit
from mtfix.formats.base import CatFile
from mtfix.formats.bitext import changes, document, from_units
from mtfix.io import STDIN, InputError, decode, read_bytes, read_text


@dataclass(frozen=True)
class Input:
    name: str
    document: Document
    # The CAT file the document's units came from (written back by `clean`); None for text.
    cat: CatFile | None = None


def load(path: str | Path, *, source: str | Path | None = None, lines: bool = False) -> Input:
    name = "<stdin>" if str(path) == STDIN else str(path)
    data = read_bytes(path)
    cat = formats.read(name, data)
    if cat is not None:
        if source is not None:
            raise InputError(f"{name}: a {cat.format} file carries its own source; drop --source")
        return Input(name, from_units(cat.units), cat)
    text = decode(data, name)
    translated = None if source is None else read_text(source)
    source_name = "<stdin>" if str(source) == STDIN else str(source)
    return Input(
        name, document(text, translated, lines=lines, target_name=name, source_name=source_name)
    )


def render_clean(inp: Input, text: str, edits: Sequence[Edit]) -> bytes:
    """What ``clean`` writes: the CAT file with the accepted ``edits``, or the cleaned ``text``."""
    if inp.cat is None:
        return text.encode("utf-8")
    return inp.cat.render(changes(inp.document, edits))
