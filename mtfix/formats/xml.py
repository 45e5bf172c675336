"""Parsing and serialising the XML formats (XLIFF, TMX) without losing what mtfix did not change.

translate-toolkit's own ``serialize`` re-indents the whole tree, which rewrites whitespace between
``<mrk mtype="seg">`` elements of a Trados ``<seg-source>`` (text, not layout). So mtfix keeps the
bytes before the root element as they were and serialises the root with lxml alone: an unchanged
element comes back as the same element, attributes, text and whitespace included.
"""

from __future__ import annotations

from typing import Any

from mtfix.io import InputError


def parse(name: str, data: bytes) -> Any:
    """The root element of ``data`` by translate-toolkit's safe parser (no entities, no network);
    malformed XML is an InputError naming the line and column."""
    from lxml import etree
    from translate.misc.xml_helpers import parse_xml

    try:
        return parse_xml(data)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = " ".join(str(exc.msg).split())
        raise InputError(f"{name}:{line}:{column}: malformed XML: {message}") from None


def serialize(root: Any, original: bytes) -> bytes:
    from lxml import etree
    from translate.misc.xml_helpers import extract_xml_prolog

    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    body = etree.tostring(root, encoding=encoding, xml_declaration=False)
    ending = b"\n" if original.rstrip(b" \t").endswith(b"\n") else b""
    return extract_xml_prolog(original) + body + ending


def line_of(element: Any) -> int | None:
    line = element.sourceline
    return int(line) if line else None


def indent_like_siblings(element: Any) -> None:
    """Give an element mtfix inserted the indentation its siblings have, in a pretty-printed file
    (one written on one line stays on one line)."""
    parent, previous = element.getparent(), element.getprevious()
    before = previous.tail if previous is not None else parent.text
    if not before or before.strip() or "\n" not in before:
        return
    if element.getnext() is not None:
        element.tail = before
        return
    # The last child: the whitespace before it closes the parent one level out.
    earlier = previous.getprevious() if previous is not None else None
    sibling_indent = earlier.tail if earlier is not None else parent.text
    element.tail = before
    if previous is not None and sibling_indent and not sibling_indent.strip():
        previous.tail = sibling_indent
