"""What a query job is, the limits it runs under, and how one is evaluated and refused.

Neither pyoxigraph nor rdflib can cancel a running query from Python, so queries run in worker
processes (`workers.WorkerPool`), which this module serves: a job names the query and the media
types to answer in, `evaluate` turns it into serialised bytes (refusing a result over the row
limit rather than truncating it), and the exceptions say, for the client, why a query is not
answered.

Checks that need no evaluation (length, SERVICE, updates) happen here before dispatch, so every
route that runs a query gets them. The exceptions carry messages written for the client; the
HTTP layer only maps their classes to status codes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace

from pyoxigraph import QueryResultsFormat, parse_query_results

from ic16graph import sparql_guard
from ic16graph.engine import (
    QueryEngine,
    QueryNotAllowed,
    QueryResult,
)

_TSV_MEDIA_TYPE = "text/tab-separated-values"
CLIENT: ContextVar[str | None] = ContextVar("ic16graph_client", default=None)
"""Who is asking (set by the HTTP edge for each request); None means no per-client share."""
READ_ONLY_MESSAGE = (
    "This endpoint is read-only: SPARQL Update is not accepted. The data is maintained as Turtle "
    "files in the data/ folder of the ic16graph repository; propose changes there."
)


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


