"""The class-data archive is used only on the class path it was built on: the JVM refuses a
stale one and then shares no classes at all, so a stale archive is worse than none."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from mtfix.languagetool import LANGUAGETOOL_VERSION, cds
from mtfix.languagetool.install import find_java
from mtfix.paths import cache_root


def _later(path: Path) -> None:
    """What a re-copied jar looks like: the same bytes, a new modification time."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def test_an_archive_is_stale_once_a_jar_of_its_class_path_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MTFIX_CACHE", str(tmp_path))
    monkeypatch.delenv("MTFIX_LANGUAGETOOL_CDS", raising=False)
    lib = tmp_path / "languagetool" / LANGUAGETOOL_VERSION / "lib"
    lib.mkdir(parents=True)
    for name in ("a.jar", "b.jar", f"languagetool-server-{LANGUAGETOOL_VERSION}.jar"):
        (lib / name).write_bytes(b"PK")
    cds.patched_server_jar().parent.mkdir(parents=True)
    cds.patched_server_jar().write_bytes(b"PK")
    java = Path("/usr/bin/true")
    path = cds.archive_path(java)
    path.write_bytes(b"archive")
    assert cds.archive(java) is None  # no record of its class path: built by older code
    path.with_suffix(".classpath").write_text(cds._stamps(LANGUAGETOOL_VERSION), encoding="utf-8")
    assert cds.archive(java) == path
    _later(lib / "a.jar")
    assert cds.archive(java) is None
    # Rewritten for another build, the patched server jar makes it stale too.
    path.with_suffix(".classpath").write_text(cds._stamps(LANGUAGETOOL_VERSION), encoding="utf-8")
    assert cds.archive(java) == path
    _later(cds.patched_server_jar())
    assert cds.archive(java) is None


@pytest.mark.languagetool
def test_a_built_archive_is_one_the_jvm_maps_and_a_stale_one_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = cache_root() / "languagetool" / LANGUAGETOOL_VERSION / "lib"
    monkeypatch.setenv("MTFIX_CACHE", str(tmp_path))
    monkeypatch.delenv("MTFIX_LANGUAGETOOL_CDS", raising=False)
    (tmp_path / "languagetool" / LANGUAGETOOL_VERSION).mkdir(parents=True)
    (tmp_path / "languagetool" / LANGUAGETOOL_VERSION / "lib").symlink_to(lib)
    java = find_java()
    built = cds.build(java)
    assert cds.archive(java) == built

    def maps(archive: Path) -> bool:
        cmd = [str(java), "-Xshare:on", f"-XX:SharedArchiveFile={archive}"]
        cmd += ["-cp", cds.classpath(patched=True), "-version"]
        return subprocess.run(cmd, capture_output=True, check=False).returncode == 0

    assert maps(built)
    _later(cds.patched_server_jar())
    # What the JVM refuses, mtfix no longer hands it, and the next build replaces it.
    assert not maps(built) and cds.archive(java) is None
    rebuilt = cds.build(java)
    assert rebuilt == built and cds.archive(java) == rebuilt and maps(rebuilt)
