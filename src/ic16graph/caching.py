"""HTTP caching for everything the service answers: pages, descriptions, dumps, query results.

The data changes only with a new build, so a representation is identified by the build, the
code, the request's URL (path and query, which for SPARQL GET holds the query) and what was
negotiated (Content-Type, Content-Language). That makes a (weak) ETag without hashing bodies,
`Last-Modified` is the build time, and conditional GETs (`If-None-Match`, else
`If-Modified-Since`) are answered 304 with the headers a 200 would carry. A pure ASGI
middleware, so streamed bodies (dumps) pass through untouched. POST answers (SPARQL queries
sent in the body) are never stored: `Cache-Control: no-store`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.datastructures import URL, Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ic16graph import __version__

CACHE_CONTROL = "public, max-age=300"
# Headers a 304 carries over from the 200 it stands for (RFC 9110 §15.4.5).
_KEPT_IN_304 = ("cache-control", "content-location", "etag", "expires", "last-modified", "vary")


class HttpCaching:
    """Validators and freshness for successful GET/HEAD answers; 304 for conditional requests."""

    def __init__(
        self,
        app: ASGIApp,
        version: str,
        built_at: datetime,
        skip: Iterable[str] = ("/health",),
        cache_control: str = CACHE_CONTROL,
    ) -> None:
        self.app = app
        self.version = version
        self.last_modified = built_at.replace(microsecond=0)
        self.skip = tuple(skip)  # paths whose answers must always be fresh
        self.cache_control = cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip):
            await self.app(scope, receive, send)
        elif scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, _Conditional(self, scope, send).send)
        else:
            await self.app(scope, receive, _no_store(send))

    def etag(self, scope: Scope, headers: Headers) -> str:
        """The entity tag of the representation `headers` describe, at the URL of `scope`."""
        url = URL(scope=scope)
        parts = (
            __version__,
            self.version,
            str(url.replace(fragment="")),
            headers.get("content-type", ""),
            headers.get("content-language", ""),
        )
        return f'W/"{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()[:32]}"'

    def not_modified(self, request: Headers, response: Headers) -> bool:
        """RFC 9110 §13.2.2: If-None-Match (weak comparison) decides; else If-Modified-Since."""
        if_none_match = request.get("if-none-match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or response["etag"].removeprefix("W/") in tags
        try:
            since = parsedate_to_datetime(request.get("if-modified-since", ""))
            modified = parsedate_to_datetime(response.get("last-modified", ""))
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and modified <= since


class _Conditional:
    """The `send` of one GET/HEAD: adds the validators and turns the answer into a 304 if due."""

    def __init__(self, caching: HttpCaching, scope: Scope, send: Send) -> None:
        self.caching, self.scope, self.downstream = caching, scope, send
        self.replaced = False  # a 304 was sent instead: drop the body

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            message = self._start(message)
        elif message["type"] == "http.response.body" and self.replaced:
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await self.downstream(message)

    def _start(self, message: Message) -> Message:
        headers = MutableHeaders(scope=message)
        if message["status"] != 200 or "cache-control" in headers:
            return message  # an error, or a route that set its own policy
        if "etag" not in headers:  # files (dumps, static) bring their own validators
            headers["ETag"] = self.caching.etag(self.scope, headers)
            headers["Last-Modified"] = format_datetime(self.caching.last_modified, usegmt=True)
        headers["Cache-Control"] = self.caching.cache_control
        if not self.caching.not_modified(Headers(scope=self.scope), headers):
            return message
        self.replaced = True
        kept = [(k, v) for k, v in message["headers"] if k.decode("latin-1") in _KEPT_IN_304]
        return {"type": "http.response.start", "status": 304, "headers": kept}


def _no_store(send: Send) -> Send:
    async def send_uncached(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers.setdefault("Cache-Control", "no-store")
        await send(message)

    return send_uncached
