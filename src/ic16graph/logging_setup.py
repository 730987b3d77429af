"""Structured logs: one JSON object per line, and every request with an id that it carries along.

`RequestContext` is the outermost layer of the service but for its headers and metrics: it
gives each request an id (the client's `X-Request-ID` when it is a sane token, else a new one),
puts it in the request's headers so that every layer below sees one id, sends it back in the
response's `X-Request-ID`, logs one access line per request, and tells the worker pool who is
asking (`execution.CLIENT`) so that it can share the workers fairly. An exception nothing else
handled becomes a generic 500 naming the request id and no detail — the traceback goes to the log.

Records are formatted and written by a thread of their own (`QueueListener`): the event loop
only hands them over, so an access line does not delay the next request.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ic16graph.execution import CLIENT

REQUEST_ID: ContextVar[str | None] = ContextVar("ic16graph_request_id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # anything else could forge log lines
_QUERY_SHOWN = 200  # characters of a query string kept in an access line
access_log = logging.getLogger("ic16graph.access")
log = logging.getLogger(__name__)


class JsonLines(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request id, its fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        # The request being answered, if any: stamped when the record was handed over.
        request_id = getattr(record, "request_id", REQUEST_ID.get())
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for our loggers and uvicorn's (whose own access log is ours now)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(records, handler)
    listener.start()
    atexit.register(listener.stop)  # writes what is still queued
    root = logging.getLogger()
    root.handlers[:] = [_HandOver(records)]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("rdflib").setLevel(logging.ERROR)  # its parser warnings repeat our errors


class _HandOver(logging.handlers.QueueHandler):
    """Queues a record as it is, formatting nothing: the listener's thread does that. Only the
    request id is read here, in the request's own context."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record.request_id = REQUEST_ID.get()
        return record


class RequestContext:
    """Request ids, access lines, the client's identity for fair sharing, generic 500s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = MutableHeaders(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        headers["x-request-id"] = request_id
        client = scope.get("client")
        REQUEST_ID.set(request_id)
        CLIENT.set(client[0] if client else None)
        started = time.perf_counter()
        response: dict = {"status": None, "bytes": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            elif message["type"] == "http.response.body":
                response["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error")
            if response["status"] is None:
                await internal_error(request_id)(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            query = scope["query_string"].decode("latin-1")
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                response["status"],
                extra={"fields": {
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": query[:_QUERY_SHOWN],
                    "query_length": len(query),
                    "route": getattr(route, "path", None),
                    "status": response["status"],
                    "bytes": response["bytes"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": client[0] if client else None,
                    "user_agent": headers.get("user-agent"),
                }},
            )


def internal_error(request_id: str | None) -> PlainTextResponse:
    """The answer to a failure of ours: no detail, only what to quote when reporting it."""
    return PlainTextResponse(
        f"Internal server error. If you report it, quote the request id {request_id}.\n",
        500,
        {"X-Request-ID": request_id or ""},
    )
