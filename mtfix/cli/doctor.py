"""``mtfix doctor``: what mtfix needs here, and how to fix what is missing."""

from __future__ import annotations

import sys

import click

from mtfix.cli.common import EXIT_ENVIRONMENT, one_line_errors


@click.command()
@one_line_errors
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
