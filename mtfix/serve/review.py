"""Review sessions: a document's proposals computed in the background, a person's decisions on
them, the post-edit log every decision is appended to, and the reviewed text.

A review covers the stretches that have proposals (:class:`mtfix.select.proposals.Proposal`:
each flagged sentence, widened over its proposals' edits). Each stretch starts as the MT; a
decision accepts a proposal by its rank, rejects them all (the MT stays), or replaces the
stretch with a person's own text; undo takes back the last decision. The reviewed text is the MT
with every decided stretch replaced: undecided stretches stay as the MT.

The server never reads or writes a path a request names: the only file it can write is the one
``mtfix review FILE`` opened (:class:`OpenedFile`), written back atomically, keeping its mode and
BOM, and only while it is still the text that was opened (a file changed on disk meanwhile is a
409, not overwritten). The post-edit log is a path the server was started with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mtfix.core import Span
from mtfix.diff import segments, word_changes
from mtfix.io import InputError, atomic_writer, decode, read_bytes
from mtfix.pipeline import CleanResult, flag_record, sentence_for
from mtfix.select.proposals import Proposal
from mtfix.serve.errors import RequestError
from mtfix.version import __version__

Action = Literal["accept", "reject", "edit"]
ACTIONS = ("accept", "reject", "edit")
MAX_REVIEWS = 32
# A hand edit longer than this is not a sentence's post-edit.
MAX_EDIT_CHARS = 20_000
_BOM = b"\xef\xbb\xbf"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class PostEditLog:
    """Decisions as JSON lines, appended and flushed to disk one by one (a crash loses none)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)


class OpenedFile:
    """The one file a review may write: the one ``mtfix review FILE`` was started on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        raw = read_bytes(path)
        self.bom = raw.startswith(_BOM)
        self.text = decode(raw, str(path))
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        """Replace the file with ``text``, atomically, unless it changed since it was read."""
        with self._lock:
            try:
                current = read_bytes(self.path)
            except InputError as exc:
                raise RequestError(409, f"{self.path.name} cannot be read back: {exc}") from None
            if current.removeprefix(_BOM).decode("utf-8", "replace") != self.text:
                raise RequestError(
                    409, f"{self.path.name} changed on disk since it was opened: not overwritten"
                )
            mode = self.path.stat().st_mode & 0o7777
            with atomic_writer(self.path, "wb") as handle:
                os.fchmod(handle.fileno(), mode)
                handle.write((_BOM if self.bom else b"") + text.encode("utf-8"))
            self.text = text


@dataclass(frozen=True)
class Choice:
    """A stretch's state after a decision."""

    action: Action
    final: str
    # The rank of the accepted proposal.
    chosen: int | None = None

    def to_dict(self, span: Span) -> dict[str, Any]:
        return {
            "start": span.start,
            "end": span.end,
            "action": self.action,
            "chosen": self.chosen,
            "final": self.final,
        }


