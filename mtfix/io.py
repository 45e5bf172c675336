"""Reading inputs safely and writing outputs atomically.

Every problem with an input becomes an :class:`InputError`, and every output that cannot be
written an :class:`OutputError`, whose message names the file and the problem in one line; the
CLI prints it and exits 2.

Reads are bounded: at most :func:`max_input_bytes` bytes are read from a file, a pipe or a
device, whatever ``st_size`` says (``/dev/zero`` and an endless pipe are refused at the limit).
Outputs go to a temporary file in the destination directory and are renamed into place, so a
reader never sees a partial file; a new file gets the user's umask, a file written over keeps its
mode, and a symbolic link is written through (its target is replaced, the link stays).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO

STDIN = "-"
MAX_INPUT_ENV = "MTFIX_MAX_INPUT_BYTES"
# The largest input mtfix reads (README, Reliability and limits): about 2,500 pages of text, far
# above an article, and what `mtfix check` gets through in minutes, not hours, on two cores.
DEFAULT_MAX_INPUT_BYTES = 8 * 1024 * 1024
_READ_CHUNK = 1 << 20
# Write failures that are the destination's fault, not the program's: one line, exit 2.
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EACCES})


class InputError(ValueError):
    """An input that mtfix cannot use; ``str()`` is the one-line message for the user."""


class OutputError(ValueError):
    """An output that mtfix cannot write; ``str()`` is the one-line message for the user."""


def max_input_bytes() -> int:
    """The read limit: ``MTFIX_MAX_INPUT_BYTES`` (a positive number of bytes), else the default."""
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_BYTES
    if not raw.isdigit() or int(raw) <= 0:
        raise InputError(f"{MAX_INPUT_ENV}={raw!r}: expected a positive number of bytes")
    return int(raw)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def decode(data: bytes, name: str, *, allow_empty: bool = False) -> str:
    if not data.strip() and not allow_empty:
        raise InputError(f"{name}: file is empty")
    if b"\x00" in data:
        raise InputError(f"{name}: binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{name}: invalid UTF-8 at byte {exc.start} (line {line})") from None
    # A BOM is an encoding mark, not text: offsets are into the text after it.
    return text.removeprefix("\ufeff")


def _read_bounded(handle: BinaryIO, name: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = handle.read(min(_READ_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise InputError(
                f"{name}: larger than the {_size(limit)} input limit "
                f"(split it, or raise {MAX_INPUT_ENV})"
            )
        chunks.append(chunk)


def read_bytes(path: str | Path, *, limit: int | None = None) -> bytes:
    """The bytes of ``path`` (``-`` for stdin), at most ``limit`` (default
    :func:`max_input_bytes`) of them: past it, an InputError."""
    limit = max_input_bytes() if limit is None else limit
    name = str(path)
    if name == STDIN:
        return _read_bounded(sys.stdin.buffer, "<stdin>", limit)
    try:
        with open(path, "rb") as handle:
            return _read_bounded(handle, name, limit)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, expected a text file") from None
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


def umask() -> int:
    """The process's umask, read without changing it where the kernel says it."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _destination(path: Path) -> Path:
    """Where writing ``path`` really goes: through any symbolic link, to the file it names."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        raise OutputError(f"{path}: a symbolic link to {target}, whose directory does not exist")
    return target


def _existing_ancestor(path: Path) -> Path:
    for parent in path.absolute().parents:
        if parent.exists():
            return parent
    return Path("/")


def check_output(
    path: str | Path, *, inputs: Sequence[str | Path] = (), in_place: bool = False
) -> Path:
    """Make sure ``path`` can be written before any work starts, and return where it writes to
    (through a symbolic link). An input named as the output is refused unless ``in_place``;
    the directory is tested by creating (and removing) a file in it, which is the only test
    that also holds for root and for read-only file systems."""
    given = Path(path)
    target = _destination(given)
    if target.is_dir():
        raise OutputError(f"{given}: is a directory, expected a file name")
    for source in inputs:
        if str(source) == STDIN or not target.exists():
            continue
        with contextlib.suppress(OSError):
            if os.path.samefile(target, source) and not in_place:
                raise OutputError(
                    f"{given}: is the input file; give another name, or --in-place to replace it"
                )
    directory = target.parent if target.parent.is_dir() else _existing_ancestor(target)
    if not directory.is_dir():
        raise OutputError(f"{given}: {directory} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"{given}: cannot write in {directory} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    return target


def check_output_dir(path: str | Path) -> Path:
    """As :func:`check_output`, for a directory that is (or will be) filled with outputs."""
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory}: exists and is not a directory")
    probe_in = directory if directory.is_dir() else _existing_ancestor(directory)
    if not probe_in.is_dir():
        raise OutputError(f"{directory}: {probe_in} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".mtfix-probe.", suffix=".tmp", dir=probe_in)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot write in {probe_in} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    return directory


@contextlib.contextmanager
def atomic_writer(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary sibling of ``path`` and rename it into place on success only; ``mode``
    "wb" for bytes (a CAT file keeps its own declared encoding). The file gets the mode of the
    one it replaces, else the umask's; a symbolic link is written through."""
    given = Path(path)
    target = _destination(given)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{given}: cannot write ({exc.strerror})") from None
    try:
        try:
            existing = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            existing = 0o666 & ~umask()
        os.fchmod(fd, existing)
        binary = "b" in mode
        encoding, newline = (None, None) if binary else ("utf-8", "")
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in _FULL:
            raise OutputError(f"{given}: cannot write ({exc.strerror})") from None
        raise


def write_text(path: str | Path, text: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(text)
