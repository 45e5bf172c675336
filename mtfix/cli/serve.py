"""``mtfix serve`` and ``mtfix review``: the LanguageTool-compatible server and its review page."""

from __future__ import annotations

import sys
import threading
import webbrowser
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from mtfix.cli import EPILOG
from mtfix.cli.common import EXIT_ENVIRONMENT, EXIT_INPUT, fail, one_line_errors
from mtfix.model import DEFAULT_MODEL
from mtfix.paths import post_edit_log

# The exit status of a process ended by Ctrl-C, as shells report it.
EXIT_INTERRUPTED = 130


def server_options(port: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    options = [
        click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind."),
        click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=port,
            show_default=True,
            help="Port to listen on (0: any free one).",
        ),
        click.option(
            "--no-model", is_flag=True, help="Rules only: never load the rewriting model."
        ),
        click.option(
            "--model",
            metavar="DIR",
            default=DEFAULT_MODEL,
            show_default=True,
            help="Rewriting model: a directory under models/, a path or a cached checkpoint.",
        ),
        click.option(
            "--beams",
            type=click.IntRange(1, 8),
            default=None,
            help="The model's rewrites per flagged sentence, proposed side by side "
            "[default: serve 1, review 4].",
        ),
        click.option(
            "--time-limit",
            type=click.FloatRange(1, 3600),
            default=30.0,
            show_default=True,
            help="Seconds a /v2/check may take; past it the model's proposals are left out.",
        ),
        click.option(
            "--max-text-length",
            type=click.IntRange(1),
            default=100_000,
            show_default=True,
            help="Characters a request may check (413 past it).",
        ),
        click.option(
            "--log",
            "log",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help=f"Post-edit log (JSONL) [default: {post_edit_log()}].",
        ),
    ]

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


def _missing_extra(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            import starlette  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError as exc:
            fail(
                f"the server needs mtfix's serve extra ({exc.name} is missing): "
                "pip install 'mtfix[serve]'",
                EXIT_ENVIRONMENT,
            )
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt:
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


def _run(opened: Path | None, open_browser: bool, default_beams: int, **kw: Any) -> None:
    from mtfix.serve.engine import ServeSettings
    from mtfix.serve.server import Listen, run

    settings = ServeSettings(
        model=None if kw["no_model"] else kw["model"],
        beams=kw["beams"] or default_beams,
        time_limit=kw["time_limit"],
        max_text_length=kw["max_text_length"],
    )
    log = kw["log"] or post_edit_log()

    def ready(url: str) -> None:
        model = (
            f"model {settings.model}, {settings.beams} beam(s)" if settings.model else "rules only"
        )
        click.echo(f"mtfix serve: {url} ({model}; post-edit log {log}); Ctrl-C stops", err=True)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    run(settings, Listen(kw["host"], kw["port"]), log, opened=opened, on_ready=ready)


@click.command(epilog=EPILOG)
@server_options(port=8081)
@one_line_errors
@_missing_extra
def serve(**kw: Any) -> None:
    """Serve LanguageTool's HTTP API with mtfix's checks and proposals, and the review page.

    Point an editor's LanguageTool server setting (OmegaT, LibreOffice, LTeX, the browser
    extensions, language_tool_python's remote_server) at http://127.0.0.1:8081; open it in a
    browser to review a text. LanguageTool and the model load once and stay warm.
    """
    _run(None, False, 1, **kw)


@click.command(epilog=EPILOG)
@click.argument("article", type=click.Path(path_type=Path))
@server_options(port=8081)
@click.option("--no-browser", is_flag=True, help="Print the page's address; do not open it.")
@one_line_errors
@_missing_extra
def review(article: Path, no_browser: bool, **kw: Any) -> None:
    """Review ARTICLE's proposals in the browser: accept, reject or edit each, then save.

    Saving writes ARTICLE back (atomically); every decision is appended to the post-edit log.
    """
    if not article.is_file():
        fail(f"{article}: no such file", EXIT_INPUT)
    _run(article, not no_browser, 4, **kw)
