"""JSON-LD a consumer can use without our ontology, and exactly the graph of the Turtle.

For EVERY resource of the data, the JSON-LD document expanded by pyld (and by jsonld.js when
Node is here) is isomorphic to the Turtle of the same resource.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld as pyld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from conftest import REPOSITORY, jsonld_graph
from ic16graph.jsonld import document_loader, frame_resource, load_context

BASE = "https://w3id.org/ic16/"
CONTEXT = load_context(REPOSITORY / "ontology" / "context.jsonld", BASE)
EVERY_RESOURCE = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{BASE}id/')) }}"
JSONLD_JS = """
const jsonld = require('jsonld');
const [documents, context] = [require(process.argv[2]), require(process.argv[3])];
const documentLoader = async (url) => {
  if (url !== process.argv[4]) throw new Error(`refusing to load ${url}`);
  return {contextUrl: null, documentUrl: url, document: context};
};
(async () => {
  const out = {};
  for (const [iri, document] of Object.entries(documents)) {
    out[iri] = await jsonld.toRDF(document, {format: 'application/n-quads', documentLoader});
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => { console.error(error); process.exit(1); });
"""


@pytest.fixture(scope="module")
def documents(client: TestClient) -> dict[str, tuple[dict, Graph]]:
    """IRI -> (its JSON-LD document, the graph of its Turtle), for every resource under id/."""
    answer = client.get(
        "/sparql",
        params={"query": EVERY_RESOURCE},
        headers={"Accept": "application/sparql-results+json"},
    )
    iris = sorted(row["s"]["value"] for row in answer.json()["results"]["bindings"])
    assert len(iris) > 200  # every city, agreement, theme, organisation, source…
    found = {}
    for iri in iris:
        path = iri.removeprefix(BASE)
        document = client.get(f"/{path}.jsonld").json()
        turtle = Graph().parse(data=client.get(f"/{path}.ttl").content, format="turtle")
        found[iri] = (document, turtle)
    return found


def test_every_resource_expands_with_pyld_to_exactly_its_turtle(documents) -> None:
    different = [
        iri
        for iri, (document, turtle) in documents.items()
        if not isomorphic(jsonld_graph(document, CONTEXT), turtle)
    ]
    assert different == []


def test_every_resource_expands_with_jsonld_js_to_exactly_its_turtle(
    documents, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("Node.js and npm are not installed")
    folder = tmp_path_factory.mktemp("jsonld-js")
    install = subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--silent",
            "--prefix",
            str(folder),
            "jsonld@8",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if install.returncode != 0:
        pytest.skip(f"could not install jsonld.js from npm: {install.stderr.strip()[:200]}")
    url = next(iter(documents.values()))[0]["@context"]
    (folder / "documents.json").write_text(json.dumps({i: d for i, (d, _) in documents.items()}))
    (folder / "context.json").write_text(json.dumps(CONTEXT))
    (folder / "expand.js").write_text(JSONLD_JS)
    run = subprocess.run(
        ["node", "expand.js", str(folder / "documents.json"), str(folder / "context.json"), url],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    expanded = json.loads(run.stdout)
    different = [
        iri
        for iri, (_, turtle) in documents.items()
        if not isomorphic(Graph().parse(data=expanded[iri], format="nt"), turtle)
    ]
    assert different == []


def test_a_document_has_the_resource_on_top_and_its_neighbours_embedded_with_labels(
    client: TestClient,
) -> None:
    document = client.get("/id/lead-project/battery-chemistry.jsonld").json()
    assert document["@context"] == "http://testserver/context.jsonld"
    assert list(document)[:4] == ["@context", "id", "type", "label"]
    assert document["id"] == "project:battery-chemistry"
    assert document["label"] == {
        "fi": "Akkukemian vetovastuuhanke",
        "sv": "Projekt med ledningsansvar gällande batterikemi",
        "en": "Lead project for battery chemistry",
    }
    lead_city = document["leadCity"]
    assert lead_city["id"] == "city:kokkola" and lead_city["label"]["sv"] == "Karleby"
    assert lead_city["type"] == "City"
    regions = {region["id"] for region in document["participatingCityRegion"]}
    assert "region:pori" in regions


def test_dates_are_typed_and_plain_strings_where_the_context_types_them(
    client: TestClient,
) -> None:
    agreement = client.get("/id/agreement/tampere.jsonld").json()
    assert agreement["signingDate"] == "2021-02-09"  # typed xsd:date by the context
    graph = jsonld_graph(agreement, CONTEXT)
    signing = graph.value(
        URIRef(BASE + "id/agreement/tampere"), URIRef("https://w3id.org/ic16/ontology/signingDate")
    )
    assert signing == Literal("2021-02-09", datatype=XSD.date)
    source = client.get("/id/source/kokkola-2025-06-25.jsonld").json()
    assert source["issued"] == "2025-06-25"


def test_the_document_loader_refuses_the_network() -> None:
    loader = document_loader({"https://w3id.org/ic16/context.jsonld": CONTEXT})
    assert loader("https://w3id.org/ic16/context.jsonld")["document"] is CONTEXT
    with pytest.raises(pyld.JsonLdError):
        loader("https://example.org/evil-context.jsonld")
    with pytest.raises(pyld.JsonLdError):
        pyld.expand(
            {"@context": "https://example.org/c.jsonld", "x": 1}, {"documentLoader": loader}
        )


def test_the_published_context_moves_data_prefixes_onto_the_base_only() -> None:
    local = load_context(REPOSITORY / "ontology" / "context.jsonld", "http://localhost:8000/")
    assert local["@context"]["project"] == "http://localhost:8000/id/lead-project/"
    assert local["@context"]["ic16"] == "https://w3id.org/ic16/ontology/"
    assert local["@context"]["label"] == CONTEXT["@context"]["label"]


def test_framing_a_small_graph_embeds_blank_nodes_and_keeps_every_triple() -> None:
    graph = Graph().parse(
        format="turtle",
        data=f"""
        @prefix ic16: <https://w3id.org/ic16/ontology/> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <{BASE}id/programme/p> skos:prefLabel "P"@fi ;
            <https://schema.org/funding> [ ic16:amountEUR "5000000"^^<{XSD}decimal> ] .
    """,
    )
    document = frame_resource(graph, f"{BASE}id/programme/p", CONTEXT, "urn:test:context")
    assert document["schema:funding"]["amountEUR"] == "5000000"
    assert isomorphic(jsonld_graph(document, CONTEXT), graph)
