"""``mtfix eval``: score line-aligned files, a named suite, or every suite.

    mtfix eval --src S --hyp H --ref R [--ref R2 ...] [--source SOURCE]
    mtfix eval suite NAME --system rules|full [--sample N]
    mtfix eval all [--system rules|full ...] [--sample N]

Each prints a table (or ``--format``), can write ``--report FILE``, and can hold the figures to
``--check-baseline FILE`` (exit 1 when one is worse beyond tolerance) or accept them with
``--update-baseline FILE``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

import click

from mtfix.cli.common import EXIT_FOUND, EXIT_INPUT, fail, one_line_errors
from mtfix.core import UnavailableError
from mtfix.evaluate import gate, systems
from mtfix.evaluate.qa import qa_flags
from mtfix.evaluate.report import FORMATS, format_for, render, render_summary
from mtfix.evaluate.runs import run_suite
from mtfix.evaluate.score import SOURCE, Evaluation, evaluate
from mtfix.evaluate.significance import DEFAULT_SAMPLES
from mtfix.evaluate.suites import (
    Corpus,
    check_aligned,
    load_suites,
    read_corpus_lines,
    read_segments,
)
from mtfix.io import InputError, OutputError, atomic_writer, check_output
from mtfix.paths import suites_file

_output_options = [
    click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="Output format (default: text; with --report, from the file's extension).",
    ),
    click.option(
        "--report",
        type=click.Path(dir_okay=False),
        multiple=True,
        help="Write a report: .md, .json, .html or .xml (JUnit), atomically; repeatable.",
    ),
    click.option(
        "--check-baseline",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Exit 1 when a figure is worse than FILE's accepted one beyond tolerance.",
    ),
    click.option(
        "--update-baseline",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Accept this run's figures into FILE (deliberately).",
    ),
    click.option(
        "--bootstrap",
        type=click.IntRange(min=0),
        default=DEFAULT_SAMPLES,
        show_default=True,
        help="Paired bootstrap resamples; 0 skips the test.",
    ),
]


def output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The report options, and a check that every file they name can be written, before the
    evaluation runs (minutes, for a suite) rather than after."""

    @wraps(fn)
    def preflight(*args: Any, **kwargs: Any) -> Any:
        try:
            for path in (*kwargs.get("report", ()), kwargs.get("update_baseline")):
                if path:
                    check_output(path)
        except OutputError as exc:
            fail(str(exc), EXIT_INPUT)
        return fn(*args, **kwargs)

    for option in reversed(_output_options):
        preflight = option(preflight)
    return preflight


def _emit(
    evaluations: Sequence[Evaluation],
    *,
    fmt: str | None,
    report: tuple[str, ...],
    check_baseline: str | None,
    update_baseline: str | None,
    summary: bool = False,
) -> None:
    if check_baseline and update_baseline:
        raise click.UsageError("--check-baseline and --update-baseline exclude each other")
    checks = gate.check(evaluations, gate.load(check_baseline)) if check_baseline else []
    # Every report is rendered before any is written: a bad name leaves no half-written set.
    rendered = {}
    for path in report:
        report_fmt = format_for(path, fmt)
        if report_fmt is None:
            raise click.UsageError(f"cannot tell the report format of {path}; add --format")
        rendered[path] = render(report_fmt, evaluations, checks)
    for path, text in rendered.items():
        with atomic_writer(path) as handle:
            handle.write(text)
    stdout_fmt = "text" if report or not fmt else fmt
    if summary and stdout_fmt == "text":
        click.echo(render_summary(evaluations), nl=False)
        if checks:
            click.echo(f"\nBaseline gate: {'passed' if all(c.ok for c in checks) else 'FAILED'}")
    else:
        click.echo(render(stdout_fmt, evaluations, checks), nl=False)
    if update_baseline:
        gate.update(evaluations, update_baseline)
        keys = ", ".join(ev.key for ev in evaluations)
        click.echo(f"mtfix: accepted figures for {keys} written to {update_baseline}", err=True)
    if failed := [c.message for c in checks if not c.ok]:
        for message in failed:
            click.echo(f"mtfix: eval gate failed: {message}", err=True)
        sys.exit(EXIT_FOUND)


