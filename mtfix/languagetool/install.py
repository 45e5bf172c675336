"""Where LanguageTool's pieces are: the Java binary, the jars ``make languagetool`` fetched into
the cache, and a free loopback port for a server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

from mtfix.languagetool import LANGUAGETOOL_VERSION, LanguageToolError
from mtfix.paths import cache_root


def jar_dir(version: str = LANGUAGETOOL_VERSION) -> Path:
    return cache_root() / "languagetool" / version / "lib"


def server_jar(version: str = LANGUAGETOOL_VERSION) -> Path:
    return jar_dir(version) / f"languagetool-server-{version}.jar"


def require_jars(version: str = LANGUAGETOOL_VERSION) -> Path:
    jars = jar_dir(version)
    if not server_jar(version).is_file():
        raise LanguageToolError(
            f"LanguageTool {version} jars not found in {jars}: run `make languagetool`"
        )
    return jars


def find_java() -> Path:
    """The java binary: ``MTFIX_JAVA``, then ``$JAVA_HOME/bin/java``, then ``java`` on PATH."""
    candidates = [os.environ.get("MTFIX_JAVA")]
    if java_home := os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(java_home) / "bin" / "java"))
    candidates.append(shutil.which("java"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise LanguageToolError(
        "Java not found: install Java 17+ (apt-get install openjdk-17-jre-headless) "
        "or set MTFIX_JAVA / JAVA_HOME"
    )


def java_version(java: Path) -> str:
    out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30)
    first = (out.stderr or out.stdout).splitlines()
    return first[0] if first else "unknown"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
