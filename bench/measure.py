"""Talking to the systems under test: one request, its answer normalised, bursts of clients.

All traffic goes to loopback ports. Every request is a SPARQL 1.1 Protocol POST
(`application/x-www-form-urlencoded`), the same bytes for every system apart from the path.
Answers are compared as multisets of solutions (or triples), with blank-node labels erased,
numbers compared by value and GROUP_CONCAT lists by their items, since the order of those is
unspecified. Throughput uses a small asyncio client of its own (keep-alive connections, the
request pre-encoded), so that the client, which shares the two cores, costs as little as it can.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
_NUMERIC = ("integer", "decimal", "double", "float", "long", "int")
_BLANK = re.compile(r"_:\S+")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    path: str  # /sparql, /query, /

    def body(self, query: str) -> bytes:
        return urlencode({"query": query}).encode()


class RequestFailed(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection to an endpoint."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._http = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)

    def ask(self, query: str, accept: str) -> bytes:
        """The body of a 200 answer; a kept-alive connection the server closed is reopened."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        for attempt in (1, 2):
            try:
                self._http.request("POST", self.endpoint.path, self.endpoint.body(query), headers)
                response = self._http.getresponse()
                body = response.read()
                break
            except (OSError, http.client.HTTPException) as error:
                self.close()
                self._http = http.client.HTTPConnection(
                    self.endpoint.host, self.endpoint.port, timeout=self.timeout)
                closed = isinstance(error, (BrokenPipeError, ConnectionResetError,
                                            http.client.RemoteDisconnected))
                if attempt == 2 or not closed:
                    raise RequestFailed(f"{type(error).__name__}: {error}") from None
        if response.status != 200:
            raise RequestFailed(f"HTTP {response.status}: {body[:200].decode(errors='replace')}")
        return body

    def close(self) -> None:
        self._http.close()


def normalise(body: bytes, graph: bool) -> Counter | bool:
    """The answer as a comparable value: a multiset of rows or triples, or a boolean."""
    if graph:
        lines = body.decode().splitlines()
        return Counter(_BLANK.sub("_:", line.strip()) for line in lines if line.strip())
    parsed = json.loads(body)
    if "boolean" in parsed:
        return bool(parsed["boolean"])
    return Counter(
        tuple(sorted((var, _term(cell)) for var, cell in binding.items()))
        for binding in parsed["results"]["bindings"]
    )


def _term(cell: dict) -> tuple:
    kind, value = cell["type"], cell["value"]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", value)
    language = cell.get("xml:lang", "").lower()
    datatype = cell.get("datatype", "").rsplit("#", 1)[-1] or "string"
    if datatype in _NUMERIC:
        return ("number", round(float(value), 6))
    if language:
        datatype = "langString"
    return ("literal", ", ".join(sorted(value.split(", "))), language, datatype)


def latencies(connection: Connection, query: str, accept: str, rounds: int) -> list[float]:
    """Seconds per request (`rounds` requests, each query text unique so no cache helps)."""
    timings = []
    for n in range(rounds):
        started = time.perf_counter()
        connection.ask(f"{query}\n# bench {n} {time.time_ns()}", accept)
        timings.append(time.perf_counter() - started)
    return timings


def summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000,
            "n": len(ordered)}


def throughput(endpoint: Endpoint, query: str, accept: str, clients: int, seconds: float,
               max_requests: int, timeout: float) -> dict[str, float]:
    """Answers per second from `clients` keep-alive connections repeating one request."""
    return asyncio.run(_burst(endpoint, query, accept, clients, seconds, max_requests, timeout))


async def _burst(endpoint: Endpoint, query: str, accept: str, clients: int, seconds: float,
                 max_requests: int, timeout: float) -> dict[str, float]:
    body = endpoint.body(query)
    request = (
        f"POST {endpoint.path} HTTP/1.1\r\nHost: {endpoint.host}:{endpoint.port}\r\n"
        f"Accept: {accept}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    started = time.perf_counter()
    deadline = started + seconds
    counts = {"ok": 0, "failed": 0, "sent": 0}

    async def client() -> None:
        reader, writer = await asyncio.open_connection(endpoint.host, endpoint.port)
        try:
            while time.perf_counter() < deadline and counts["sent"] < max_requests:
                counts["sent"] += 1
                writer.write(request)
                status = await asyncio.wait_for(_read_response(reader), timeout)
                counts["ok" if status == 200 else "failed"] += 1
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            counts["failed"] += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {"per_second": counts["ok"] / elapsed, "ok": counts["ok"],
            "failed": counts["failed"], "seconds": elapsed}


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length or chunked); its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status
