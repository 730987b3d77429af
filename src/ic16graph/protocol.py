"""The SPARQL 1.1 Protocol (query operation) at `/sparql`, as a router any FastAPI app can mount.

GET `?query=`, POST form-urlencoded and POST `application/sparql-query`; `default-graph-uri` /
`named-graph-uri`; `inference=false`; `format=` over Accept; the Service Description (or, for a
browser, the query page) when no query is given. Queries run through a `QueryRunner` (the worker
pool), which enforces the limits; this module only maps requests to jobs and errors to status
codes, in one table, with bodies in plain text written for the person reading them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from pyoxigraph import NamedNode, QueryResultsFormat, parse_query_results

from ic16graph import sparql_guard
from ic16graph.engine import QueryResult, QuerySyntaxError
from ic16graph.execution import (
    READ_ONLY_MESSAGE,
    Answer,
    Busy,
    EvaluationFailed,
    Limits,
    NotAcceptable,
    QueryJob,
    QueryTimeout,
    QueryTooExpensive,
    QueryTooLong,
    ResultTooLarge,
    ServiceRefused,
    UpdateRefused,
)
from ic16graph.negotiation import HTML, RDF_FORMATS, RESULT_FORMATS, Format, negotiate
from ic16graph.service_description import PREFIXES, DatasetDescription, describe_service

ALLOW = "GET, HEAD, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
# One table from every error a query can end in to its status code (documented in the README).
ERROR_STATUS: dict[type[Exception], int] = {
    QuerySyntaxError: 400,
    UpdateRefused: 403,
    ServiceRefused: 403,
    NotAcceptable: 406,
    QueryTooLong: 413,
    ResultTooLarge: 422,
    QueryTooExpensive: 422,
    EvaluationFailed: 500,
    Busy: 503,
    QueryTimeout: 504,
}
_KINDS = {"select": "select", "ask": "select", "construct": "graph", "describe": "graph"}
_COUNT_DEFAULT_GRAPH = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"


class QueryRunner(Protocol):
    """Runs jobs under limits: `workers.WorkerPool`."""

    limits: Limits

    async def run(self, job: QueryJob) -> Answer: ...


class ProtocolError(Exception):
    """A request the protocol itself rejects, before any query runs."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.headers = status, headers or {}


@dataclass(frozen=True)
class _Parameters:
    """The protocol parameters of one request, wherever they came from (URL, form, body)."""

    pairs: tuple[tuple[str, str], ...]

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise ProtocolError(
                400, f"The request has {len(values)} '{name}' parameters; send one."
            )
        return values[0] if values else None


