"""LanguageTool as a service mtfix runs and supervises:

- :mod:`~mtfix.languagetool.settings`: heap, timeouts, retries and recycling, from the environment;
- :mod:`~mtfix.languagetool.jvm`: one JVM running LanguageTool's HTTP server (bounded heap,
  class-data sharing, dies with its owner);
- :mod:`~mtfix.languagetool.cds`: the AppCDS archive of LanguageTool's classes, built once;
- :mod:`~mtfix.languagetool.supervisor`: a stable loopback URL in front of a JVM it restarts when
  it dies or hangs and recycles on schedule, retrying the requests that failed;
- :mod:`~mtfix.languagetool.daemon`: one supervisor kept warm between CLI calls;
- :mod:`~mtfix.languagetool.client`: where the server is (an URL given, the daemon, or one of
  this process's own) and a check request with a deadline; :mod:`~mtfix.languagetool.server`
  the URL of that server for code that talks to it itself.

The detector that reads the matches is :mod:`mtfix.detect.languagetool`. This module stays light:
the pipeline imports it for the version without the HTTP stack.
"""

from mtfix.core import UnavailableError

# The version whose jars `make languagetool` fetches (languagetool/pom.xml); in every signature.
LANGUAGETOOL_VERSION = "6.8"


class LanguageToolError(UnavailableError):
    """LanguageTool cannot be used (Java or the jars missing, the server cannot start or be
    reached); the message says why. The CLI's exit 3; it stops a batch."""


class LanguageToolRequestError(LanguageToolError):
    """One request failed although the service is there: it timed out, or the server died on it
    more often than the retries allow. Still exit 3 for ``check``; in a batch only that document
    fails (``errors.jsonl``) and the batch goes on."""
