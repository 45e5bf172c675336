"""``mtfix doctor``: is everything mtfix needs here, and if not, how to fix it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from mtfix.languagetool import LANGUAGETOOL_VERSION, cds, daemon
from mtfix.languagetool import server as lt
from mtfix.languagetool.settings import java_size


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    ok: bool
    detail: str
    hint: str = ""


def run_checks() -> Iterator[CheckOutcome]:
    try:
        java = lt.find_java()
    except lt.LanguageToolError as exc:
        yield CheckOutcome("java", False, str(exc), "apt-get install openjdk-17-jre-headless")
        return
    yield CheckOutcome("java", True, f"{java} ({lt.java_version(java)})")

    jars = lt.jar_dir()
    server_jar = jars / f"languagetool-server-{LANGUAGETOOL_VERSION}.jar"
    if not server_jar.is_file():
        yield CheckOutcome(
            "languagetool",
            False,
            f"LanguageTool {LANGUAGETOOL_VERSION} not in {jars}",
            "make languagetool  (fetches the jars from Maven Central with mvn)",
        )
        return
    yield CheckOutcome("languagetool", True, f"version {LANGUAGETOOL_VERSION} in {jars}")

    archive = cds.archive(java)
    # Not a failure: without the archive the JVM only starts slower.
    yield CheckOutcome(
        "class-data archive",
        True,
        str(archive)
        if archive
        else "not built, or built on other jars: the JVM starts slower (make languagetool-cds)",
    )

    started = time.monotonic()
    try:
        with lt.LanguageToolServer() as server:
            detail = (
                f"started on {server.url} in {time.monotonic() - started:.1f}s "
                f"(heap {java_size(server.settings.heap)})"
            )
    except lt.LanguageToolError as exc:
        yield CheckOutcome("server", False, str(exc), "check the java version and free memory")
        return
    yield CheckOutcome("server", True, detail)

    state = daemon.status()
    running = f"pid {state['pid']} at {state['url']}" if state else "not running"
    yield CheckOutcome("daemon", True, f"{running} ({daemon.daemon_dir()})")
