"""Engines run :func:`~mtfix.batch.worker.clean_document` over tasks and yield the outcomes as
they complete. Each keeps a bounded number of tasks in flight, so a huge corpus is never all in
memory, and each shares LanguageTool servers rather than starting one per worker:

- ``local``: a :class:`concurrent.futures.ProcessPoolExecutor`; the driver runs one supervised
  server (unless ``MTFIX_LANGUAGETOOL_URL`` names one already) and every worker uses its URL.
  LanguageTool answers concurrent requests on its own threads, so the workers' checks run in
  parallel.
- ``ray``: Ray tasks on a cluster (a local one without ``--address``); one supervised server per
  node, held by an actor pinned to that node, and each task uses its own node's server.

A supervised server (:class:`~mtfix.languagetool.supervisor.Supervisor`) keeps one URL while it
restarts a JVM that died or hung and recycles it on schedule, so every worker sees the restarted
server; :meth:`Engine.languagetool` reports what it did, for ``summary.json``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from types import TracebackType
from typing import Any, Literal, Protocol

from mtfix.batch.worker import URL_ENV, Outcome, Task, clean_document, init_local_worker
from mtfix.core import UnavailableError
from mtfix.languagetool.http import supervisor_status
from mtfix.languagetool.supervisor import Supervisor
from mtfix.pipeline import PipelineOptions

EngineName = Literal["local", "ray"]
# Tasks in flight per worker: enough that a worker never waits for the driver, few enough that
# the texts held in memory stay bounded.
IN_FLIGHT_PER_WORKER = 2


class Engine(Protocol):
    def __enter__(self) -> Engine: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]: ...

    def languagetool(self) -> dict[str, Any] | None: ...


def _needs_languagetool(options: PipelineOptions) -> bool:
    return "languagetool" in options.detectors


# What summary.json reports of the LanguageTool servers a run used.
_COUNTERS = ("requests", "restarts", "recycles")


def languagetool_report(
    stats: Iterable[dict[str, Any]], before: Iterable[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The servers' counters summed over nodes, less what they had counted before this run
    (a server that was already running)."""
    stats, before = list(stats), list(before)
    report: dict[str, Any] = {
        k: sum(int(s.get(k, 0)) for s in stats) - sum(int(b.get(k, 0)) for b in before)
        for k in _COUNTERS
    }
    report["servers"] = len(stats)
    if stats:
        report["heap"] = stats[0].get("heap")
        report["events"] = [e for s in stats for e in s.get("events", ()) if e["kind"] != "started"]
    return report


