"""Finding the documents of a batch: text files (alone or under directories, each with its
source when ``--source`` gives one), JSONL files, and CAT files (XLIFF, TMX, PO: one document
each, its units carrying their own sources).

Every document gets a stable key (its output path, plus ``#id`` inside a JSONL file) and a digest
of its content (and of its source), which is what the manifest compares to decide that it is
already done. A document that cannot be used carries the one-line reason instead of text, so the
batch records it and goes on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal

import mtfix.formats as formats
from mtfix.formats import Unit
from mtfix.io import InputError, decode, max_input_bytes, read_bytes

SourceKind = Literal["text", "jsonl", "cat"]
JSONL_SUFFIXES = (".jsonl", ".ndjson")
# Enough of a file to tell a CAT file from text where its extension says nothing.
_HEAD_BYTES = 4096
# How much of an over-long JSONL line is read at a time while skipping it.
_SKIP_BYTES = 1 << 20


@dataclass(frozen=True)
class Source:
    """One input file and where its output goes, relative to the output directory."""

    path: Path
    output: str
    kind: SourceKind
    # The text this file translates (--source), for a text file; a CAT file carries its own.
    translated_from: Path | None = None


@dataclass(frozen=True)
class Doc:
    key: str
    source: Source
    doc_id: str
    digest: str
    text: str | None = None
    error: str | None = None
    # 1-based line in a JSONL source; 0 for a text file.
    line: int = 0
    # The JSONL record the text came from, to which the output adds the cleaned text and flags.
    record: dict[str, Any] | None = None
    # What the text translates: the --source file's text, or a CAT file's units (whose targets
    # ``text`` joins).
    source_text: str | None = None
    units: tuple[Unit, ...] = ()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _kind(path: Path) -> SourceKind:
    if path.suffix.lower() in JSONL_SUFFIXES:
        return "jsonl"
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        head = b""  # unreadable: as text, whose reader reports why
    return "cat" if formats.sniff(path, head) is not None else "text"


def _with_sources(sources: list[Source], source: Path) -> list[Source]:
    """Each text file with the file it translates: ``source`` itself for a single text input,
    else the file at the same relative path under the directory ``source``."""
    texts = [s for s in sources if s.kind == "text"]
    if source.is_dir():
        return [replace(s, translated_from=source / s.output) if s in texts else s for s in sources]
    if not source.exists():
        raise InputError(f"--source {source}: no such file or directory")
    if len(texts) != 1:
        raise InputError(
            f"--source {source} is a file but the batch has {len(texts)} text files; "
            "give a directory that mirrors the inputs"
        )
    return [replace(s, translated_from=source) if s in texts else s for s in sources]


def discover(
    inputs: Sequence[str | Path], globs: Sequence[str], out_dir: Path, source: Path | None = None
) -> list[Source]:
    """The input files, sorted, each mapped to a distinct output path.

    A directory contributes the files under it matching any of ``globs`` (its output mirrors
    the tree);
    a file named on the command line is taken whatever its name. The output directory is never
    read as input, so ``mtfix batch corpus --out corpus/cleaned`` can be rerun. With ``source``,
    each text file is paired with the text it translates (see :func:`_with_sources`).
    """
    out = out_dir.resolve()
    sources: dict[str, Source] = {}
    for raw in inputs:
        root = Path(raw)
        if root.is_dir():
            matches = {p for glob in globs for p in root.rglob(glob)}
            files = [p for p in sorted(matches) if p.is_file() and out not in p.resolve().parents]
            pairs = [(p, p.relative_to(root).as_posix()) for p in files]
        elif root.exists():
            pairs = [(root, root.name)]
        else:
            raise InputError(f"{raw}: no such file or directory")
        for path, output in pairs:
            if output in sources and sources[output].path.resolve() != path.resolve():
                raise InputError(
                    f"{path} and {sources[output].path} would both be written to {output}; "
                    "run them as separate batches"
                )
            sources[output] = Source(path, output, _kind(path))
    found = [sources[k] for k in sorted(sources)]
    return found if source is None else _with_sources(found, source)


def _text_document(source: Source) -> Doc:
    name = str(source.path)
    try:
        data = read_bytes(source.path)
    except InputError as exc:
        # Too large or unreadable: the file's size stands in for its content in the digest.
        size = source.path.stat().st_size if source.path.is_file() else 0
        return Doc(source.output, source, source.output, f"unread:{size}", error=str(exc))
    key_digest = digest(data)
    source_text = None
    try:
        text = decode(data, name)
        if source.translated_from is not None:
            source_data = read_bytes(source.translated_from)
            # The source is part of what the document is: a changed source redoes it.
            key_digest = digest(data + b"\0" + source_data)
            source_text = decode(source_data, str(source.translated_from))
    except InputError as exc:
        return Doc(source.output, source, source.output, key_digest, error=str(exc))
    return Doc(source.output, source, source.output, key_digest, text=text, source_text=source_text)


def _cat_document(source: Source) -> Doc:
    name = str(source.path)
    try:
        data = read_bytes(source.path)
    except InputError as exc:
        return Doc(source.output, source, source.output, "unread", error=str(exc))
    key_digest = digest(data)
    try:
        cat = formats.read(name, data)
    except InputError as exc:
        return Doc(source.output, source, source.output, key_digest, error=str(exc))
    assert cat is not None, "discovery saw a CAT file"
    text = "\n\n".join(u.target for u in cat.units)
    return Doc(source.output, source, source.output, key_digest, text=text, units=cat.units)


def _bounded_lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Each line of ``handle`` with its 1-based number, or None for a line longer than
    ``limit`` bytes (read past, never held whole)."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) <= limit or line.endswith(b"\n"):
            yield number, line
            continue
        while line and not line.endswith(b"\n"):
            line = handle.readline(_SKIP_BYTES)
        yield number, None


def _doc_id(record: dict[str, Any], id_field: str, where: str, number: int) -> str:
    """The record's id: a string, or an integer written in decimal (so ``12`` and ``"12"`` are
    one id, and the second is a duplicate); with no id field, the line number, as ``line:N``
    so that it can never pass for an id of the file's own."""
    if id_field not in record:
        return line_id(number)
    value = record[id_field]
    if isinstance(value, bool) or not isinstance(value, str | int):
        kind = "null" if value is None else type(value).__name__
        raise InputError(f"{where}: field {id_field!r} must be a string or an integer, not {kind}")
    doc_id = str(value)
    if not doc_id.strip():
        raise InputError(f"{where}: field {id_field!r} is empty")
    return doc_id


