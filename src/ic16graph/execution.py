"""Run queries in worker processes with limits that hold: time, result size, concurrency, reach.

Neither pyoxigraph nor rdflib can cancel a running query from Python, so each query runs in one
of N worker processes (forked from a forkserver that has already imported the engine), each
holding its own engine opened from the build artefact (`engine.open_engine`). The worker
serialises the answer to bytes in the requested media type; when the time limit passes first,
the worker is killed (which really frees the CPU) and a fresh one takes its place in the
background.

A worker evaluates in a thread with a deep stack (pyoxigraph's parser and evaluator recurse, and
a few thousand nested groups or chained patterns overflow the default 8 MiB and crash the
process) and under a cap on its memory beyond the loaded dataset (`RLIMIT_DATA`), so no query
within the length limit can crash a worker or starve the machine: past the cap pyoxigraph aborts
the worker, which is reported as the query's fault and replaced.

Fairness: at most `limits.max_waiting` queries wait for a worker, each at most
`limits.queue_timeout`; and when the edge names the client (`CLIENT`), one client runs at most
`share` queries at once (all workers but one), so nobody can occupy the whole pool.

Checks that need no evaluation (length, SERVICE, updates) happen here before dispatch, so every
route that runs a query gets them. The exceptions carry messages written for the client; the
HTTP layer only maps their classes to status codes.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import multiprocessing
import re
import resource
import signal
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

import anyio.to_thread
from pyoxigraph import QueryResultsFormat, parse_query_results

from ic16graph import sparql_guard
from ic16graph.build import GraphInfo
from ic16graph.engine import (
    QueryEngine,
    QueryNotAllowed,
    QueryResult,
    QuerySyntaxError,
    open_engine,
)

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["ic16graph.engine"])
_READY = "ready"
_STARTUP_SECONDS = 300.0  # loading a large artefact takes a while; a dead worker is seen at once
_TSV_MEDIA_TYPE = "text/tab-separated-values"
# The evaluator thread's stack: the deepest query of n characters nests about n/2 levels, at up
# to ~3.3 KiB of native stack each (measured with nested groups); reserved, touched only if used.
_STACK_BASE, _STACK_PER_CHARACTER = 64 << 20, 4 << 10
_VM_DATA = re.compile(r"^VmData:\s+(\d+) kB$", re.MULTILINE)
CLIENT: ContextVar[str | None] = ContextVar("ic16graph_client", default=None)
"""Who is asking (set by the HTTP edge for each request); None means no per-client share."""
READ_ONLY_MESSAGE = (
    "This endpoint is read-only: SPARQL Update is not accepted. The data is maintained as Turtle "
    "files in the data/ folder of the ic16graph repository; propose changes there."
)


@dataclass(frozen=True)
class Artefact:
    """A written build (`dataset.nq` + `manifest.json`), as the workers load it."""

    version: str
    base_iri: str
    graphs: tuple[GraphInfo, ...]
    conforms: bool  # the validation verdict recorded at build time

    @classmethod
    def read(cls, build_dir: Path) -> Artefact:
        manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
        graphs = tuple(GraphInfo(**graph) for graph in manifest["graphs"])
        conforms = bool(manifest["validation"]["conforms"])
        return cls(manifest["version"], manifest["base_iri"], graphs, conforms)


@dataclass(frozen=True)
class QueryJob:
    """One query to run, with the media type to answer in for each kind of result.

    The kind of result (solutions or a graph) is only certain after parsing, so the caller
    negotiates both; None means the client accepts no format for that kind.
    """

    sparql: str
    results_media_type: str | None  # SELECT and ASK
    graph_media_type: str | None  # CONSTRUCT and DESCRIBE
    inference: bool = True
    default_graph_uris: tuple[str, ...] | None = None
    named_graph_uris: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Answer:
    """A complete, serialised answer."""

    kind: str  # "select" | "ask" | "graph"
    media_type: str
    body: bytes


@dataclass(frozen=True)
class Limits:
    """What one query may take; `max_results` counts rows (SELECT) or triples (CONSTRUCT)."""

    timeout: float = 10.0
    max_query_length: int = 100_000
    max_results: int = 10_000
    queue_timeout: float = 10.0  # how long a query waits for a free worker before "busy"
    service_allowlist: frozenset[str] = frozenset()  # endpoint IRIs SERVICE may call
    max_memory: int = 1 << 30  # bytes one worker may allocate beyond the loaded dataset
    max_waiting: int = 64  # queries waiting for a worker at once; more are told "busy" at once


class QueryRefused(Exception):
    """A query that is not run, or whose answer is not given; str(error) is for the client."""


class QueryTooLong(QueryRefused):
    pass


class UpdateRefused(QueryRefused):
    pass


class ServiceRefused(QueryRefused):
    pass


class ResultTooLarge(QueryRefused):
    pass


class NotAcceptable(QueryRefused):
    """No acceptable media type for this kind of result; the HTTP layer lists the available ones."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class QueryTimeout(QueryRefused):
    pass


