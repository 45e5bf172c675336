"""spaCy, imported without torch.

spaCy's numerical library thinc imports torch whenever it is installed (``thinc.compat``), to
offer PyTorch layers mtfix never uses: about 1.4 s of every ``mtfix check``, which needs no
torch at all (the rewriter's fast backend does not either). Hiding torch while spaCy is first
imported leaves thinc without its PyTorch layers and changes nothing mtfix runs; torch itself
still imports normally afterwards, for the transformers backend and training.
"""

from __future__ import annotations

import sys
from types import ModuleType


def import_spacy() -> ModuleType:
    """The ``spacy`` module; the first import in a process that has not imported torch skips
    thinc's torch support."""
    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    # A None entry makes `import torch` raise ImportError, which thinc takes as "not installed".
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return spacy
