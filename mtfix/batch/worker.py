"""What runs in a batch worker process: one Pipeline per process, one document per call.

The pipeline (and with it the model and the spaCy parser) is built on the first document a
process sees and reused for every later one, whichever engine runs the process.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mtfix.core import UnavailableError
from mtfix.pipeline import Pipeline, PipelineOptions

URL_ENV = "MTFIX_LANGUAGETOOL_URL"
_PR_SET_PDEATHSIG = 1

# A document to clean: its manifest key and its text.
Task = tuple[str, str]


@dataclass(frozen=True)
class Outcome:
    key: str
    # CleanResult.to_dict(): the cleaned text, the edits applied and the flags left.
    result: dict[str, Any] | None
    error: str | None
    words: int
    sentences: int


@lru_cache(maxsize=2)
def _pipeline(options: PipelineOptions) -> Pipeline:
    pipeline = Pipeline(options)
    # A model loads lazily on its first rewrite, where a broken one would fail each document in
    # turn; warming it here makes it stop the batch once, as an environment problem
    # (ModelLoadError is an UnavailableError).
    pipeline.warm()
    return pipeline


def clean_document(options: PipelineOptions, task: Task) -> Outcome:
    key, text = task
    # Outside the try: a pipeline that cannot be built (no Java, no model) fails every document
    # alike, so it must stop the batch rather than be recorded as one document's failure.
    pipeline = _pipeline(options)
    words = len(text.split())
    try:
        result = pipeline.clean(text)
    except UnavailableError:
        raise
    except Exception as exc:  # one document's bad luck must not end the batch
        return Outcome(key, None, f"{type(exc).__name__}: {exc}", words, 0)
    return Outcome(key, result.to_dict(), None, words, len(result.document.sentences))


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
