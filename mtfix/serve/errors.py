"""The one error a request can end in: an HTTP status and a one-line message."""

from __future__ import annotations


class RequestError(Exception):
    """A request the server cannot answer; ``str()`` is the message, one line, as LanguageTool
    words its own (the LanguageTool API prefixes ``Error: ``, the review API sends it as JSON)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(" ".join(message.split()))
        self.status = status

    @property
    def message(self) -> str:
        return str(self)
