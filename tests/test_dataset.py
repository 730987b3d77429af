"""The dataset as a whole: VoID/DCAT agree with the build manifest; the dumps hold the data."""

from __future__ import annotations

import gzip
import json
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from conftest import REPOSITORY, jsonld_graph, vary
from ic16graph.config import Settings
from ic16graph.dumps import dump_names
from ic16graph.jsonld import load_context

BASE = "https://w3id.org/ic16/"
DATASET = URIRef(BASE + "dataset")
CONTEXT = load_context(REPOSITORY / "ontology" / "context.jsonld", BASE)


@pytest.fixture(scope="module")
def manifest(repository_settings: Settings) -> dict:
    return json.loads((repository_settings.build_dir / "manifest.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def void(client: TestClient) -> Graph:
    response = client.get("/.well-known/void")
    assert response.headers["content-type"].startswith("text/turtle")  # machines get Turtle
    return Graph().parse(data=response.content, format="turtle")


def test_void_triple_counts_are_the_manifests(void: Graph, manifest: dict) -> None:
    for info in manifest["graphs"]:
        assert (DATASET, VOID.subset, URIRef(info["iri"])) in void
        assert void.value(URIRef(info["iri"]), VOID.triples).toPython() == info["triples"]
    total = sum(info["triples"] for info in manifest["graphs"])
    assert void.value(DATASET, VOID.triples).toPython() == total


def test_void_and_dcat_describe_title_licence_publisher_endpoint_dumps(
    void: Graph, manifest: dict
) -> None:
    assert {RDF.type: {VOID.Dataset, DCAT.Dataset}}[RDF.type] == set(
        void.objects(DATASET, RDF.type)
    )
    titles = {t.language for t in void.objects(DATASET, DCTERMS.title)}
    descriptions = {d.language for d in void.objects(DATASET, DCTERMS.description)}
    assert titles == descriptions == {"fi", "sv", "en"}
    assert void.value(DATASET, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert void.value(DATASET, DCTERMS.publisher) == URIRef(BASE + "id/org/ic16graph")
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef("http://testserver/sparql")
    dumps = {str(url).rpartition("/")[2] for url in void.objects(DATASET, VOID.dataDump)}
    assert dumps == set(dump_names())
    assert len(list(void.objects(DATASET, DCAT.distribution))) == len(dump_names())
    modified = void.value(DATASET, DCTERMS.modified)
    assert modified.datatype == XSD.dateTime
    assert modified.toPython() == datetime.fromisoformat(manifest["built_at"])
    vocabularies = {str(v) for v in void.objects(DATASET, VOID.vocabulary)}
    assert {
        "https://w3id.org/ic16/ontology/",
        "http://www.w3.org/2004/02/skos/core#",
        "http://purl.org/dc/terms/",
    } <= vocabularies


def test_dcat_is_negotiated_and_framed_as_json_ld(client: TestClient, void: Graph) -> None:
    response = client.get("/dataset", headers={"Accept": "application/ld+json"})
    assert "Accept" in vary(response)
    document = response.json()
    assert document["id"] == BASE + "dataset"
    assert isomorphic(jsonld_graph(document, CONTEXT), void)


@pytest.mark.parametrize("name", dump_names())
def test_every_dump_is_served_and_the_gzipped_ones_unpack_to_the_plain_ones(
    client: TestClient, name: str
) -> None:
    response = client.get(f"/dump/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(dump_names()[name])
    if name.endswith(".gz"):
        plain = client.get(f"/dump/{name.removesuffix('.gz')}").content
        assert gzip.decompress(response.content) == plain


def test_the_dumps_hold_every_quad_and_the_default_graph(
    client: TestClient, manifest: dict
) -> None:
    total = sum(info["triples"] for info in manifest["graphs"])
    for name, rdflib_format in (("dataset.nq", "nquads"), ("dataset.trig", "trig")):
        dataset = Dataset()
        dataset.parse(data=client.get(f"/dump/{name}").content, format=rdflib_format)
        assert len(list(dataset.quads())) == total
    from_json = Dataset()
    from_json.parse(data=client.get("/dump/dataset.jsonld").content, format="json-ld")
    assert len(list(from_json.quads())) == total
    default = Graph().parse(data=client.get("/dump/default.ttl").content, format="turtle")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    answer = client.get(
        "/sparql", params={"query": count}, headers={"Accept": "application/sparql-results+json"}
    ).json()
    assert len(default) == int(answer["results"]["bindings"][0]["n"]["value"])
    assert (
        URIRef(BASE + "id/city/tampere"),
        RDF.type,
        URIRef(BASE + "ontology/Innokaupunki"),
    ) in default
    assert Literal("Tammerfors", lang="sv") in set(
        default.objects(URIRef(BASE + "id/city/tampere"))
    )


@pytest.mark.parametrize(
    "name", ["manifest.json", "..%2Fmanifest.json", "dataset.nq.zip", "%2E%2E"]
)
def test_only_known_dump_names_are_served(client: TestClient, name: str) -> None:
    assert client.get(f"/dump/{name}").status_code == 404
