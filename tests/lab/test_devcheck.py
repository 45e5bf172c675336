from __future__ import annotations

from mtfix.core import Candidate, Edit, Span
from mtfix.lab.devcheck import _cand_json, score

SOURCE = ["The cat sat on teh mat.", "Dogs bark at night."]
REFS = [["The cat sat on the mat.", "Dogs bark at night."]]


def _model(line: int, word: str, replacement: str, score: float) -> Candidate:
    """A model candidate replacing ``word`` in line ``line`` of SOURCE."""
    offset = sum(len(text) + 1 for text in SOURCE[:line])
    start = offset + SOURCE[line].index(word)
    sentence = Span(offset, offset + len(SOURCE[line]))
    edit = Edit(Span(start, start + len(word)), replacement, "model", 0.5)
    return Candidate(sentence, (edit,), "model", score)


def test_oracle_keeps_only_the_candidates_the_post_edit_agrees_with() -> None:
    good = _model(0, "teh", "the", 0.0)  # the post-edit has it
    bad = _model(1, "bark", "howl", 5.0)  # confident, but the post-edit kept "bark"
    data = {
        "source": SOURCE,
        "references": REFS,
        "lines_mode": True,
        "flags": [],
        "targets": 2,
        "rules": [],
        "model": [_cand_json(good), _cand_json(bad)],
        "model_seconds": 0.0,
    }
    result = score(data)
    # The real selector keeps neither: "the" is no spelling fix of a rare word under the guard's
    # evidence bar (score 0), and "howl" replaces a common word. The oracle keeps the right one.
    assert result["delta_full"] == 0.0
    assert result["delta_oracle"] < 0
    assert result["ter_raw"] + result["delta_oracle"] == 0.0
