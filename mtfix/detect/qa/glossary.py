"""Glossaries for the terminology check: which English term a source term requires, which
English terms are forbidden.

Two file formats: TBX (read by translate-toolkit; a term whose administrative status is
deprecated or superseded is forbidden, the others are required alternatives), and CSV with a
header naming ``source`` and ``target`` columns and an optional ``status`` column ("forbidden" or
"deprecated" marks a forbidden target; an empty source forbids the target everywhere).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mtfix.core import Span
from mtfix.formats.base import require_cat_extra
from mtfix.io import InputError, decode, read_bytes

DIGEST_LENGTH = 12
FORBIDDEN_STATUSES = frozenset({"forbidden", "deprecated", "superseded"})
_TARGET_LANGUAGE = "en"


@dataclass(frozen=True)
class Term:
    source: str
    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()


@lru_cache(maxsize=256)
def _pattern(term: str) -> re.Pattern[str]:
    # Whole words, any case, and the English plural ("summit" covers "summits").
    return re.compile(rf"(?<!\w){re.escape(term)}(?:s|es)?(?!\w)", re.IGNORECASE)


def find(term: str, text: str) -> Iterator[Span]:
    for m in _pattern(term).finditer(text):
        yield Span(m.start(), m.end())


def in_source(term: str, source: str) -> bool:
    # CJK has no spaces to bound a word, so a source term is a substring match.
    return term.lower() in source.lower()


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    # The file it was read from, and the first hex digits of its SHA-256: what a run's signature
    # pins (PipelineOptions.signature), so a changed glossary redoes a batch's documents.
    name: str = ""
    digest: str = ""

    @classmethod
    def load(cls, path: str | Path) -> Glossary:
        name = str(path)
        data = read_bytes(path)
        digest = hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]
        if Path(name).suffix.lower() == ".tbx" or data.lstrip()[:200].find(b"<martif") >= 0:
            require_cat_extra("TBX glossaries")
            return cls(tuple(_tbx_terms(name, data)), name, digest)
        return cls(tuple(_csv_terms(name, decode(data, name))), name, digest)


def _grouped(rows: list[tuple[str, str, bool]]) -> Iterator[Term]:
    by_source: dict[str, tuple[list[str], list[str]]] = {}
    for source, target, forbidden in rows:
        required, banned = by_source.setdefault(source, ([], []))
        (banned if forbidden else required).append(target)
    for source, (required, banned) in by_source.items():
        yield Term(source, tuple(required), tuple(banned))


def _csv_terms(name: str, text: str) -> Iterator[Term]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower(): f for f in reader.fieldnames or []}
    if "source" not in fields or "target" not in fields:
        raise InputError(
            f"{name}: a glossary CSV needs a header with 'source' and 'target' columns"
        )
    rows: list[tuple[str, str, bool]] = []
    for line, row in enumerate(reader, start=2):
        source = (row.get(fields["source"]) or "").strip()
        target = (row.get(fields["target"]) or "").strip()
        status = (row.get(fields.get("status", ""), "") or "").strip().lower()
        if not target:
            raise InputError(f"{name}:{line}: glossary row has no target term")
        rows.append((source, target, status in FORBIDDEN_STATUSES))
    return _grouped(rows)


def _tbx_terms(name: str, data: bytes) -> Iterator[Term]:
    from translate.storage.tbx import tbxfile

    import mtfix.formats.xml as xml

    root = xml.parse(name, data)
    languages = [
        lang
        for lang in (
            e.get("{http://www.w3.org/XML/1998/namespace}lang") for e in root.iter("langSet")
        )
        if lang
    ]
    source_language = next(
        (lang for lang in languages if not lang.lower().startswith(_TARGET_LANGUAGE)), None
    )
    if source_language is None:
        raise InputError(f"{name}: the glossary has no source-language (non-English) terms")
    store = tbxfile.parsestring(
        data, sourcelanguage=source_language, targetlanguage=_TARGET_LANGUAGE
    )
    rows: list[tuple[str, str, bool]] = []
    for unit in store.units:
        targets = unit.get_target_terms(_TARGET_LANGUAGE)
        for source in unit.get_source_terms() or []:
            for target in targets:
                status = (target.administrative_status or "").lower()
                forbidden = target.deprecated or any(s in status for s in FORBIDDEN_STATUSES)
                rows.append((source.text.strip(), target.text.strip(), forbidden))
    return _grouped(rows)
