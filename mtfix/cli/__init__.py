"""The ``mtfix`` command: a thin layer over the library. One module per command group parses
arguments, calls the library and prints; :mod:`mtfix.cli.common` holds what they share.

Commands are imported only when run: ``mtfix --help`` lists them from :data:`COMMANDS` without
importing any (a test checks each summary against its command's own help), so neither it nor
``mtfix check --help`` pays for spaCy, torch or the eval harness.
"""

from __future__ import annotations

from importlib import import_module
from typing import NamedTuple

import click

from mtfix.version import __version__


class Entry(NamedTuple):
    target: str  # "module:attribute" of the click command
    summary: str  # the first paragraph of its help, for `mtfix --help`


COMMANDS = {
    "batch": Entry(
        "mtfix.cli.batch:batch",
        "Clean every document of INPUT... (directories; text, JSONL, XLIFF, TMX, PO files) "
        "into --out.",
    ),
    "check": Entry(
        "mtfix.cli.text:check",
        "List every problem in FILE (text, XLIFF, TMX or PO) with its position, category and "
        "suggestion.",
    ),
    "clean": Entry(
        "mtfix.cli.text:clean",
        "Repair FILE (text, XLIFF, TMX or PO) and print (or write) the cleaned text, a diff, or "
        "JSON.",
    ),
    "daemon": Entry(
        "mtfix.cli.daemon:daemon",
        "Show, start or stop the daemon that keeps check and clean warm.",
    ),
    "doctor": Entry(
        "mtfix.cli.doctor:doctor",
        "Check Java, LanguageTool and the model cache, with a fix for each failure.",
    ),
    "eval": Entry(
        "mtfix.cli.evaluate:command",
        "Score a system's output against references, next to the do-nothing source.",
    ),
    "review": Entry(
        "mtfix.cli.serve:review",
        "Review ARTICLE's proposals in the browser: accept, reject or edit each, then save.",
    ),
    "serve": Entry(
        "mtfix.cli.serve:serve",
        "Serve LanguageTool's HTTP API with mtfix's checks and proposals, and the review page.",
    ),
    "train": Entry(
        "mtfix.cli.lab:train",
        "Fine-tune the rewriter (LoRA on the CPU); resumes from its last checkpoint.",
    ),
}

EPILOG = """\b
Exit codes:
  0  success (check: no problems found)
  1  check found problems; eval gate failed; batch had failed documents
  2  bad input or usage (missing, binary, empty, too large or non-UTF-8 file; an output
     that cannot be written)
  3  environment: Java, LanguageTool or the model unavailable, or LanguageTool timed out
     (see `mtfix doctor`)
  4  internal error: a bug in mtfix (MTFIX_DEBUG=1 shows the traceback)
"""


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when that command is used (click's
    documented lazy-loading pattern), and lists them from their stored summaries."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].target.split(":")
        command = getattr(import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in sorted(COMMANDS.items())])


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mtfix")
def main() -> None:
    """Detect and repair the damage machine translation leaves in English text."""
