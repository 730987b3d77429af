"""Serve the last good graph, and replace it whole when the sources change (`serve --watch`).

Releases: `serve` publishes each good build as `<build>/<version>/` — written under a temporary
name and renamed, so a release directory is complete or absent — and names the one it serves in
`<build>/current` (one line, written atomically, last). Nothing is ever written into the
source folders.

`LiveGraph` is the ASGI application `serve` runs. Each request is answered by the *generation*
that was current when it arrived: the application of `app.create_app` over one release, with
its own worker pool. With `watch`, the source folders are polled (modification times and sizes,
about once a second; a change is built once it has stood still for one poll) and built in a
child process, so serving never stalls. A good build becomes a new generation: its workers load
the new release, the reference swaps (one assignment), and the old generation closes once the
requests it had in flight are done. A bad build — Turtle that does not parse, data that violates
the shapes, shapes that cannot be used — replaces nothing: the problem (file, line, rule) is
logged and `/health` answers `"status": "degraded"` with it until a good build lands.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import shutil
import tempfile
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ic16graph import __version__
from ic16graph.app import create_app
from ic16graph.artefact import attach_store
from ic16graph.build import Build, build
from ic16graph.config import Settings
from ic16graph.engine import QuerySyntaxError
from ic16graph.execution import Limits
from ic16graph.loading import LoadError, TurtleSyntaxError, source_files
from ic16graph.logging_setup import internal_error
from ic16graph.manifest import (
    Artefact,
    artefact_is_current,
    input_hash,
    read_manifest,
    write_atomically,
)
from ic16graph.reports import render
from ic16graph.validation import Report, ShapesError

log = logging.getLogger(__name__)

CURRENT = "current"  # the file in the build directory naming the release being served
SOURCE_FOLDERS = ("ontology", "data", "shapes")
_CONTEXT = multiprocessing.get_context("forkserver")
_SHOWN_FINDINGS = 10

Snapshot = dict[str, tuple[int, int]]  # file relative to the root -> (mtime in ns, size)


@dataclass(frozen=True)
class Problem:
    """Why a build was not served, located for the person who has to fix it."""

    kind: str  # "syntax" | "violation" | "unusable"
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    rule: str | None = None  # the shape's name, for violations
    findings: tuple[dict, ...] = ()  # the first violations: file, line, rule, focus, message

    @property
    def location(self) -> str | None:
        if self.file is None:
            return None
        return ":".join(str(part) for part in (self.file, self.line, self.column) if part)

    def as_json(self) -> dict:
        body = {key: value for key, value in asdict(self).items() if value not in (None, ())}
        return {**body, **({"location": self.location} if self.location else {})}


@dataclass(frozen=True)
class Outcome:
    """What a build gave: a release to serve, or the problem that keeps the last one serving."""

    version: str | None
    release: Path | None  # None when the build was not published
    problem: Problem | None
    summary: str  # for people: what was built, or why nothing was


def build_release(settings: Settings, serving: str | None = None) -> Outcome:
    """Reuse the release of the current sources, or build, validate and publish one; nothing
    (no release) when the sources are those of the version `serving` already.

    Raises `LoadError` (Turtle syntax errors included), `QuerySyntaxError` (a named query) and
    `ShapesError` on unusable input; data that violates the shapes gives an `Outcome` with the
    problem and is not published.
    """
    version = input_hash(tuple(source_files(settings)))
    if version == serving:
        return Outcome(version, None, None, f"The sources are those of {version} again\n")
    release = settings.build_dir / version
    reusable = artefact_is_current(replace(settings, build_dir=release))
    if reusable and Artefact.read(release).conforms:
        return Outcome(version, release, None, f"Serving the current build {version}\n")
    built = build(settings)
    if not built.report.conforms():
        report = render(built.report, "text")
        return Outcome(built.version, None, violations(built.report), built.summary() + report)
    publish(built, release, settings.store)
    return Outcome(built.version, release, None, built.summary())


def publish(built: Build, release: Path, store: str | None = None) -> None:
    """Write `built` into a temporary directory beside `release`, then rename it to `release`:
    the directory appears complete or not at all. `store` as for `artefact.attach_store`."""
    release.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=release.parent, prefix=f".{release.name}."))
    try:
        built.write(partial)
        attach_store(partial, store)
        partial.chmod(0o755)  # public, like the files in it; mkdtemp makes it private
        if release.exists():  # a stale or incomplete release of the same version
            shutil.rmtree(release)
        partial.rename(release)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def point_current(build_dir: Path, release: Path) -> None:
    """Name `release` as the one being served, in `<build>/current`, atomically."""
    write_atomically(build_dir / CURRENT, f"{release.name}\n".encode())


def current_release(build_dir: Path) -> Path | None:
    """The release `serve` serves from `build_dir`, if it names one."""
    try:
        return build_dir / (build_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


def violations(report: Report) -> Problem:
    found = [f for f in report.findings if f.severity == "violation"]
    first = found[0]
    return Problem(
        "violation",
        f"{len(found)} violation{'s' * (len(found) != 1)} of the shapes: {first.message}",
        first.file,
        first.line,
        rule=first.shape_name,
        findings=tuple(
            {"file": f.file, "line": f.line, "rule": f.shape_name, "focus": f.focus_short,
             "message": f.message}
            for f in found[:_SHOWN_FINDINGS]
        ),
    )


def problem_of(error: Exception) -> Problem:
    """An unusable-input error of the build, as a problem."""
    if isinstance(error, TurtleSyntaxError):
        return Problem("syntax", error.message, error.path, error.line, error.column)
    return Problem("unusable", str(error))


def rebuild(settings: Settings, serving: str) -> Outcome:
    """`build_release` for the watcher: unusable input is a problem to report, not a crash."""
    try:
        return build_release(settings, serving)
    except (LoadError, ShapesError, QuerySyntaxError, OSError) as error:
        return Outcome(None, None, problem_of(error), str(error))


def snapshot(settings: Settings) -> Snapshot:
    """Modification time and size of every file in the source folders."""
    seen: Snapshot = {}
    for folder in SOURCE_FOLDERS:
        for path in sorted((settings.root / folder).rglob("*")):
            try:
                status = path.stat()
            except FileNotFoundError:  # removed while we looked
                continue
            if path.is_file():
                seen[str(path.relative_to(settings.root))] = (status.st_mtime_ns, status.st_size)
    return seen


def _rebuild_into(connection: Connection, settings: Settings, serving: str) -> None:
    connection.send(rebuild(settings, serving))


async def rebuild_in_child(settings: Settings, serving: str) -> Outcome:
    """`rebuild` in a child process (reasoning and validation hold the GIL for seconds)."""
    receiving, sending = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(
        target=_rebuild_into, args=(sending, settings, serving), daemon=True
    )
    process.start()
    sending.close()
    try:
        while not receiving.poll():
            if not process.is_alive() and not receiving.poll():
                return Outcome(None, None, Problem("unusable", "the build process died"), "")
            await asyncio.sleep(0.1)
        return receiving.recv()
    finally:
        process.kill()
        await anyio.to_thread.run_sync(process.join)
        receiving.close()


@dataclass
class Generation:
    """One release being served: its application (and so its worker pool) and its requests."""

    release: Path
    app: FastAPI
    manifest: dict
    active: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _lifespan: AsyncExitStack = field(default_factory=AsyncExitStack)

    @classmethod
    def of(cls, settings: Settings, release: Path, limits: Limits) -> Generation:
        app = create_app(replace(settings, build_dir=release), Artefact.read(release), limits)
        app.add_exception_handler(Exception, _internal_error)
        manifest = read_manifest(release)
        return cls(release, app, manifest)

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def stopped(self) -> Counter[str]:
        """The queries its pool refused or stopped, by reason."""
        return self.app.state.pool.stopped

    async def start(self) -> None:
        """Run the application's startup: its workers load the release."""
        self._idle.set()
        await self._lifespan.enter_async_context(self.app.router.lifespan_context(self.app))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.active += 1
        self._idle.clear()
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1
            if not self.active:
                self._idle.set()

    async def retire(self, drain_seconds: float) -> None:
        """Wait (a bounded time) for the requests in flight, then stop the workers."""
        try:
            await asyncio.wait_for(self._idle.wait(), drain_seconds)
        except TimeoutError:
            log.warning("closing %s with %d requests still in flight", self.version, self.active)
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Run the application's shutdown: its workers end."""
        await self._lifespan.aclose()


