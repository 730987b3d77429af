"""remote.py against a live Oxigraph server: push the build, then query it as the local engine does.

The named-query tests of test_queries.py run here a second time, unchanged, with their `engine`
fixture replaced by a `RemoteEngine`; every named query must also give exactly the local
engine's answer. The server is the `oxigraph` command of the PyPI package (the `test` extra);
without it these tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ic16graph.build import build
from ic16graph.cli import main
from ic16graph.config import Settings
from ic16graph.engine import OxigraphEngine, QueryEngine
from ic16graph.remote import RemoteEngine, push
from test_queries import (  # noqa: F401  (collected again here, over the remote engine)
    QUERIES,
    test_actors_by_city_places_organisations_in_their_municipality,
    test_agreements_lists_16_agreements_with_their_municipalities_and_funding_authority,
    test_battery_work_packages_name_their_responsible_organisations,
    test_focus_areas_nest_lappeenrantas_p2x_sub_themes_three_levels_deep,
    test_lead_project_cities_pairs_each_project_with_its_city_regions,
    test_lead_projects_count_distinct_innokaupungit_per_project,
    test_provenance_names_the_documents_stating_facts_about_battery_chemistry,
    test_themes_have_finnish_labels_and_the_lead_themes_swedish_ones,
)

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = "PREFIX ic16: <https://w3id.org/ic16/ontology/>\n"
HELSINKI_IS_INNOKAUPUNKI = PREFIXES + (
    "ASK { <https://w3id.org/ic16/id/city/helsinki> a ic16:Innokaupunki }")


def _oxigraph_command() -> str | None:
    beside_python = Path(sys.executable).parent / "oxigraph"
    return str(beside_python) if beside_python.is_file() else shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live Oxigraph server on a free loopback port, its data in a temporary directory."""
    command = _oxigraph_command()
    if command is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    port = _free_port()
    process = subprocess.Popen(
        [command, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
         "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.skip(f"the oxigraph server did not start (exit {process.poll()})")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = Settings(root=ROOT, build_dir=tmp_path_factory.mktemp("build"))
    build(settings).write(settings.build_dir)
    return settings.build_dir


@pytest.fixture(scope="module")
def pushed(server: str, build_dir: Path) -> list[str]:
    return push(build_dir, f"{server}/store")


@pytest.fixture(scope="module")
def engine(server: str, build_dir: Path, pushed: list[str], tmp_path_factory) -> RemoteEngine:
    """The remote engine as the workers get it: from an artefact whose manifest names the store."""
    remote_build = tmp_path_factory.mktemp("remote") / "build"
    shutil.copytree(build_dir, remote_build)
    manifest = json.loads((remote_build / "manifest.json").read_text(encoding="utf-8"))
    manifest["store"] = f"sparql+{server}/query"
    (remote_build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return RemoteEngine.from_artefact(remote_build)


def answer(engine: QueryEngine, query: str, **options: object) -> Counter:
    """The solutions as a multiset; GROUP_CONCAT's order is unspecified, so its parts sorted."""
    body = json.loads(engine.query(query, **options).serialize("application/sparql-results+json"))
    return Counter(
        json.dumps({var: ", ".join(sorted(cell["value"].split(", "))) if cell["type"] == "literal"
                    else cell["value"] for var, cell in binding.items()}, sort_keys=True)
        for binding in body["results"]["bindings"])


def test_push_puts_every_graph_of_the_build_under_its_own_name(
    server: str, build_dir: Path, pushed: list[str]
) -> None:
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    counts = httpx.post(f"{server}/query", data={
        "query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
        headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    remote = {row["g"]["value"]: int(row["n"]["value"]) for row in counts}
    assert {g["iri"]: g["triples"] for g in manifest["graphs"]}.items() <= remote.items()
    assert set(pushed) == set(remote)


def test_every_named_query_answers_exactly_as_the_local_engine(
    engine: RemoteEngine, build_dir: Path
) -> None:
    local = OxigraphEngine.from_artefact(build_dir)
    for path in sorted(QUERIES.glob("*.rq")):
        query = path.read_text(encoding="utf-8")
        assert answer(engine, query) == answer(local, query), path.name


def test_the_dataset_rules_hold_remotely_inference_views_and_protocol_datasets(
    engine: RemoteEngine,
) -> None:
    assert bool(engine.query(HELSINKI_IS_INNOKAUPUNKI))
    assert not bool(engine.query(HELSINKI_IS_INNOKAUPUNKI, inference=False))
    shapes = "ASK { ?shape a <http://www.w3.org/ns/shacl#NodeShape> }"
    assert not bool(engine.query(shapes))
    graph = "https://w3id.org/ic16/graph/shapes/ic16-shapes"
    assert bool(engine.query(shapes, default_graph_uris=[graph]))
    assert bool(engine.query(f"ASK FROM <{graph}> {{ ?s a ?type }}"))


def test_graph_results_come_back_in_the_requested_media_type(engine: RemoteEngine) -> None:
    result = engine.query(PREFIXES + "CONSTRUCT { ?c a ic16:City } WHERE { ?c a ic16:City }")
    assert result.kind == "graph"
    assert b"@prefix" in result.serialize("text/turtle")


def test_the_push_command_loads_the_current_build(
    server: str, build_dir: Path, pushed: list[str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IC16_BUILD_DIR", str(build_dir))
    assert main(["--root", str(ROOT), "push", f"{server}/store"]) == 0
    assert f"pushed {len(pushed)} graphs to {server}/store" in capsys.readouterr().out


def test_pushing_to_no_store_is_unusable_input(build_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("IC16_BUILD_DIR", str(build_dir))
    assert main(["--root", str(ROOT), "push", f"http://127.0.0.1:{_free_port()}/store"]) == 2


def test_the_service_answers_from_the_remote_store_through_its_workers(
    server: str, build_dir: Path, pushed: list[str], tmp_path: Path
) -> None:
    served_build = tmp_path / "build"
    shutil.copytree(build_dir, served_build)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ic16graph.cli", "--root", str(ROOT), "serve", "--port", str(port),
         "--workers", "1", "--store", f"sparql+{server}/query"],
        env={**os.environ, "IC16_BUILD_DIR": str(served_build)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/sparql",
                                      data={"query": HELSINKI_IS_INNOKAUPUNKI},
                                      headers={"Accept": "application/sparql-results+json"})
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert response.json() == {"head": {}, "boolean": True}
        # Only the remote store holds the pushed union graph: the workers did ask it.
        union = "ASK FROM <https://w3id.org/ic16/graph/asserted-union> { ?s ?p ?o }"
        remote_only = httpx.post(f"http://127.0.0.1:{port}/sparql", data={"query": union},
                                 headers={"Accept": "application/sparql-results+json"})
        assert remote_only.json()["boolean"] is True
    finally:
        process.terminate()
        process.wait(timeout=30)
