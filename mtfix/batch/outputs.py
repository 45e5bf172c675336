"""Writing a batch's outputs under the output directory, every file atomically.

A text file ``a/b.txt`` becomes ``a/b.txt`` (the cleaned text) and ``a/b.txt.flags.json`` (the
edits applied and the flags left). A CAT file ``a/b.xlf`` becomes ``a/b.xlf`` (the same format,
only the changed targets rewritten and marked for review: :meth:`mtfix.formats.CatFile.render`)
and ``a/b.xlf.flags.json``. A JSONL file ``x.jsonl`` becomes ``x.jsonl`` (each record with
its text cleaned and ``edits`` and ``flags`` added; records that failed are left out and listed
in ``errors.jsonl``) and ``x.jsonl.flags.jsonl``. A JSONL output holds many documents, so it is
assembled from the manifest's results only once all of them are done: a run killed half-way
leaves the previous version or none, never a partial file.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import mtfix.formats as formats
from mtfix.batch.inputs import digest as digest_of
from mtfix.formats import Change
from mtfix.io import InputError, atomic_writer, read_bytes, write_text

FLAGS_SUFFIX = ".flags.json"
JSONL_FLAGS_SUFFIX = ".flags.jsonl"


def _flags_record(doc_id: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc_id, "edits": result["edits"], "flags": result["flags"]}


def text_paths(out_dir: Path, output: str) -> tuple[Path, Path]:
    return out_dir / output, out_dir / f"{output}{FLAGS_SUFFIX}"


def write_text_document(out_dir: Path, output: str, doc_id: str, result: dict[str, Any]) -> None:
    text_path, flags_path = text_paths(out_dir, output)
    write_text(text_path, result["text"])
    flags = json.dumps(_flags_record(doc_id, result), ensure_ascii=False, indent=2)
    write_text(flags_path, flags + "\n")


def write_cat_document(
    out_dir: Path, output: str, path: Path, digest: str, doc_id: str, result: dict[str, Any]
) -> None:
    """The CAT file at ``path`` with the result's unit changes, and its flags file. The file is
    read again to be written back: if it changed since it was cleaned (its ``digest`` differs)
    that is an InputError, and nothing is written."""
    data = read_bytes(path)
    if digest_of(data) != digest:
        raise InputError(f"{path}: changed while the batch ran; run it again")
    cat = formats.read(path, data)
    assert cat is not None, "a CAT document's file is a CAT file"
    unit_changes = {u["index"]: Change(u["target"], u["note"]) for u in result["units"]}
    text_path, flags_path = text_paths(out_dir, output)
    with atomic_writer(text_path, "wb") as handle:
        handle.write(cat.render(unit_changes))
    flags = json.dumps(_flags_record(doc_id, result), ensure_ascii=False, indent=2)
    write_text(flags_path, flags + "\n")


def text_document_written(out_dir: Path, output: str) -> bool:
    return all(p.is_file() for p in text_paths(out_dir, output))


def remove_outputs(out_dir: Path, output: str, *, jsonl: bool = False) -> None:
    """Drop what an earlier run wrote for a document that now fails, so nothing stale remains."""
    paths = [out_dir / output, out_dir / f"{output}{JSONL_FLAGS_SUFFIX if jsonl else FLAGS_SUFFIX}"]
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def write_jsonl(
    out_dir: Path,
    output: str,
    text_field: str,
    documents: Iterable[tuple[str, dict[str, Any], dict[str, Any]]],
) -> int:
    """Write a JSONL source's outputs from ``(doc_id, record, result)``; returns the count.

    Both files are written only when at least one document is done; otherwise any earlier
    version is removed.
    """
    path, flags_path = out_dir / output, out_dir / f"{output}{JSONL_FLAGS_SUFFIX}"
    count = 0
    with atomic_writer(path) as cleaned, atomic_writer(flags_path) as flags:
        for doc_id, record, result in documents:
            out_record = {**record, text_field: result["text"]}
            out_record["edits"], out_record["flags"] = result["edits"], result["flags"]
            cleaned.write(json.dumps(out_record, ensure_ascii=False) + "\n")
            flags.write(json.dumps(_flags_record(doc_id, result), ensure_ascii=False) + "\n")
            count += 1
    if not count:
        remove_outputs(out_dir, output, jsonl=True)
    return count


def sweep_temporaries(out_dir: Path) -> None:
    """Remove the temporary files of writes a killed run never finished (``io.atomic_writer``
    names them ``.<name>.<random>.tmp``); only called while holding the batch lock."""
    for path in out_dir.rglob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
