"""Scoring a suite: run a system over its corpus (and the system it is paired with) and evaluate
the output against the references."""

from __future__ import annotations

from collections.abc import Callable

from mtfix.evaluate import systems
from mtfix.evaluate.score import SOURCE, Evaluation, evaluate
from mtfix.evaluate.suites import Suite, SuiteConfig

# How a system run with the text the MT translates is named in reports and the baseline.
SOURCE_SUFFIX = "+source"


def run_suite(
    config: SuiteConfig,
    suite: Suite,
    system: str,
    *,
    sample: int | None,
    against: str,
    bootstrap: int,
    model: str | None,
    with_source: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> Evaluation:
    """Run ``system`` over ``suite`` (a seeded sample of ``sample`` lines, if given) and score it
    against the suite's references, paired with ``against`` (the source, or another system).
    ``with_source``: both systems get the text the MT translates, and are named ``SYSTEM+source``
    (their figures are gated apart from the MT-only ones)."""
    model = model or config.model
    if "full" in (system, against):
        systems.require_model(model)
    full = suite.load()
    scored = full.scored()
    keep = list(scored.sample(sample).index)
    corpus = full.subset(keep)

    def output(name: str) -> systems.SystemOutput:
        progress(f"running {name} on {suite.name} ({len(corpus.source)} lines)")
        # A document is cleaned whole, its context intact; a line corpus only where sampled.
        if suite.lines:
            return systems.run(name, corpus, model, with_source=with_source)
        return systems.run(name, full, model, with_source=with_source).subset(full.source, keep)

    def named(name: str) -> str:
        return name + SOURCE_SUFFIX if with_source else name

    out = output(system)
    second = None
    if against != SOURCE:
        second = (named(against), output(against).lines)
    return evaluate(
        corpus,
        out.lines,
        system=named(system),
        flags=out.flags,
        against=second,
        bootstrap=bootstrap,
        sample=sample if sample is not None and sample < len(scored.source) else None,
        pipeline_signature=out.signature,
        # What the detectors found in the MT, and what the system left unresolved.
        mqm_flags=(out.flags, out.left),
        ranked=out.ranked,
    )
