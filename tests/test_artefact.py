"""artefact.py: an on-disk store of a build, and a prebuilt dataset served without a build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ic16graph.artefact import attach_store, graph_role, write_prebuilt, write_store
from ic16graph.build import Build
from ic16graph.engine import OxigraphEngine, open_engine
from ic16graph.remote import RemoteEngine

BASE = "https://w3id.org/ic16/"
PREFIXES = "PREFIX ic16: <https://w3id.org/ic16/ontology/>\n"
CITIES = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?city a ic16:City }"


def count(engine: OxigraphEngine, query: str = CITIES, **options: object) -> int:
    body = json.loads(engine.query(query, **options).serialize("application/sparql-results+json"))
    return int(body["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def written(world_build: Build, tmp_path: Path) -> Path:
    world_build.write(tmp_path / "build")
    return tmp_path / "build"


def test_an_on_disk_store_answers_as_the_in_memory_engine(written: Path, tmp_path: Path) -> None:
    in_memory = OxigraphEngine.from_artefact(written)
    store = write_store(written, tmp_path / "stores")
    manifest = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["store"] == str(store) and (store / "CURRENT").is_file()
    on_disk = OxigraphEngine.from_artefact(written)
    assert count(on_disk) == count(in_memory) > 0
    assert count(on_disk, inference=False) == count(in_memory, inference=False)


def test_a_store_is_reused_while_the_data_is_the_same(written: Path, tmp_path: Path) -> None:
    first = write_store(written, tmp_path / "stores")
    marker = first / "ours"
    marker.write_text("still here")
    assert write_store(written, tmp_path / "stores") == first and marker.is_file()


def test_a_remote_store_is_named_in_the_manifest_and_opened_as_a_remote_engine(
    written: Path,
) -> None:
    attach_store(written, "sparql+http://127.0.0.1:9/query")
    engine = open_engine(written)
    assert isinstance(engine, RemoteEngine) and engine.endpoint == "http://127.0.0.1:9/query"


def test_a_prebuilt_dataset_is_served_as_it_is_with_roles_from_its_graph_iris(
    world_build: Build, tmp_path: Path
) -> None:
    dataset = tmp_path / "given.nq"
    dataset.write_bytes(world_build.nquads())
    manifest = write_prebuilt(dataset, tmp_path / "build", BASE)
    assert manifest["validation"]["skipped"] is True
    roles = {g["iri"]: g["role"] for g in manifest["graphs"]}
    assert roles == {g.iri: g.role for g in world_build.graphs}
    engine = OxigraphEngine.from_artefact(tmp_path / "build")
    assert count(engine) == count(OxigraphEngine.from_build(world_build))
    assert write_prebuilt(dataset, tmp_path / "again", BASE)["version"] == manifest["version"]


@pytest.mark.parametrize(("iri", "role"), [
    (BASE + "graph/inferred", "inferred"),
    (BASE + "graph/shapes/mini-shapes", "shapes"),
    (BASE + "graph/ontology/ic16", "ontology"),
    (BASE + "graph/data/cities", "data"),
    ("https://example.org/elsewhere", "data"),
])
def test_graph_roles_follow_the_iri_scheme(iri: str, role: str) -> None:
    assert graph_role(iri, BASE) == role


def test_the_build_command_writes_an_on_disk_store_beside_the_artefact(
    run_cli, tmp_path: Path
) -> None:
    code, out, _ = run_cli("--root", "world", "build", "--output", str(tmp_path / "build"),
                           "--store", str(tmp_path / "stores"))
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text(encoding="utf-8"))
    assert code in (0, 1) and f"on-disk store {manifest['store']}" in out
    assert count(OxigraphEngine.from_artefact(tmp_path / "build")) > 0


def test_a_union_without_repeats_is_left_to_the_store_and_answers_the_same(
    world_build: Build, tmp_path: Path
) -> None:
    seen, lines = set(), []
    for line in world_build.nquads().decode().splitlines():
        triple = line.rsplit(" ", 2)[0]
        if "/graph/shapes/" not in line and triple not in seen:
            seen.add(triple)
            lines.append(line)
    dataset = tmp_path / "set.nq"
    dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert write_prebuilt(dataset, tmp_path / "set", BASE)["union_is_a_set"] is True
    engine, built = OxigraphEngine.from_artefact(tmp_path / "set"), OxigraphEngine.from_build(
        world_build)
    for inference in (True, False):
        assert count(engine, inference=inference) == count(built, inference=inference)
    repeated = tmp_path / "repeated.nq"
    other = next(g.iri for g in world_build.graphs if g.iri not in lines[0] and g.role != "shapes")
    repeated.write_text(dataset.read_text() + f"{lines[0].rsplit(' ', 2)[0]} <{other}> .\n")
    assert write_prebuilt(repeated, tmp_path / "repeated", BASE)["union_is_a_set"] is False
