"""Scoring what ``clean()`` produced: corpus metrics, edits, flags, significance, suites, the gate.

``mtfix eval`` (:mod:`mtfix.evaluate.command`) is the front end; each module does one job:
``metrics`` (sacrebleu), ``edits`` (ERRANT), ``flags`` (detector flags vs gold spans),
``significance`` (paired bootstrap), ``suites`` (eval/suites.toml and its data), ``systems``
(running the pipeline on a suite), ``score`` (one :class:`~mtfix.evaluate.score.Evaluation`),
``report`` and ``html`` (renderings), ``gate`` (eval/baseline.json).
"""
