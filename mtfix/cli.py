"""The ``mtfix`` command: parse arguments, call the library, print. No logic of its own.

Exit codes (also in ``mtfix --help`` and the README):
  0  success (``check``: no problems found)
  1  ``check`` found problems; ``eval`` gate failed; ``batch`` had failed documents
  2  bad input or usage: missing, unreadable, binary, empty or non-UTF-8 file, bad option
  3  environment: Java, LanguageTool or the model cannot be used (``mtfix doctor`` says why)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from mtfix import __version__, detect
from mtfix.core import UnavailableError
from mtfix.io import InputError, atomic_writer, read_text
from mtfix.pipeline import CheckResult, CleanResult, Pipeline, PipelineOptions
from mtfix.render import render_check_text, render_diff
from mtfix.rewrite.model import DEFAULT_MODEL

EXIT_FOUND = 1
EXIT_INPUT = 2
EXIT_ENVIRONMENT = 3

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int) -> None:
    click.echo(f"mtfix: error: {message}", err=True)
    sys.exit(code)


def one_line_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the library's expected failures into a one-line message and an exit code."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            fail(str(exc), EXIT_INPUT)
        except detect.UnknownDetectorError as exc:
            fail(str(exc), EXIT_INPUT)
        except UnavailableError as exc:
            fail(f"{exc} (run `mtfix doctor`)", EXIT_ENVIRONMENT)
        raise AssertionError("unreachable")

    return wrapper


def detector_names(value: str | None) -> tuple[str, ...]:
    if not value:
        return detect.DEFAULT_DETECTORS
    return tuple(name.strip() for name in value.split(",") if name.strip())


pipeline_options = [
    click.option(
        "--detectors",
        metavar="NAMES",
        help=f"Comma-separated detectors [default: {','.join(detect.DEFAULT_DETECTORS)}].",
    ),
    click.option(
        "--lines", is_flag=True, help="Line-aligned corpus: each input line is one segment."
    ),
]


rewrite_options = [
    click.option("--no-model", is_flag=True, help="Rules only: never load the rewriting model."),
    click.option(
        "--model",
        "model",
        metavar="DIR",
        default=DEFAULT_MODEL,
        show_default=True,
        help="Rewriting model: a directory under models/, a path or a cached checkpoint.",
    ),
    click.option(
        "--rewrite",
        type=click.Choice(["flagged", "all"]),
        default="flagged",
        help="Send only flagged sentences (default) or all to the model.",
    ),
    click.option(
        "--beams",
        type=click.IntRange(1, 8),
        default=1,
        show_default=True,
        help="Rewrites the model proposes per sentence (beam search): more finds more, slower.",
    ),
]


def _with(options: list[Callable[..., Any]], fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(options):
        fn = option(fn)
    return fn


def with_pipeline_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    return _with(pipeline_options, fn)


def with_rewrite_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    return _with(rewrite_options, fn)


def clean_options(
    detectors: str | None,
    lines: bool,
    no_model: bool,
    model: str | None,
    rewrite: str,
    beams: int,
) -> PipelineOptions:
    """The PipelineOptions that `clean` and `batch` build from their shared options."""
    return PipelineOptions(
        detectors=detector_names(detectors),
        lines=lines,
        model=None if no_model else model,
        rewrite="all" if rewrite == "all" else "flagged",
        beams=beams,
    )


EPILOG = """\b
Exit codes:
  0  success (check: no problems found)
  1  check found problems; eval gate failed; batch had failed documents
  2  bad input or usage (missing, binary, empty or non-UTF-8 file)
  3  environment: Java, LanguageTool or the model unavailable (see `mtfix doctor`)
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mtfix")
def main() -> None:
    """Detect and repair the damage machine translation leaves in English text."""


@main.command(epilog=EPILOG)
@click.argument("file", metavar="FILE|-")
@with_pipeline_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@one_line_errors
def check(file: str, detectors: str | None, lines: bool, fmt: str) -> None:
    """List every problem in FILE with its position, category and suggestion."""
    text = read_text(file)
    options = PipelineOptions(detectors=detector_names(detectors), lines=lines, model=None)
    result: CheckResult = Pipeline(options).check(text)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        name = "<stdin>" if file == "-" else file
        for line in render_check_text(name, result):
            click.echo(line)
    sys.exit(EXIT_FOUND if result.flags else 0)


@main.command(epilog=EPILOG)
@click.argument("file", metavar="FILE|-")
@with_pipeline_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (atomically).")
@click.option("--format", "fmt", type=click.Choice(["text", "diff", "json"]), default="text")
@with_rewrite_options
@one_line_errors
def clean(
    file: str,
    detectors: str | None,
    lines: bool,
    output: str | None,
    fmt: str,
    no_model: bool,
    model: str | None,
    rewrite: str,
    beams: int,
) -> None:
    """Repair FILE and print (or write) the cleaned text, a diff, or JSON."""
    text = read_text(file)
    options = clean_options(detectors, lines, no_model, model, rewrite, beams)
    result: CleanResult = Pipeline(options).clean(text)
    if fmt == "json":
        rendered = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
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


@main.command()
def doctor() -> None:
    """Check Java, LanguageTool and the model cache, with a fix for each failure."""
    from mtfix.doctor import run_checks

    ok = True
    for check_result in run_checks():
        mark = "ok  " if check_result.ok else "FAIL"
        click.echo(f"[{mark}] {check_result.name}: {check_result.detail}")
        if not check_result.ok:
            ok = False
            click.echo(f"       fix: {check_result.hint}")
    sys.exit(0 if ok else EXIT_ENVIRONMENT)


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False),
              help="The training config, e.g. models/gemma-mtfix/train.toml.")  # fmt: skip
@one_line_errors
def train(config: str) -> None:
    """Fine-tune the rewriter (LoRA on the CPU); resumes from its last checkpoint."""
    from mtfix.rewrite.train import ConfigError
    from mtfix.rewrite.train import train as run_training

    try:
        click.echo(run_training(config))
    except ConfigError as exc:
        fail(str(exc), EXIT_INPUT)


# Sub-commands that live with their subsystems.
from mtfix.evaluate.command import command as eval_command  # noqa: E402

main.add_command(eval_command)
from mtfix.batch.command import command as batch_command  # noqa: E402

main.add_command(batch_command)
