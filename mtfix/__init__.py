"""mtfix: detect and repair the damage machine translation leaves in English text.

The library API is :func:`check` (detect) and :func:`clean` (detect, rewrite, select, apply);
the ``mtfix`` command is a thin layer over them. They are imported on first use, so importing a
submodule (the CLI answering ``--help``) does not load the pipeline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from mtfix.version import __version__

if TYPE_CHECKING:
    from mtfix.pipeline import CheckResult, CleanResult, Pipeline, PipelineOptions, check, clean

__all__ = [
    "CheckResult",
    "CleanResult",
    "Pipeline",
    "PipelineOptions",
    "__version__",
    "check",
    "clean",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("mtfix.pipeline"), name)
    raise AttributeError(f"module 'mtfix' has no attribute {name!r}")