def sparql_router(
    runner: QueryRunner,
    dataset: DatasetDescription,
    query_page: Callable[[Request], Response],
    path: str = "/sparql",
) -> APIRouter:
    """The `/sparql` routes over `runner`; `query_page` answers browsers that ask for no query."""
    router = APIRouter()
    default_graph_sizes: dict[str, int] = {}  # by dataset version, for the service description
    max_body = body_limit(runner.limits)

    @router.api_route(path, methods=["GET", "HEAD", "POST"])
    async def sparql(request: Request) -> Response:
        """SPARQL 1.1 Protocol query operation; without a query, the Service Description."""
        try:
            parameters = await _parameters(request, max_body)
            if parameters.all("update"):
                raise ProtocolError(403, READ_ONLY_MESSAGE)
            query = parameters.one("query")
            if query is None:
                if request.method == "POST":
                    raise ProtocolError(
                        400,
                        f"No query: send it as the 'query' parameter ({FORM}) or as the "
                        f"body ({DIRECT}).",
                    )
                response = await describe(request, parameters)
            else:
                response = await run_query(request, parameters, query)
        except ProtocolError as error:
            response = _plain(error.status, str(error), error.headers)
        except tuple(ERROR_STATUS) as error:
            response = _error_response(error)
        return _for_method(request, response)

    @router.api_route(path, methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
    async def wrong_method(request: Request) -> Response:
        return _plain(
            405,
            f"{request.method} is not allowed on {path}, which answers queries sent by GET "
            f"or POST. {READ_ONLY_MESSAGE}",
            {"Allow": ALLOW},
        )

    @router.options(path, include_in_schema=False)
    async def options() -> Response:
        return Response(status_code=204, headers={"Allow": ALLOW})

    async def run_query(request: Request, parameters: _Parameters, query: str) -> Response:
        accept, requested = request.headers.get("accept"), parameters.one("format")
        results_format = negotiate(accept, RESULT_FORMATS, requested)
        graph_format = negotiate(accept, RDF_FORMATS, requested)
        kind = _KINDS.get(sparql_guard.query_form(query) or "")  # None: the parser will tell
        formats = {"select": results_format, "graph": graph_format}
        if (kind and formats[kind] is None) or not any(formats.values()):
            raise NotAcceptable(kind or "select")
        job = QueryJob(
            query,
            results_format.media_type if results_format else None,
            graph_format.media_type if graph_format else None,
            inference=_inference(parameters.one("inference")),
            **_protocol_dataset(parameters),
        )
        answer = await runner.run(job)
        return Response(
            answer.body,
            headers={"Content-Type": _content_type(answer.media_type), "Vary": "Accept"},
        )

    async def describe(request: Request, parameters: _Parameters) -> Response:
        accept, requested = request.headers.get("accept"), parameters.one("format")
        chosen = negotiate(accept, (*RDF_FORMATS, HTML), requested)
        if chosen is None:
            raise ProtocolError(406, _not_acceptable_message("service description", RDF_FORMATS))
        if chosen is HTML:
            return query_page(request)
        if dataset.version not in default_graph_sizes:
            default_graph_sizes[dataset.version] = await _count_default_graph(runner)
        endpoint = str(request.url.replace(query="", fragment=""))
        triples = describe_service(
            endpoint,
            dataset,
            default_graph_sizes[dataset.version],
            runner.limits,
            void_iri=f"{request.base_url}.well-known/void",
        )
        body = QueryResult("graph", triples, PREFIXES).serialize(chosen.media_type)
        return Response(body, headers={"Content-Type": chosen.content_type, "Vary": "Accept"})

    return router


def body_limit(limits: Limits) -> int:
    """The largest request body a query may need: percent-encoding triples its length."""
    return 4 * limits.max_query_length + 65_536


async def _parameters(request: Request, max_body: int) -> _Parameters:
    """Protocol parameters from the URL and, for POST, from the body, per its Content-Type."""
    # The raw query string, as request.url.query gives it, without building the whole URL.
    pairs = _decode_pairs(request.scope["query_string"].decode("latin-1"))
    if request.method != "POST":
        return _Parameters(tuple(pairs))
    media_type, charset = _media_type(request.headers.get("content-type", ""))
    if media_type == UPDATE:
        raise ProtocolError(403, READ_ONLY_MESSAGE)
    if media_type not in (FORM, DIRECT):
        shown = f"'{media_type}'" if media_type else "no Content-Type"
        raise ProtocolError(
            415, f"A query POST needs Content-Type {FORM} or {DIRECT}; this one has {shown}."
        )
    if charset not in (None, "utf-8", "utf8"):
        raise ProtocolError(415, f"Queries must be sent in UTF-8, not charset={charset}.")
    text = _utf8(await _body(request, max_body))
    if media_type == FORM:
        return _Parameters((*pairs, *_decode_pairs(text)))
    if any(key == "query" for key, _ in pairs):
        raise ProtocolError(
            400, f"A {DIRECT} POST carries the query in its body, not also in the URL."
        )
    return _Parameters((*pairs, ("query", text)))


def _decode_pairs(encoded: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(encoded, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, "The parameters are not valid percent-encoded UTF-8.") from None


def _media_type(header: str) -> tuple[str, str | None]:
    """The media type of a Content-Type header and its charset, both lower-cased."""
    media_type, *parameters = (part.strip().lower() for part in header.split(";"))
    charsets = [p.partition("=")[2].strip('"') for p in parameters if p.startswith("charset=")]
    return media_type, charsets[0] if charsets else None


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it grows beyond `limit` bytes."""
    too_large = ProtocolError(
        413, f"The request body is larger than this endpoint's limit of {limit} bytes."
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"The body is not valid UTF-8 (byte {error.start}).") from None


def _inference(value: str | None) -> bool:
    if value is None or value.lower() == "true":
        return True
    if value.lower() == "false":
        return False
    raise ProtocolError(400, f"inference must be 'true' or 'false', not '{value}'.")


def _protocol_dataset(parameters: _Parameters) -> dict[str, tuple[str, ...] | None]:
    """`default-graph-uri`/`named-graph-uri`: when either is given, they replace the dataset."""
    default, named = parameters.all("default-graph-uri"), parameters.all("named-graph-uri")
    if not default and not named:
        return {"default_graph_uris": None, "named_graph_uris": None}
    for iri in (*default, *named):
        try:
            NamedNode(iri)
        except ValueError as error:
            message = f"A graph must be named by an absolute IRI: {error}."
            raise ProtocolError(400, message) from None
    return {"default_graph_uris": tuple(default), "named_graph_uris": tuple(named)}


async def _count_default_graph(runner: QueryRunner) -> int:
    tsv = (await runner.run(QueryJob(_COUNT_DEFAULT_GRAPH, "text/tab-separated-values", None))).body
    solution = next(iter(parse_query_results(tsv, QueryResultsFormat.TSV)))
    return int(solution["triples"].value)


def _error_response(error: Exception) -> Response:
    status = next(code for kind, code in ERROR_STATUS.items() if isinstance(error, kind))
    if isinstance(error, QuerySyntaxError):
        where = f" at line {error.line}, column {error.column}" if error.line is not None else ""
        return _plain(status, f"Query syntax error{where}: {error.message}")
    if isinstance(error, NotAcceptable):
        formats = RDF_FORMATS if error.kind == "graph" else RESULT_FORMATS
        return _plain(status, _not_acceptable_message(f"{error.kind} result", formats))
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Busy) else None
    return _plain(status, str(error), headers)


def _not_acceptable_message(what: str, formats: tuple[Format, ...]) -> str:
    return (
        f"None of the media types in Accept (or format=) is available for a {what}. Available: "
        + ", ".join(f"{f.media_type} (format={f.names[0]})" for f in formats)
        + "."
    )


def _content_type(media_type: str) -> str:
    known = next((f for f in (*RESULT_FORMATS, *RDF_FORMATS) if f.media_type == media_type), None)
    return known.content_type if known else media_type


def _plain(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        message + "\n", status_code=status, headers=headers, media_type="text/plain; charset=utf-8"
    )


def _for_method(request: Request, response: Response) -> Response:
    """HEAD gets the headers GET would get, without the body."""
    if request.method != "HEAD":
        return response
    return Response(status_code=response.status_code, headers=dict(response.headers))