def _internal_error(request: Request, error: Exception) -> Response:
    return internal_error(request.headers.get("x-request-id"))


class LiveGraph:
    """The service: the current generation, `/health`, the service's own routes, the watcher."""

    def __init__(
        self,
        settings: Settings,
        limits: Limits,
        release: Path,
        sources: Snapshot | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        self.settings = settings
        self.limits = limits
        self.problem: Problem | None = None
        self.reloads: Counter[str] = Counter()  # builds by outcome: served, rejected, unchanged
        self.generation = Generation.of(settings, release, limits)
        self._retired_stops: Counter[str] = Counter()
        self._sources = sources  # None: no watching
        self._poll_seconds = poll_seconds
        self._routes: dict[str, Route] = {}
        self._tasks: set[asyncio.Task] = set()
        self.add_route(Route("/health", self.health, methods=["GET"]))

    def add_route(self, route: Route) -> None:
        """A route of the service itself, answered whatever generation is current."""
        self._routes[route.path] = route

    @property
    def stopped(self) -> Counter[str]:
        """Queries refused or stopped by a limit since the start, by reason."""
        return self._retired_stops + self.generation.stopped

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        route = self._routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is not None:
            scope["route"] = route  # for the metrics' route label
            await route.handle(scope, receive, send)
            return
        await self.generation(scope, receive, send)  # the generation of this moment

    async def health(self, request: Request) -> Response:
        """Liveness and readiness: 200 while a graph is served, `degraded` while the sources
        hold a problem the last good graph is being served around."""
        generation = self.generation
        body = {
            "status": "degraded" if self.problem else "ok",
            "version": __version__,
            "dataset": generation.version,
            "built_at": generation.manifest["built_at"],
            "triples": sum(graph["triples"] for graph in generation.manifest["graphs"]),
            "watching": self._sources is not None,
        }
        if self.problem is not None:
            body["problem"] = self.problem.as_json()
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Start the first generation (and the watcher); at shutdown stop them."""
        await receive()
        try:
            await self.generation.start()
        except Exception as error:
            log.exception("could not start serving %s", self.generation.release)
            await send({"type": "lifespan.startup.failed", "message": str(error)})
            return
        if self._sources is not None:
            self._spawn(self._watch())
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.generation.stop()  # the server let the requests in flight finish
        await send({"type": "lifespan.shutdown.complete"})

    def _spawn(self, work: object) -> None:
        task = asyncio.get_running_loop().create_task(work)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch(self) -> None:
        """Poll the sources; build a change once it has stood still for one poll."""
        built, previous = self._sources, self._sources
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                now = await anyio.to_thread.run_sync(snapshot, self.settings)
                if now != built and now == previous:
                    built = now
                    serving = self.generation.version
                    await self.adopt(await rebuild_in_child(self.settings, serving))
                previous = now
            except Exception:  # the watcher must outlive anything a rebuild does
                log.exception("the rebuild failed")

    async def adopt(self, outcome: Outcome) -> None:
        """Serve the outcome's release, or keep serving and report its problem."""
        if outcome.problem is not None:
            self.problem = outcome.problem
            self.reloads["rejected"] += 1
            log.error("not serving the changed sources: %s (%s)", outcome.problem.message,
                      outcome.problem.location or outcome.problem.kind,
                      extra={"fields": {"problem": outcome.problem.as_json()}})
            return
        if outcome.release is None:  # the sources are those being served
            if self.problem is not None:
                log.info("the sources build again, as the version being served")
            self.problem = None
            self.reloads["unchanged"] += 1
            return
        fresh = Generation.of(self.settings, outcome.release, self.limits)
        try:
            await fresh.start()
        except Exception as error:  # e.g. workers that cannot load it: keep the old one
            self.problem = Problem("unusable", f"the new build could not be served: {error}")
            self.reloads["rejected"] += 1
            log.exception("could not start serving %s", outcome.release)
            return
        retired, self.generation = self.generation, fresh  # the swap
        self.problem = None
        point_current(self.settings.build_dir, fresh.release)
        self.reloads["served"] += 1
        log.info("serving %s (was %s)", fresh.version, retired.version,
                 extra={"fields": {"build": outcome.summary}})
        self._spawn(self._retire(retired))

    async def _retire(self, retired: Generation) -> None:
        # a page runs a few queries one after another, each waiting and running within limits
        await retired.retire(3 * (self.limits.queue_timeout + self.limits.timeout))
        self._retired_stops += retired.stopped
        if retired.release.parent == self.settings.build_dir:
            await anyio.to_thread.run_sync(shutil.rmtree, retired.release, True)
