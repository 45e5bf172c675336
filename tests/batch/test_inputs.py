"""JSONL documents: ids are strings or integers (12 and "12" are one id, the second a reported
duplicate), a missing id is the line number, said so; other ids, long lines, NUL bytes are
one-line errors naming file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtfix.batch.inputs import Doc, discover, documents


def _docs(tmp_path: Path, lines: list[str]) -> list[Doc]:
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return list(documents(discover([corpus], ["*.jsonl"], tmp_path / "out"), "id", "text"))


def test_an_integer_and_a_string_id_are_one_id_and_the_second_is_a_duplicate(
    tmp_path: Path,
) -> None:
    docs = _docs(
        tmp_path, [json.dumps({"id": 12, "text": "A."}), json.dumps({"id": "12", "text": "B."})]
    )
    assert [d.doc_id for d in docs] == ["12", "12@2"]
    assert docs[0].text == "A." and docs[0].error is None
    assert docs[1].text is None
    assert docs[1].error == f"{tmp_path / 'docs.jsonl'}:2: duplicate id '12' (first on line 1)"
    # Each has a manifest row of its own: nothing is dropped without a word.
    assert len({d.key for d in docs}) == 2


def test_a_missing_id_is_the_line_number_said_so(tmp_path: Path) -> None:
    docs = _docs(tmp_path, [json.dumps({"text": "A."}), "", json.dumps({"id": "3", "text": "C."})])
    assert [(d.doc_id, d.line, d.error) for d in docs] == [("line:1", 1, None), ("3", 3, None)]


@pytest.mark.parametrize(
    ("value", "kind"),
    [("null", "null"), ("1.5", "float"), ("true", "bool"), ("[1]", "list"), ('{"a": 1}', "dict")],
)
def test_other_ids_are_one_line_errors(tmp_path: Path, value: str, kind: str) -> None:
    (doc,) = _docs(tmp_path, [f'{{"id": {value}, "text": "A."}}'])
    assert doc.text is None and doc.doc_id == "line:1"
    assert doc.error == (
        f"{tmp_path / 'docs.jsonl'}:1: field 'id' must be a string or an integer, not {kind}"
    )


def test_a_line_past_the_input_limit_and_a_nul_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MTFIX_MAX_INPUT_BYTES", "100")
    long = json.dumps({"id": "long", "text": "word " * 100})
    nul = '{"id": "nul", "text": "a\x00b"}'
    docs = _docs(tmp_path, [long, nul, '{"id": "ok", "text": "B."}'])
    assert "docs.jsonl:1: line longer than the 100 byte input limit" in (docs[0].error or "")
    assert "docs.jsonl:2: binary file (contains NUL bytes)" in (docs[1].error or "")
    assert docs[2].doc_id == "ok" and docs[2].text == "B."
