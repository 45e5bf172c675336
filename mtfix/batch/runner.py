"""The batch driver: plan, run, record, report. Only this process writes the manifest and the
outputs, so workers (local or on a cluster) need nothing but the text they clean.

Order of writes, which is what makes a killed run safe to rerun:
- a text or CAT document's outputs are written (atomically) before its manifest row is committed,
  so a committed row always has its outputs, and a kill in between only means the document is
  redone;
- a JSONL source's outputs are assembled from committed rows once all of its documents are
  settled, and again at the end of every run, so a kill before assembly is repaired by the rerun.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mtfix.batch import outputs, summary
from mtfix.batch.engines import EngineName, make_engine
from mtfix.batch.inputs import Doc, Source, discover, documents
from mtfix.batch.manifest import FINISHED, Manifest, Record
from mtfix.batch.worker import Outcome, Task
from mtfix.formats.base import require_cat_extra
from mtfix.io import InputError, OutputError, check_output_dir
from mtfix.pipeline import PipelineOptions

LOCK_NAME = ".batch.lock"
# Text, JSONL and the CAT files translators get (.pot templates have no MT to check).
DEFAULT_GLOBS = ("*.txt", "*.jsonl", "*.xlf", "*.xliff", "*.sdlxliff", "*.tmx", "*.po")
# Outputs written file by file, each as its document settles.
PER_FILE: tuple[str, ...] = ("text", "cat")


@dataclass(frozen=True)
class BatchOptions:
    inputs: tuple[str, ...]
    out_dir: Path
    pipeline: PipelineOptions = field(default_factory=PipelineOptions)
    globs: tuple[str, ...] = DEFAULT_GLOBS
    id_field: str = "id"
    text_field: str = "text"
    engine: EngineName = "local"
    jobs: int | None = None
    address: str | None = None
    progress: bool = True
    # The text each input text file translates: a file (one text input) or a directory that
    # mirrors the inputs.
    source: Path | None = None
    # Redo into an --out made with other options (its documents are redone with these).
    force: bool = False


@dataclass(frozen=True)
class BatchResult:
    summary: dict[str, Any]

    @property
    def failed(self) -> int:
        return int(self.summary["documents"]["failed"])


@contextlib.contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    """One run per output directory; the kernel drops the lock when its holder dies."""
    with open(out_dir / LOCK_NAME, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{out_dir}: another batch is writing to this directory") from None
        yield


def _same_options(out_dir: Path, manifest: Manifest, signature: str) -> None:
    """Refuse to mix outputs of two option sets in one directory, naming what differs."""
    others = manifest.signatures() - {signature}
    if not others:
        return
    ours = dict(part.split(":", 1) for part in signature.split("|"))
    theirs = dict(part.split(":", 1) for part in sorted(others)[0].split("|"))
    differ = [
        f"{k} {theirs.get(k, 'none')} -> {ours.get(k, 'none')}"
        for k in sorted(ours.keys() | theirs.keys())
        if ours.get(k) != theirs.get(k)
    ]
    raise InputError(
        f"{out_dir}: made with other options ({', '.join(differ)}); "
        "use --force to redo its documents with these, or another --out"
    )


def _inputs(opts: BatchOptions) -> tuple[list[Source], PipelineOptions]:
    """The batch's input files and the options they are cleaned with: bad inputs or options
    (a glossary with no source to read it) fail here, before anything is written."""
    sources = discover(opts.inputs, opts.globs, opts.out_dir, opts.source)
    cat = any(s.kind == "cat" for s in sources)
    if cat:
        require_cat_extra()
    return sources, opts.pipeline.with_source(cat or opts.source is not None)


class _Run:
    def __init__(
        self,
        opts: BatchOptions,
        manifest: Manifest,
        sources: list[Source],
        options: PipelineOptions,
    ) -> None:
        self.opts = opts
        self.out = opts.out_dir
        self.manifest = manifest
        self.sources = sources
        self.options = options
        self.signature = options.signature()
        # Documents of each source still to clean; a JSONL source is assembled when it hits 0.
        self.pending: Counter[str] = Counter()
        self.in_flight: dict[str, Doc] = {}
        self.cleaned = self.words = self.sentences = 0

    def _documents(self, sources: list[Source] | None = None) -> Iterator[Doc]:
        opts = self.opts
        return documents(sources or self.sources, opts.id_field, opts.text_field)

    def _settled(self, doc: Doc) -> Record | None:
        record = self.manifest.lookup(doc.key, doc.digest, self.signature)
        return record if record is not None and record.state in FINISHED else None

    def _record(self, doc: Doc, **fields: Any) -> None:
        self.manifest.record(
            key=doc.key,
            source=doc.source.output,
            doc_id=doc.doc_id,
            digest=doc.digest,
            signature=self.signature,
            **fields,
        )

    def plan(self) -> list[Doc]:
        """Every document without its text; records unusable inputs and counts what is left."""
        docs = []
        for doc in self._documents():
            docs.append(replace(doc, text=None, record=None, source_text=None, units=()))
            settled = self._settled(doc)
            if settled is not None:
                if settled.state == "done" and doc.source.kind in PER_FILE:
                    self._restore(doc, settled)
            elif doc.error is not None:
                self._record(doc, state="invalid", error=doc.error)
                if doc.source.kind in PER_FILE:
                    outputs.remove_outputs(self.out, doc.source.output)
            else:
                self.pending[doc.source.output] += 1
        return docs

    def _restore(self, doc: Doc, record: Record) -> None:
        # Done in an earlier run but its output is gone (deleted by hand): rewrite it.
        if record.result is not None and not outputs.text_document_written(
            self.out, doc.source.output
        ):
            self._write(doc, record.result)

    def _write(self, doc: Doc, result: dict[str, Any]) -> None:
        output = doc.source.output
        if doc.source.kind == "cat":
            outputs.write_cat_document(
                self.out, output, doc.source.path, doc.digest, doc.doc_id, result
            )
        else:
            outputs.write_text_document(self.out, output, doc.doc_id, result)

    def tasks(self) -> Iterator[Task]:
        for doc in self._documents():
            if doc.text is None or self._settled(doc) is not None:
                continue
            self.in_flight[doc.key] = replace(
                doc, text=None, record=None, source_text=None, units=()
            )
            source = doc.source
            names = (str(source.path), str(source.translated_from))
            yield Task(doc.key, doc.text, doc.source_text, doc.units, *names)

    def settle(self, outcome: Outcome) -> None:
        doc = self.in_flight.pop(outcome.key)
        counts = {"words": outcome.words, "sentences": outcome.sentences}
        error = outcome.error
        if outcome.result is not None and doc.source.kind in PER_FILE:
            try:
                self._write(doc, outcome.result)
            except (InputError, OutputError) as exc:
                error = str(exc)
        if outcome.result is None or error is not None:
            state = "invalid" if outcome.invalid else "failed"
            self._record(doc, state=state, error=error, **counts)
            if doc.source.kind in PER_FILE:
                outputs.remove_outputs(self.out, doc.source.output)
        else:
            self._record(doc, state="done", result=outcome.result, **counts)
            self.cleaned += 1
            self.words += outcome.words
            self.sentences += outcome.sentences
        self.pending[doc.source.output] -= 1
        if not self.pending[doc.source.output] and doc.source.kind == "jsonl":
            self.assemble(doc.source)

    def assemble(self, source: Source) -> None:
        def done() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
            for doc in self._documents([source]):
                record = self._settled(doc)
                if record is not None and record.result is not None and doc.record is not None:
                    yield doc.doc_id, doc.record, record.result

        outputs.write_jsonl(self.out, source.output, self.opts.text_field, done())

    def finish(self) -> None:
        for source in self.sources:
            if source.kind == "jsonl" and not self.pending[source.output]:
                self.assemble(source)


def run_batch(opts: BatchOptions) -> BatchResult:
    """Clean every document of ``opts.inputs`` into ``opts.out_dir``; see the module docs."""
    start = time.perf_counter()
    # An output directory that cannot be written fails before any input is read.
    check_output_dir(opts.out_dir)
    sources, options = _inputs(opts)
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(opts.out_dir), Manifest(opts.out_dir) as manifest:
        if not opts.force:
            _same_options(opts.out_dir, manifest, options.signature())
        outputs.sweep_temporaries(opts.out_dir)
        run = _Run(opts, manifest, sources, options)
        docs = run.plan()
        total = sum(run.pending.values())
        # The LanguageTool servers' requests, restarts and recycles during this run.
        languagetool: dict[str, Any] | None = None
        if total:
            engine = make_engine(opts.engine, run.options, opts.jobs, opts.address)
            with (
                engine,
                tqdm(
                    total=total,
                    unit="doc",
                    desc="mtfix batch",
                    file=sys.stderr,
                    disable=not opts.progress,
                    dynamic_ncols=True,
                ) as bar,
            ):
                for outcome in engine.run(run.tasks()):
                    run.settle(outcome)
                    bar.update(1)
                    elapsed = bar.format_dict["elapsed"] or 1e-9
                    bar.set_postfix(sentences_per_s=f"{run.sentences / elapsed:.1f}", refresh=False)
                languagetool = engine.languagetool()
        run.finish()
        records = {r.key: r for r in manifest.records()}
        inconsistent = summary.inconsistent(docs, records)
        wall = time.perf_counter() - start
        report = summary.build(
            docs,
            records,
            summary.RunStats(run.cleaned, run.words, run.sentences, wall),
            {
                "signature": run.signature,
                "engine": opts.engine,
                "jobs": opts.jobs or os.cpu_count(),
                "languagetool": languagetool,
            },
            inconsistent,
        )
        summary.write(opts.out_dir, report, docs, records, inconsistent)
    return BatchResult(report)
