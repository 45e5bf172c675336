"""Where mtfix's files are: the project data it ships and the cache it builds.

Project data (``models/``, ``corpora/``, ``eval/``) is read from the source checkout when mtfix
runs from one, and otherwise from the copy an installed wheel puts under
``<prefix>/share/mtfix`` (``[tool.setuptools.data-files]`` in pyproject.toml). ``MTFIX_DATA``
overrides both. The cache (LanguageTool's jars, converted model weights, training checkpoints)
is ``$MTFIX_CACHE``, or ``~/.cache/mtfix`` when that is unset or empty. The review page's
post-edit log is the translator's data, not a cache (:func:`post_edit_log`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def data_root() -> Path:
    if override := os.environ.get("MTFIX_DATA"):
        return Path(override)
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "models").is_dir():
        return _CHECKOUT
    return Path(sys.prefix) / "share" / "mtfix"


def models_dir() -> Path:
    return data_root() / "models"


def corpora_dir() -> Path:
    return data_root() / "corpora"


def eval_dir() -> Path:
    return data_root() / "eval"


def suites_file() -> Path:
    return eval_dir() / "suites.toml"


def bench_dir() -> Path:
    return eval_dir() / "bench"


def seed_article() -> Path:
    return corpora_dir() / "geneva-summit-mt.txt"


def cache_root() -> Path:
    return Path(os.environ.get("MTFIX_CACHE") or Path.home() / ".cache" / "mtfix")


def daemon_dir() -> Path:
    """Where the daemons that keep check and clean warm between calls keep their locks, state
    and logs: ``$MTFIX_DAEMON_DIR``, else ``daemon/`` in the cache."""
    return Path(os.environ.get("MTFIX_DAEMON_DIR") or cache_root() / "daemon")


def post_edit_log() -> Path:
    """Where the review page appends every decision (``mtfix serve``/``review --log`` override
    it): ``$MTFIX_POST_EDITS``, else ``post-edits.jsonl`` in mtfix's data directory
    (``$XDG_DATA_HOME/mtfix``, default ``~/.local/share/mtfix``). Not the cache: the log is the
    translator's work, and ``make clean-cache`` must not delete it."""
    if override := os.environ.get("MTFIX_POST_EDITS"):
        return Path(override)
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "mtfix" / "post-edits.jsonl"
