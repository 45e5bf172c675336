"""spaCy imported by mtfix leaves torch out, and torch still imports afterwards."""

import subprocess
import sys

_PROBE = """
import sys
from mtfix.spacy_import import import_spacy
spacy = import_spacy()
spacy.blank("en")("One sentence. Two.")
print("torch" in sys.modules)
import thinc.compat
print(thinc.compat.has_torch)
import torch
print(torch.tensor([1, 2]).sum().item())
"""


def test_spacy_imports_without_torch_and_torch_imports_after() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["False", "False", "3"]


def test_a_process_that_imported_torch_keeps_thincs_torch_support() -> None:
    probe = "import torch\nfrom mtfix.spacy_import import import_spacy\nimport_spacy()\n"
    probe += "import thinc.compat\nprint(thinc.compat.has_torch)\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == ["True"]
