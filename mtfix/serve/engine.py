"""The server's warm resources and the one way a request is checked with them.

An :class:`Engine` is built once per server: mtfix's detectors (spaCy loaded once), the rules
rewriter, the model in its :class:`~mtfix.serve.worker.ModelWorker`, and the LanguageTool
server mtfix supervises (started in :meth:`Engine.start`, from the main thread: the JVM is tied to
the thread that starts it, and must outlive every request thread). Each request builds a
:class:`~mtfix.pipeline.Pipeline` from these loaded plug-ins, so nothing is loaded per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import requests

import mtfix.detect as detect
import mtfix.rewrite as rewrite
from mtfix.core import Aligned, Document, Flag, Span, UnavailableError
from mtfix.detect.languagetool import LanguageToolDetector
from mtfix.formats.bitext import from_texts
from mtfix.formats.inline import protected_spans
from mtfix.io import InputError
from mtfix.languagetool.server import shared_url, shutdown_shared
from mtfix.model import DEFAULT_MODEL
from mtfix.pipeline import RULES_ONLY, WITH_MODEL, CleanResult, Pipeline, PipelineOptions
from mtfix.rewrite import Rewriter, RewriterSettings
from mtfix.segment import segment
from mtfix.serve import ltapi
from mtfix.serve.errors import RequestError
from mtfix.serve.text import RequestText
from mtfix.serve.worker import ModelWorker, Progress, QueuedRewriter

# What the ranking and the JSON still need once the model's time is up.
MODEL_MARGIN_S = 0.5


@dataclass(frozen=True)
class ServeSettings:
    # The rewriting model, or None for rules only (--no-model).
    model: str | None = DEFAULT_MODEL
    beams: int = 1
    # Seconds a /v2/check request may take; past it the model's proposals are left out.
    time_limit: float = 30.0
    # Characters of plain text a request may check (413 past it).
    max_text_length: int = 100_000


class _Answered:
    """LanguageTool as a detector whose answer is on its way: the request's own LanguageTool
    check runs while mtfix's detectors do, and this one (last in line) waits for it."""

    name = "languagetool"

    def __init__(
        self, answer: Future[dict[str, Any]], text: RequestText, detector: LanguageToolDetector
    ) -> None:
        self._answer = answer
        self._text = text
        self._detector = detector

    def detect(self, doc: Document) -> list[Flag]:
        matches = ltapi.lt_matches(self._text, self._answer.result().get("matches", []))
        return list(self._detector.flags(doc, matches))


class _Only:
    """A detector whose flags pass the client's rule and category choices."""

    def __init__(self, detector: detect.Detector, keep: Callable[[Flag], bool]) -> None:
        self.name = detector.name
        self._detector = detector
        self._keep = keep

    def detect(self, doc: Document) -> list[Flag]:
        return [f for f in self._detector.detect(doc) if self._keep(f)]