def line_id(number: int) -> str:
    return f"line:{number}"


def _jsonl_documents(source: Source, id_field: str, text_field: str) -> Iterator[Doc]:
    name = str(source.path)
    limit = max_input_bytes()
    try:
        handle = open(source.path, "rb")  # noqa: SIM115 (read lazily, closed below)
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
        yield Doc(source.output, source, source.output, "unread", error=f"{name}: {reason}")
        return
    first_line: dict[str, int] = {}
    with handle:
        for number, raw in _bounded_lines(handle, limit):
            if raw is not None and not raw.strip():
                continue
            where = f"{name}:{number}"
            doc_digest = digest(raw) if raw is not None else f"unread:{number}"
            doc_id = line_id(number)
            error: str | None = None
            text: str | None = None
            record: Any = None
            try:
                if raw is None:
                    raise InputError(f"{where}: line longer than the {limit} byte input limit")
                record = json.loads(decode(raw, where))
                if not isinstance(record, dict):
                    raise InputError(f"{where}: expected a JSON object")
                doc_id = _doc_id(record, id_field, where, number)
                value = record.get(text_field)
                if not isinstance(value, str):
                    raise InputError(f"{where}: no string field {text_field!r}")
                # As for a text file, empty text is an error rather than an empty output.
                if not value.strip():
                    raise InputError(f"{where}: field {text_field!r} is empty")
                text = value
            except InputError as exc:
                error = str(exc)
            except json.JSONDecodeError as exc:
                error = f"{where}: invalid JSON ({exc.msg} at column {exc.colno})"
            if doc_id in first_line:
                text = None
                error = (
                    f"{where}: duplicate {id_field} {doc_id!r} (first on line {first_line[doc_id]})"
                )
                # Keyed by line so that the duplicate gets a manifest row of its own.
                doc_id = f"{doc_id}@{number}"
            first_line[doc_id] = number
            key = f"{source.output}#{doc_id}"
            if error is not None:
                record = None
            yield Doc(key, source, doc_id, doc_digest, text, error, number, record)


def documents(sources: Sequence[Source], id_field: str, text_field: str) -> Iterator[Doc]:
    """Every document of ``sources``, read lazily, one file at a time."""
    for source in sources:
        if source.kind == "jsonl":
            yield from _jsonl_documents(source, id_field, text_field)
        elif source.kind == "cat":
            yield _cat_document(source)
        else:
            yield _text_document(source)
