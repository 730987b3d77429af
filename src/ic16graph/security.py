"""The edge every request passes first: read-only, bounded bodies, headers that keep pages safe.

- `ReadOnly`: nothing changes over HTTP. GET, HEAD and OPTIONS are accepted everywhere, and POST
  at the SPARQL endpoint, which answers queries (an update sent there is refused by the
  protocol, 403). Any other method on any path — the data under `/id/`, the dumps, Graph Store
  Protocol paths such as `/store` — is 405 with `Allow`; a Graph Store Protocol POST to the
  endpoint (`/sparql?graph=…` or `?default`) is 403.
- `BodyLimit`: a request declaring a body larger than the SPARQL endpoint accepts is 413 on
  every route, before a byte of it is read. (Chunked bodies are only read by the endpoint,
  which counts them as they arrive; `ReadOnly` turns away the other bodies' methods.)
- `SecurityHeaders`: a Content-Security-Policy that allows only this origin's scripts, styles,
  images and connections (the pages use no inline script: their data travels as JSON in
  `<script type="application/json">`; YASGUI sets inline styles), no framing, `nosniff`, and a
  referrer policy that never sends our URLs — which hold SPARQL queries — to other sites.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SPARQL_PATH = "/sparql"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
READ_ONLY = (
    "{method} is not allowed here: this service is read-only. The data is maintained as Turtle "
    "files in the data/ folder of the ic16graph repository; propose changes there."
)


class ReadOnly:
    """Refuse every request that would write, whatever its path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "GET")
        if scope["type"] != "http" or method in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        endpoint = scope["path"] == SPARQL_PATH
        if method == "POST" and endpoint:
            query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            parameters = {key for key, _ in query}
            if not parameters & {"graph", "default"}:
                await self.app(scope, receive, send)
                return
            message = READ_ONLY.format(method="A Graph Store Protocol request")
            response = PlainTextResponse(message + "\n", 403)
        else:
            allow = ", ".join((*SAFE_METHODS, "POST") if endpoint else SAFE_METHODS)
            response = PlainTextResponse(
                READ_ONLY.format(method=method) + "\n", 405, {"Allow": allow}
            )
        await response(scope, receive, send)


class BodyLimit:
    """413 for a request whose Content-Length is over `limit` bytes, on every route."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = Headers(scope=scope).get("content-length", "") if scope["type"] == "http" else ""
        if declared.isdigit() and int(declared) > self.limit:
            response = PlainTextResponse(
                f"The request body is larger than this service's limit of {self.limit} bytes.\n",
                413,
                {"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Add the security headers to every response (a route's own CSP is replaced too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers.update(HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
