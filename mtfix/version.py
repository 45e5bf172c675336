"""The package version, in a module of its own: every layer may import it without importing
the package (whose ``__init__`` names the pipeline)."""

__version__ = "0.1.0"
