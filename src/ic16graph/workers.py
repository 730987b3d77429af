"""The worker processes queries run in, each killed at the time limit and replaced.

Each query runs in one of N worker processes, forked from a forkserver that has already imported
the engine, each holding its own engine opened from the build artefact (`engine.open_engine`).
The worker serialises the answer to bytes in the requested media type (`execution.evaluate`);
when the time limit passes first, the worker is killed (which really frees the CPU: no Python
API cancels a pyoxigraph query) and a fresh one takes its place in the background.

Each worker loads its own copy of an in-memory store. Sharing one loaded copy between forked
workers was measured and dropped: pyoxigraph's in-memory store writes to each quad it reads
(reference counts, locks), so every page a query touches is copied on write; a scan of a
million triples then took twice as long, and the copies soon added up to one per worker anyway.
An on-disk store (`--store`) is shared through the page cache instead.

A worker evaluates in a thread with a deep stack (pyoxigraph's parser and evaluator recurse, and
a few thousand nested groups or chained patterns overflow the default 8 MiB and crash the
process) and under a cap on its memory beyond the loaded dataset (`RLIMIT_DATA`), so no query
within the length limit can crash a worker or starve the machine: past the cap pyoxigraph aborts
the worker, which is reported as the query's fault and replaced.

Fairness: at most `limits.max_waiting` queries wait for a worker, each at most
`limits.queue_timeout`; and when the edge names the client (`CLIENT`), one client runs at most
`share` queries at once (all workers but one), so nobody can occupy the whole pool.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import pickle
import re
import resource
import signal
import threading
from collections import Counter
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from pathlib import Path

import anyio.to_thread

from ic16graph.engine import QueryEngine, QuerySyntaxError, open_engine
from ic16graph.execution import (
    CLIENT,
    Answer,
    Busy,
    EvaluationFailed,
    Limits,
    QueryJob,
    QueryRefused,
    QueryTimeout,
    QueryTooExpensive,
    check,
    evaluate,
)

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("forkserver")
# "__main__" (the command, e.g. the `ic16graph` script) is imported once, in the forkserver:
# otherwise every worker would import it again on start (multiprocessing's main-module fix-up).
_CONTEXT.set_forkserver_preload(["__main__", "ic16graph.engine"])
_READY = "ready"
_STARTUP_SECONDS = 300.0  # loading a large artefact takes a while; a dead worker is seen at once
# The evaluator thread's stack: the deepest query of n characters nests about n/2 levels, at up
# to ~3.3 KiB of native stack each (measured with nested groups); reserved, touched only if used.
_STACK_BASE, _STACK_PER_CHARACTER = 64 << 20, 4 << 10
_VM_DATA = re.compile(r"^VmData:\s+(\d+) kB$", re.MULTILINE)


def start_forkserver() -> None:
    """Start the process workers fork from now: it imports while the caller goes on (the web
    stack), instead of afterwards, when the first worker is wanted."""
    forkserver.ensure_running()


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
    connection.send_bytes(_pickled(_READY))
    while True:
        try:
            job = pickle.loads(connection.recv_bytes())
        except EOFError:
            return
        connection.send_bytes(_pickled(_outcome(engine, job, limits)))


def _pickled(message: object) -> bytes:
    """A job or an answer for the pipe: plain pickle, not `Connection.send`'s ForkingPickler,
    which sets itself up anew for every message (a tenth of a cheap query's round trip)."""
    return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)


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
    """One worker process and the parent's end of its pipe. Used by one query at a time."""

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
            if (not self._connection.poll(_STARTUP_SECONDS)
                    or pickle.loads(self._connection.recv_bytes()) != _READY):
                raise EOFError
        except (EOFError, OSError):
            self.kill()
            raise RuntimeError(
                f"a query worker failed to load the artefact in {build_dir} "
                f"(exit code {self._process.exitcode}); see its error above"
            ) from None

    async def run(self, job: QueryJob, timeout: float) -> object:
        """The outcome of `job`; `_OVERTIME` when `timeout` passes first, `_DIED` on a crash.

        The event loop watches the pipe itself: no thread hand-off on the way (a lookup's
        round trip is a few hundred microseconds, and a thread hop would be a good part of it).
        """
        loop = asyncio.get_running_loop()
        answered = loop.create_future()  # True: the answer is there; False: the time is up
        fd = self._connection.fileno()
        try:
            self._connection.send_bytes(_pickled(job))
            loop.add_reader(fd, lambda: answered.done() or answered.set_result(True))
            timer = loop.call_later(timeout, lambda: answered.done() or answered.set_result(False))
            try:
                in_time = await answered
            finally:
                timer.cancel()
                loop.remove_reader(fd)
                os.set_blocking(fd, True)  # uvloop's watch made it non-blocking: read it whole
            if not in_time:
                return _OVERTIME
            return pickle.loads(self._connection.recv_bytes())
        except (EOFError, OSError):
            await anyio.to_thread.run_sync(self._process.join, 5.0)  # ending: its exit code
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
            outcome = await worker.run(job, self.limits.timeout)
        except BaseException:  # cancelled while the worker works: its answer would be lost
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
