"""The model in one worker thread: every request's rewrites queue for it.

Concurrent requests never load the model twice or run it at once (two 270M forward passes on two
cores would only slow each other): :class:`ModelWorker` owns the model rewriter and one thread,
and a request hands it the flagged sentences a chunk at a time (one generation batch), so requests
take turns chunk by chunk, and a long document shows progress. A request that reaches its time
limit stops waiting and answers with the chunks it has; the chunk already running still finishes
and its rewrites are cached, so the client's next check of the same text finds them.

The worker thread is a daemon: stopping the server does not wait for a generation in progress
(it can take seconds); everyone waiting on it is told the server is stopping.

The cache is keyed by what the model reads for a sentence: the sentence with its paragraph up to
it (a rewriter may read the sentences before), its source, and its flags, in offsets relative
to the sentence. A rewriter that reads more of the document must widen the key.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any

import mtfix.rewrite as rewrite
from mtfix.core import Candidate, Document, Span, Target
from mtfix.rewrite import Rewriter

# One generation batch of the model backend.
CHUNK = 8
CACHE_SENTENCES = 4096
# How often a request waiting on the worker looks whether the server is stopping.
POLL_S = 0.25

Progress = Callable[[int, int], None]


def _shift(cand: Candidate, by: int) -> Candidate:
    def moved(span: Span) -> Span:
        return Span(span.start + by, span.end + by)

    edits = tuple(replace(e, span=moved(e.span)) for e in cand.edits)
    return replace(cand, sentence=moved(cand.sentence), edits=edits)


def _key(doc: Document, target: Target) -> Hashable:
    sentence, flags = target
    paragraph = doc.paragraph_of(sentence) or sentence
    return (
        doc.text[paragraph.start : sentence.end],
        sentence.start - paragraph.start,
        doc.source_of(sentence),
        tuple(
            (f.span.start - sentence.start, f.span.end - sentence.start, f.rule, f.category)
            for f in flags
        ),
        tuple((f.suggestions, f.confidence) for f in flags),
    )


class ModelWorker:
    """The one thread the model runs in, and the rewrites it has made."""

    def __init__(self, rewriter: Rewriter, *, chunk: int = CHUNK) -> None:
        self.rewriter = rewriter
        self.chunk = chunk
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = (
            queue.SimpleQueue()
        )
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="mtfix-model", daemon=True)
        self._thread.start()
        self._cache: OrderedDict[Hashable, tuple[Candidate, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.sentences = 0  # sentences the model has rewritten (cache misses)
        self.cached = 0  # sentences answered from the cache
        self.waiting = 0  # chunks queued or running
        self.warmed = False

    def _serve(self) -> None:
        while not self._closed.is_set():
            future, fn, args = self._queue.get()
            if self._closed.is_set() or not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # the waiting request reports it
                future.set_exception(exc)
            else:
                future.set_result(result)

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put((future, fn, args))
        return future

    def _wait(self, future: Future[Any], deadline: float) -> Any:
        """The future's result, polling for a stop; TimeoutError at the deadline."""
        while True:
            if self._closed.is_set():
                raise RuntimeError("the server is stopping")
            left = deadline - time.monotonic()
            if left <= 0:
                raise FutureTimeout()
            try:
                return future.result(timeout=min(POLL_S, left))
            except FutureTimeout:
                continue

    def warm(self) -> None:
        """Load the model now, in the worker thread."""
        self._wait(self._submit(rewrite.warm, self.rewriter), float("inf"))
        self.warmed = True

    def close(self) -> None:
        """Stop taking work; whoever waits is told the server is stopping."""
        self._closed.set()
        self._queue.put((Future(), lambda: None, ()))  # wake the thread if it waits for work
        self._thread.join(timeout=1.0)
        if not self._thread.is_alive():
            rewrite.close(self.rewriter)

    def propose(
        self,
        doc: Document,
        targets: Sequence[Target],
        *,
        deadline: float = float("inf"),
        progress: Progress | None = None,
    ) -> tuple[list[Candidate], bool]:
        """The model's candidates for ``targets`` and whether all of them are in (False when
        ``deadline``, a ``time.monotonic()`` instant, came first)."""
        out: list[Candidate] = []
        keys = [_key(doc, t) for t in targets]
        todo: list[tuple[Target, Hashable]] = []
        with self._lock:
            for target, key in zip(targets, keys, strict=True):
                if key in self._cache:
                    self._cache.move_to_end(key)
                    out += [_shift(c, target[0].start) for c in self._cache[key]]
                    self.cached += 1
                else:
                    todo.append((target, key))
        done = len(targets) - len(todo)
        if progress is not None:
            progress(done, len(targets))
        for i in range(0, len(todo), self.chunk):
            chunk = todo[i : i + self.chunk]
            future = self._chunk(doc, chunk)
            try:
                out += self._wait(future, deadline)
            except FutureTimeout:
                future.cancel()
                return out, False
            done += len(chunk)
            if progress is not None:
                progress(done, len(targets))
        return out, True

    def _chunk(
        self, doc: Document, chunk: Sequence[tuple[Target, Hashable]]
    ) -> Future[list[Candidate]]:
        with self._lock:
            self.waiting += 1
        future = self._submit(self.rewriter.propose, doc, [t for t, _ in chunk])
        future.add_done_callback(lambda f: self._store(f, chunk))
        return future

    def _store(
        self, future: Future[list[Candidate]], chunk: Sequence[tuple[Target, Hashable]]
    ) -> None:
        with self._lock:
            self.waiting -= 1
            if future.cancelled() or future.exception() is not None:
                return
            candidates = future.result()
            for (sentence, _), key in chunk:
                mine = tuple(
                    _shift(c, -sentence.start) for c in candidates if c.sentence == sentence
                )
                self._cache[key] = mine
                self.sentences += 1
            while len(self._cache) > CACHE_SENTENCES:
                self._cache.popitem(last=False)

    def status(self) -> dict[str, int | bool]:
        with self._lock:
            return {
                "warm": self.warmed,
                "sentences": self.sentences,
                "cached": self.cached,
                "waiting": self.waiting,
                "cache_size": len(self._cache),
            }


class QueuedRewriter:
    """One request's view of the worker: a rewriter plug-in whose ``propose`` queues there and
    stops at the request's deadline (``complete`` then says False)."""

    def __init__(
        self,
        worker: ModelWorker,
        *,
        deadline: float = float("inf"),
        progress: Progress | None = None,
    ) -> None:
        self.name = worker.rewriter.name
        self.worker = worker
        self.deadline = deadline
        self.progress = progress
        self.complete = True

    def propose(self, doc: Document, targets: Sequence[Target]) -> list[Candidate]:
        candidates, complete = self.worker.propose(
            doc, targets, deadline=self.deadline, progress=self.progress
        )
        self.complete = self.complete and complete
        return candidates
