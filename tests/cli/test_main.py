"""The command group: lazily loaded sub-commands, listed without importing them."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

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


def test_a_crash_exits_4_in_one_line_not_1_like_a_found_problem(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("A sentence.\n", encoding="utf-8")
    code = (
        "import sys; import mtfix.pipeline as p; from mtfix.cli import main\n"
        "def boom(*a, **k): raise RuntimeError('boom\\nsecond line')\n"
        "p.Pipeline.check_document = boom\n"
        "main(sys.argv[1:])"
    )
    args = [sys.executable, "-c", code, "check", str(doc), "--detectors", "mt-artifacts"]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 4 and done.stdout == ""
    assert done.stderr == (
        "mtfix: error: internal error: RuntimeError: boom second line "
        "(a bug in mtfix; MTFIX_DEBUG=1 shows the traceback)\n"
    )
    debug = subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, "MTFIX_DEBUG": "1"}
    )
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    # Usage errors stay click's own (exit 2).
    usage = subprocess.run(
        [sys.executable, "-m", "mtfix", "clean", "-", "--in-place"], capture_output=True, text=True
    )
    assert usage.returncode == 2 and "--in-place needs a FILE" in usage.stderr
