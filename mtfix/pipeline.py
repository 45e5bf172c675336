"""check → propose → select → apply: the library API the CLI, the batch runner and eval call.

``check`` runs detectors; ``clean`` is ``check`` plus rewriting and selection. A :class:`Pipeline`
holds its loaded plug-ins, so a batch worker builds one and reuses it for every document; the
module-level :func:`check` and :func:`clean` use one cached pipeline per options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import mtfix.detect as detect
import mtfix.mqm as mqm
import mtfix.progress as progress
import mtfix.rewrite as rewrite
from mtfix.core import (
    ByPosition,
    Candidate,
    Document,
    Edit,
    Flag,
    Span,
    Target,
    apply_edits,
)
from mtfix.detect.merge import one_per_problem
from mtfix.formats.bitext import document
from mtfix.io import InputError
from mtfix.languagetool import LANGUAGETOOL_VERSION
from mtfix.model import DEFAULT_MODEL
from mtfix.model.backends import AUTO
from mtfix.rewrite import Rewriter, RewriterSettings
from mtfix.segment import segment
from mtfix.version import __version__

if TYPE_CHECKING:
    from mtfix.detect.qa.glossary import Glossary
    from mtfix.select import Decision, Selection
    from mtfix.select.proposals import Proposal

RewriteScope = Literal["flagged", "all"]
RULES_ONLY = ("rules",)
WITH_MODEL = ("rules", "model")
# The bilingual QA detector: it runs on every document that has a source, with the run's
# glossary, whether or not `detectors` names it.
QA = "qa"


@dataclass(frozen=True)
class PipelineOptions:
    detectors: tuple[str, ...] = detect.DEFAULT_DETECTORS
    rewriters: tuple[str, ...] = WITH_MODEL
    settings: RewriterSettings = field(default_factory=RewriterSettings)
    lines: bool = False
    # Which sentences the rewriters see: the flagged ones, or all.
    rewrite: RewriteScope = "flagged"
    # The documents come with their source (CAT files, or --source): the QA checks are loaded
    # with the pipeline, so a missing `cat` extra fails before the first document.
    source: bool = False
    # The terms the QA checks enforce (--glossary).
    glossary: Glossary | None = None

    @property
    def model(self) -> str | None:
        """The model checkpoint this run uses, or None for rules only."""
        return self.settings.model if "model" in self.rewriters else None

    def with_source(self, present: bool) -> PipelineOptions:
        """These options for documents that come (or do not come) with a source; a glossary
        without one is an InputError, since nothing would read it."""
        if present:
            return replace(self, source=True)
        if self.glossary is not None:
            raise InputError(
                f"--glossary {self.glossary.name}: needs a source (a CAT file or --source)"
            )
        return self

    def signature(self) -> str:
        """Pins everything that produced an output, in the spirit of sacrebleu's signatures."""
        # The QA checks run wherever there is a source, named or not.
        detectors = [*self.detectors, *([QA] if self.source and QA not in self.detectors else [])]
        parts = {
            "mtfix": __version__,
            "detectors": "+".join(detectors),
            "lt": LANGUAGETOOL_VERSION if "languagetool" in self.detectors else "none",
            "model": self.model or "none",
            "rewrite": self.rewrite,
            "beams": str(self.settings.beams),
            "backend": self.settings.backend if self.model else "none",
            "lines": "yes" if self.lines else "no",
            "source": "yes" if self.source else "no",
            "glossary": self.glossary.digest if self.glossary else "none",
        }
        if self.rewriters not in (RULES_ONLY, WITH_MODEL):
            parts["rewriters"] = "+".join(self.rewriters)
        return "|".join(f"{k}:{v}" for k, v in parts.items())


def flag_record(doc: Document, flag: Flag) -> dict[str, Any]:
    """A flag as JSON: its offsets, the line and column it starts at (1-based), its MQM class
    and, in a bilingual document, its unit id."""
    record = flag.to_dict()
    record["line"], record["column"] = doc.line_col(flag.span.start)
    classification = mqm.of(flag)
    record["mqm"] = {
        "dimension": classification.dimension.value,
        "severity": classification.severity.value,
    }
    if (segment := doc.aligned_at(flag.span)) is not None:
        record["unit"] = segment.id
    return record


def mqm_summary(doc: Document, flags: Sequence[Flag]) -> dict[str, Any]:
    return mqm.summary(map(mqm.of, flags), mqm.word_count(doc.text))


