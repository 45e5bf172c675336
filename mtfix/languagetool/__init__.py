"""LanguageTool as a service mtfix runs: the local server process and its lifecycle
(:mod:`mtfix.languagetool.server`). The detector that reads its matches is
:mod:`mtfix.detect.languagetool`."""

# The version whose jars `make languagetool` fetches (languagetool/pom.xml); in every signature.
LANGUAGETOOL_VERSION = "6.8"
