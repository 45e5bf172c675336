"""What every command shares: exit codes, one-line errors, and the pipeline options.

Exit codes (also in ``mtfix --help`` and the README):
  0  success (``check``: no problems found)
  1  ``check`` found problems; ``eval`` gate failed; ``batch`` had failed documents
  2  bad input or usage: missing, unreadable, binary, empty, too large or non-UTF-8 file, bad
     option; an output that cannot be written
  3  environment: Java, LanguageTool or the model cannot be used, LanguageTool timed out or
     kept failing (``mtfix doctor`` says why)
  4  internal error: a bug in mtfix (``MTFIX_DEBUG=1`` shows the traceback)

Nothing heavy is imported here: ``mtfix --help`` must not pay for spaCy, torch or Java.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import click

import mtfix.progress as progress
from mtfix.core import UnavailableError
from mtfix.detect import UnknownDetectorError
from mtfix.io import STDIN, InputError, OutputError
from mtfix.pipeline import RULES_ONLY, WITH_MODEL, PipelineOptions
from mtfix.rewrite import RewriterSettings

if TYPE_CHECKING:
    from tqdm import tqdm

    from mtfix.detect.qa.glossary import Glossary

EXIT_FOUND = 1
EXIT_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 4

DEFAULTS = PipelineOptions()

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"mtfix: error: {message}", err=True)
    sys.exit(code)


def one_line_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the library's expected failures into a one-line message and an exit code."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (InputError, OutputError, UnknownDetectorError) as exc:
            fail(str(exc), EXIT_INPUT)
        except UnavailableError as exc:
            fail(f"{exc} (run `mtfix doctor`)", EXIT_ENVIRONMENT)
        except BrokenPipeError:
            # The reader went away (`mtfix check a.txt | head`): nothing left to tell anyone.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_FOUND)
        except click.ClickException:
            raise
        except Exception as exc:
            # Python's own exit status for a traceback is 1, which `check` uses for "found
            # problems": a crash must not pass for a result.
            if os.environ.get("MTFIX_DEBUG"):
                raise
            what = " ".join(str(exc).split())
            fail(
                f"internal error: {type(exc).__name__}: {what} (a bug in mtfix; "
                "MTFIX_DEBUG=1 shows the traceback)",
                EXIT_INTERNAL,
            )

    return wrapper


NO_DAEMON_HELP = (
    "Start this call's own LanguageTool rather than use the one kept warm between calls "
    "(`mtfix daemon`; also MTFIX_NO_DAEMON=1)."
)


def start_languagetool(file: str, options: PipelineOptions, *, daemon: bool) -> None:
    """Start (or find) LanguageTool in the background, now: the JVM takes seconds, which the
    input's segmentation and the other detectors' loading then overlap, and its first request
    loads the rules the detector's own requests use. Nothing starts for an input that is not
    there; a failure here is left for the detector to report."""
    if "languagetool" not in options.detectors or (file != STDIN and not os.path.exists(file)):
        return
    from mtfix.languagetool import client

    client.use_daemon(daemon)
    client.for_one_command()
    client.stop_on_sigterm()
    threading.Thread(target=_warm_languagetool, name="mtfix-lt-warm", daemon=True).start()


def _warm_languagetool() -> None:
    from mtfix.detect.languagetool import LanguageToolDetector

    try:
        LanguageToolDetector().warm()
    except Exception:  # the detector meets (and reports) the same failure
        return


def _detector_names(value: str | None) -> tuple[str, ...]:
    if not value:
        return DEFAULTS.detectors
    return tuple(name.strip() for name in value.split(",") if name.strip())


_DETECTION = [
    click.option(
        "--detectors",
        metavar="NAMES",
        help=f"Comma-separated detectors [default: {','.join(DEFAULTS.detectors)}].",
    ),
    click.option(
        "--lines", is_flag=True, help="Line-aligned corpus: each input line is one segment."
    ),
    # A CAT file carries its own source; --source gives one to plain text.
    click.option(
        "--source",
        metavar="PATH",
        type=click.Path(),
        help="The source the MT translates, aligned by line with --lines, else by paragraph "
        "(batch: a file, or a directory mirroring the inputs): turns on the QA checks.",
    ),
    click.option(
        "--glossary",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Terms (CSV or TBX) the QA checks enforce; needs a source (a CAT file or --source).",
    ),
]

_REWRITING = [
    click.option("--no-model", is_flag=True, help="Rules only: never load the rewriting model."),
    click.option(
        "--model",
        metavar="DIR",
        default=DEFAULTS.settings.model,
        show_default=True,
        help="Rewriting model: a directory under models/, a path or a cached checkpoint.",
    ),
    click.option(
        "--rewrite",
        type=click.Choice(["flagged", "all"]),
        default=DEFAULTS.rewrite,
        help="Send only flagged sentences (default) or all to the model.",
    ),
    click.option(
        "--beams",
        type=click.IntRange(1, 8),
        default=DEFAULTS.settings.beams,
        show_default=True,
        help="Rewrites the model proposes per sentence (beam search): more finds more, slower.",
    ),
    click.option(
        "--backend",
        type=click.Choice(["auto", "ctranslate2", "transformers"]),
        default=DEFAULTS.settings.backend,
        show_default=True,
        help="Model runtime: ctranslate2 (int8, fast) for an adapter under auto, transformers "
        "(fp32, the reference) for anything else.",
    ),
]


def pipeline_options(*, rewriting: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the detection options (and, with ``rewriting``, the rewriter options) to a command
    and hand it one ``options: PipelineOptions`` built from them. ``--source`` reaches the
    command as given (it names the input's source); the command settles ``options.source`` with
    :meth:`PipelineOptions.with_source` once it knows whether its inputs have one."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        @one_line_errors
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs["options"] = _options(kwargs, rewriting=rewriting)
            return fn(*args, **kwargs)

        for option in reversed(_DETECTION + (_REWRITING if rewriting else [])):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def _options(kwargs: dict[str, Any], *, rewriting: bool) -> PipelineOptions:
    detectors = _detector_names(kwargs.pop("detectors"))
    lines = kwargs.pop("lines")
    glossary = _glossary(kwargs.pop("glossary"))
    if not rewriting:
        return PipelineOptions(
            detectors=detectors, rewriters=RULES_ONLY, lines=lines, glossary=glossary
        )
    no_model = kwargs.pop("no_model")
    settings = RewriterSettings(
        model=kwargs.pop("model"), beams=kwargs.pop("beams"), backend=kwargs.pop("backend")
    )
    return PipelineOptions(
        detectors=detectors,
        rewriters=RULES_ONLY if no_model else WITH_MODEL,
        settings=settings,
        lines=lines,
        rewrite="all" if kwargs.pop("rewrite") == "all" else "flagged",
        glossary=glossary,
    )


def _glossary(path: str | None) -> Glossary | None:
    if path is None:
        return None
    from mtfix.detect.qa.glossary import Glossary

    return Glossary.load(path)


class TerminalProgress:
    """Progress bars on stderr, one per open stage (the model's ETA comes from its sentences
    done), cleared when the stage ends."""

    def __init__(self) -> None:
        self.bars: list[tqdm[None]] = []

    def start(self, stage: str, total: int | None, unit: str) -> None:
        from tqdm import tqdm

        bar = tqdm(
            total=total, desc=stage, unit=f" {unit}", position=len(self.bars), leave=False,
            file=sys.stderr, dynamic_ncols=True, mininterval=0.2,
        )  # fmt: skip
        self.bars.append(bar)

    def advance(self, n: int) -> None:
        self.bars[-1].update(n)

    def finish(self) -> None:
        self.bars.pop().close()


@contextmanager
def terminal_progress() -> Iterator[None]:
    """Show the stages of the work inside on a terminal; nothing when stderr is piped."""
    if not sys.stderr.isatty():
        yield
        return
    with progress.reporting(TerminalProgress()):
        yield