@dataclass
class Review:
    id: str
    name: str
    text: str
    source: str | None
    writable: bool
    state: Literal["running", "done", "failed"] = "running"
    stage: str = "queued"
    done: int = 0
    total: int = 0
    error: str = ""
    result: CleanResult | None = None
    choices: dict[Span, Choice] = field(default_factory=dict)
    history: list[tuple[Span, Choice | None]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def stretches(self) -> dict[Span, list[Proposal]]:
        return stretches(self.result) if self.result is not None else {}

    def reviewed_text(self) -> str:
        out, cursor = [], 0
        for span, choice in sorted(self.choices.items()):
            out += [self.text[cursor : span.start], choice.final]
            cursor = span.end
        out.append(self.text[cursor:])
        return "".join(out)

    def decisions(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c.to_dict(s) for s, c in sorted(self.choices.items())]

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {
                "id": self.id,
                "name": self.name,
                "state": self.state,
                "stage": self.stage,
                "done": self.done,
                "total": self.total,
                "error": self.error,
                "writable": self.writable,
                "result": None,
                "decisions": self.decisions(),
            }
            if self.result is not None:
                out["result"] = result_record(self.result)
            return out


def stretches(result: CleanResult) -> dict[Span, list[Proposal]]:
    """What a person reviews, in order: each stretch with proposals, and each flagged sentence
    that has none (it can still be edited by hand)."""
    out: dict[Span, list[Proposal]] = {}
    for p in result.proposals:
        out.setdefault(p.span, []).append(p)
    doc = result.document
    for flag in (*result.flags, *result.resolved):
        sentence = sentence_for(doc, flag.span)
        if not any(s.overlaps(sentence) for s in out):
            out[sentence] = []
    return dict(sorted(out.items()))


def result_record(result: CleanResult) -> dict[str, Any]:
    """``clean --format json``'s record, with what a reviewer needs beside it: the MT
    (``original``), the flags the applied edits resolved, the sentences, the stretches to
    review (``[start, end]`` each), and each proposal's word diff against the MT."""
    doc = result.document
    out = result.to_dict()
    out["original"] = doc.text
    out["resolved"] = [flag_record(doc, f) for f in result.resolved]
    out["sentences"] = [[s.start, s.end] for s in doc.sentences]
    out["stretches"] = [[s.start, s.end] for s in stretches(result)]
    for record, proposal in zip(out["proposals"], result.proposals, strict=True):
        record["diff"] = segments(doc.text, proposal.edits, proposal.span)
    return out


class Reviews:
    """Every review of this server, the jobs that compute them, and where decisions go."""

    def __init__(
        self,
        clean: Callable[[str, str | None, Callable[[int, int], None]], CleanResult],
        log: PostEditLog,
        opened: OpenedFile | None = None,
        max_length: int = 100_000,
    ) -> None:
        self._clean = clean
        self.log = log
        self.opened = opened
        self.max_length = max_length
        self._reviews: dict[str, Review] = {}
        self._lock = threading.Lock()
        self._jobs = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mtfix-review")

    def close(self) -> None:
        self._jobs.shutdown(wait=False, cancel_futures=True)

    def start(self, text: str, source: str | None = None, name: str = "") -> Review:
        if not text.strip():
            raise RequestError(400, "no text to review")
        if len(text) > self.max_length:
            raise RequestError(
                413, f"the text has {len(text)} characters, over this server's {self.max_length}"
            )
        opened = self.opened
        writable = opened is not None and text == opened.text and source is None
        review = Review(
            id=secrets.token_urlsafe(12),
            name=(opened.path.name if writable and opened else name) or "text",
            text=text,
            source=source,
            writable=writable,
        )
        with self._lock:
            self._reviews[review.id] = review
            while len(self._reviews) > MAX_REVIEWS:
                del self._reviews[next(iter(self._reviews))]
        self._jobs.submit(self._run, review)
        return review

    def _run(self, review: Review) -> None:
        def progress(done: int, total: int) -> None:
            with review.lock:
                review.stage, review.done, review.total = "rewriting", done, total

        with review.lock:
            review.stage = "detecting"
        try:
            result = self._clean(review.text, review.source, progress)
        except RequestError as exc:
            failure: str | None = exc.message
        except Exception as exc:  # the page must see why, not wait forever
            failure = f"{type(exc).__name__}: {exc}"
        else:
            failure = None
        with review.lock:
            if failure is not None:
                review.state, review.error = "failed", failure
                return
            review.result = result
            review.state, review.stage = "done", "done"
            review.total = review.total or len(stretches(result))
            review.done = review.total

    def get(self, review_id: str) -> Review:
        with self._lock:
            review = self._reviews.get(review_id)
        if review is None:
            raise RequestError(404, f"no review {review_id!r} (the server keeps {MAX_REVIEWS})")
        return review

    def decide(
        self,
        review: Review,
        span: Span,
        action: str,
        chosen: int | None = None,
        text: str | None = None,
    ) -> dict[str, Any]:
        """Record one decision on a stretch; returns its post-edit log record."""
        with review.lock:
            proposals = self._stretch(review, span)
            mt = span.of(review.text)
            if action == "accept":
                picked = [p for p in proposals if p.rank == chosen]
                if not picked:
                    raise RequestError(
                        400, f"no proposal of rank {chosen} for {span.start}-{span.end}"
                    )
                choice = Choice("accept", picked[0].text, chosen)
            elif action == "reject":
                choice = Choice("reject", mt)
            elif action == "edit":
                if not isinstance(text, str) or len(text) > MAX_EDIT_CHARS:
                    raise RequestError(400, "an edit needs its text (a string)")
                choice = Choice("edit", text)
            else:
                raise RequestError(400, f"unknown action {action!r}: accept, reject or edit")
            review.history.append((span, review.choices.get(span)))
            review.choices[span] = choice
            record = self._record(review, span, proposals, choice.action, choice)
        self.log.append(record)
        return record

    def undo(self, review: Review) -> dict[str, Any]:
        """Take back the last decision; logged too, as action ``undo`` with the text restored."""
        with review.lock:
            if not review.history:
                raise RequestError(409, "nothing to undo")
            span, previous = review.history.pop()
            if previous is None:
                review.choices.pop(span, None)
            else:
                review.choices[span] = previous
            record = self._record(review, span, self._stretch(review, span), "undo", previous)
        self.log.append(record)
        return record

    def save(self, review: Review) -> str:
        if not review.writable or self.opened is None:
            raise RequestError(403, "this review is not of the file the server was opened on")
        with review.lock:
            text = review.reviewed_text()
        self.opened.write(text)
        return self.opened.path.name

    def _stretch(self, review: Review, span: Span) -> list[Proposal]:
        if review.result is None:
            raise RequestError(409, "the proposals are still being computed")
        proposals = review.stretches.get(span)
        if proposals is None:
            raise RequestError(400, f"{span.start}-{span.end} is not a stretch with proposals")
        return proposals

    def _record(
        self,
        review: Review,
        span: Span,
        proposals: list[Proposal],
        action: str,
        choice: Choice | None,
    ) -> dict[str, Any]:
        mt = span.of(review.text)
        final = choice.final if choice is not None else mt
        changes = word_changes(mt, final, offset=span.start)
        index = sorted(review.stretches).index(span)
        return {
            "time": _now(),
            "mtfix": __version__,
            "review": review.id,
            "document": {"name": review.name, "sha256": digest(review.text)},
            "sentence": {"index": index, "start": span.start, "end": span.end},
            "mt": mt,
            "source": review.source,
            "candidates": [
                {
                    "rank": p.rank,
                    "text": p.text,
                    "origin": p.origin,
                    "score": round(p.score, 4),
                    "confidence": round(p.confidence, 4),
                    "licensed_by": list(p.licensed_by),
                    "applied": p.applied,
                }
                for p in proposals
            ],
            "action": action,
            "chosen": choice.chosen if choice is not None else None,
            "final": final,
            "diff": segments(review.text, [c.edit for c in changes], span),
        }
