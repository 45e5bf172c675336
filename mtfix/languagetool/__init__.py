"""LanguageTool as a service mtfix runs: the local server process and its lifecycle
(:mod:`mtfix.languagetool.server`). The detector that reads its matches is
:mod:`mtfix.detect.languagetool`."""
