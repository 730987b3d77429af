"""build.py: the orchestration, the content-hash version and the atomic artefact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph
import pytest

from conftest import WORLD
from ic16graph.build import build
from ic16graph.config import Settings
from ic16graph.dumps import dump_names
from ic16graph.manifest import GraphInfo, artefact_is_current, code_fingerprint

GRAPH = "https://w3id.org/ic16/graph/"


def test_graphs_are_listed_with_role_path_and_size(world_build) -> None:
    assert world_build.graphs[:3] == (
        GraphInfo(GRAPH + "ontology/mini", "ontology", "ontology/mini.ttl", 21),
        GraphInfo(GRAPH + "data/cities", "data", "data/cities.ttl", 13),
        GraphInfo(GRAPH + "shapes/mini-shapes", "shapes", "shapes/mini-shapes.ttl", 24),
    )
    inferred = world_build.graphs[3]
    assert (inferred.iri, inferred.role, inferred.path) == (GRAPH + "inferred", "inferred", None)
    assert inferred.triples > 0


def test_the_build_carries_the_validation_report(world_build) -> None:
    assert world_build.report.counts == {"violation": 1, "warning": 1, "info": 1}
    assert not world_build.report.conforms()


def test_without_inference_there_is_no_inferred_graph_and_no_inferred_finding(
    world_settings,
) -> None:
    built = build(world_settings, inference=False)
    assert [g.role for g in built.graphs] == ["ontology", "data", "shapes"]
    assert built.report.counts == {"violation": 1, "warning": 0, "info": 1}
    assert built.timings["reason"] == 0.0


def test_version_is_a_hash_of_the_input_files(tmp_path: Path, world_build) -> None:
    copy = tmp_path / "world"
    shutil.copytree(WORLD, copy)
    assert build(Settings(root=copy)).version == world_build.version
    assert len(world_build.version) == 16
    with (copy / "data" / "cities.ttl").open("a", encoding="utf-8") as stream:
        stream.write("# one more comment\n")
    assert build(Settings(root=copy)).version != world_build.version


def test_write_produces_the_dataset_the_report_and_the_manifest(
    tmp_path: Path, world_build
) -> None:
    world_build.write(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "dataset.nq", "dump", "manifest.json", "report.json"]
    assert sorted(p.name for p in (tmp_path / "out" / "dump").iterdir()) == sorted(dump_names())
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["counts"] == {"violation": 1, "warning": 1, "info": 1}
    assert {r["focus"] for r in report["results"]} == {f.focus for f in world_build.report.findings}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"version", "built_at", "base_iri", "graphs", "validation",
                             "build_seconds", "timings", "code"}
    assert manifest["code"] == code_fingerprint()
    assert manifest["version"] == world_build.version
    assert manifest["built_at"].endswith("Z")
    assert manifest["validation"] == {
        "conforms": False, "counts": {"violation": 1, "warning": 1, "info": 1}}
    assert [GraphInfo(**g) for g in manifest["graphs"]] == list(world_build.graphs)
    store = pyoxigraph.Store()
    store.load((tmp_path / "out" / "dataset.nq").read_bytes(), format=pyoxigraph.RdfFormat.N_QUADS)
    assert len(store) == sum(g.triples for g in world_build.graphs)


def test_an_artefact_made_by_other_code_is_stale(tmp_path: Path, world_build) -> None:
    """Same sources, same base IRI, but built by an older ic16graph: it must be rebuilt."""
    settings = Settings(root=WORLD, build_dir=tmp_path / "out")
    world_build.write(settings.build_dir)
    assert artefact_is_current(settings)
    manifest_file = settings.build_dir / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest_file.write_text(json.dumps({**manifest, "code": "0" * 16}), encoding="utf-8")
    assert not artefact_is_current(settings)


def test_nquads_are_sorted_and_reproducible(world_build) -> None:
    lines = world_build.nquads().decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert world_build.nquads() == world_build.nquads()


def test_write_refuses_a_source_folder(world_build) -> None:
    with pytest.raises(ValueError, match="holds source files"):
        world_build.write(WORLD / "data")