class QueryTooExpensive(QueryRefused):
    """The query needed more memory than a worker may take."""


class Busy(QueryRefused):
    """Every worker stayed busy for the whole queue wait; try again after `retry_after` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EvaluationFailed(QueryRefused):
    """The engine failed on a query it had accepted, or its worker died: a server-side error."""


def check(sparql: str, limits: Limits) -> None:
    """Refuse, without a worker, what must never run: a query too long, or an update.

    SERVICE calls are refused by the engine itself (`sparql_guard`), before evaluation.
    """
    if len(sparql) > limits.max_query_length:
        raise QueryTooLong(
            f"The query is {len(sparql)} characters long; this endpoint accepts at most "
            f"{limits.max_query_length}."
        )
    if sparql_guard.query_form(sparql) == "update":
        raise UpdateRefused(READ_ONLY_MESSAGE)


def evaluate(engine: QueryEngine, job: QueryJob, max_results: int) -> Answer:
    """Evaluate `job` on `engine` and serialise the whole answer, or raise `ResultTooLarge`."""
    try:
        result = engine.query(
            job.sparql,
            inference=job.inference,
            default_graph_uris=job.default_graph_uris,
            named_graph_uris=job.named_graph_uris,
        )
    except QueryNotAllowed as error:
        raise ServiceRefused(str(error)) from None
    media_type = job.graph_media_type if result.kind == "graph" else job.results_media_type
    if media_type is None:
        raise NotAcceptable(result.kind)
    return Answer(result.kind, media_type, _serialize_at_most(result, media_type, max_results))


def _serialize_at_most(result: QueryResult, media_type: str, max_results: int) -> bytes:
    """The serialised result; raises `ResultTooLarge` early instead of truncating it."""
    if result.kind == "graph":
        return replace(result, answer=_at_most(result.answer, max_results)).serialize(media_type)
    if result.kind == "ask":
        return result.serialize(media_type)
    # pyoxigraph writes solutions from Rust; TSV has one line per row, so count lines as they
    # are written, then convert the (lossless) TSV into the requested format.
    tsv = _RowLimitedBuffer(max_results)
    result.answer.serialize(tsv, QueryResultsFormat.TSV)
    if media_type.startswith(_TSV_MEDIA_TYPE):
        return tsv.getvalue()
    solutions = parse_query_results(tsv.getvalue(), QueryResultsFormat.TSV)
    return replace(result, answer=solutions).serialize(media_type)


def _too_many(max_results: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"The result has more than {max_results} {what}, the most this endpoint returns in one "
        "answer. Add LIMIT and OFFSET to page through it, or aggregate."
    )


def _at_most(triples: Iterable, max_results: int) -> Iterator:
    for count, triple in enumerate(triples, start=1):
        if count > max_results:
            raise _too_many(max_results, "triples")
        yield triple


class _RowLimitedBuffer(io.BytesIO):
    """A TSV results buffer refusing more than `max_rows` rows (the lines after the header)."""

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self._max_rows = max_rows
        self._lines = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._lines += bytes(data).count(b"\n")
        if self._lines > self._max_rows + 1:
            raise _too_many(self._max_rows, "rows")
        return super().write(data)


# --- worker processes --------------------------------------------------------------------------


def _serve_jobs(connection: Connection, build_dir: str, limits: Limits) -> None:
    """A worker's life: load the engine, cap its memory, then answer jobs until the pipe closes,
    in a thread whose stack is deep enough for any query within the length limit."""
    engine = open_engine(Path(build_dir), limits.service_allowlist)  # local or remote store
    stack = _STACK_BASE + _STACK_PER_CHARACTER * limits.max_query_length
    _cap_memory(stack + limits.max_memory)
    threading.stack_size(stack)
    answering = threading.Thread(target=_answer_jobs, args=(connection, engine, limits))
    answering.start()
    answering.join()


def _cap_memory(allowance: int) -> None:
    """Let this process allocate at most `allowance` bytes more than it holds now."""
    in_use = int(_VM_DATA.search(Path("/proc/self/status").read_text())[1]) * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = in_use + allowance
    soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _answer_jobs(connection: Connection, engine: QueryEngine, limits: Limits) -> None:
    connection.send(_READY)
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        connection.send(_outcome(engine, job, limits))


def _outcome(engine: QueryEngine, job: QueryJob, limits: Limits) -> object:
    """An `Answer` or an exception, in a form that survives pickling."""
    try:
        return evaluate(engine, job, limits.max_results)
    except QuerySyntaxError as error:
        return ("syntax", error.message, error.line, error.column)
    except QueryRefused as error:
        return error
    except MemoryError:
        return _too_expensive(limits)
    except Exception as error:  # the engine's own failure: reported, the worker lives on
        log.exception("query failed in a worker")
        return EvaluationFailed(f"The query failed during evaluation: {error}")


def _too_expensive(limits: Limits) -> QueryTooExpensive:
    return QueryTooExpensive(
        f"The query was stopped: it needed more than this endpoint's memory limit of "
        f"{limits.max_memory >> 20} MiB. Narrow it down, or add LIMIT."
    )


_OVERTIME, _DIED = object(), object()


class _Worker:
    """One worker process and the parent's end of its pipe. Used by one thread at a time."""

    def __init__(self, build_dir: Path, limits: Limits) -> None:
        self._connection, child = _CONTEXT.Pipe()
        self._process = _CONTEXT.Process(
            target=_serve_jobs,
            args=(child, str(build_dir), limits),
            daemon=True,
            name="ic16graph-query-worker",
        )
        self._process.start()
        child.close()
        try:
            if not self._connection.poll(_STARTUP_SECONDS) or self._connection.recv() != _READY:
                raise EOFError
        except (EOFError, OSError):
            self.kill()
            raise RuntimeError(
                f"a query worker failed to load the artefact in {build_dir} "
                f"(exit code {self._process.exitcode}); see its error above"
            ) from None

    def run(self, job: QueryJob, timeout: float) -> object:
        """The outcome of `job`; `_OVERTIME` when `timeout` passes first, `_DIED` on a crash."""
        try:
            self._connection.send(job)
            if not self._connection.poll(timeout):
                return _OVERTIME
            return self._connection.recv()
        except (EOFError, OSError):
            self._process.join(5.0)  # it is ending: its exit code tells why
            return _DIED

    @property
    def aborted(self) -> bool:
        """True when the process aborted, as pyoxigraph does when an allocation fails."""
        return self._process.exitcode == -signal.SIGABRT

    def kill(self) -> None:
        self._process.kill()
        self._process.join()
        self._connection.close()


