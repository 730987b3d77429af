"""The JSON-LD list API: exact totals from the data, paging links, items, OpenAPI documentation."""

from __future__ import annotations

from itertools import pairwise

import pytest
from fastapi.testclient import TestClient
from rdflib import URIRef
from rdflib.namespace import SKOS

from conftest import REPOSITORY, jsonld_graph
from ic16graph.i18n import sort_key
from ic16graph.jsonld import load_context

BASE = "https://w3id.org/ic16/"
CONTEXT = load_context(REPOSITORY / "ontology" / "context.jsonld", BASE)
HYDRA = "http://www.w3.org/ns/hydra/core#"
# The data's own counts: 20 cities (19 Innokaupungit and Raahe) and the municipality of
# Sotkamo; 16 agreements; 6 lead projects; 94 themes and focus areas; 33 organisations that
# are not municipalities.
TOTALS = {"cities": 21, "agreements": 16, "lead-projects": 6, "themes": 94, "organisations": 33}
COUNTED_BY_SPARQL = {
    "cities": "?x a ic16:Municipality",
    "agreements": "?x a ic16:EcosystemAgreement",
    "lead-projects": "?x a ic16:LeadProject",
    "themes": "?x a ic16:Theme",
    "organisations": "?x a ic16:Organisation FILTER NOT EXISTS { ?x a ic16:Municipality }",
}


def all_pages(client: TestClient, name: str, size: int) -> list[dict]:
    pages, url = [], f"/api/{name}?size={size}"
    while url:
        page = client.get(url).json()
        pages.append(page)
        url = page.get("next", "").removeprefix("http://testserver")
    return pages


@pytest.mark.parametrize("name", TOTALS)
def test_each_list_has_the_exact_total_of_the_data(client: TestClient, name: str) -> None:
    response = client.get(f"/api/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.json()["total"] == TOTALS[name]
    query = (
        f"PREFIX ic16: <https://w3id.org/ic16/ontology/> SELECT (COUNT(DISTINCT ?x) AS ?n) "
        f"WHERE {{ {COUNTED_BY_SPARQL[name]} }}"
    )
    counted = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    ).json()
    assert int(counted["results"]["bindings"][0]["n"]["value"]) == TOTALS[name]


@pytest.mark.parametrize("name", TOTALS)
def test_paging_walks_every_item_once_in_finnish_order(client: TestClient, name: str) -> None:
    pages = all_pages(client, name, size=7)
    items = [item for page in pages for item in page["items"]]
    assert len(pages) == -(-TOTALS[name] // 7) and len(items) == TOTALS[name]
    assert len({item["id"] for item in items}) == TOTALS[name]
    finnish = [sort_key(item["label"].get("fi", "")) for item in items]
    assert finnish == sorted(finnish)
    assert "prev" not in pages[0] and "next" not in pages[-1]
    assert pages[0]["last"] == pages[-1]["id"]
    assert all(later["prev"] == earlier["id"] for earlier, later in pairwise(pages))


def test_an_item_is_its_compact_iri_types_and_language_map(client: TestClient) -> None:
    cities = [i for page in all_pages(client, "cities", 50) for i in page["items"]]
    tampere = next(item for item in cities if item["id"] == "city:tampere")
    assert tampere == {
        "id": "city:tampere",
        "type": ["City"],
        "label": {"en": "Tampere", "fi": "Tampere", "sv": "Tammerfors"},
    }
    sotkamo = next(item for item in cities if item["id"] == "municipality:sotkamo")
    assert sotkamo["type"] == ["Municipality"]


def test_a_page_is_json_ld_with_hydra_paging(client: TestClient) -> None:
    page = client.get("/api/lead-projects?size=2&page=2").json()
    graph = jsonld_graph(page, CONTEXT)
    view = URIRef(page["id"])
    assert graph.value(view, URIRef(HYDRA + "totalItems")).toPython() == 6
    assert graph.value(view, URIRef(HYDRA + "next")) == URIRef(page["next"])
    members = set(graph.objects(view, URIRef(HYDRA + "member")))
    assert len(members) == 2 and all(graph.value(m, SKOS.prefLabel) for m in members)


@pytest.mark.parametrize(
    ("query", "status"), [("page=0", 422), ("size=101", 422), ("page=99", 404)]
)
def test_out_of_range_pages_and_sizes_are_refused(
    client: TestClient, query: str, status: int
) -> None:
    assert client.get(f"/api/themes?{query}").status_code == status


def test_the_lists_are_documented_in_openapi_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for name in TOTALS:
        operation = schema["paths"][f"/api/{name}"]["get"]
        content = operation["responses"]["200"]["content"]
        assert content["application/ld+json"]["example"]["items"][0]["id"]
        assert {p["name"] for p in operation["parameters"]} == {"page", "size"}
