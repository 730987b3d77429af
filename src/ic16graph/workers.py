"""The worker processes queries run in: forked from a loaded zygote, killed at the time limit.

Each query runs in one of N worker processes, which serialises the answer to bytes in the
requested media type (`execution.evaluate`); when the time limit passes first, the worker is
killed (which really frees the CPU: no Python API cancels a pyoxigraph query) and a fresh one
takes its place in the background.

A pool's workers are forked from one zygote: a process started clean from the forkserver (which
has already imported the engine) that opens the build artefact once (`engine.open_engine`) and
forks a worker whenever the pool asks. An in-memory store is thus loaded once and shared
copy-on-write: N workers take little more memory than one, and a replacement is ready in
milliseconds instead of after a reload. Reading does write a little (pyoxigraph counts
references in, and locks, each quad it visits), so every page a worker's queries touch becomes
its own copy; a worker that has copied a quarter of the zygote's memory is replaced after its
answer, so between queries the pool holds one store plus at most a quarter per worker (a query
that scans the whole store still copies most of it while it runs).

The zygote passes the parent its end of each worker's pipe over a Unix socket, and reaps its
workers, telling the parent on request how one ended (only a process's parent can learn that).
A worker dies with its zygote (`PR_SET_PDEATHSIG`), so its pid is never someone else's while
the zygote lives; a zygote that died is started again when a worker is next wanted. An on-disk
store (RocksDB) or a remote endpoint is not opened before forking: RocksDB, like LevelDB, is not
fork-safe (its locks and background state would be copied mid-change), and HTTP connections
must not be shared; each worker opens its own after the fork (an on-disk store in milliseconds,
its pages shared through the page cache anyway).

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
import contextlib
import ctypes
import gc
import logging
import math
import multiprocessing
import os
import pickle
import re
import resource
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections import Counter
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from pathlib import Path

import anyio.to_thread

from ic16graph.engine import (
    QueryEngine,
    QuerySyntaxError,
    open_engine,
)
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
from ic16graph.manifest import read_manifest

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("forkserver")
# "__main__" (the command, e.g. the `ic16graph` script) is imported once, in the forkserver:
# otherwise every worker would import it again on start (multiprocessing's main-module fix-up).
_CONTEXT.set_forkserver_preload(["__main__", "ic16graph.engine"])
_READY = "ready"
_STARTUP_SECONDS = 300.0  # loading a large artefact takes a while; a dead worker is seen at once
_CONTROL_SECONDS = 30.0  # a zygote answers each request at once (reaping waits `_REAP_SECONDS`)
_REAP_SECONDS = 5.0  # how long a worker that is ending may take to end
# The zygote's control channel: a fork request, answered with the pid and the pipe's fd; a reap
# request (pid, seconds to wait), answered with (ended, exit code).
_MESSAGE, _FORK = 64, b"fork"
_PID, _REAP, _EXIT = struct.Struct("!i"), struct.Struct("!id"), struct.Struct("!?i")
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
# The evaluator thread's stack: the deepest query of n characters nests about n/2 levels, at up
# to ~3.3 KiB of native stack each (measured with nested groups); reserved, touched only if used.
_STACK_BASE, _STACK_PER_CHARACTER = 64 << 20, 4 << 10
_VM_DATA = re.compile(r"^VmData:\s+(\d+) kB$", re.MULTILINE)
_VM_RSS = re.compile(r"^VmRSS:\s+(\d+) kB$", re.MULTILINE)
_WORN = 4  # a worker that has copied 1/_WORN of its zygote's memory is replaced by a fresh fork


def start_forkserver() -> None:
    """Start the process workers fork from now: it imports while the caller goes on (the web
    stack), instead of afterwards, when the first worker is wanted."""
    forkserver.ensure_running()


def _zygote(control: socket.socket, build_dir: str, limits: Limits) -> None:
    """The zygote's life: load the engine once, then fork a worker or reap one on each request,
    until the parent closes the control channel."""
    shared = not read_manifest(Path(build_dir)).get("store")  # in memory: load it once, here
    engine = open_engine(Path(build_dir), limits.service_allowlist) if shared else None
    gc.freeze()  # keeps the collector from writing to the loaded objects' pages in every worker
    worn = _status_kb(_VM_RSS) * 1024 // _WORN if shared else None
    control.send(_READY.encode())
    while request := control.recv(_MESSAGE):
        if request == _FORK:
            try:
                pid, pipe = _fork_worker(control, engine, worn, build_dir, limits)
            except OSError:
                log.exception("could not fork a query worker")
                control.send(_PID.pack(-1))
                continue
            socket.send_fds(control, [_PID.pack(pid)], [pipe.fileno()])
            pipe.close()
        else:
            pid, wait = _REAP.unpack(request)
            control.send(_EXIT.pack(*_reap(pid, wait)))


def _fork_worker(
    control: socket.socket,
    engine: QueryEngine | None,
    worn: int | None,
    build_dir: str,
    limits: Limits,
) -> tuple[int, socket.socket]:
    """Fork a worker that answers jobs on its own pipe; its pid and the parent's end of the pipe.

    The worker opens its own engine only when the zygote holds none (an on-disk or remote store);
    it says it is worn once it has touched `worn` bytes of memory (None: never).
    """
    ours, theirs = socket.socketpair()
    zygote = os.getpid()
    sys.stdout.flush()  # or the worker would write what the zygote buffered once more
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        theirs.close()
        return pid, ours
    status = 1
    try:
        control.close()
        ours.close()
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # no worker outlives its zygote
        if os.getppid() == zygote:
            if engine is None:
                engine = open_engine(Path(build_dir), limits.service_allowlist)
            _serve_jobs(Connection(theirs.detach()), engine, worn, limits)
            status = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)  # never return into the zygote's loop


def _reap(pid: int, wait: float) -> tuple[bool, int]:
    """(True, exit code as multiprocessing reports it) once the worker `pid` has ended, waiting
    at most `wait` seconds; (False, 0) if it has not, or is not this zygote's to reap."""
    deadline = time.monotonic() + wait
    try:
        while not (ended := os.waitpid(pid, os.WNOHANG))[0]:
            if time.monotonic() > deadline:
                return False, 0
            time.sleep(0.005)
    except ChildProcessError:
        return False, 0
    return True, os.waitstatus_to_exitcode(ended[1])


