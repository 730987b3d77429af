"""engine.py: pyoxigraph over the built dataset, datasets per SPARQL, results per media type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from conftest import PIPELINE
from ic16graph.engine import (
    GRAPH_MEDIA_TYPES,
    RESULT_MEDIA_TYPES,
    OxigraphEngine,
    QueryNotAllowed,
    QuerySyntaxError,
    UnsupportedMediaType,
    merge_asserted_union,
)

PREFIXES = """PREFIX ic16: <https://w3id.org/ic16/ontology/>
PREFIX city: <https://w3id.org/ic16/id/city/>
PREFIX sh: <http://www.w3.org/ns/shacl#>
"""
GRAPH = "https://w3id.org/ic16/graph/"
INNOKAUPUNKI = PREFIXES + "ASK { city:helsinki a ic16:Innokaupunki }"


@pytest.fixture(scope="module")
def engine(world_build) -> OxigraphEngine:
    return OxigraphEngine.from_build(world_build)


def ask(engine: OxigraphEngine, query: str, **options) -> bool:
    return bool(engine.query(query, **options))


def test_default_graph_is_asserted_plus_inferred_unless_inference_is_off(engine) -> None:
    assert ask(engine, INNOKAUPUNKI)
    assert not ask(engine, INNOKAUPUNKI, inference=False)
    assert ask(engine, PREFIXES + "ASK { city:helsinki a ic16:City }", inference=False)


def test_shapes_are_a_named_graph_outside_the_default_union(engine) -> None:
    assert not ask(engine, PREFIXES + "ASK { ?shape a sh:NodeShape }")
    in_shapes_graph = f"ASK {{ GRAPH <{GRAPH}shapes/mini-shapes> {{ ?s a sh:NodeShape }} }}"
    assert ask(engine, PREFIXES + in_shapes_graph)


def test_a_querys_own_from_clause_is_honoured(engine) -> None:
    query = PREFIXES + f"ASK FROM <{GRAPH}ontology/mini> {{ ?city a ic16:City }}"
    assert not ask(engine, query)


def test_protocol_dataset_replaces_the_default_graph(engine) -> None:
    cities = PREFIXES + "ASK { ?city a ic16:City }"
    assert not ask(engine, cities, default_graph_uris=[GRAPH + "ontology/mini"])
    assert ask(engine, cities, default_graph_uris=[GRAPH + "data/cities"])
    named_only = PREFIXES + "ASK { GRAPH ?g { ?city a ic16:City } }"
    assert ask(engine, named_only, named_graph_uris=[GRAPH + "data/cities"])
    assert not ask(engine, named_only, default_graph_uris=[GRAPH + "data/cities"])


def test_select_results_serialise_in_every_results_format(engine) -> None:
    query = PREFIXES + "SELECT ?city WHERE { ?city a ic16:Innokaupunki } ORDER BY ?city"
    for media_type in RESULT_MEDIA_TYPES:
        assert engine.query(query).serialize(media_type)
    document = json.loads(engine.query(query).serialize("application/sparql-results+json"))
    assert [b["city"]["value"] for b in document["results"]["bindings"]] == [
        "https://w3id.org/ic16/id/city/helsinki", "https://w3id.org/ic16/id/city/tampere"]
    assert engine.query(query).serialize("text/csv; charset=utf-8") == (
        b"city\r\nhttps://w3id.org/ic16/id/city/helsinki\r\n"
        b"https://w3id.org/ic16/id/city/tampere\r\n")


def test_graph_results_serialise_in_every_rdf_format(engine) -> None:
    query = PREFIXES + "CONSTRUCT { ?c a ic16:Innokaupunki } WHERE { ?c a ic16:Innokaupunki }"
    for media_type in GRAPH_MEDIA_TYPES:
        assert engine.query(query).serialize(media_type)
    turtle = engine.query(query).serialize("text/turtle").decode("utf-8")
    assert "city:helsinki a ic16:Innokaupunki" in turtle


def test_kind_decides_which_media_types_fit(engine) -> None:
    assert engine.query(INNOKAUPUNKI).kind == "ask"
    assert engine.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1").kind == "select"
    assert engine.query("DESCRIBE <urn:x>").kind == "graph"
    with pytest.raises(UnsupportedMediaType):
        engine.query(INNOKAUPUNKI).serialize("text/turtle")
    with pytest.raises(UnsupportedMediaType):
        engine.query("DESCRIBE <urn:x>").serialize("text/csv")


def test_syntax_error_has_line_and_column(engine) -> None:
    query = (PIPELINE / "queries" / "bad.rq").read_text(encoding="utf-8")
    with pytest.raises(QuerySyntaxError) as raised:
        engine.query(query)
    assert (raised.value.line, raised.value.column) == (6, 1)
    assert raised.value.message.startswith("expected one of")
    assert "\\u{" not in raised.value.message  # pyoxigraph's character ranges are left out


def test_service_is_refused_but_the_word_in_a_string_is_not(engine) -> None:
    with pytest.raises(QueryNotAllowed):
        engine.query("SELECT * WHERE { service <http://example.org/sparql> { ?s ?p ?o } }")
    assert engine.query('SELECT * WHERE { BIND("SERVICE <x>" AS ?s) } # SERVICE').kind == "select"
    assert engine.query("SELECT ?service WHERE { ?service ?p ?o } LIMIT 1").kind == "select"


def test_artefact_and_build_give_the_same_answers(tmp_path: Path, world_build, engine) -> None:
    world_build.write(tmp_path)
    from_disk = OxigraphEngine.from_artefact(tmp_path)
    assert from_disk.graphs == engine.graphs
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert from_disk.query(query).serialize("text/csv") == engine.query(query).serialize("text/csv")


def test_service_to_an_allowed_endpoint_passes_the_check(world_build) -> None:
    engine = OxigraphEngine.from_build(world_build, service_allowlist=["http://localhost:9/"])
    with pytest.raises(QueryNotAllowed):
        engine.query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    with pytest.raises(OSError):  # allowed, so pyoxigraph tries (and port 9 is refused)
        list(engine.query("SELECT * WHERE { SERVICE <http://localhost:9/> { ?s ?p ?o } }"))


def test_relative_iris_resolve_against_the_dataset_base_iri(engine) -> None:
    assert bool(engine.query("ASK { <id/city/helsinki> a <ontology/Innokaupunki> }")) is True
    triples = list(engine.query("CONSTRUCT { <s> <p> 1 } WHERE {}"))
    assert [(t.subject.value, t.predicate.value) for t in triples] == [
        ("https://w3id.org/ic16/s", "https://w3id.org/ic16/p")
    ]


def test_a_triple_stated_in_two_graphs_is_one_triple_of_the_default_graph(world_build) -> None:
    engine = OxigraphEngine.from_build(world_build)
    iri = engine.default_graph_iris(inference=False)[-1]
    twice = (f"<{GRAPH}data/twice> <{GRAPH}p> <{GRAPH}o> <{iri}> .\n"
             f"<{GRAPH}data/twice> <{GRAPH}p> <{GRAPH}o> <{engine.default_graph_iris()[0]}> .\n")
    engine.store.load(twice.encode(), format=RdfFormat.N_QUADS)
    merge_asserted_union(engine.store, engine.graphs)
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{GRAPH}data/twice> ?p ?o }}"
    for inference in (True, False):
        assert b"\n1" in engine.query(query, inference=inference).serialize("text/csv")


def test_a_query_run_together_with_its_from_clause_keeps_its_own_dataset(engine) -> None:
    assert not ask(engine, PREFIXES + f"ASKFROM<{GRAPH}ontology/mini>{{ ?city a ic16:City }}")

