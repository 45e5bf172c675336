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


def test_synthetic_passages_come_from_held_out_post_edits_with_the_repair_as_reference() -> None:
    from mtfix.lab.data import held_out
    from mtfix.lab.devcheck import PASSAGES, _ancestors_data, _corpus, _training_data

    corpus = _corpus("passages-et-en", "gemma-mtfix")
    _, pe = held_out(_training_data("gemma-mtfix"), "et-en", also=_ancestors_data("gemma-mtfix"))
    assert 0 < len(corpus.source) <= PASSAGES
    (reference,) = corpus.references
    unseen = set(pe)
    for damaged, clean in zip(corpus.source, reference, strict=True):
        assert damaged != clean
        # The repaired passage is a held-out post-edit after a context sentence (a quote is
        # attributed, so only its words are the post-edit's).
        assert any(clean.endswith(s) or s[:-1] in clean for s in unseen if len(s) > 20)


def test_damaged_lines_are_held_out_post_edits_each_with_one_artifact_the_rules_repair() -> None:
    from mtfix.lab.data import held_out
    from mtfix.lab.devcheck import _ancestors_data, _corpus, _training_data

    corpus = _corpus("damaged-ro-en", "gemma-mtfix")
    _, pe = held_out(_training_data("gemma-mtfix"), "ro-en", also=_ancestors_data("gemma-mtfix"))
    (reference,) = corpus.references
    # Every line an injector fits is kept: a post-edit no injector fits (too short) is the rare one.
    assert len(pe) * 0.9 < len(corpus.source) <= len(pe)
    assert set(reference) <= set(pe)
    assert all(d != clean for d, clean in zip(corpus.source, reference, strict=True))
    # The same seed, the same damage: the fit's cached candidates stay valid between runs.
    assert _corpus("damaged-ro-en", "gemma-mtfix").source == corpus.source
