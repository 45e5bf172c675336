"""``mtfix batch``: the click command; the work is in :mod:`mtfix.batch.runner`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

import mtfix.detect as detect
from mtfix.batch.runner import DEFAULT_GLOBS, BatchOptions, run_batch
from mtfix.batch.summary import render
from mtfix.cli import EPILOG
from mtfix.cli.common import EXIT_FOUND, one_line_errors, pipeline_options
from mtfix.pipeline import PipelineOptions


@click.command("batch", epilog=EPILOG)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory: cleaned files mirroring the inputs, manifest, reports.",
)
@click.option(
    "--glob",
    "globs",
    multiple=True,
    metavar="PATTERN",
    help=f"Files to take from input directories, recursively; repeatable "
    f"[default: {' '.join(DEFAULT_GLOBS)}]. *.jsonl files are read as JSONL; XLIFF, TMX and "
    "PO files (by extension or content) as CAT files.",
)
@click.option("--id-field", default="id", show_default=True, help="JSONL: the document id.")
@click.option("--text-field", default="text", show_default=True, help="JSONL: the text.")
@pipeline_options(rewriting=True)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes [default: the cores; with --address, the cluster's CPUs].",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: a process pool; ray: Ray tasks, one LanguageTool server per node.",
)
@click.option("--address", help="Ray cluster to join (ray engine); default: start a local one.")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr.")
@click.option(
    "--force",
    is_flag=True,
    help="Rerun into an --out made with other options, redoing its documents with these.",
)
@one_line_errors
def batch(
    inputs: tuple[str, ...],
    out_dir: Path,
    globs: tuple[str, ...],
    id_field: str,
    text_field: str,
    source: str | None,
    options: PipelineOptions,
    jobs: int | None,
    engine: str,
    address: str | None,
    progress: bool,
    force: bool,
) -> None:
    """Clean every document of INPUT... (directories; text, JSONL, XLIFF, TMX, PO files) into --out.

    The outputs mirror the inputs; a CAT file comes back in its own format.

    Rerunning the same command skips documents already done (a SQLite manifest in --out), also
    after a crash; a rerun with other options is refused unless --force. Unusable documents are
    listed in errors.jsonl and the batch goes on; the exit code is 1 when any document failed.
    triage.csv ranks the documents by MQM penalty per 100 words, documents mostly deleted
    first; summary.json breaks the flags down by MQM dimension; consistency.jsonl lists sources
    the batch translates more than one way.
    """
    if address and engine != "ray":
        raise click.UsageError("--address needs --engine ray")
    # Checked here, not in the workers, where every document would fail the same way.
    for name in options.detectors:
        if name not in detect.available():
            raise detect.UnknownDetectorError(name)
    result = run_batch(
        BatchOptions(
            inputs=inputs,
            out_dir=out_dir,
            pipeline=options,
            globs=globs or DEFAULT_GLOBS,
            id_field=id_field,
            text_field=text_field,
            engine="ray" if engine == "ray" else "local",
            jobs=jobs,
            address=address,
            progress=progress,
            source=Path(source) if source is not None else None,
            force=force,
        )
    )
    click.echo(render(result.summary, out_dir))
    sys.exit(EXIT_FOUND if result.failed else 0)
