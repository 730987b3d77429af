"""`serve` end to end, in a child process as a user would start it: it refuses data that violates
the shapes, and on the repository's data real clients get the named queries' answers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from ic16graph.engine import OxigraphEngine
from ic16graph.queries import load_named_queries

REPOSITORY = Path(__file__).resolve().parents[1]
WORLD = Path(__file__).resolve().parent / "fixtures" / "pipeline" / "world"  # has a violation
NAMED_QUERIES = load_named_queries(REPOSITORY / "queries")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(root: Path, build_dir: Path, port: int) -> subprocess.Popen:
    environment = {**os.environ, "IC16_BUILD_DIR": str(build_dir), "IC16_TIMEOUT": "5"}
    environment.pop("IC16_ROOT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "ic16graph.cli", "--root", str(root), "serve", "--port", str(port),
         "--workers", "2"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_healthy(process: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("serve did not become healthy")


def stop(process: subprocess.Popen) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("build")


@pytest.fixture(scope="module")
def served(build_dir: Path) -> Iterator[str]:
    """`serve` on the repository's data, on a free port; yields the endpoint URL."""
    port = free_port()
    process = start_serve(REPOSITORY, build_dir, port)
    try:
        wait_until_healthy(process, f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}/sparql"
    finally:
        code, _, err = stop(process)
        assert code == 0, err


@pytest.fixture(scope="module")
def engine(served: str, build_dir: Path) -> OxigraphEngine:
    """The engine in-process, on the artefact `serve` wrote."""
    return OxigraphEngine.from_artefact(build_dir)


def rows(results_json: bytes | dict) -> Counter:
    body = json.loads(results_json) if isinstance(results_json, bytes) else results_json
    return Counter(
        frozenset((var, json.dumps(cell, sort_keys=True)) for var, cell in binding.items())
        for binding in body["results"]["bindings"]
    )


def test_serve_refuses_data_that_violates_the_shapes_and_prints_the_report(
    tmp_path: Path,
) -> None:
    process = start_serve(WORLD, tmp_path / "build", free_port())
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "data/cities.ttl" in err  # the report locates the violation
    assert "Refusing to serve" in err
    assert not (tmp_path / "build" / "dataset.nq").exists()


@pytest.mark.skipif(not NAMED_QUERIES, reason="no named queries in queries/ yet")
@pytest.mark.parametrize("named", NAMED_QUERIES, ids=[q.name for q in NAMED_QUERIES])
def test_sparqlwrapper_gets_the_engines_answer_to_each_named_query(
    served: str, engine: OxigraphEngine, named: object
) -> None:
    wrapper = SPARQLWrapper(served)
    wrapper.setQuery(named.text)
    wrapper.setReturnFormat(JSON)
    answer = wrapper.query().convert()
    expected = engine.query(named.text).serialize("application/sparql-results+json")
    assert answer["results"]["bindings"], named.name
    assert rows(answer) == rows(expected)


@pytest.mark.skipif(not NAMED_QUERIES, reason="no named queries in queries/ yet")
def test_rdflib_sparqlstore_gets_the_engines_answers_to_the_named_queries(
    served: str, engine: OxigraphEngine
) -> None:
    graph = Graph(SPARQLStore(served))  # SPARQL XML results, parsed by rdflib
    for named in NAMED_QUERIES:
        answer = Counter(
            frozenset((str(var), term.n3()) for var, term in row.asdict().items())
            for row in graph.query(named.text)
        )
        expected = Counter(
            frozenset(
                (var.value, str(row[var])) for var in solutions.variables if row[var] is not None
            )
            for solutions in [engine.query(named.text).answer]
            for row in solutions
        )
        assert answer == expected, named.name


def test_a_restart_serves_the_current_artefact_without_building_again(
    served: str, build_dir: Path
) -> None:
    port = free_port()
    process = start_serve(REPOSITORY, build_dir, port)
    try:
        wait_until_healthy(process, f"http://127.0.0.1:{port}")
        version = httpx.get(f"http://127.0.0.1:{port}/health").json()["dataset"]
    finally:
        code, out, _ = stop(process)
    assert code == 0
    assert f"Serving the current build {version}" in out
