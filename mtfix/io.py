"""Reading inputs safely and writing outputs atomically.

Every problem with an input becomes an :class:`InputError` whose message names the file and the
problem in one line; the CLI prints it and exits non-zero. Outputs go to a temporary file in the
destination directory and are renamed into place, so a reader never sees a partial file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

STDIN = "-"
# Above this a "text" file is more likely a dump or a mistake than an article.
MAX_INPUT_BYTES = 50 * 1024 * 1024
_BINARY_SNIFF_BYTES = 8192


class InputError(ValueError):
    """An input that mtfix cannot use; ``str()`` is the one-line message for the user."""


def decode(data: bytes, name: str, *, allow_empty: bool = False) -> str:
    if not data.strip() and not allow_empty:
        raise InputError(f"{name}: file is empty")
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise InputError(f"{name}: binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{name}: invalid UTF-8 at byte {exc.start} (line {line})") from None
    # A BOM is an encoding mark, not text: offsets are into the text after it.
    return text.removeprefix("\ufeff")


def read_bytes(path: str | Path) -> bytes:
    name = str(path)
    if name == STDIN:
        return sys.stdin.buffer.read()
    p = Path(path)
    if not p.exists():
        raise InputError(f"{name}: no such file")
    if p.is_dir():
        raise InputError(f"{name}: is a directory, expected a text file")
    try:
        size = p.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(f"{name}: file too large ({size} bytes > {MAX_INPUT_BYTES})")
        return p.read_bytes()
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None


def read_text(path: str | Path, *, allow_empty: bool = False) -> str:
    """The UTF-8 text of ``path`` (``-`` for stdin), or an InputError saying what is wrong."""
    name = "<stdin>" if str(path) == STDIN else str(path)
    return decode(read_bytes(path), name, allow_empty=allow_empty)


def read_lines(path: str | Path) -> list[str]:
    """Line-aligned files: one segment per line, without the line ends."""
    return read_text(path).splitlines()


@contextlib.contextmanager
def atomic_writer(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary sibling of ``path`` and rename it into place on success only; ``mode``
    "wb" for bytes (a CAT file keeps its own declared encoding)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        binary = "b" in mode
        encoding, newline = (None, None) if binary else ("utf-8", "")
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | Path, text: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(text)
