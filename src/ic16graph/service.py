"""The ASGI application `serve` runs, and how uvicorn runs it: the live graph behind the edge.

From the outside in, every request passes one table of layers:

| layer             | module          | what it does                                              |
|-------------------|-----------------|-----------------------------------------------------------|
| `SecurityHeaders` | `security`      | CSP, nosniff, referrer policy, no framing, on every answer |
| `Metrics.measure` | `metrics`       | counts and times the request by route template and status |
| `RequestContext`  | `logging_setup` | request id, access line, client identity, generic 500s    |
| `ReadOnly`        | `security`      | 405/403 for every method or operation that would write    |
| `BodyLimit`       | `security`      | 413 for a declared body over the endpoint's limit         |
| `LiveGraph`       | `reload`        | `/health`, `/metrics`, and the generation of the moment   |
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

import uvicorn
from starlette.routing import Route
from starlette.types import ASGIApp

from ic16graph.app import limits_from
from ic16graph.config import Settings
from ic16graph.execution import Limits
from ic16graph.logging_setup import RequestContext, configure_logging
from ic16graph.metrics import Metrics
from ic16graph.protocol import body_limit
from ic16graph.reload import LiveGraph, Snapshot
from ic16graph.security import BodyLimit, ReadOnly, SecurityHeaders

MAX_CONNECTIONS = 1024  # beyond, uvicorn answers 503 at once: connections are bounded too


def service_app(
    settings: Settings,
    release: Path,
    sources: Snapshot | None = None,
    limits: Limits | None = None,
) -> ASGIApp:
    """The service over the build in `release`; with `sources` (a snapshot of the source
    folders as built), it rebuilds and swaps in each good change it sees."""
    limits = limits or limits_from(settings)
    live = LiveGraph(settings, limits, release, sources)
    metrics = Metrics(live)
    live.add_route(Route("/metrics", metrics.endpoint, methods=["GET"]))
    edge = BodyLimit(live, body_limit(limits))
    return SecurityHeaders(metrics.measure(RequestContext(ReadOnly(edge))))


def uvicorn_config(app: ASGIApp, host: str, port: int) -> uvicorn.Config:
    """How uvicorn serves `app`: our JSON logs, no `server` header, connections bounded.

    (Its HTTP parser refuses a request line over 64 KiB with 400: a longer query is POSTed.)
    """
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # `configure_logging` set up JSON lines
        access_log=False,  # `RequestContext` writes the access lines
        server_header=False,  # no software versions in answers
        limit_concurrency=MAX_CONNECTIONS,
    )


def run(settings: Settings, release: Path, host: str, port: int,
        sources: Snapshot | None = None) -> None:
    """Serve the build in `release` until interrupted."""
    configure_logging()
    limits = limits_from(settings)
    app = service_app(settings, release, sources, limits)
    with suppress(KeyboardInterrupt):  # uvicorn re-raises the interrupt it shut down on
        uvicorn.Server(uvicorn_config(app, host, port)).run()
