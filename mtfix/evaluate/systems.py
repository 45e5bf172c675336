"""Running a named system (``rules``, ``full``) over a suite's corpus.

``rules`` is the pipeline without the model; ``full`` adds the model rewriter, and fails with an
:class:`~mtfix.core.UnavailableError` (exit 3) where the model rewriter, its dependencies or its
checkpoint are missing, so an evaluation never silently scores the wrong system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import mtfix.rewrite as rewrite
from mtfix.core import Flag, UnavailableError
from mtfix.evaluate.ranking import Ranked, Scorer, rank_candidates
from mtfix.evaluate.suites import Corpus, project
from mtfix.formats.bitext import document
from mtfix.io import InputError
from mtfix.pipeline import RULES_ONLY, WITH_MODEL, Pipeline, PipelineOptions
from mtfix.rewrite import RewriterSettings

SYSTEMS = ("rules", "full")


@dataclass(frozen=True)
class SystemOutput:
    """The cleaned lines, every flag raised (resolved or not) and the flags no edit resolved,
    in source-text offsets."""

    lines: tuple[str, ...]
    flags: tuple[Flag, ...]
    signature: str
    left: tuple[Flag, ...] = ()
    # Every flagged sentence's candidates, ranked by the selector's confidence (mtfix.evaluate
    # .ranking); empty where no fitted confidence model is installed.
    ranked: tuple[Ranked, ...] = ()

    def subset(self, source: Sequence[str], keep: Sequence[int]) -> SystemOutput:
        def kept(flags: tuple[Flag, ...]) -> tuple[Flag, ...]:
            moved = project([f.span for f in flags], source, keep)
            return tuple(replace(f, span=s) for f, s in zip(flags, moved, strict=True) if s)

        lines = tuple(self.lines[i] for i in keep)
        where = {old: new for new, old in enumerate(keep)}
        ranked = tuple(replace(r, line=where[r.line]) for r in self.ranked if r.line in where)
        return replace(
            self, lines=lines, flags=kept(self.flags), left=kept(self.left), ranked=ranked
        )


def require_model(model: str | None) -> str:
    """The model directory for ``full``, or an UnavailableError saying what is missing."""
    if "model" not in rewrite.available():
        raise UnavailableError("the model rewriter is not installed; use --system rules")
    if not model:
        raise UnavailableError("no model for the full system: give --model or see eval/suites.toml")
    from mtfix.model.load import resolve

    # A bare name is one under models/, as for `mtfix clean --model`; a path must look like one.
    path = resolve(model)
    # A directory without weights is a model still being trained (train.toml, logs): scoring it
    # would fail deep inside generation, so it counts as absent.
    if not any(path.glob("*.safetensors")):
        raise UnavailableError(
            f"no trained model (*.safetensors) in {model}: give --model or see eval/suites.toml"
        )
    return str(path)


def options(system: str, corpus: Corpus, model: str | None) -> PipelineOptions:
    if system == "full":
        settings = RewriterSettings(model=require_model(model))
        return PipelineOptions(rewriters=WITH_MODEL, settings=settings, lines=corpus.lines)
    return PipelineOptions(rewriters=RULES_ONLY, lines=corpus.lines)


def run(
    system: str, corpus: Corpus, model: str | None = None, *, with_source: bool = False
) -> SystemOutput:
    """Clean ``corpus`` with ``system``; ``with_source``: with the text it translates beside it,
    as `mtfix clean --source` has it (the QA checks run, and source-aware models read it)."""
    opts, source = options(system, corpus, model), None
    if with_source:
        if corpus.translated is None:
            raise InputError(f"suite {corpus.name}: no source to give (`translated` in its suite)")
        opts, source = opts.with_source(True), "\n".join(corpus.translated)
    try:
        pipeline = Pipeline(opts)
        pipeline.warm()
    except ImportError as exc:
        raise UnavailableError(f"cannot load the {system} system: {exc}") from None
    result = pipeline.clean_document(document(corpus.text, source, lines=corpus.lines))
    lines = result.text.split("\n")
    # Scoring pairs output line i with reference line i: a fix that merged or split lines would
    # silently misalign every later line.
    if len(lines) != len(corpus.source):
        raise RuntimeError(
            f"{corpus.name}: the {system} system turned {len(corpus.source)} lines "
            f"into {len(lines)}"
        )
    flags = result.flags + result.resolved
    ranked: tuple[Ranked, ...] = ()
    if (score := confidence_scorer()) is not None:
        candidates = [d.candidate for d in result.decisions]
        doc, refs = result.document, corpus.references
        ranked = tuple(rank_candidates(doc, flags, candidates, refs, score))
    return SystemOutput(tuple(lines), flags, opts.signature(), result.flags, ranked)


def confidence_scorer() -> Scorer | None:
    """The fitted confidence (without the quality estimator, which an eval run does not load),
    or None when none is installed."""
    from mtfix.select.confidence import ConfidenceModel

    try:
        model = ConfidenceModel.load()
    except ValueError:
        return None
    return lambda doc, cand, flags: model.confidence(doc, cand, flags)
