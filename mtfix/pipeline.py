"""check → propose → select → apply: the library API the CLI, the batch runner and eval call.

``check`` runs detectors; ``clean`` is ``check`` plus rewriting and selection. A :class:`Pipeline`
holds its loaded plug-ins, so a batch worker builds one and reuses it for every document; the
module-level :func:`check` and :func:`clean` use one cached pipeline per options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any, Literal

from mtfix import __version__, detect
from mtfix.core import Document, Edit, Flag, Span, apply_edits
from mtfix.languagetool_server import LANGUAGETOOL_VERSION
from mtfix.rewrite import Candidate, Rewriter, Target
from mtfix.rewrite.model import DEFAULT_MODEL
from mtfix.segment import segment
from mtfix.select import select_edits

RewriteScope = Literal["flagged", "all"]


@dataclass(frozen=True)
class PipelineOptions:
    detectors: tuple[str, ...] = detect.DEFAULT_DETECTORS
    lines: bool = False
    # The model rewriter's checkpoint: a directory under models/, a path, or None for rules only.
    model: str | None = DEFAULT_MODEL
    rewrite: RewriteScope = "flagged"
    # Rewrites the model proposes per sentence (beam search); more gives the selector more
    # safe spelling fixes to find; 4 beams generate at about half the speed (mtfix.bench.model).
    beams: int = 1

    def rewriters(self) -> tuple[str, ...]:
        return ("rules", "model") if self.model else ("rules",)

    def signature(self) -> str:
        """Pins everything that produced an output, in the spirit of sacrebleu's signatures."""
        parts = {
            "mtfix": __version__,
            "detectors": "+".join(self.detectors),
            "lt": LANGUAGETOOL_VERSION if "languagetool" in self.detectors else "none",
            "model": self.model or "none",
            "rewrite": self.rewrite,
            "beams": str(self.beams),
            "lines": "yes" if self.lines else "no",
        }
        return "|".join(f"{k}:{v}" for k, v in parts.items())


@dataclass(frozen=True)
class CheckResult:
    document: Document
    flags: tuple[Flag, ...]

    def to_dict(self) -> list[dict[str, Any]]:
        return [f.to_dict() for f in self.flags]


@dataclass(frozen=True)
class CleanResult:
    document: Document
    text: str
    edits: tuple[Edit, ...]
    # Flags that no applied edit touches: what is left for a human.
    flags: tuple[Flag, ...]
    resolved: tuple[Flag, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "edits": [e.to_dict() for e in self.edits],
            "flags": [f.to_dict() for f in self.flags],
        }


def load_rewriter(name: str, options: PipelineOptions) -> Rewriter:
    factories = {ep.name: ep for ep in entry_points(group="mtfix.rewriters")}
    if name not in factories:
        raise KeyError(f"unknown rewriter {name!r}; available: {', '.join(sorted(factories))}")
    factory = factories[name].load()
    rewriter: Rewriter = (
        factory(options.model, beams=options.beams) if name == "model" else factory()
    )
    return rewriter


def _sentence_for(doc: Document, span: Span) -> Span:
    for sentence in doc.sentences:
        if sentence.overlaps(span) or sentence.contains(span):
            return sentence
    before = [s for s in doc.sentences if s.start <= span.start]
    return before[-1] if before else doc.sentences[0]


class Pipeline:
    def __init__(self, options: PipelineOptions | None = None) -> None:
        self.options = options or PipelineOptions()
        self.detectors = detect.load(self.options.detectors)
        self.rewriters = [load_rewriter(name, self.options) for name in self.options.rewriters()]

    def check(self, text: str) -> CheckResult:
        doc = segment(text, lines=self.options.lines)
        flags = [flag for detector in self.detectors for flag in detector.detect(doc)]
        flags.sort(key=lambda f: (f.span.start, f.span.end, f.detector, f.rule))
        return CheckResult(doc, tuple(flags))

    def targets(self, doc: Document, flags: Sequence[Flag]) -> list[Target]:
        """The sentences the rewriters see, each with its flags: the flagged ones, or all."""
        by_sentence: dict[Span, list[Flag]] = {}
        for flag in flags:
            by_sentence.setdefault(_sentence_for(doc, flag.span), []).append(flag)
        if self.options.rewrite == "all":
            return [(s, by_sentence.get(s, [])) for s in doc.sentences]
        return [(s, by_sentence[s]) for s in doc.sentences if s in by_sentence]

    def clean(self, text: str) -> CleanResult:
        checked = self.check(text)
        doc, flags = checked.document, checked.flags
        if not doc.sentences:
            return CleanResult(doc, text, (), flags)
        targets = self.targets(doc, flags)
        candidates: list[Candidate] = []
        for rewriter in self.rewriters:
            candidates += rewriter.propose(doc, targets)
        edits = select_edits(doc, candidates, flags)
        left = tuple(f for f in flags if not any(_resolves(e, f) for e in edits))
        resolved = tuple(f for f in flags if f not in left)
        return CleanResult(doc, apply_edits(text, edits), tuple(edits), left, resolved)


def _resolves(edit: Edit, flag: Flag) -> bool:
    return edit.span.overlaps(flag.span) or flag.span.contains(edit.span)


@lru_cache(maxsize=8)
def pipeline(options: PipelineOptions) -> Pipeline:
    return Pipeline(options)


def check(text: str, *, detectors: Sequence[str] | None = None, lines: bool = False) -> CheckResult:
    """Detect problems in ``text``; nothing is changed."""
    return pipeline(_options(detectors, lines, model=None)).check(text)


def clean(
    text: str,
    *,
    detectors: Sequence[str] | None = None,
    lines: bool = False,
    model: str | None = DEFAULT_MODEL,
    rewrite: RewriteScope = "flagged",
    beams: int = 1,
) -> CleanResult:
    """Detect problems in ``text`` and apply the fixes the selector accepts; ``model=None`` for
    rules only."""
    options = _options(detectors, lines, model=model, rewrite=rewrite, beams=beams)
    return pipeline(options).clean(text)


def _options(detectors: Sequence[str] | None, lines: bool, **rest: Any) -> PipelineOptions:
    chosen = tuple(detectors) if detectors is not None else detect.DEFAULT_DETECTORS
    return PipelineOptions(detectors=chosen, lines=lines, **rest)
