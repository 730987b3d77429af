"""`/metrics` in the Prometheus text format, from a registry of the service's own.

The HTTP server is one process (the worker processes only evaluate queries and answer through
their pipes), so `prometheus_client` in that process sees everything; a registry per service
keeps tests that start several services apart. Requests are counted by route *template*
(`/id/{path:path}`, never the path itself, so the number of series stays bounded), method and
status, with a latency histogram per route template; what the worker pools stopped, the dataset
served and the rebuilds are read from the service when Prometheus scrapes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from ic16graph.reload import LiveGraph

UNMATCHED = "unmatched"  # the route label of requests no route answered (404s)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The service's metrics: an ASGI middleware that measures, and the `/metrics` endpoint."""

    def __init__(self, live: LiveGraph) -> None:
        disable_created_metrics()  # the `_created` twin of every series only adds noise
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ic16graph_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ic16graph_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_ServiceCollector(live))

    def measure(self, app: ASGIApp) -> ASGIApp:
        """`app`, with each HTTP request counted and timed."""

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = [500]  # if nothing was sent, the server answers 500

            async def send_counted(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_counted)
            finally:
                route = getattr(scope.get("route"), "path", UNMATCHED)
                self.requests.labels(route, scope["method"], str(status[0])).inc()
                self.latency.labels(route).observe(time.perf_counter() - started)

        return measured

    async def endpoint(self, request: Request) -> Response:
        """Everything above, in the Prometheus text exposition format."""
        return Response(
            generate_latest(self.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
        )


class _ServiceCollector(Collector):
    """Read at each scrape: queries stopped, the dataset served, rebuilds and their outcome."""

    def __init__(self, live: LiveGraph) -> None:
        self.live = live

    def collect(self) -> Iterator[Metric]:
        live, manifest = self.live, self.live.generation.manifest
        stopped = CounterMetricFamily(
            "ic16graph_queries_stopped",
            "Queries refused or stopped by a limit: time_limit, memory_limit, busy",
            labels=["reason"],
        )
        for reason in ("time_limit", "memory_limit", "busy"):
            stopped.add_metric([reason], live.stopped[reason])
        yield stopped
        triples = GaugeMetricFamily(
            "ic16graph_dataset_triples", "Triples in the dataset served, by graph role",
            labels=["role"],
        )
        by_role: dict[str, int] = {}
        for graph in manifest["graphs"]:
            by_role[graph["role"]] = by_role.get(graph["role"], 0) + graph["triples"]
        for role, count in sorted(by_role.items()):
            triples.add_metric([role], count)
        yield triples
        yield GaugeMetricFamily(
            "ic16graph_dataset_build_seconds",
            "How long the build of the dataset served took",
            value=manifest.get("build_seconds", 0.0),
        )
        info = GaugeMetricFamily(
            "ic16graph_dataset_info", "The dataset served (always 1)", labels=["version"]
        )
        info.add_metric([manifest["version"]], 1)
        yield info
        yield GaugeMetricFamily(
            "ic16graph_degraded",
            "1 while the sources hold a problem and the last good build is served",
            value=int(live.problem is not None),
        )
        reloads = CounterMetricFamily(
            "ic16graph_rebuilds", "Rebuilds after a change of the sources, by outcome",
            labels=["outcome"],
        )
        for outcome in ("served", "rejected", "unchanged"):
            reloads.add_metric([outcome], live.reloads[outcome])
        yield reloads