def _serve_jobs(
    connection: Connection, engine: QueryEngine, worn: int | None, limits: Limits
) -> None:
    """A worker's life: cap its memory, then answer jobs until the pipe closes, in a thread
    whose stack is deep enough for any query within the length limit."""
    stack = _STACK_BASE + _STACK_PER_CHARACTER * limits.max_query_length
    _cap_memory(stack + limits.max_memory)
    threading.stack_size(stack)
    answering = threading.Thread(target=_answer_jobs, args=(connection, engine, worn, limits))
    answering.start()
    answering.join()


def _cap_memory(allowance: int) -> None:
    """Let this process allocate at most `allowance` bytes more than it holds now."""
    in_use = _status_kb(_VM_DATA) * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = in_use + allowance
    soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _status_kb(field: re.Pattern[str]) -> int:
    return int(field.search(Path("/proc/self/status").read_text())[1])


def _answer_jobs(
    connection: Connection, engine: QueryEngine, worn: int | None, limits: Limits
) -> None:
    """Answer each job with (outcome, worn?).

    pyoxigraph's in-memory store counts references in (and locks) each quad it reads, so reading
    copies the shared pages it touches; the minor page faults (a copy, or fresh memory) bound
    what this worker no longer shares.
    """
    connection.send(_READY)
    while True:
        try:
            job = pickle.loads(connection.recv_bytes())
        except EOFError:
            return
        outcome = _outcome(engine, job, limits)
        faulted = resource.getrusage(resource.RUSAGE_SELF).ru_minflt * resource.getpagesize()
        connection.send_bytes(_pickled((outcome, worn is not None and faulted > worn)))


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


