"""``mtfix batch``: clean many documents in parallel, resumably, with one manifest per output.

The driver (:mod:`mtfix.batch.runner`) discovers documents (:mod:`~mtfix.batch.inputs`), skips
those its SQLite manifest (:mod:`~mtfix.batch.manifest`) already holds for the same content and
options, hands the rest to an engine (:mod:`~mtfix.batch.engines`: a local process pool or Ray)
whose workers run :func:`mtfix.batch.worker.clean_document`, and alone writes the manifest and
the outputs. :mod:`~mtfix.batch.summary` turns the manifest into ``summary.json``,
``triage.csv`` and ``errors.jsonl``.
"""
