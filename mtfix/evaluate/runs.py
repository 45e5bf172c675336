"""Scoring a suite: run a system over its corpus (and the system it is paired with) and evaluate
the output against the references."""

from __future__ import annotations

from collections.abc import Callable

from mtfix.evaluate import systems
from mtfix.evaluate.score import SOURCE, Evaluation, evaluate
from mtfix.evaluate.suites import Suite, SuiteConfig


def run_suite(
    config: SuiteConfig,
    suite: Suite,
    system: str,
    *,
    sample: int | None,
    against: str,
    bootstrap: int,
    model: str | None,
    progress: Callable[[str], None] = lambda message: None,
) -> Evaluation:
    """Run ``system`` over ``suite`` (a seeded sample of ``sample`` lines, if given) and score it
    against the suite's references, paired with ``against`` (the source, or another system)."""
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
            return systems.run(name, corpus, model)
        return systems.run(name, full, model).subset(full.source, keep)

    out = output(system)
    second = None
    if against != SOURCE:
        second = (against, output(against).lines)
    return evaluate(
        corpus,
        out.lines,
        system=system,
        flags=out.flags,
        against=second,
        bootstrap=bootstrap,
        sample=sample if sample is not None and sample < len(scored.source) else None,
        pipeline_signature=out.signature,
        # What the detectors found in the MT, and what the system left unresolved.
        mqm_flags=(out.flags, out.left),
        ranked=out.ranked,
    )
