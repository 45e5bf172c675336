"""``mtfix train``: the lab's commands (training runs in :mod:`mtfix.lab`)."""

from __future__ import annotations

import click

from mtfix.cli.common import EXIT_INPUT, fail, one_line_errors


@click.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False),
              help="The training config, e.g. models/gemma-mtfix/train.toml.")  # fmt: skip
@one_line_errors
def train(config: str) -> None:
    """Fine-tune the rewriter (LoRA on the CPU); resumes from its last checkpoint."""
    from mtfix.lab.train import ConfigError
    from mtfix.lab.train import train as run_training

    try:
        click.echo(run_training(config))
    except ConfigError as exc:
        fail(str(exc), EXIT_INPUT)
