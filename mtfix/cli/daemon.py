"""``mtfix daemon``: LanguageTool and mtfix itself, kept warm between ``check`` and ``clean``
calls."""

from __future__ import annotations

import sys
import time

import click

from mtfix.cli.common import EXIT_FOUND, one_line_errors


@click.group()
def daemon() -> None:
    """Show, start or stop the daemon that keeps check and clean warm.

    It is two processes: a LanguageTool server, and an mtfix process with spaCy and the
    detectors loaded that runs each call in a child of its own. The first `mtfix check` or
    `mtfix clean` starts them; later calls find them (their files are in $MTFIX_DAEMON_DIR,
    default ~/.cache/mtfix/daemon). Each stops after MTFIX_DAEMON_IDLE seconds without a request
    (default 1800) or on `mtfix daemon stop`. --no-daemon or MTFIX_NO_DAEMON=1 make a call run
    alone, with a LanguageTool of its own.
    """


@daemon.command()
@one_line_errors
def status() -> None:
    """Print the daemon's state; exit 1 when its LanguageTool is not running."""
    from mtfix.cli import forkserver
    from mtfix.languagetool import daemon as lt_daemon

    state = lt_daemon.status()
    if state is None:
        click.echo(f"no daemon running ({lt_daemon.daemon_dir()})")
        sys.exit(EXIT_FOUND)
    if not state.get("answering", True):
        click.echo(f"daemon {state['pid']} at {state['url']} is not answering")
        sys.exit(EXIT_FOUND)
    rss = state.get("rss_bytes", 0) / 1024 / 1024
    idle_left = max(state["idle_timeout_s"] - state["idle_s"], 0)
    lines = [
        f"daemon: pid {state['pid']}, {state['url']}, up {_duration(state['uptime_s'])}",
        f"languagetool: {state['version']}, JVM pid {state['java_pid']}, heap {state['heap']}, "
        f"resident {rss:.0f} MiB, class-data sharing {'on' if state.get('cds') else 'off'}",
        f"requests: {state['requests']} ({state['restarts']} restarts, "
        f"{state['recycles']} recycles)",
        f"idle: {_duration(state['idle_s'])}; stops after {_duration(idle_left)} more",
        _forkserver_line(forkserver.status()),
        f"files: {state['dir']}",
    ]
    if state.get("failed"):
        lines.append(f"failed: {state['failed']}")
    click.echo("\n".join(lines))


@daemon.command()
@one_line_errors
def start() -> None:
    """Start the daemon now (check and clean start it on first use anyway) and wait until it
    is ready."""
    from mtfix.cli import forkserver
    from mtfix.languagetool import daemon as lt_daemon
    from mtfix.languagetool.http import supervisor_status

    started = time.monotonic()
    deadline = started + 300
    forkserver.start()
    url = lt_daemon.ensure()
    while (state := supervisor_status(url)) is not None and not state["ready"]:
        if state.get("failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    while not forkserver.ready() and time.monotonic() < deadline:
        time.sleep(0.1)
    click.echo(f"daemon at {url} ({time.monotonic() - started:.1f}s)")


@daemon.command()
@one_line_errors
def stop() -> None:
    """Stop the daemon (and its JVM); calls it is running finish first."""
    from mtfix.cli import forkserver
    from mtfix.languagetool import daemon as lt_daemon

    stopped = forkserver.stop()
    stopped = lt_daemon.stop() or stopped
    click.echo("stopped" if stopped else "no daemon running")


def _forkserver_line(state: dict[str, object] | None) -> str:
    if state is None:
        return "mtfix: not running (the next check or clean starts it)"
    return f"mtfix: pid {state['pid']}, loaded in {state['load_s']}s, {state['socket']}"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    return f"{seconds // 60}m{seconds % 60:02d}s"
