"""The web application: every route in one table, over a worker pool serving the build artefact.

`create_app` expects the artefact of `build` to be written in `settings.build_dir` already
(`server.serve` does that); the worker processes load it from there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from importlib.resources import files

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from ic16graph import __version__
from ic16graph.api import api_router
from ic16graph.caching import HttpCaching
from ic16graph.config import Settings
from ic16graph.dataset import built_at, dataset_router
from ic16graph.execution import Limits
from ic16graph.linked_data import linked_data_router
from ic16graph.pages import TEMPLATES, pages_router
from ic16graph.protocol import sparql_router
from ic16graph.queries import load_named_queries
from ic16graph.result_cache import ResultCache
from ic16graph.service_description import DatasetDescription
from ic16graph.vocabulary import prefixes
from ic16graph.workers import WorkerPool

_PACKAGE = files("ic16graph")


def limits_from(settings: Settings) -> Limits:
    """The query limits `settings` asks for; a query waits for a worker as long as one may run."""
    return Limits(
        timeout=settings.query_timeout,
        max_query_length=settings.max_query_length,
        max_results=settings.max_result_rows,
        queue_timeout=settings.query_timeout,
        service_allowlist=frozenset(settings.service_allowlist),
        max_memory=settings.query_memory_mb << 20,
    )


def create_app(
    settings: Settings, build: DatasetDescription, limits: Limits | None = None
) -> FastAPI:
    """The application serving `build` (a `Build`, or `Artefact.read` of a written one)."""
    pool = WorkerPool(settings.build_dir, limits or limits_from(settings), settings.workers)
    runner = ResultCache(pool, build.version, settings.cache_mb * 2**20)  # repeats from memory
    named_queries = load_named_queries(settings.queries_dir)
    prefix_map = prefixes(settings.base_iri)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            pool.close()

    def query_page(request: Request) -> Response:
        """The query editor, with our prefixes and the named queries as example tabs."""
        config = {
            "endpoint": str(request.url_for("sparql")),
            "prefixes": prefix_map,
            "examples": [asdict(query) for query in named_queries],
        }
        return TEMPLATES.TemplateResponse(
            request,
            "query.html",
            {"config": config, "named_queries": named_queries, "version": build.version},
            headers={"Vary": "Accept"},
        )

    def api_docs(request: Request) -> Response:
        """The OpenAPI schema in Swagger UI, bundled with the package."""
        return TEMPLATES.TemplateResponse(
            request, "api_docs.html", {"openapi_url": str(request.url_for("openapi"))})

    async def health() -> JSONResponse:
        """Liveness, and which dataset is being served."""
        return JSONResponse({"status": "ok", "version": __version__, "dataset": build.version})

    app = FastAPI(
        title="ic16graph",
        version=__version__,
        lifespan=lifespan,
        description="The open knowledge graph of Finland's Innovative Cities programme.",
        docs_url=None,  # served below from the vendored Swagger UI: no CDN, no inline script
        redoc_url=None,
    )
    app.state.settings = settings  # the pages map our IRIs to this server's paths with it
    app.state.pool = pool  # the service's metrics count the queries its limits stopped
    # ETag, Last-Modified, Cache-Control and 304s for every GET (inside CORS, so 304s get it too)
    app.add_middleware(HttpCaching, version=build.version, built_at=built_at(settings.build_dir))
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # large results: a tenth on the wire
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
        max_age=86_400,
    )
    # The routes, all of them.
    app.include_router(sparql_router(runner, build, query_page))  # /sparql
    app.include_router(pages_router(runner, settings, build))  # / and the index pages
    app.include_router(linked_data_router(runner, settings, build))  # /id /graph /ontology …
    app.include_router(dataset_router(runner, settings, build))  # /dataset /.well-known/void …
    app.include_router(api_router(runner, settings))  # /api/cities … (JSON-LD lists)
    app.add_api_route("/query", query_page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/health", health, methods=["GET"])
    app.add_api_route("/docs", api_docs, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(_PACKAGE / "static")), name="static")
    return app
