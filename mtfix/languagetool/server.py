"""The LanguageTool server this process uses, for code that wants a URL to talk to: what
``MTFIX_LANGUAGETOOL_URL`` names, the daemon (when the command asked for it), or this process's
own supervised server, started on first use and stopped at exit, SIGTERM and Ctrl-C
(:mod:`mtfix.languagetool.client` decides which). The JVM itself is
:class:`~mtfix.languagetool.jvm.LanguageToolServer`.
"""

from __future__ import annotations

from mtfix.languagetool import LanguageToolError, client
from mtfix.languagetool.install import find_java, jar_dir, java_version
from mtfix.languagetool.jvm import LanguageToolServer

__all__ = [
    "LanguageToolError",
    "LanguageToolServer",
    "find_java",
    "jar_dir",
    "java_version",
    "shared_url",
    "shutdown_shared",
]


def shared_url() -> str:
    """The URL of the server this process uses, starting its own on first use. A supervisor's
    URL stays the same while the JVMs behind it are replaced."""
    return client.endpoint().url


def shutdown_shared() -> None:
    """Stop this process's own server, if it started one (a URL given or the daemon is left)."""
    client.shutdown()
