"""The whole service (`service.service_app`, as `serve` runs it) on a loopback port, clients that
come from distinct loopback addresses, and a listener that counts the connections it is offered.
Shared by the reliability and security tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from conftest import on_loopback
from ic16graph.config import Settings
from ic16graph.execution import Limits
from ic16graph.service import service_app, uvicorn_config

# Small limits, so that every limit is reached quickly; the length limit stays the default, so
# that the deepest queries it admits are tried.
LIMITS = Limits(timeout=2.0, max_results=5000, queue_timeout=3.0, max_memory=256 << 20)
ASK = "ASK { ?s ?p ?o }"


@contextmanager
def serving(settings: Settings, release: Path, limits: Limits = LIMITS) -> Iterator[str]:
    """The service over `release`, with uvicorn configured as `serve` configures it."""
    app = service_app(settings, release, limits=limits)
    with on_loopback(uvicorn_config(app, "127.0.0.1", 0), patience=120) as url:
        yield url


def client_from(address: str, timeout: float = 30.0) -> httpx.Client:
    """A client whose connections come from `address` (127.0.0.x): another client to the pool."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(transport=transport, timeout=timeout)


class ConnectionWitness:
    """A TCP listener on a free loopback port that records every connection offered to it."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self._listener.settimeout(0.05)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def __enter__(self) -> ConnectionWitness:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        time.sleep(0.3)  # a connection attempted by now would have been accepted
        self._stop.set()
        self._thread.join()
        self._listener.close()


def raw_request(base: str, request_line: str, headers: str = "", body: bytes = b"") -> bytes:
    """Send exactly `request_line` (no client-side normalisation of `..` or `%2e`); the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        head = f"{request_line}\r\nHost: {host}\r\nConnection: close\r\n{headers}\r\n"
        connection.sendall(head.encode("latin-1") + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer
