"""mtfix: detect and repair the damage machine translation leaves in English text.

The library API is :func:`check` (detect) and :func:`clean` (detect, rewrite, select, apply);
the ``mtfix`` command is a thin layer over them.
"""

__version__ = "0.1.0"

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
