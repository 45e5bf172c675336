"""The batch manifest: one SQLite database (WAL) in the output directory, written by the driver.

A row per document key holds the digest of the content and the options signature it was
processed with, its state and its result. A document is finished when its row matches both, so
rerunning the same command skips it and changing the text or the options redoes it. Each result
is committed in its own transaction, which is what makes a run killed at any point resumable:
a document either has a committed row or is processed again. ``processed`` counts commits, so
a test (or a curious user) can see that nothing was done twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

MANIFEST_NAME = "manifest.sqlite"
# done: cleaned; invalid: the input itself is unusable (redoing it cannot help);
# failed: cleaning raised, so the next run tries again.
State = Literal["done", "invalid", "failed"]
FINISHED: tuple[State, ...] = ("done", "invalid")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    key        TEXT PRIMARY KEY,
    source     TEXT NOT NULL,
    doc_id     TEXT NOT NULL,
    digest     TEXT NOT NULL,
    signature  TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('done', 'invalid', 'failed')),
    error      TEXT,
    result     TEXT,
    words      INTEGER NOT NULL DEFAULT 0,
    sentences  INTEGER NOT NULL DEFAULT 0,
    processed  INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Record:
    key: str
    source: str
    doc_id: str
    digest: str
    signature: str
    state: State
    error: str | None
    result: dict[str, Any] | None
    words: int
    sentences: int
    processed: int


class Manifest:
    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / MANIFEST_NAME
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives power loss, not only a killed process.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lookup(self, key: str, digest: str, signature: str) -> Record | None:
        """The document's row if it was processed from this content with these options."""
        row = self._db.execute(
            f"{_SELECT} WHERE key = ? AND digest = ? AND signature = ?", (key, digest, signature)
        ).fetchone()
        return None if row is None else _record(row)

    def record(
        self,
        *,
        key: str,
        source: str,
        doc_id: str,
        digest: str,
        signature: str,
        state: State,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        words: int = 0,
        sentences: int = 0,
    ) -> None:
        """Commit one document's outcome; the upsert and the counter are one transaction."""
        self._db.execute(
            """
            INSERT INTO documents (key, source, doc_id, digest, signature, state, error, result,
                                   words, sentences, processed, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
            ON CONFLICT (key) DO UPDATE SET
                source = excluded.source, doc_id = excluded.doc_id, digest = excluded.digest,
                signature = excluded.signature, state = excluded.state, error = excluded.error,
                result = excluded.result, words = excluded.words,
                sentences = excluded.sentences, processed = documents.processed + 1,
                updated_at = excluded.updated_at
            """,
            (
                key,
                source,
                doc_id,
                digest,
                signature,
                state,
                error,
                None if result is None else json.dumps(result, ensure_ascii=False),
                words,
                sentences,
                datetime.now(UTC).isoformat(timespec="milliseconds"),
            ),
        )

    def signatures(self) -> set[str]:
        """The option signatures the manifest's documents were processed with."""
        return {row[0] for row in self._db.execute("SELECT DISTINCT signature FROM documents")}

    def records(self) -> Iterator[Record]:
        for row in self._db.execute(f"{_SELECT} ORDER BY key"):
            yield _record(row)


_SELECT = (
    "SELECT key, source, doc_id, digest, signature, state, error, result, words, sentences, "
    "processed FROM documents"
)


def _record(row: tuple[Any, ...]) -> Record:
    return Record(
        key=row[0],
        source=row[1],
        doc_id=row[2],
        digest=row[3],
        signature=row[4],
        state=row[5],
        error=row[6],
        result=None if row[7] is None else json.loads(row[7]),
        words=row[8],
        sentences=row[9],
        processed=row[10],
    )
