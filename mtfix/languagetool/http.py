"""The few HTTP requests mtfix makes to LanguageTool and its supervisors (the standard library's
``http.client``: one connection per request, a timeout on every one)."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STATUS_PATH = "/mtfix/status"
_MESSAGE_CHARS = 300

# What a request that never got an answer raises (refused, reset, timed out: TimeoutError).
RequestFailure = (OSError, http.client.HTTPException)


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    retry_after: str | None = None


def request(
    method: str,
    url: str,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> Response:
    """One request to ``url`` (``http://host:port/path``); raises one of RequestFailure."""
    parts = urllib.parse.urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body or None, headers=dict(headers or {}))
        response = connection.getresponse()
        data = response.read()
        return Response(
            response.status,
            response.getheader("Content-Type", ""),
            data,
            response.getheader("Retry-After"),
        )
    finally:
        connection.close()


def one_line(data: bytes) -> str:
    """A server's answer as one short line, for an error message."""
    text = " ".join(data.decode("utf-8", "replace").split())
    return text[:_MESSAGE_CHARS] + ("..." if len(text) > _MESSAGE_CHARS else "")


def supervisor_status(url: str, timeout: float = 3.0) -> dict[str, Any] | None:
    """A supervisor's status (its counters, its JVM), or None if ``url`` is not one."""
    try:
        response = request("GET", url + STATUS_PATH, timeout=timeout)
        answer = json.loads(response.body) if response.status == 200 else None
    except (*RequestFailure, ValueError):
        return None
    return answer if isinstance(answer, dict) and answer.get("supervisor") is True else None