class _Zygote:
    """A process holding the loaded engine, and the parent's end of its control channel: it forks
    the workers and reaps them (only it can learn their exit status). Used from any thread."""

    def __init__(self, build_dir: Path, limits: Limits) -> None:
        self.build_dir = build_dir
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._lock = threading.Lock()  # one request and its reply at a time
        self._closing = threading.Lock()
        self._process = _CONTEXT.Process(
            target=_zygote,
            args=(theirs, str(build_dir), limits),
            daemon=True,
            name="ic16graph-query-zygote",
        )
        self._process.start()
        theirs.close()
        self._control.settimeout(_STARTUP_SECONDS)
        try:
            if self._control.recv(_MESSAGE) != _READY.encode():
                raise EOFError
        except (EOFError, OSError):
            self.close()
            raise RuntimeError(
                f"a query worker failed to load the artefact in {build_dir} "
                f"(exit code {self._process.exitcode}); see its error above"
            ) from None
        self._control.settimeout(_CONTROL_SECONDS)

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def fork(self) -> tuple[int, Connection]:
        """A new worker's pid and the parent's end of its pipe."""
        with self._lock:
            try:
                self._control.send(_FORK)
                reply, fds, _, _ = socket.recv_fds(self._control, _MESSAGE, 1)
            except OSError:
                reply, fds = b"", []
            if not reply:
                self.close()  # dead, or out of step with us: of no further use
                raise RuntimeError(f"the query worker zygote for {self.build_dir} died")
        (pid,) = _PID.unpack(reply)
        if not fds:
            raise RuntimeError("the query worker zygote could not fork; see its error above")
        os.set_inheritable(fds[0], False)
        return pid, Connection(fds[0])

    def reap(self, pid: int, wait: float) -> int | None:
        """The exit code of the worker `pid` once it has ended (waiting at most `wait` seconds),
        or None: still running, or its zygote is gone."""
        with self._lock:
            try:
                self._control.send(_REAP.pack(pid, wait))
                reply = self._control.recv(_MESSAGE)
            except OSError:
                reply = b""
            if not reply:
                self.close()
                return None
        ended, code = _EXIT.unpack(reply)
        return code if ended else None

    def close(self) -> None:
        """Kill the zygote; its workers die with it."""
        with self._closing:
            if self._control.fileno() != -1:
                self._process.kill()
                self._process.join()
                self._control.close()


class _Worker:
    """One worker process, forked by `zygote`, and the parent's end of its pipe. Used by one
    thread at a time."""

    def __init__(self, zygote: _Zygote) -> None:
        self._zygote = zygote
        self.pid, self._connection = zygote.fork()
        self.exitcode: int | None = None
        self.worn = False  # it no longer shares enough of its zygote's memory: replace it
        try:
            if not self._connection.poll(_STARTUP_SECONDS) or self._connection.recv() != _READY:
                raise EOFError
        except (EOFError, OSError):
            self.kill()
            raise RuntimeError(
                f"a query worker failed to load the artefact in {zygote.build_dir} "
                f"(exit code {self.exitcode}); see its error above"
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
            outcome, self.worn = pickle.loads(self._connection.recv_bytes())
            return outcome
        except (EOFError, OSError):
            await anyio.to_thread.run_sync(self._reap)  # it is ending: its exit code tells why
            return _DIED

    @property
    def aborted(self) -> bool:
        """True when the process aborted, as pyoxigraph does when an allocation fails."""
        return self.exitcode == -signal.SIGABRT

    def kill(self) -> None:
        """SIGKILL the process unless it has been reaped, then reap it through its zygote."""
        if self.exitcode is None and self._zygote.alive:
            # Unreaped, the pid is still this worker's, even as a zombie; were the zygote gone,
            # so would be the worker (and the pid perhaps someone else's).
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()
        self._connection.close()

    def _reap(self) -> None:
        if self.exitcode is None:
            self.exitcode = self._zygote.reap(self.pid, _REAP_SECONDS)


class WorkerPool:
    """N worker processes, forked by one zygote, shared fairly; a query waits at most
    `limits.queue_timeout` for one.

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
        self._zygote: _Zygote | None = None
        self._forking = threading.Lock()  # held while a zygote is (re)started
        self._respawns: set[asyncio.Task] = set()
        self._closed = False

    async def start(self) -> None:
        """Start the zygote, then every worker, and wait until each is ready."""
        try:
            await anyio.to_thread.run_sync(self._live_zygote)
        except RuntimeError:
            self.close()
            raise
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
        if self._zygote is not None:
            self._zygote.close()

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
        if worker.worn:
            self._replace(worker)  # a fresh fork shares the whole store again
        else:
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

    def _live_zygote(self) -> _Zygote:
        """The zygote, started anew (loading the artefact) if it has not been or has died."""
        with self._forking:
            if self._closed:
                raise RuntimeError("the query worker pool is closed")
            if self._zygote is None or not self._zygote.alive:
                if self._zygote is not None:
                    self._zygote.close()
                    log.error("the query worker zygote died; starting another")
                self._zygote = _Zygote(self.build_dir, self.limits)
                if self._closed:  # while it loaded: `close` may have missed it
                    self._zygote.close()
                    raise RuntimeError("the query worker pool is closed")
            return self._zygote

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._live_zygote())
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