def top_proposals(
    doc: Document, flags: Sequence[Flag], proposals: Sequence[Proposal]
) -> dict[Flag, Edit]:
    """Each flag's best-ranked proposal that changes it, as one edit over the flag (widened to
    cover the proposal's edits there): the suggestion ``check`` shows and the server lists
    first."""
    out: dict[Flag, Edit] = {}
    by_span = ByPosition(sorted(proposals, key=lambda p: p.rank), lambda p: p.span)
    for flag in flags:
        for proposal in by_span.touching(flag.span):
            if edit := proposal.edit_for(flag.span, doc.text):
                out[flag] = edit
                break
    return out


@dataclass(frozen=True)
class CheckResult:
    document: Document
    flags: tuple[Flag, ...]
    # Ranked proposals for the flagged sentences, when asked for (check_document(proposals=)).
    proposals: tuple[Proposal, ...] = field(default=())

    def to_dict(self) -> list[dict[str, Any]]:
        """The flags; a flag with a proposal carries its best one as ``proposal`` (the edit
        that proposal makes over the flag: start, end, replacement, origin, confidence, rule)."""
        top = top_proposals(self.document, self.flags, self.proposals)
        records = []
        for flag in self.flags:
            record = flag_record(self.document, flag)
            if flag in top:
                record["proposal"] = top[flag].to_dict()
            records.append(record)
        return records


@dataclass(frozen=True)
class CleanResult:
    document: Document
    text: str
    edits: tuple[Edit, ...]
    # Flags that no applied edit touches: what is left for a human.
    flags: tuple[Flag, ...]
    resolved: tuple[Flag, ...] = field(default=())
    # What the selector did with every candidate, applied or not.
    decisions: tuple[Decision, ...] = field(default=())
    # Every flagged sentence's candidates, ranked, for a person (mtfix.select.proposals).
    proposals: tuple[Proposal, ...] = field(default=())

    def to_dict(self, *, explain: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "edits": [e.to_dict() for e in self.edits],
            "flags": [flag_record(self.document, f) for f in self.flags],
            "mqm": mqm_summary(self.document, self.flags),
            "proposals": [p.to_dict() for p in self.proposals],
        }
        if explain:
            out["decisions"] = [d.to_dict() for d in self.decisions]
        return out


def sentence_for(doc: Document, span: Span) -> Span:
    """The sentence a flag belongs to: the first it touches, else the last before it."""
    return doc.sentence_for(span)


