"""Shared fixtures: a tiny ontology + data + shapes world under tests/fixtures/pipeline/, and
the repository's own data built once and served (in-process, or by uvicorn on a free port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pyld import jsonld
from rdflib import Graph

from ic16graph.app import create_app
from ic16graph.build import Build, build
from ic16graph.cli import main
from ic16graph.config import Settings
from ic16graph.jsonld import document_loader
from ic16graph.manifest import Artefact

REPOSITORY = Path(__file__).resolve().parent.parent
PIPELINE = Path(__file__).resolve().parent / "fixtures" / "pipeline"
WORLD = PIPELINE / "world"

CliRun = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="session")
def world_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the fixture world; builds go to a temporary directory, never the fixtures."""
    return Settings(root=WORLD, build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def world_build(world_settings: Settings) -> Build:
    """The fixture world built once with inference: 1 violation, 1 warning, 1 info."""
    return build(world_settings)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run `ic16graph ARGS…` from tests/fixtures/pipeline; return (exit code, stdout, stderr)."""
    monkeypatch.chdir(PIPELINE)
    for variable in ("IC16_ROOT", "IC16_BASE_IRI", "IC16_BUILD_DIR"):
        monkeypatch.delenv(variable, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


# --- The repository's own data, built once and served in-process (the linked-data tests) -------


@pytest.fixture(scope="session")
def repository_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The repository's data built once into a temporary directory (never into the sources)."""
    settings = Settings(root=REPOSITORY, build_dir=tmp_path_factory.mktemp("repository-build"))
    build(settings).write(settings.build_dir)
    return settings


@pytest.fixture(scope="module")
def client(repository_settings: Settings) -> Iterator[TestClient]:
    """An in-process client of the service over the repository's data. Per module, so that its
    worker processes are gone before another module counts (or kills) workers."""
    app = create_app(repository_settings, Artefact.read(repository_settings.build_dir))
    with TestClient(app) as test_client:
        yield test_client


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Run `app` with uvicorn on a free loopback port in a thread; yield its base URL."""
    with on_loopback(uvicorn.Config(app, log_level="warning", lifespan="on"), patience=60) as url:
        yield url


@contextmanager
def on_loopback(config: uvicorn.Config, patience: float) -> Iterator[str]:
    """Run uvicorn with `config` on a free loopback port in a thread, waiting at most `patience`
    seconds for it to start; yield its base URL, and stop it afterwards."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + patience
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(patience / 2)
        listener.close()


def jsonld_graph(document: dict, context: dict) -> Graph:
    """`document` expanded by pyld (an independent processor) into an rdflib graph; `context` is
    the one our documents refer to, given to pyld so that nothing is fetched."""
    loader = document_loader({url: context for url in _context_urls(document)})
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loader})
    return Graph().parse(data=nquads, format="nt")


def _context_urls(document: dict) -> list[str]:
    contexts = document.get("@context", [])
    listed = contexts if isinstance(contexts, list) else [contexts]
    return [context for context in listed if isinstance(context, str)]


def vary(response: httpx.Response) -> set[str]:
    """The request headers `response` varies with (Accept-Encoding is the compression's)."""
    named = {name.strip() for name in response.headers.get("vary", "").split(",")}
    return named - {"", "Accept-Encoding"}
