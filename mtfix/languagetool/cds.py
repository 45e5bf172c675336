"""Class-data sharing (AppCDS) for LanguageTool's jars: a JVM that maps an archive of the classes
a check loads starts faster than one that reads and verifies them from 170 jars.

:func:`build` makes the archive once (``make languagetool`` runs ``python -m
mtfix.languagetool.cds``): a JVM started with ``-XX:ArchiveClassesAtExit`` answers a warm-up
check and exits, and the classes it loaded are dumped. The archive is named after the Java
version and the jars, so a new JDK or new jars simply build another one; a JVM that finds no
usable archive starts without one (``-Xshare:auto``). Beside it is a record of the class path it
was built on (each jar's size and time, as the JVM checks them): where that no longer matches,
the archive is not used and the next build replaces it, since a JVM given a stale archive
shares no classes at all.

CDS refuses a class path with a non-empty directory on it, and LanguageTool's server jar names
``./`` in its manifest's ``Class-Path``, so the archive is built (and used) with a copy of that
jar whose manifest drops the entry (its other entries name ``libs/*.jar`` files that a Maven
layout does not have).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from mtfix.languagetool import LANGUAGETOOL_VERSION, LanguageToolError
from mtfix.languagetool.install import find_java, free_port, require_jars
from mtfix.paths import cache_root

_MANIFEST = "META-INF/MANIFEST.MF"
# Enough English to load the rules, the tagger, the disambiguator and the speller.
WARM_UP_TEXT = (
    "This are a sentense with a eror in it. The goverment said they will meet on monday, "
    "but he dont know. She go to the market yesterday and buyed apples."
)


def cds_dir(version: str = LANGUAGETOOL_VERSION) -> Path:
    return cache_root() / "languagetool" / version / "cds"


def _lib(version: str) -> Path:
    return cache_root() / "languagetool" / version / "lib"


def _server_jar_name(version: str) -> str:
    return f"languagetool-server-{version}.jar"


def patched_server_jar(version: str = LANGUAGETOOL_VERSION) -> Path:
    return cds_dir(version) / _server_jar_name(version)


def _patch_manifest(data: bytes) -> bytes:
    lines = data.decode("utf-8").replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    in_class_path = False
    for line in lines:
        if line.startswith("Class-Path:"):
            in_class_path = True
            continue
        if in_class_path and line.startswith(" "):
            continue  # a continuation line of Class-Path
        in_class_path = False
        kept.append(line)
    return "\r\n".join(kept).encode("utf-8")


def _write_patched_jar(version: str) -> Path:
    source = _lib(version) / _server_jar_name(version)
    target = patched_server_jar(version)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".server-", suffix=".jar", dir=target.parent)
    os.close(fd)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, _patch_manifest(data) if info.filename == _MANIFEST else data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target


def jars(version: str = LANGUAGETOOL_VERSION, *, patched: bool = False) -> list[Path]:
    """The class path's jars, in a fixed order (CDS checks it entry by entry)."""
    server = _server_jar_name(version)
    found = sorted(p for p in _lib(version).glob("*.jar") if p.name != server)
    return [*found, patched_server_jar(version) if patched else _lib(version) / server]


def classpath(version: str = LANGUAGETOOL_VERSION, *, patched: bool = False) -> str:
    return os.pathsep.join(str(p) for p in jars(version, patched=patched))


def _key(java: Path, version: str) -> str:
    """A digest of what an archive depends on: the JVM binary and every jar's name and size."""
    digest = hashlib.sha256()
    real = java.resolve()
    stat = real.stat()
    digest.update(f"{real}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    for jar in jars(version):
        digest.update(f"{jar.name}:{jar.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def archive_path(java: Path, version: str = LANGUAGETOOL_VERSION) -> Path:
    return cds_dir(version) / f"languagetool-{_key(java, version)}.jsa"


def _classpath_record(path: Path) -> Path:
    return path.with_suffix(".classpath")


def _stamps(version: str) -> str:
    """Each class path entry with its size and modification time: what the JVM checks an
    archive against."""
    out = []
    for jar in jars(version, patched=True):
        stat = jar.stat()
        out.append(f"{jar}\t{stat.st_size}\t{stat.st_mtime_ns}\n")
    return "".join(out)


def _current(path: Path, version: str) -> bool:
    """Whether the archive ``path`` exists and the class path is the one it was built on. The
    JVM refuses an archive whose jars changed (a copied jar's new time is enough) and then shares
    no classes at all, not even the JDK's own: on an Intel Xeon such a stale archive made a cold
    ``mtfix check`` of the seed article 10.7 s where one without the archive took 7.6 s and a
    current one 6.9 s."""
    if not path.is_file():
        return False
    try:
        return _classpath_record(path).read_text(encoding="utf-8") == _stamps(version)
    except OSError:
        return False


def archive(java: Path, version: str = LANGUAGETOOL_VERSION) -> Path | None:
    """The archive for this JVM and these jars, if it was built on the class path as it is now
    (``MTFIX_LANGUAGETOOL_CDS=0`` turns class-data sharing off)."""
    if os.environ.get("MTFIX_LANGUAGETOOL_CDS", "1") == "0":
        return None
    if not patched_server_jar(version).is_file() or not (_lib(version)).is_dir():
        return None
    path = archive_path(java, version)
    return path if _current(path, version) else None


def java_options(path: Path) -> list[str]:
    # A stale archive is skipped silently (auto), not an error; its warnings are noise.
    return [
        f"-XX:SharedArchiveFile={path}",
        "-Xshare:auto",
        "-Xlog:cds=off",
        "-Xlog:cds+dynamic=off",
    ]


def build(java: Path, version: str = LANGUAGETOOL_VERSION, timeout: float = 300.0) -> Path:
    """Build the archive for ``java`` (a no-op when a current one exists); returns its path."""
    target = archive_path(java, version)
    if _current(target, version):
        return target
    _write_patched_jar(version)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    port = free_port()
    cmd = [
        str(java),
        "-Xss2m",
        f"-XX:ArchiveClassesAtExit={tmp}",
        "-Xlog:cds=off",
        "-Xlog:cds+dynamic=off",
        "-cp",
        classpath(version, patched=True),
        "org.languagetool.server.HTTPServer",
        "--port",
        str(port),
    ]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            _warm_up(f"http://127.0.0.1:{port}", proc, timeout)
            # The archive is written as the JVM exits: SIGTERM runs the normal shutdown.
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if not tmp.is_file():
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-1:]
            raise LanguageToolError(f"the class-data archive was not written: {' '.join(tail)}")
    record = _classpath_record(tmp)
    record.write_text(_stamps(version), encoding="utf-8")
    # The record goes last: an archive without one is stale, and is built again.
    os.replace(tmp, target)
    os.replace(record, _classpath_record(target))
    return target


def _warm_up(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    body = urllib.parse.urlencode({"language": "en-US", "text": WARM_UP_TEXT}).encode()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LanguageToolError(f"LanguageTool exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/v2/check", data=body, timeout=timeout):
                return
        except OSError:
            time.sleep(0.2)
    raise LanguageToolError(f"LanguageTool did not answer within {timeout:g}s")


def main() -> None:
    try:
        require_jars()
        java = find_java()
        started = time.monotonic()
        path = build(java)
    except LanguageToolError as exc:
        sys.exit(f"mtfix: error: {exc}")
    print(f"class-data archive: {path} ({time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
