"""The model rewriter: a fine-tuned language model proposes a fluent version of each sentence.

``ModelRewriter(settings)`` runs the model named by ``settings.model`` (a path, or a name under
``models/``; see :mod:`mtfix.model.load`), loaded lazily, once per process, on the first
:meth:`~ModelRewriter.propose` or on :meth:`~ModelRewriter.warm`. Each rewrite that changes the
sentence becomes a :class:`~mtfix.core.Candidate` of word-level edits in original-text offsets;
``Candidate.score`` is the model's preference for its rewrite over copying the source
(:meth:`~mtfix.model.backend.Backend.preference`). The model also judges the detectors' plausible
suggestions (LanguageTool's likely spelling fixes) by fluency. ``settings.backend`` picks the
runtime (:mod:`mtfix.model.backend`): both build the prompt and score alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

import mtfix.progress as progress
from mtfix.core import Candidate, Document, Edit, Flag, Span, Target, apply_within
from mtfix.diff import word_changes
from mtfix.model import CONTEXT_SENTENCES, context_input
from mtfix.model.backend import Backend
from mtfix.model.backends import open_backend
from mtfix.model.load import model_meta, resolve
from mtfix.rewrite import RewriterSettings
from mtfix.rewrite.rules import AUTO_FIX_THRESHOLD, flag_edit

ORIGIN = "model"
# Confidence the selector uses only to order overlapping candidates of different sentences.
CONFIDENCE = 0.5
# Detector suggestions from this confidence up to the rules' auto-fix threshold are put to the
# model (LanguageTool's plausible spelling fixes, see mtfix.detect.languagetool).
JUDGED_CONFIDENCE = 0.5


class ModelRewriter:
    """Proposes model rewrites of the target sentences; the selector decides what is kept."""

    name = ORIGIN

    def __init__(self, settings: RewriterSettings | None = None, *, batch_size: int = 8) -> None:
        self.settings = settings or RewriterSettings()
        self.batch_size = batch_size

    @cached_property
    def backend(self) -> Backend:
        path = resolve(self.settings.model).resolve()
        s = self.settings
        with progress.stage("model: loading"):
            return open_backend(s.backend, path, batch_size=self.batch_size, beams=s.beams)

    @cached_property
    def _meta(self) -> dict[str, object]:
        return model_meta(resolve(self.settings.model))

    @property
    def reads_context(self) -> bool:
        """Whether the model was trained on :func:`mtfix.model.context_input` blocks (the
        sentences before, the flags) rather than on the bare sentence."""
        return bool(self._meta.get("context", False))

    @property
    def reads_source(self) -> bool:
        """Whether the model was also trained to read the source sentence the MT translates."""
        return bool(self._meta.get("source", False))

    def warm(self) -> None:
        """Load the model now: a broken one then fails once, before any document."""
        self.backend  # noqa: B018

    def propose(self, doc: Document, targets: Sequence[Target]) -> list[Candidate]:
        """The model's rewrite of each target sentence, and its verdict on the detectors'
        plausible suggestions there (confidence in [``JUDGED_CONFIDENCE``, the rules' auto-fix
        threshold)): each becomes a candidate scored by the model's evidence for it."""
        if not targets:
            return []
        sentences = [span for span, _ in targets]
        inputs = {
            span: model_input(
                doc,
                span,
                flags,
                self.backend.reads,
                translated=doc.source_of(span) if self.reads_source else None,
            )
            if self.reads_context
            else span.of(doc.text)
            for span, flags in targets
        }
        where = ["line {}:{}".format(*doc.line_col(s.start)) for s in sentences]
        rewrites = self.backend.rewrites([inputs[s] for s in sentences], where)
        pending = [
            (span, edits)
            for span, options in zip(sentences, rewrites, strict=True)
            for rewrite in dict.fromkeys(options)
            if (edits := _edits(doc, span, rewrite))
        ]
        # A rewrite's changes at its flagged words alone, as a candidate of its own: the guard
        # judges a rewrite whole, and one change no flag licenses would take the fix with it.
        flagged = dict(targets)
        pending += [
            (span, part)
            for span, edits in pending
            if 0 < len(part := _at_flags(edits, flagged[span])) < len(edits)
        ]
        pending = list(dict.fromkeys(pending))
        scores = self._preference(doc, pending, inputs)
        judged = [
            (span, (flag_edit(doc.text, flag, origin=ORIGIN),))
            for span, flags in targets
            for flag in flags
            if flag.suggestions
            and JUDGED_CONFIDENCE <= flag.confidence < AUTO_FIX_THRESHOLD
            and span.contains(flag.span)
            and self.backend.fits(span.of(doc.text))
        ]
        gains = self.backend.fluency_gain([_versions(doc, span, e) for span, e in judged])
        return [
            Candidate(span, edits, ORIGIN, score)
            for (span, edits), score in zip([*pending, *judged], [*scores, *gains], strict=True)
        ]

    def _preference(
        self,
        doc: Document,
        pending: Sequence[tuple[Span, tuple[Edit, ...]]],
        inputs: dict[Span, str],
    ) -> list[float]:
        """How much more the model wants to write each rewrite than to copy its sentence, given
        what it read (the bare sentence, or the context block), in nats."""
        if not self.reads_context:
            return self.backend.preference([_versions(doc, span, e) for span, e in pending])
        prompts = [inputs[span] for span, _ in pending for _ in (0, 1)]
        outputs = [text for span, e in pending for text in _versions(doc, span, e)]
        logps = self.backend.log_prob(prompts, outputs)
        return [logps[2 * i + 1] - logps[2 * i] for i in range(len(pending))]


