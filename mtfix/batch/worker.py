"""What runs in a batch worker process: one Pipeline per process, one document per call.

The pipeline (and with it the model and the spaCy parser) is built on the first document a
process sees and reused for every later one, whichever engine runs the process. A document with
a source (a CAT file's units, or a text and its --source) is built into one bilingual Document
here, in the worker, and its result says which units changed, so the driver can write the CAT
file back without segmenting anything.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mtfix.mqm as mqm
from mtfix.core import Document, UnavailableError, apply_within
from mtfix.formats import Unit
from mtfix.formats.bitext import changes, document, from_units
from mtfix.io import InputError
from mtfix.languagetool import LanguageToolRequestError
from mtfix.pipeline import CleanResult, Pipeline, PipelineOptions

URL_ENV = "MTFIX_LANGUAGETOOL_URL"
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Task:
    """A document to clean: its manifest key, its text, and what it translates, if anything: a
    --source text, or a CAT file's units (``text`` then joins their targets)."""

    key: str
    text: str
    source: str | None = None
    units: tuple[Unit, ...] = ()
    # The files an alignment error names.
    text_name: str = ""
    source_name: str = ""


@dataclass(frozen=True)
class Outcome:
    key: str
    # CleanResult.to_dict() (the cleaned text, the edits applied, the flags left, the MQM
    # summary) and, for a bilingual document, "segments" (id, source, cleaned target each) and
    # for a CAT file "units" (the changed ones: index, new target, note).
    result: dict[str, Any] | None
    error: str | None
    words: int
    sentences: int
    # The input itself is unusable (a source of another length): redoing it cannot help.
    invalid: bool = False


@lru_cache(maxsize=2)
def _pipeline(options: PipelineOptions) -> Pipeline:
    pipeline = Pipeline(options)
    # A model loads lazily on its first rewrite, where a broken one would fail each document in
    # turn; warming it here makes it stop the batch once, as an environment problem
    # (ModelLoadError is an UnavailableError).
    pipeline.warm()
    return pipeline


def _document(options: PipelineOptions, task: Task) -> Document:
    if task.units:
        return from_units(task.units)
    return document(
        task.text,
        task.source,
        lines=options.lines,
        target_name=task.text_name,
        source_name=task.source_name,
    )


def _bilingual(result: CleanResult, task: Task) -> dict[str, Any]:
    doc = result.document
    segments = [
        [
            a.id,
            a.source,
            apply_within(doc.text, a.span, [e for e in result.edits if a.span.contains(e.span)]),
        ]
        for a in doc.aligned
    ]
    out: dict[str, Any] = {"segments": segments}
    if task.units:
        out["units"] = [
            {"index": i, "target": c.target, "note": c.note}
            for i, c in sorted(changes(doc, result.edits).items())
        ]
    return out


def clean_document(options: PipelineOptions, task: Task) -> Outcome:
    # Outside the try: a pipeline that cannot be built (no Java, no model) fails every document
    # alike, so it must stop the batch rather than be recorded as one document's failure.
    pipeline = _pipeline(options)
    words = mqm.word_count(task.text)
    try:
        result = pipeline.clean_document(_document(options, task))
        data = result.to_dict()
        # What triage needs to see a document the rules gutted: the words its edits replaced.
        data["words_changed"] = sum(
            mqm.word_count(e.span.of(result.document.text)) for e in result.edits
        )
        if result.document.aligned:
            data |= _bilingual(result, task)
    except LanguageToolRequestError as exc:
        # This document's request timed out or kept killing the server, which is replaced:
        # the document fails (a rerun tries it again) and the batch goes on.
        return Outcome(task.key, None, str(exc), words, 0)
    except UnavailableError:
        raise
    except InputError as exc:
        return Outcome(task.key, None, str(exc), words, 0, invalid=True)
    except Exception as exc:  # one document's bad luck must not end the batch
        return Outcome(task.key, None, f"{type(exc).__name__}: {exc}", words, 0)
    return Outcome(task.key, data, None, words, len(result.document.sentences))


def init_local_worker(languagetool_url: str | None, threads: int) -> None:
    """Initializer of a local pool process: share the parent's server, die with the parent."""
    if languagetool_url:
        os.environ[URL_ENV] = languagetool_url
    # The model's math libraries would each take every core; the workers share them instead
    # (read when torch is first imported, which is later, in this process). Ray does the same.
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    # Ctrl-C reaches the whole process group; only the driver should react, by shutting the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A driver killed with SIGKILL cannot stop its pool; the kernel does it instead.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
