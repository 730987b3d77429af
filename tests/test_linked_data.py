"""Every IRI we mint dereferences: content negotiation, document URLs, 404s, the model, the base.

Runs against the repository's own data, built once (conftest `client`), with a few requests
against a live uvicorn server and one app built under another base IRI.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH, SKOS

from conftest import REPOSITORY, jsonld_graph, live_server, vary
from ic16graph.app import create_app
from ic16graph.build import build
from ic16graph.config import Settings
from ic16graph.describe import FindingIndex, describe, local_path
from ic16graph.execution import Limits
from ic16graph.jsonld import load_context
from ic16graph.manifest import Artefact
from ic16graph.vocabulary import IC16
from ic16graph.workers import WorkerPool

BASE = "https://w3id.org/ic16/"
# One resource of each class: path under /id/ -> a class it has.
ONE_OF_EACH = {
    "city/tampere": "City",
    "municipality/sotkamo": "Municipality",
    "city-region/tampere": "CityRegion",
    "agreement/capital-region": "EcosystemAgreement",
    "programme/innokaupungit": "Programme",
    "lead-project/battery-chemistry": "LeadProject",
    "work-package/battery-chemistry-1": "WorkPackage",
    "theme/green-electrification": "Theme",
    "org/pirkanmaan-liitto": "RegionalCouncil",
    "person/petri-peltonen": "Person",
    "post/steering-group-chair": "Post",
    "event/battery-chemistry-final-seminar": "Event",
    "place/villa-elba": "Venue",
    "strategy/national-battery-strategy-2025": "Strategy",
    "source/kokkola-2025-06-25": "PressRelease",
}
RDF_TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
    "application/ld+json": ("jsonld", "json-ld"),
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CONTEXT = load_context(REPOSITORY / "ontology" / "context.jsonld", BASE)


def parsed(response: httpx.Response) -> Graph:
    """The RDF of `response`; JSON-LD expanded by pyld with our context (nothing fetched)."""
    media_type = response.headers["content-type"].split(";")[0]
    if media_type == "application/ld+json":
        return jsonld_graph(response.json(), CONTEXT)
    return Graph().parse(data=response.content, format=RDF_TYPES[media_type][1])


@pytest.mark.parametrize("path", ONE_OF_EACH)
def test_each_class_dereferences_in_every_rdf_format_to_the_same_graph(
    client: TestClient, path: str
) -> None:
    graphs = []
    for media_type, (extension, _) in RDF_TYPES.items():
        response = client.get(f"/id/{path}", headers={"Accept": media_type})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert "Accept" in vary(response)
        assert response.headers["content-location"] == f"/id/{path}.{extension}"
        graph = parsed(response)
        iri = URIRef(BASE + "id/" + path)
        assert (iri, RDF.type, IC16[ONE_OF_EACH[path]]) in graph
        graphs.append(graph)
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])


@pytest.mark.parametrize("path", ONE_OF_EACH)
def test_each_class_has_an_html_page_linking_its_data(client: TestClient, path: str) -> None:
    response = client.get(f"/id/{path}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert {"Accept", "Accept-Language"} <= vary(response)
    assert response.headers["content-location"] == f"/id/{path}.html"
    assert f'href="/id/{path}.jsonld"' in response.text


def test_document_urls_and_format_parameter_answer_without_negotiation(client: TestClient) -> None:
    negotiated = client.get("/id/city/tampere", headers={"Accept": "text/turtle"})
    document = client.get("/id/city/tampere.ttl", headers={"Accept": "application/ld+json"})
    overridden = client.get("/id/city/tampere?format=ttl", headers={"Accept": "text/html"})
    assert document.content == overridden.content == negotiated.content
    assert "Accept" not in vary(document)
    assert "content-location" not in document.headers
    assert overridden.headers["content-location"] == "/id/city/tampere.ttl"
    assert client.get("/id/city/tampere.html").headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("application/ld+json;q=0.2, application/n-triples;q=0.9", "application/n-triples"),
        ("application/json", "application/ld+json"),
        (BROWSER, "text/html"),
        ("*/*", "text/turtle"),
        (None, "text/turtle"),
    ],
)
def test_accept_q_values_pick_the_format(
    client: TestClient, accept: str | None, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/agreement/tampere", headers=headers)
    assert response.headers["content-type"].startswith(media_type)


def test_an_unacceptable_type_is_406_listing_the_formats(client: TestClient) -> None:
    response = client.get("/id/city/tampere", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/ld+json" in response.text and ".ttl" in response.text


@pytest.mark.parametrize("accept", [*RDF_TYPES, "text/html"])
def test_an_unknown_iri_is_404_in_the_negotiated_format(client: TestClient, accept: str) -> None:
    response = client.get("/id/city/atlantis", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(accept)
    assert "Accept" in vary(response)
    if accept == "text/html":
        assert "city/atlantis" in response.text
    else:
        assert len(parsed(response)) == 0  # a valid document saying nothing


def test_an_iri_that_cannot_be_asked_about_is_404_not_an_error(client: TestClient) -> None:
    response = client.get("/id/city/x%3E%20%3Cy", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert "\n#" not in response.text.strip()  # the message stays one comment line


def test_inference_false_gives_the_asserted_triples_only(client: TestClient) -> None:
    innokaupunki = (URIRef(BASE + "id/city/tampere"), RDF.type, IC16.Innokaupunki)  # inferred
    everything = parsed(client.get("/id/city/tampere.ttl"))
    asserted = parsed(client.get("/id/city/tampere.ttl?inference=false"))
    assert innokaupunki in everything and innokaupunki not in asserted
    assert (URIRef(BASE + "id/city/tampere"), RDF.type, IC16.City) in asserted


def test_a_named_graph_dereferences(client: TestClient) -> None:
    graph = parsed(client.get("/graph/data/seed-003-battery-chemistry.ttl"))
    subject = URIRef(BASE + "graph/data/seed-003-battery-chemistry")
    assert (subject, IC16.statedIn, URIRef(BASE + "id/source/kokkola-2025-06-25")) in graph


def test_the_ontology_is_documented_by_pylode_in_the_chosen_language(client: TestClient) -> None:
    english = client.get("/ontology?lang=en", headers={"Accept": "text/html"})
    finnish = client.get("/ontology", headers={"Accept": "text/html"})
    assert english.status_code == finnish.status_code == 200
    assert 'id="LeadProject"' in english.text and "lead project" in english.text
    assert "vetovastuuhanke" in finnish.text and english.headers["content-language"] == "en"
    graph = parsed(client.get("/ontology", headers={"Accept": "text/turtle"}))
    assert (
        URIRef(str(IC16)[:-1]),
        RDF.type,
        URIRef("http://www.w3.org/2002/07/owl#Ontology"),
    ) in graph


def test_an_ontology_term_has_its_own_triples_and_a_section(client: TestClient) -> None:
    turtle = parsed(client.get("/ontology/LeadProject", headers={"Accept": "text/turtle"}))
    assert (IC16.LeadProject, SKOS.prefLabel, Literal("vetovastuuhanke", lang="fi")) in turtle
    assert set(turtle.subjects()) == {IC16.LeadProject}
    document = client.get("/ontology/LeadProject.jsonld").json()
    assert document["id"] == "ic16:LeadProject" and document["label"]["en"] == "lead project"
    page = client.get(
        "/ontology/LeadProject?lang=sv", headers={"Accept": BROWSER}, follow_redirects=False
    )
    assert page.status_code == 303 and page.headers["location"] == "/ontology?lang=sv#LeadProject"
    assert client.get("/ontology/NoSuchTerm", headers={"Accept": "text/turtle"}).status_code == 404


def test_the_shapes_are_listed_with_name_message_and_severity(client: TestClient) -> None:
    shapes = parsed(client.get("/shapes", headers={"Accept": "text/turtle"}))
    names = {
        str(name) for shape, name in shapes.subject_objects(SH.name) if isinstance(shape, URIRef)
    }
    page = client.get("/shapes?lang=en", headers={"Accept": "text/html"})
    assert page.status_code == 200 and len(names) > 20
    for name in names:
        assert name.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;") in page.text
    assert "violation" in page.text and "info" in page.text


def test_the_context_is_served_as_json_ld(client: TestClient) -> None:
    response = client.get("/context.jsonld")
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.json()["@context"]["label"] == {
        "@id": "skos:prefLabel",
        "@container": "@language",
    }


def test_describe_knows_inferred_statements_sources_incoming_links_and_findings(
    repository_settings: Settings,
) -> None:
    async def run() -> None:
        pool = WorkerPool(repository_settings.build_dir, Limits(), 1)
        await pool.start()
        try:
            findings = FindingIndex.read(repository_settings.build_dir)
            project = await describe(pool, BASE + "id/lead-project/battery-chemistry")
            undated = await describe(
                pool, BASE + "id/source/pirkanmaan-liitto-coordination", findings=findings
            )
            assert await describe(pool, BASE + "id/nothing") is None
        finally:
            pool.close()
        assert project is not None and undated is not None
        by_property = {
            (s.predicate.value.rpartition("/")[2], s.object.value.rpartition("/")[2]): s
            for s in project.statements
        }
        asserted = by_property[("participatingCityRegion", "pori")]
        assert not asserted.inferred
        assert asserted.graphs == (BASE + "graph/data/seed-003-battery-chemistry",)
        assert by_property[("involvesCityRegion", "pori")].inferred
        assert (
            by_property[("involvesCityRegion", "pori")].object.labels["fi"] == "Porin kaupunkiseutu"
        )
        assert project.labels["fi"] == "Akkukemian vetovastuuhanke"
        assert any(
            s.document.value.endswith("kokkola-2025-06-25") and s.issued == "2025-06-25"
            for s in project.sources
        )
        assert any(link.subject.value.endswith("battery-chemistry-1") for link in project.incoming)
        assert project.findings == ()
        assert [f.severity for f in undated.findings] == ["info"]

    asyncio.run(run())


def test_local_paths_follow_the_base_and_the_fixed_model_namespaces() -> None:
    assert (
        local_path("http://localhost:8000/id/city/oulu", "http://localhost:8000/")
        == "/id/city/oulu"
    )
    assert local_path(str(IC16.City), "http://localhost:8000/") == "/ontology/City"
    assert local_path("https://w3id.org/ic16/shapes/X") == "/shapes/X"
    assert local_path("https://example.org/id/city/oulu") is None


def test_another_base_iri_serves_the_same_data_under_it(tmp_path: Path) -> None:
    settings = Settings(root=REPOSITORY, base_iri="http://127.0.0.1:8000/", build_dir=tmp_path)
    build(settings).write(tmp_path)
    with TestClient(create_app(settings, Artefact.read(tmp_path))) as local:
        graph = parsed(local.get("/id/city/oulu", headers={"Accept": "text/turtle"}))
        document = local.get("/id/city/oulu.jsonld").json()
        context = local.get("/context.jsonld").json()["@context"]
    assert (URIRef("http://127.0.0.1:8000/id/city/oulu"), RDF.type, IC16.City) in graph
    assert document["id"] == "city:oulu" and context["city"] == "http://127.0.0.1:8000/id/city/"
    assert context["ic16"] == str(IC16)  # the model's namespace never moves


def test_a_live_server_answers_linked_data_clients(repository_settings: Settings) -> None:
    app = create_app(repository_settings, Artefact.read(repository_settings.build_dir))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        response = http.get(
            "/id/lead-project/battery-chemistry", headers={"Accept": "application/ld+json"}
        )
        assert response.status_code == 200
        assert response.json()["id"] == "project:battery-chemistry"
        again = http.get(
            "/id/lead-project/battery-chemistry",
            headers={"Accept": "application/ld+json", "If-None-Match": response.headers["etag"]},
        )
        assert again.status_code == 304 and again.content == b""
        head = http.head("/id/city/tampere", headers={"Accept": "text/turtle"})
        assert head.status_code == 200 and head.content == b""
