"""``mtfix check`` and ``mtfix clean``: one text (a file or stdin) in, flags or cleaned text out."""

from __future__ import annotations

import json
import sys

import click

from mtfix.cli import EPILOG
from mtfix.cli.common import EXIT_FOUND, one_line_errors, pipeline_options
from mtfix.io import atomic_writer, read_text
from mtfix.pipeline import Pipeline, PipelineOptions
from mtfix.render import render_check_text, render_diff


@click.command(epilog=EPILOG)
@click.argument("file", metavar="FILE|-")
@pipeline_options(rewriting=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@one_line_errors
def check(file: str, options: PipelineOptions, fmt: str) -> None:
    """List every problem in FILE with its position, category and suggestion."""
    text = read_text(file)
    result = Pipeline(options).check(text)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        name = "<stdin>" if file == "-" else file
        for line in render_check_text(name, result):
            click.echo(line)
    sys.exit(EXIT_FOUND if result.flags else 0)


@click.command(epilog=EPILOG)
@click.argument("file", metavar="FILE|-")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (atomically).")
@click.option("--format", "fmt", type=click.Choice(["text", "diff", "json"]), default="text")
@click.option(
    "--explain",
    is_flag=True,
    help="JSON: list every candidate with the rule that kept or rejected it.",
)
@pipeline_options(rewriting=True)
@one_line_errors
def clean(file: str, output: str | None, fmt: str, explain: bool, options: PipelineOptions) -> None:
    """Repair FILE and print (or write) the cleaned text, a diff, or JSON."""
    text = read_text(file)
    pipeline = Pipeline(options)
    # A missing or broken model fails now, in a second, not after the detectors have run.
    pipeline.warm()
    result = pipeline.clean(text)
    if fmt == "json":
        rendered = json.dumps(result.to_dict(explain=explain), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "diff":
        color = output is None and sys.stdout.isatty()
        rendered = render_diff(result, color=color)
    else:
        rendered = result.text
    if output:
        with atomic_writer(output) as handle:
            handle.write(rendered)
    else:
        click.echo(rendered, nl=False)
