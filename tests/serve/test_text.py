"""The request's text: annotated data, and offsets in the client's UTF-16 code units."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mtfix.core import Span
from mtfix.serve.errors import RequestError
from mtfix.serve.ltapi import form
from mtfix.serve.text import RequestText


def _utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def test_an_emoji_before_a_word_counts_two_code_units() -> None:
    text = RequestText.of_text("😀 Byden said 👍🏽 so.")
    start = text.plain.index("Byden")
    assert text.client_span(Span(start, start + 5)) == (3, 5)
    late = text.plain.index("so")
    assert text.client_span(Span(late, late + 2)) == (_utf16(text.plain[:late]), 2)
    assert text.plain_span(_utf16(text.plain[:late]), 2) == Span(late, late + 2)


@given(st.text(alphabet=st.sampled_from("ab \n😀é𝄞"), max_size=30), st.data())
def test_plain_text_offsets_round_trip(body: str, data: st.DataObject) -> None:
    text = RequestText.of_text(body)
    start = data.draw(st.integers(0, len(body)))
    end = data.draw(st.integers(start, len(body)))
    offset, length = text.client_span(Span(start, end))
    assert offset == _utf16(body[:start]) and length == _utf16(body[start:end])
    if end > start:
        assert text.plain_span(offset, length) == Span(start, end)


def test_markup_is_skipped_and_interpret_as_is_read() -> None:
    data = {
        "annotation": [
            {"text": "A "},
            {"markup": "<b>"},
            {"text": "noot"},
            {"markup": "</b>"},
            {"markup": "<p>", "interpretAs": "\n\n"},
            {"text": "I has a car."},
        ]
    }
    text = RequestText.of_data(json.dumps(data))
    assert text.plain == "A noot\n\nI has a car."
    assert text.original == "A <b>noot</b><p>I has a car."
    noot = text.plain.index("noot")
    assert text.client_span(Span(noot, noot + 4)) == (5, 4)
    has = text.plain.index("has")
    assert text.client_span(Span(has, has + 3)) == (text.original.index("has"), 3)
    # A span over the interpreted blank line covers the markup whole, tags around it not.
    assert text.original_span(Span(noot, has)) == Span(5, text.original.index("has"))
    # LanguageTool's offsets (markup counted) come back to the plain text.
    assert text.plain_span(5, 4) == Span(noot, noot + 4)
    assert text.plain_span(text.original.index("<b>"), 3) is None


def test_data_with_only_text_is_plain_text() -> None:
    assert RequestText.of_data('{"text": "Hi 😀 there"}').plain == "Hi 😀 there"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{bad", "Could not parse JSON from 'data' parameter"),
        ('{"x": 1}', "'data' key in JSON requires 'text' or 'annotation' key"),
        ("[1]", "'data' key in JSON requires 'text' or 'annotation' key"),
        ('{"annotation": [{"foo": "<b>"}]}', "Only 'text' and 'markup' are supported"),
        ('{"annotation": [{"text": "a", "markup": "<b>"}]}', "Only either 'text' or 'markup'"),
        ('{"annotation": [{"text": 5}]}', "'text', 'markup' and 'interpretAs' must be strings"),
    ],
)
def test_malformed_data_is_a_400_in_languagetools_words(data: str, message: str) -> None:
    with pytest.raises(RequestError) as caught:
        RequestText.of_data(data)
    assert caught.value.status == 400
    assert caught.value.message.startswith(message)
    assert "\n" not in caught.value.message


def test_a_body_that_is_not_utf8_is_a_400() -> None:
    assert form(b"text=caf%C3%A9&language=en-US&text=second") == {
        "text": "café",
        "language": "en-US",
    }
    for body in (b"text=\xff\xfe&language=en-US", b"text=%ff%fe&language=en-US"):
        with pytest.raises(RequestError, match="not valid UTF-8") as caught:
            form(body)
        assert caught.value.status == 400