class WorkerPool:
    """N worker processes shared fairly; a query waits at most `limits.queue_timeout` for one.

    Start and stop it from the event loop that will use it (the app's lifespan). `stopped`
    counts the queries refused or stopped by a limit, by reason, for the metrics.
    """

    def __init__(self, build_dir: Path, limits: Limits, workers: int = 2) -> None:
        self.build_dir = build_dir
        self.limits = limits
        self.size = workers
        self.share = max(1, workers - 1)  # queries one client may run at once
        self.stopped: Counter[str] = Counter()
        self._idle: list[_Worker] = []
        self._turn = asyncio.Condition()  # notified whenever a worker or a share frees up
        self._running: Counter[str | None] = Counter()  # by client
        self._waiting = 0
        self._workers: set[_Worker] = set()
        self._respawns: set[asyncio.Task] = set()
        self._closed = False

    async def start(self) -> None:
        """Start every worker and wait until each has loaded the artefact."""
        started = await asyncio.gather(
            *(anyio.to_thread.run_sync(self._new_worker) for _ in range(self.size)),
            return_exceptions=True,
        )
        self._idle.extend(worker for worker in started if isinstance(worker, _Worker))
        failures = [error for error in started if isinstance(error, BaseException)]
        if failures:
            self.close()
            raise failures[0]

    def close(self) -> None:
        self._closed = True
        for task in self._respawns:
            task.cancel()
        for worker in list(self._workers):
            worker.kill()
        self._workers.clear()
        self._idle.clear()

    async def run(self, job: QueryJob) -> Answer:
        """The answer to `job`, or one of the `QueryRefused` errors (or `QuerySyntaxError`)."""
        check(job.sparql, self.limits)
        client = CLIENT.get()
        worker = await self._acquire(client)
        try:
            outcome = await anyio.to_thread.run_sync(worker.run, job, self.limits.timeout)
        except BaseException:  # cancelled once the thread was done: its answer is lost
            self._replace(worker)
            raise
        finally:
            self._running[client] -= 1
            if not self._running[client]:
                del self._running[client]  # one entry per client only while it has queries
        if outcome is _OVERTIME or outcome is _DIED:
            self._replace(worker)
            if outcome is _OVERTIME:
                self.stopped["time_limit"] += 1
                raise QueryTimeout(
                    f"The query was stopped: it ran longer than this endpoint's time limit of "
                    f"{self.limits.timeout:g} s. Narrow it down, or add LIMIT."
                )
            if worker.aborted:
                self.stopped["memory_limit"] += 1
                raise _too_expensive(self.limits)
            raise EvaluationFailed("The query's worker process died; it is being replaced.")
        await self._release(worker)
        if isinstance(outcome, tuple):
            _, message, line, column = outcome
            raise QuerySyntaxError(message, line, column)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[return-value]

    async def _acquire(self, client: str | None) -> _Worker:
        """An idle worker, once `client` is within its share; `Busy` after the queue wait."""

        def my_turn() -> bool:
            return bool(self._idle) and (client is None or self._running[client] < self.share)

        if self._closed or self._waiting >= self.limits.max_waiting:
            raise self._busy(
                f"All {self.size} query workers are busy and {self._waiting} queries are already "
                "waiting for them; try again shortly."
            )
        self._waiting += 1
        try:
            async with self._turn:
                await asyncio.wait_for(self._turn.wait_for(my_turn), self.limits.queue_timeout)
                self._running[client] += 1
                return self._idle.pop(0)
        except TimeoutError:
            raise self._busy(
                f"All {self.size} query workers stayed busy for {self.limits.queue_timeout:g} s; "
                "try again shortly."
            ) from None
        finally:
            self._waiting -= 1

    async def _release(self, worker: _Worker | None = None) -> None:
        """Give `worker` back (None: only a share freed up) and let the waiting check again."""
        async with self._turn:
            if worker is not None:
                self._idle.append(worker)
            self._turn.notify_all()

    def _busy(self, message: str) -> Busy:
        self.stopped["busy"] += 1
        return Busy(message, retry_after=max(1, math.ceil(self.limits.timeout)))

    def _new_worker(self) -> _Worker:
        worker = _Worker(self.build_dir, self.limits)
        self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` and start another in the background; its slot returns when it is ready."""
        task = asyncio.get_running_loop().create_task(self._respawn(worker))
        self._respawns.add(task)
        task.add_done_callback(self._respawns.discard)

    async def _respawn(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        await anyio.to_thread.run_sync(worker.kill)
        await self._release()  # the client's share is free even while no worker is
        delay = 1.0
        while not self._closed:
            try:
                fresh = await anyio.to_thread.run_sync(self._new_worker)
            except RuntimeError:
                log.exception("could not replace a query worker; retrying in %g s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
            else:
                if self._closed:
                    fresh.kill()
                else:
                    await self._release(fresh)
                return