@click.group("eval", invoke_without_command=True)
@click.option(
    "--src",
    type=click.Path(),
    help="What mtfix received (raw MT), one segment a line, or a CAT file (its units' targets).",
)
@click.option(
    "--hyp", type=click.Path(), help="The system's output, line-aligned with --src (or CAT)."
)
@click.option(
    "--ref", "refs", type=click.Path(), multiple=True, help="Reference(s) (or CAT); repeatable."
)
@click.option(
    "--source",
    type=click.Path(dir_okay=False),
    help="The text the MT translates, line-aligned with --src (a CAT --src carries its own): "
    "the QA checks run on --src and --hyp against it, reported by MQM dimension.",
)
@click.option(
    "--against",
    type=click.Path(),
    metavar="FILE",
    help="A second system for the paired test (default: the source).",
)
@click.option(
    "--name",
    default="files",
    show_default=True,
    help="The name these figures go under in a baseline file.",
)
@output_options
@click.pass_context
@one_line_errors
def command(
    ctx: click.Context,
    src: str | None,
    hyp: str | None,
    refs: tuple[str, ...],
    source: str | None,
    against: str | None,
    name: str,
    bootstrap: int,
    **output: Any,
) -> None:
    """Score a system's output against references, next to the do-nothing source.

    Reports BLEU, chrF and TER (sacrebleu) for the source and the system and their difference,
    ERRANT edit precision/recall/F0.5, a paired bootstrap test, and the sentences made worse;
    with the text the MT translates (--source, or a CAT --src), the QA checks' flags on the MT
    and on the output by MQM dimension.
    """
    if ctx.invoked_subcommand:
        return
    if not (src and hyp and refs):
        raise click.UsageError("give --src, --hyp and --ref, or a sub-command (suite, all)")
    mt, translated = read_segments(src)
    if source is not None:
        if translated is not None:
            raise InputError(f"{src}: a CAT file carries its own source; drop --source")
        translated = read_corpus_lines(source)
    hyps = read_segments(hyp)[0]
    references = [read_segments(r)[0] for r in refs]
    named = [(src, mt), (hyp, hyps), *zip(refs, references, strict=True)]
    if source is not None and translated is not None:
        named.append((source, translated))
    second = None
    if against:
        second = (against, read_segments(against)[0])
        named.append(second)
    check_aligned(named)
    corpus = Corpus(name, tuple(mt), tuple(map(tuple, references)))
    mqm_flags = None
    if translated is not None:
        mqm_flags = (qa_flags(mt, translated), qa_flags(hyps, translated))
    evaluation = evaluate(corpus, hyps, against=second, bootstrap=bootstrap, mqm_flags=mqm_flags)
    _emit([evaluation], **output)


def _progress(message: str) -> None:
    click.echo(f"mtfix: {message}", err=True)


_suite_options = [
    click.option(
        "--sample",
        type=click.IntRange(min=1),
        metavar="N",
        help="Score a fixed, seeded sample of N lines (fast runs).",
    ),
    click.option("--model", metavar="DIR", help="Model directory for --system full."),
    click.option(
        "--suites",
        "suites_file",
        type=click.Path(dir_okay=False),
        default=str(suites_file()),
        show_default=True,
        help="The suites file.",
    ),
]


def suite_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_suite_options):
        fn = option(fn)
    return fn


@command.command("suite")
@click.argument("name")
@click.option("--system", type=click.Choice(systems.SYSTEMS), default="rules", show_default=True)
@click.option(
    "--against",
    type=click.Choice((SOURCE, *systems.SYSTEMS)),
    default=SOURCE,
    show_default=True,
    help="The paired test's other system.",
)
@click.option(
    "--with-source",
    is_flag=True,
    help="Give mtfix the text the MT translates (the suite's `translated` file), as --source does.",
)
@suite_options
@output_options
@one_line_errors
def suite_command(
    name: str,
    system: str,
    against: str,
    with_source: bool,
    sample: int | None,
    model: str | None,
    suites_file: str,
    bootstrap: int,
    **output: Any,
) -> None:
    """Run SYSTEM over the suite NAME (see eval/suites.toml) and score it.

    Where the suite has gold error spans, detector flags are scored too: a flag is correct when
    its span overlaps a gold span, and a gold span is found when any flag overlaps it.
    """
    config = load_suites(suites_file)
    suite = config.get(name)
    evaluation = run_suite(
        config,
        suite,
        system,
        sample=sample,
        against=against,
        bootstrap=bootstrap,
        model=model,
        with_source=with_source,
        progress=_progress,
    )
    _emit([evaluation], **output)


@command.command("all")
@click.option(
    "--system",
    "chosen",
    type=click.Choice(systems.SYSTEMS),
    multiple=True,
    help="Run only these systems (repeatable) [default: rules, and full where a model exists].",
)
@click.option(
    "--with-source",
    is_flag=True,
    help="Give mtfix the text the MT translates, on the suites that have it (the others are "
    "skipped); figures go under SYSTEM+source.",
)
@suite_options
@output_options
@one_line_errors
def all_command(
    chosen: tuple[str, ...],
    with_source: bool,
    sample: int | None,
    model: str | None,
    suites_file: str,
    bootstrap: int,
    **output: Any,
) -> None:
    """Every suite with the rules system (and the full system where the model exists); prints
    the README's Markdown table with the machine and date."""
    config = load_suites(suites_file)
    suites = list(config.suites.values())
    if with_source:
        if bare := [s.name for s in suites if s.translated is None]:
            click.echo(f"mtfix: no source to give, skipped: {', '.join(bare)}", err=True)
        suites = [s for s in suites if s.translated is not None]
        if not suites:
            raise InputError(f"{suites_file}: no suite has a source (`translated`)")
    names = list(chosen or systems.SYSTEMS)
    if not chosen:
        try:
            systems.require_model(model or config.model)
        except UnavailableError as exc:
            click.echo(f"mtfix: skipping the full system: {exc}", err=True)
            names = ["rules"]
    evaluations = [
        run_suite(
            config,
            suite,
            system,
            sample=sample,
            against=SOURCE,
            bootstrap=bootstrap,
            model=model,
            with_source=with_source,
            progress=_progress,
        )
        for suite in suites
        for system in names
    ]
    _emit(evaluations, summary=True, **output)