def model_input(
    doc: Document,
    span: Span,
    flags: Sequence[Flag],
    reads: Callable[[str], bool] = lambda text: True,
    translated: str | None = None,
) -> str:
    """What a context-aware model reads for the sentence ``span``: the source it ``translated``
    (a source-aware model, a bilingual document), up to :data:`~mtfix.model.CONTEXT_SENTENCES`
    sentences before it in its paragraph, and its flags. Where the model would not ``reads``
    that, the context goes, then the source, then the flags: a long sentence with many flags is
    still rewritten, knowing less, rather than not at all."""
    paragraph = doc.paragraph_of(span)
    before = [
        s.of(doc.text)
        for s in doc.sentences
        if s.end <= span.start and (paragraph is None or paragraph.contains(s))
    ]
    tags = [_tag(doc, f) for f in flags if span.touches(f.span)]
    sentence = span.of(doc.text)
    # Without a source the second and third are one text: each distinct one is encoded once.
    inputs = list(
        dict.fromkeys(
            (
                context_input(sentence, before[-CONTEXT_SENTENCES:], tags, translated),
                context_input(sentence, (), tags, translated),
                context_input(sentence, (), tags),
                context_input(sentence),
            )
        )
    )
    return next((text for text in inputs if reads(text)), inputs[-1])


def _tag(doc: Document, flag: Flag) -> tuple[str, str]:
    """A flag as the model learnt to read one (:mod:`mtfix.lab.passages`): its rule and the words
    it flags; a stray first person by its pronoun alone, without the verb its repair changes."""
    words = flag.span.of(doc.text)
    if flag.rule == "STRAY_FIRST_PERSON":
        words = words.split(" ", 1)[0]
    return flag.rule, words


def _at_flags(edits: Sequence[Edit], flags: Sequence[Flag]) -> tuple[Edit, ...]:
    return tuple(e for e in edits if any(e.span.touches(f.span) for f in flags))


def _versions(doc: Document, span: Span, edits: Sequence[Edit]) -> tuple[str, str]:
    return span.of(doc.text), apply_within(doc.text, span, edits)


def _edits(doc: Document, span: Span, rewrite: str) -> tuple[Edit, ...]:
    changes = word_changes(
        span.of(doc.text), rewrite, offset=span.start, origin=ORIGIN, confidence=CONFIDENCE
    )
    return tuple(c.edit for c in changes)
