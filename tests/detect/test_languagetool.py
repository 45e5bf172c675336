"""Which LanguageTool spelling suggestions mtfix applies on its own, leaves to the model, or
leaves to a human (the server itself is exercised in test_seed_article and test_cli)."""

from __future__ import annotations

import pytest

from mtfix.detect.languagetool import (
    PLAUSIBLE_SPELLING_CONFIDENCE,
    SAFE_SPELLING_CONFIDENCE,
    _spelling_confidence,
)
from mtfix.rewrite.rules import AUTO_FIX_THRESHOLD

SAFE, PLAUSIBLE, HUMAN = SAFE_SPELLING_CONFIDENCE, PLAUSIBLE_SPELLING_CONFIDENCE, 0.0


@pytest.mark.parametrize(
    ("word", "suggestions", "confidence"),
    [
        ("sanctons", ["sanctions", "sanction"], SAFE),
        # A frequent misspelling wordfreq knows is left alone like a British spelling.
        ("goverment", ["government"], HUMAN),
        ("crocodille", ["crocodile"], SAFE),
        # Only a rare word: the model judges it in context.
        ("monopolyists", ["monopolists", "monopolist's"], PLAUSIBLE),
        # A real word, British or a context rule's guess: nothing to fix.
        ("labourers", ["laborers"], HUMAN),
        ("its", ["it's"], HUMAN),
        # A split, a guessed name, a short word's neighbour, a far or contested suggestion.
        ("formatate", ["format ate", "formate"], HUMAN),
        ("makwan", ["Taiwan", "Makan"], HUMAN),
        ("humla", ["hula"], HUMAN),
        ("cortegium", ["collegium"], HUMAN),
        ("negotations", ["negotiations"], SAFE),
        ("desertors", ["deserters", "desertions"], PLAUSIBLE),
    ],
)
def test_spelling_confidence_tiers(word: str, suggestions: list[str], confidence: float) -> None:
    assert _spelling_confidence(word, suggestions) == confidence
    assert (confidence >= AUTO_FIX_THRESHOLD) is (confidence == SAFE)
