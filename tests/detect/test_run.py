"""detect.run: a detector that waits on a server runs beside the others, flags in order."""

from __future__ import annotations

import threading

from mtfix import detect
from mtfix.core import Document, Flag, Span
from tests.conftest import document_of


class _Waits:
    """Waits for the other detector to have run: only possible when it runs in a thread."""

    name = "waits"
    waits = True

    def __init__(self, other_ran: threading.Event) -> None:
        self.other_ran = other_ran

    def detect(self, doc: Document) -> list[Flag]:
        assert self.other_ran.wait(10), "ran alone, not beside the other detector"
        return [Flag(Span(0, 1), self.name, "W", "x", "waited")]


class _Works:
    name = "works"

    def __init__(self, ran: threading.Event) -> None:
        self.ran = ran

    def detect(self, doc: Document) -> list[Flag]:
        self.ran.set()
        return [Flag(Span(2, 3), self.name, "X", "x", "worked")]


def test_a_waiting_detector_runs_beside_the_others_in_order() -> None:
    ran = threading.Event()
    flags = detect.run([_Waits(ran), _Works(ran)], document_of("One sentence."))
    assert [f.detector for f in flags] == ["waits", "works"]
