"""``mtfix serve``: one local server for editors and people.

- :mod:`mtfix.serve.ltapi`: LanguageTool's HTTP API v2 (``/v2/check``, ``/v2/languages``,
  ``/v2/info``...), so every LanguageTool client (OmegaT, LibreOffice, LTeX, the browser
  extensions, ``language_tool_python``) gets mtfix's flags and proposals with no plug-in;
  :mod:`mtfix.serve.text` maps offsets to the UTF-16 code units of what the client sent;
- :mod:`mtfix.serve.review`: review sessions behind the page at ``/``, the post-edit log, and
  writing the reviewed text back to the one file ``mtfix review`` opened;
- :mod:`mtfix.serve.engine`: the warm resources (detectors, rewriters, LanguageTool) and the
  check a request runs; :mod:`mtfix.serve.worker`: the model in one thread, with a queue;
- :mod:`mtfix.serve.app`: the Starlette app; :mod:`mtfix.serve.server`: running it on uvicorn.

Needs the ``serve`` extra (Starlette, uvicorn).
"""