class LocalEngine:
    def __init__(self, options: PipelineOptions, jobs: int | None) -> None:
        self.options = options
        self.jobs = jobs or os.cpu_count() or 1
        self._stack = contextlib.ExitStack()
        self._pool: ProcessPoolExecutor | None = None
        self._supervisor: Supervisor | None = None
        self._shared_url: str | None = None
        self._before: dict[str, Any] | None = None

    def __enter__(self) -> LocalEngine:
        with self._stack as stack:
            url = os.environ.get(URL_ENV)
            if url is None and _needs_languagetool(self.options):
                self._supervisor = stack.enter_context(Supervisor())
                url = self._supervisor.url
            elif url is not None:
                self._shared_url, self._before = url, supervisor_status(url)
            # spawn, not fork: the driver holds a SQLite connection and threads (tqdm, the
            # server's log), neither of which survives a fork cleanly.
            self._pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=init_local_worker,
                initargs=(url, max(1, (os.cpu_count() or 1) // self.jobs)),
            )
            stack.callback(self._pool.shutdown, wait=True, cancel_futures=True)
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def languagetool(self) -> dict[str, Any] | None:
        if self._supervisor is not None:
            return languagetool_report([self._supervisor.stats()])
        if self._shared_url is not None and (now := supervisor_status(self._shared_url)):
            return languagetool_report([now], [self._before] if self._before else [])
        return None

    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        assert self._pool is not None, "use the engine as a context manager"
        pool, pending = self._pool, iter(tasks)
        keys: dict[Future[Outcome], str] = {}

        def submit(task: Task) -> Future[Outcome]:
            future = pool.submit(clean_document, self.options, task)
            keys[future] = task.key
            return future

        in_flight = {submit(t) for t in islice(pending, self.jobs * IN_FLIGHT_PER_WORKER)}
        while in_flight:
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            try:
                # Refill before handing results back, so workers stay busy while the driver
                # writes.
                in_flight |= {submit(t) for t in islice(pending, len(done))}
                outcomes = [future.result() for future in done]
            except BrokenProcessPool:
                # A worker died (killed, out of memory, a crash in native code): which document
                # did it cannot be told apart from the others in flight, so stop and name them.
                suspects = sorted(keys[f] for f in done | in_flight)
                raise UnavailableError(
                    f"a worker process died while cleaning one of {', '.join(suspects)}; "
                    "rerun to resume (finished documents are kept)"
                ) from None
            for future in done:
                del keys[future]
            yield from outcomes


class LanguageToolNode:
    """A Ray actor that owns one supervised LanguageTool server on its node."""

    def __init__(self) -> None:
        self._supervisor = Supervisor().start()

    def url(self) -> str:
        return self._supervisor.url

    def stats(self) -> dict[str, Any]:
        return self._supervisor.stats()


def clean_on_node(options: PipelineOptions, urls: dict[str, str], task: Task) -> Outcome:
    """A Ray task: point this worker at its own node's server, then clean as usual."""
    import ray

    if url := urls.get(ray.get_runtime_context().get_node_id()):
        os.environ[URL_ENV] = url
    return clean_document(options, task)


class RayEngine:
    def __init__(self, options: PipelineOptions, jobs: int | None, address: str | None) -> None:
        self.options = options
        # Without --jobs: the local cores, or on a cluster all of its CPUs (known after init).
        self.jobs = jobs or (0 if address else os.cpu_count() or 1)
        self.address = address
        self._urls: dict[str, str] = {}
        self._actors: list[Any] = []

    def __enter__(self) -> RayEngine:
        import ray

        if self.address:
            ray.init(address=self.address, log_to_driver=False)
        else:
            ray.init(num_cpus=self.jobs, include_dashboard=False, log_to_driver=False)
        self.jobs = self.jobs or int(ray.cluster_resources().get("CPU", 1))
        try:
            self._start_servers()
        except BaseException:
            ray.shutdown()
            raise
        return self

    def _start_servers(self) -> None:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        if not _needs_languagetool(self.options):
            return
        if not self.address and (url := os.environ.get(URL_ENV)):
            # A local cluster is this machine: a server that is already running serves it.
            self._urls = {ray.get_runtime_context().get_node_id(): url}
            return
        node_class = ray.remote(num_cpus=0)(LanguageToolNode)
        nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
        self._actors = [
            node_class.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)
            ).remote()
            for node in nodes
        ]
        urls = ray.get([actor.url.remote() for actor in self._actors])
        self._urls = dict(zip(nodes, urls, strict=True))

    def languagetool(self) -> dict[str, Any] | None:
        import ray

        if not self._actors:
            return None
        return languagetool_report(ray.get([actor.stats.remote() for actor in self._actors]))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import ray

        # The actors (and their servers) belong to this driver and go with it.
        self._actors = []
        ray.shutdown()

    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        import ray

        remote = ray.remote(num_cpus=1)(clean_on_node)
        options, urls = ray.put(self.options), ray.put(self._urls)
        pending = iter(tasks)

        def submit(batch: Iterable[Task]) -> list[Any]:
            return [remote.remote(options, urls, task) for task in batch]

        in_flight = submit(islice(pending, self.jobs * IN_FLIGHT_PER_WORKER))
        while in_flight:
            done, in_flight = ray.wait(in_flight, num_returns=1)
            in_flight += submit(islice(pending, len(done)))
            yield from ray.get(done)


def make_engine(
    name: EngineName, options: PipelineOptions, jobs: int | None, address: str | None = None
) -> Engine:
    if name == "ray":
        return RayEngine(options, jobs, address)
    return LocalEngine(options, jobs)
