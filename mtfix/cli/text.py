"""``mtfix check`` and ``mtfix clean``: one input (a text, a text with its source, or a CAT file;
a file or stdin) in, flags or the cleaned input out."""

from __future__ import annotations

import json
import sys

import click

from mtfix.cli import EPILOG
from mtfix.cli.common import (
    EXIT_FOUND,
    NO_DAEMON_HELP,
    one_line_errors,
    pipeline_options,
    start_languagetool,
    terminal_progress,
)
from mtfix.io import STDIN, atomic_writer, check_output
from mtfix.pipeline import Pipeline, PipelineOptions

# The inputs, formats and renderers are imported by the commands that run: `--help` needs none.


@click.command(epilog=EPILOG)
@click.argument("file", metavar="FILE|-")
@pipeline_options(rewriting=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--no-daemon", is_flag=True, help=NO_DAEMON_HELP)
@one_line_errors
def check(
    file: str, source: str | None, options: PipelineOptions, fmt: str, no_daemon: bool
) -> None:
    """List every problem in FILE (text, XLIFF, TMX or PO) with its position, category and
    suggestion.

    A CAT file's flags name their unit; with --source (or a CAT file's own sources) the
    bilingual QA checks run too. On a terminal, stderr shows each stage as it runs.
    """
    from mtfix.formats import inputs
    from mtfix.render import render_check_text

    start_languagetool(file, options, daemon=not no_daemon)
    inp = inputs.load(file, source=source, lines=options.lines)
    options = options.with_source(bool(inp.document.aligned))
    with terminal_progress():
        result = Pipeline(options).check_document(inp.document, proposals=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in render_check_text(inp.name, result, units=inp.cat is not None):
            click.echo(line)
    sys.exit(EXIT_FOUND if result.flags else 0)


@click.command(epilog=EPILOG)
@click.argument("file", metavar="FILE|-")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (atomically).")
@click.option(
    "--in-place",
    is_flag=True,
    help="Replace FILE with the result (atomically, keeping its mode); -o FILE needs it too.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "diff", "json"]), default="text")
@click.option(
    "--explain",
    is_flag=True,
    help="JSON: list every candidate with the rule that kept or rejected it.",
)
@click.option(
    "--show-flags",
    is_flag=True,
    help="List the flags no edit resolved, as check prints them: after the diff, or on stderr "
    "with the text (JSON always has them).",
)
@pipeline_options(rewriting=True)
@click.option("--no-daemon", is_flag=True, help=NO_DAEMON_HELP)
@one_line_errors
def clean(
    file: str,
    output: str | None,
    in_place: bool,
    fmt: str,
    explain: bool,
    show_flags: bool,
    source: str | None,
    options: PipelineOptions,
    no_daemon: bool,
) -> None:
    """Repair FILE (text, XLIFF, TMX or PO) and print (or write) the cleaned text, a diff, or JSON.

    A CAT file is written back in its own format, only the fixed targets changed and marked for
    review. On a terminal, stderr shows each stage as it runs, with the model's sentences done
    and its ETA.
    """
    from mtfix.formats import inputs
    from mtfix.render import render_diff, render_flags

    if in_place:
        if file == STDIN:
            raise click.UsageError("--in-place needs a FILE, not stdin")
        output = output or file
    # An output that cannot be written (or that is the input) fails now, before any work.
    sources = [file, *([source] if source else [])]
    target = check_output(output, inputs=sources, in_place=in_place) if output else None
    start_languagetool(file, options, daemon=not no_daemon)
    inp = inputs.load(file, source=source, lines=options.lines)
    pipeline = Pipeline(options.with_source(bool(inp.document.aligned)))
    with terminal_progress():
        # A missing or broken model fails now, in a second, not after the detectors have run.
        pipeline.warm()
        result = pipeline.clean_document(inp.document)
    units = inp.cat is not None
    left = list(render_flags(inp.name, inp.document, result.flags, units=units))
    if fmt == "json":
        data = result.to_dict(explain=explain)
        rendered = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    elif fmt == "diff":
        color = output is None and sys.stdout.isatty()
        diff = render_diff(result, color=color)
        if show_flags:
            diff = diff.rstrip("\n") + "\n\n" + "".join(line + "\n" for line in left)
        rendered = diff.encode()
    else:
        rendered = inputs.render_clean(inp, result.text, result.edits)
        if show_flags:
            for line in left:
                click.echo(line, err=True)
    if target is not None:
        with atomic_writer(target, "wb") as handle:
            handle.write(rendered)
    else:
        sys.stdout.buffer.write(rendered)
        sys.stdout.buffer.flush()
