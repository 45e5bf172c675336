"""detect.run: a detector that waits on a server runs beside the others, flags in order, and
Ctrl-C during its wait does not wait for it."""

from __future__ import annotations

import signal
import threading
from functools import partial

import pytest

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


class _Hangs:
    """A server that does not answer until the test lets it."""

    name = "hangs"
    waits = True

    def __init__(self) -> None:
        self.release, self.answered = threading.Event(), threading.Event()

    def detect(self, doc: Document) -> list[Flag]:
        self.release.wait(10)
        self.answered.set()
        return []


def test_ctrl_c_during_the_wait_does_not_wait_for_the_answer() -> None:
    hangs = _Hangs()
    # Python's own Ctrl-C handler, as in a command (a test before may have left another).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    ctrl_c = partial(signal.pthread_kill, threading.main_thread().ident, signal.SIGINT)
    threading.Timer(0.2, ctrl_c).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            detect.run([hangs, _Works(threading.Event())], document_of("One sentence."))
        assert not hangs.answered.is_set(), "the interrupt waited for the detector's answer"
    finally:
        signal.signal(signal.SIGINT, previous)
        hangs.release.set()
