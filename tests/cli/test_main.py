"""The command group: lazily loaded sub-commands, listed without importing them."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import click
import pytest

from mtfix.cli import COMMANDS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_summary_is_its_commands_own_help(name: str) -> None:
    module, attribute = COMMANDS[name].target.split(":")
    command = getattr(import_module(module), attribute)
    assert isinstance(command, click.Command) and command.help
    assert COMMANDS[name].summary == " ".join(command.help.split("\n\n")[0].split())


def test_help_lists_every_command_without_importing_them() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from mtfix.cli import main; "
        "out = CliRunner().invoke(main, ['--help']).output; "
        "print(sorted(m for m in sys.modules if m.startswith('mtfix.cli.'))); print(out)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, _, help_text = out.stdout.partition("\n")
    assert loaded == "[]"
    for name in COMMANDS:
        assert f"  {name} " in help_text
    assert "Exit codes" in help_text
