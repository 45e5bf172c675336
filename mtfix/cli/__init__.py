"""The ``mtfix`` command: a thin layer over the library. One module per command group parses
arguments, calls the library and prints; :mod:`mtfix.cli.common` holds what they share. Commands
are imported only when run (or listed by ``--help``), so a command pays only for its own imports.
"""

from __future__ import annotations

from importlib import import_module

import click

from mtfix import __version__
from mtfix.cli.common import EPILOG

# command name -> "module:attribute" of its click command
COMMANDS = {
    "check": "mtfix.cli.text:check",
    "clean": "mtfix.cli.text:clean",
    "batch": "mtfix.cli.batch:batch",
    "eval": "mtfix.cli.evaluate:command",
    "doctor": "mtfix.cli.doctor:doctor",
    "train": "mtfix.cli.lab:train",
}


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when it is needed (click's documented
    lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mtfix")
def main() -> None:
    """Detect and repair the damage machine translation leaves in English text."""