class Pipeline:
    """The loaded plug-ins of one set of options. ``detectors`` and ``rewriters``, when given,
    are used as they are instead of loading the ones ``options`` names (a server shares loaded
    plug-ins between requests and wraps its model in a worker)."""

    def __init__(
        self,
        options: PipelineOptions | None = None,
        *,
        detectors: Sequence[detect.Detector] | None = None,
        rewriters: Sequence[Rewriter] | None = None,
    ) -> None:
        self.options = options or PipelineOptions()
        self.detectors = (
            list(detectors)
            if detectors is not None
            else detect.load([n for n in self.options.detectors if n != QA])
        )
        self.rewriters = (
            list(rewriters)
            if rewriters is not None
            else rewrite.load(self.options.rewriters, self.options.settings)
        )
        self._bilingual: list[detect.Detector] | None = None
        if self.options.source:
            self.bilingual_detectors()

    def warm(self) -> None:
        """Load every rewriter's resources now, so a broken one fails before any document."""
        for rewriter in self.rewriters:
            rewrite.warm(rewriter)

    def close(self) -> None:
        for rewriter in self.rewriters:
            rewrite.close(rewriter)

    def bilingual_detectors(self) -> list[detect.Detector]:
        """The QA group, loaded with the pipeline when ``options.source`` says documents have
        sources, else on the first that has one (it needs the cat extra, which a monolingual
        run never imports)."""
        if self._bilingual is None:
            from mtfix.detect.qa import QADetector

            self._bilingual = [QADetector(self.options.glossary)]
        return self._bilingual

    def check(self, text: str) -> CheckResult:
        return self.check_document(segment(text, lines=self.options.lines))

    def check_document(self, doc: Document, *, proposals: bool = False) -> CheckResult:
        """The flags of ``doc``; with ``proposals``, also the rewriters' ranked proposals for
        the flagged sentences (nothing is applied)."""
        detectors = self.detectors + (self.bilingual_detectors() if doc.aligned else [])
        flags = detect.run(detectors, doc)
        flags.sort(key=lambda f: (f.span.start, f.span.end, f.detector, f.rule))
        flags = one_per_problem(doc, flags)
        if not proposals or not doc.sentences:
            return CheckResult(doc, tuple(flags))
        return CheckResult(doc, tuple(flags), self._propose(doc, flags)[1])

    def targets(self, doc: Document, flags: Sequence[Flag]) -> list[Target]:
        """The sentences the rewriters see, each with its flags: the flagged ones, or all."""
        by_sentence: dict[Span, list[Flag]] = {}
        for flag in flags:
            by_sentence.setdefault(sentence_for(doc, flag.span), []).append(flag)
        if self.options.rewrite == "all":
            return [(s, by_sentence.get(s, [])) for s in doc.sentences]
        return [(s, by_sentence[s]) for s in doc.sentences if s in by_sentence]

    def clean(self, text: str) -> CleanResult:
        return self.clean_document(segment(text, lines=self.options.lines))

    def clean_document(self, doc: Document) -> CleanResult:
        checked = self.check_document(doc)
        text, flags = doc.text, checked.flags
        if not doc.sentences:
            return CleanResult(doc, text, (), flags)
        selection, proposals = self._propose(doc, flags)
        edits = selection.edits
        by_edit = ByPosition(edits, lambda e: e.span)
        fixed = [by_edit.any_touching(f.span) for f in flags]
        left = tuple(f for f, done in zip(flags, fixed, strict=True) if not done)
        resolved = tuple(f for f, done in zip(flags, fixed, strict=True) if done)
        return CleanResult(
            doc, apply_edits(text, edits), edits, left, resolved, selection.decisions, proposals
        )

    def _propose(
        self, doc: Document, flags: Sequence[Flag]
    ) -> tuple[Selection, tuple[Proposal, ...]]:
        # Imported here, as the bilingual formats are: `mtfix check --help` needs none of them.
        from mtfix.rewrite.suggestions import suggestion_candidates
        from mtfix.select import select
        from mtfix.select.proposals import rank_proposals
        from mtfix.select.rank import installed_ranker

        targets = self.targets(doc, flags)
        candidates: list[Candidate] = []
        for rewriter in self.rewriters:
            with progress.stage(f"rewrite: {rewriter.name}", len(targets)) as advance:
                candidates += rewriter.propose(doc, targets)
                advance(len(targets))
        # The calibrated confidence where it is installed: it ranks, and gates the model's fixes.
        ranker = installed_ranker()
        selection = select(doc, candidates, flags, ranker=ranker)
        suggestions = suggestion_candidates(doc, targets)
        return selection, rank_proposals(
            doc, flags, selection.decisions, suggestions, ranker=ranker
        )


@lru_cache(maxsize=8)
def pipeline(options: PipelineOptions) -> Pipeline:
    return Pipeline(options)


def check(
    text: str,
    *,
    source: str | None = None,
    detectors: Sequence[str] | None = None,
    lines: bool = False,
) -> CheckResult:
    """Detect problems in ``text`` (against ``source``, the text it translates, aligned by line
    or by paragraph, when given); nothing is changed."""
    options = _options(detectors, lines, rewriters=RULES_ONLY, source=source is not None)
    return pipeline(options).check_document(document(text, source, lines=lines))


def clean(
    text: str,
    *,
    detectors: Sequence[str] | None = None,
    lines: bool = False,
    model: str | None = DEFAULT_MODEL,
    rewrite: RewriteScope = "flagged",
    beams: int = 1,
    source: str | None = None,
    backend: str = AUTO,
) -> CleanResult:
    """Detect problems in ``text`` (against ``source`` when given, as for :func:`check`) and
    apply the fixes the selector accepts; ``model=None`` for rules only."""
    options = _options(
        detectors,
        lines,
        rewriters=WITH_MODEL if model else RULES_ONLY,
        settings=RewriterSettings(model=model or DEFAULT_MODEL, beams=beams, backend=backend),
        rewrite=rewrite,
        source=source is not None,
    )
    return pipeline(options).clean_document(document(text, source, lines=lines))


def _options(detectors: Sequence[str] | None, lines: bool, **rest: Any) -> PipelineOptions:
    chosen = tuple(detectors) if detectors is not None else detect.DEFAULT_DETECTORS
    return PipelineOptions(detectors=chosen, lines=lines, **rest)