class Engine:
    def __init__(self, settings: ServeSettings | None = None) -> None:
        self.settings = settings or ServeSettings()
        model = self.settings.model
        rewriter_settings = RewriterSettings(
            model=model or DEFAULT_MODEL, beams=self.settings.beams
        )
        self.options = PipelineOptions(
            rewriters=WITH_MODEL if model else RULES_ONLY, settings=rewriter_settings
        )
        own = [n for n in self.options.detectors if n != "languagetool"]
        self.detectors = detect.load(own)
        self.languagetool = LanguageToolDetector()
        self.rules: Rewriter = rewrite.load(RULES_ONLY, rewriter_settings)[0]
        self.worker: ModelWorker | None = None
        if model:
            self.worker = ModelWorker(rewrite.load(("model",), rewriter_settings)[0])
        self.url = ""
        self.info: dict[str, Any] = {}
        self.language_list: list[dict[str, Any]] = []
        self._local = threading.local()
        # Requests to LanguageTool, made beside the request threads' own work.
        self._calls = ThreadPoolExecutor(max_workers=16, thread_name_prefix="mtfix-languagetool")

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start (or find) LanguageTool, load the detectors' models and the rewriter, so the
        first request is as fast as the rest. Call from the main thread."""
        self.url = shared_url()
        self.language_list = self._get("languages")
        self.info = self._get("info")
        self.pipeline().check("Warm-up: this sentence loads the parser.")
        if self.worker is not None:
            self.worker.warm()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.close()
        self._calls.shutdown(wait=False, cancel_futures=True)
        shutdown_shared()

    def status(self) -> dict[str, Any]:
        return {
            "languagetool": self.url,
            "model": self.settings.model,
            "beams": self.settings.beams,
            "worker": self.worker.status() if self.worker is not None else None,
            "time_limit": self.settings.time_limit,
            "max_text_length": self.settings.max_text_length,
        }

    # -- LanguageTool ----------------------------------------------------------------------

    def _session(self) -> requests.Session:
        if (session := getattr(self._local, "session", None)) is None:
            session = self._local.session = requests.Session()
        return session

    def _get(self, endpoint: str) -> Any:
        try:
            response = self._session().get(f"{self.url}/v2/{endpoint}", timeout=30)
            response.raise_for_status()
            return response.json()
        except requests.RequestException as exc:
            raise UnavailableError(f"LanguageTool at {self.url} does not answer: {exc}") from exc

    def proxy(self, endpoint: str, params: Mapping[str, str]) -> requests.Response:
        """A read-only LanguageTool endpoint (configinfo), as LanguageTool answers it."""
        try:
            return self._session().get(f"{self.url}/v2/{endpoint}", params=params, timeout=30)
        except requests.RequestException as exc:
            raise RequestError(503, f"LanguageTool is unavailable: {type(exc).__name__}") from exc

    def check_languagetool(self, form: Mapping[str, str], timeout: float) -> dict[str, Any]:
        """LanguageTool's own answer to the client's parameters; its 4xx are the client's."""
        try:
            response = self._session().post(
                f"{self.url}/v2/check", data=dict(form), timeout=max(timeout, 0.1)
            )
        except requests.Timeout:
            raise RequestError(503, f"LanguageTool did not answer within {timeout:.0f} s") from None
        except requests.RequestException as exc:
            raise RequestError(503, f"LanguageTool is unavailable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            status = response.status_code if 400 <= response.status_code < 500 else 502
            raise RequestError(status, response.text.strip().removeprefix("Error: "))
        result: dict[str, Any] = response.json()
        return result

    # -- checking --------------------------------------------------------------------------

    def pipeline(
        self,
        detectors: Sequence[detect.Detector] | None = None,
        model: QueuedRewriter | None = None,
    ) -> Pipeline:
        """A pipeline of the loaded plug-ins (``detectors`` instead of mtfix's own plus
        LanguageTool when given), the model reached through the worker."""
        chosen = list(detectors) if detectors is not None else [*self.detectors, self.languagetool]
        rewriters: list[Rewriter] = [self.rules]
        if model is not None:
            rewriters.append(model)
        return Pipeline(self.options, detectors=chosen, rewriters=rewriters)

    def check(self, params: ltapi.CheckParams, deadline: float) -> dict[str, Any]:
        """POST /v2/check: LanguageTool's answer with mtfix's flags and proposals merged in.
        LanguageTool checks while mtfix's detectors run (under ``auto`` mtfix waits to hear
        the language first)."""
        answer = self._calls.submit(
            self.check_languagetool, params.form, deadline - time.monotonic()
        )
        if not ltapi.english(params.language, {}):
            languagetool = answer.result()
            if not ltapi.english(params.language, languagetool):
                return ltapi.response(languagetool, params, ltapi.Answer(None))
        doc = self.document(params.text.plain, params.srctext)
        detectors: list[detect.Detector] = [_Only(d, params.wants) for d in self.detectors]
        detectors.append(_Answered(answer, params.text, self.languagetool))
        result, complete = self.clean(doc, detectors, deadline - MODEL_MARGIN_S)
        return ltapi.response(answer.result(), params, ltapi.Answer(result, complete))

    def clean(
        self,
        doc: Document,
        detectors: Sequence[detect.Detector] | None = None,
        deadline: float = float("inf"),
        progress: Progress | None = None,
    ) -> tuple[CleanResult, bool]:
        """``doc`` detected, rewritten and ranked; the flag says whether the model's proposals
        are all in (False when the deadline cut them short)."""
        model = None
        if self.worker is not None:
            model = QueuedRewriter(self.worker, deadline=deadline, progress=progress)
        result = self.pipeline(detectors, model).clean_document(doc)
        return result, model is None or model.complete

    def document(self, text: str, source: str | None) -> Document:
        """The text as a Document; with a source (OmegaT's ``srctext``, a review's source),
        bilingual: paragraph by paragraph, or as one segment where the counts differ."""
        if source is None:
            return segment(text)
        try:
            return from_texts(text, source, lines=False, target_name="text", source_name="source")
        except UnavailableError as exc:
            raise RequestError(501, str(exc)) from None
        except InputError:
            base = segment(text)
            aligned = (Aligned(Span(0, len(text)), source, "1"),)
            return replace(base, aligned=aligned, protected=tuple(protected_spans(text)))
