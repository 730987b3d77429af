"""The SPARQL 1.1 Protocol at /sparql, item by item, against a live uvicorn server on a free port.

The server serves the hand-written artefact in fixtures/endpoint/ with small limits; answers are
compared with the engine evaluating the same query in-process.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper

from conftest import live_server
from ic16graph.app import create_app
from ic16graph.config import Settings
from ic16graph.engine import OxigraphEngine
from ic16graph.execution import Limits
from ic16graph.manifest import Artefact

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "endpoint"
LIMITS = Limits(timeout=2.0, max_query_length=4000, max_results=20, queue_timeout=5.0)
ID = "https://w3id.org/ic16/id/"
GRAPH = "https://w3id.org/ic16/graph/"
PREFIXES = """PREFIX ic16: <https://w3id.org/ic16/ontology/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
"""
CITIES = PREFIXES + "SELECT ?city ?label WHERE { ?city a ic16:City ; skos:prefLabel ?label }"
POPULATION = PREFIXES + "SELECT ?city ?n WHERE { ?city ic16:population ?n } ORDER BY DESC(?n)"
CONSTRUCT = PREFIXES + (
    "CONSTRUCT { ?city a schema:City ; skos:prefLabel ?l } "
    "WHERE { ?city a schema:City ; skos:prefLabel ?l }"
)
ASK = PREFIXES + "ASK { ?city skos:prefLabel 'Jyväskylä'@fi }"
EXPLOSIVE = (
    "SELECT (COUNT(*) AS ?n) WHERE { "
    + " ".join(f"VALUES ?v{i} {{ 0 1 2 3 4 5 6 7 8 9 }}" for i in range(12))
    + " }"
)  # 10^12 solutions: never finishes
RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/trig": RdfFormat.TRIG,
    "application/n-quads": RdfFormat.N_QUADS,
}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    settings = Settings(root=REPOSITORY, build_dir=FIXTURE, workers=2)
    with live_server(create_app(settings, Artefact.read(FIXTURE), LIMITS)) as url:
        yield url


@pytest.fixture(scope="module")
def endpoint(base: str) -> str:
    return f"{base}/sparql"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def engine() -> OxigraphEngine:
    return OxigraphEngine.from_artefact(FIXTURE)


def solutions(body: bytes, results_format: QueryResultsFormat = QueryResultsFormat.JSON) -> Counter:
    """A results document as a multiset of {variable: term} rows, comparable across formats."""
    parsed = parse_query_results(body, results_format)
    return Counter(
        frozenset((v.value, str(row[v])) for v in parsed.variables if row[v] is not None)
        for row in parsed
    )


def engine_solutions(engine: OxigraphEngine, query: str, **dataset: object) -> Counter:
    return solutions(engine.query(query, **dataset).serialize("application/sparql-results+json"))


def triples(body: bytes, rdf_format: RdfFormat) -> set[str]:
    return {str(quad.triple) for quad in parse(body, rdf_format)}


def engine_triples(engine: OxigraphEngine, query: str) -> set[str]:
    return triples(engine.query(query).serialize("application/n-triples"), RdfFormat.N_TRIPLES)


def select(client: httpx.Client, endpoint: str, query: str, **params: str) -> Counter:
    response = client.get(endpoint, params={"query": query, **params})
    assert response.status_code == 200, response.text
    return solutions(response.content)


# --- the query operation -----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["GET", "POST form", "POST direct"])
@pytest.mark.parametrize("query", [CITIES, POPULATION, ASK], ids=["select", "ordered", "ask"])
def test_get_form_post_and_direct_post_give_the_engines_answer(
    client: httpx.Client, endpoint: str, engine: OxigraphEngine, how: str, query: str
) -> None:
    if how == "GET":
        response = client.get(endpoint, params={"query": query})
    elif how == "POST form":
        response = client.post(endpoint, data={"query": query})
    else:
        response = client.post(
            endpoint, content=query.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    if query is ASK:
        assert json.loads(response.content) == {"head": {}, "boolean": True}
    else:
        assert solutions(response.content) == engine_solutions(engine, query)


def test_a_direct_post_takes_its_dataset_parameters_from_the_url(
    client: httpx.Client, endpoint: str
) -> None:
    response = client.post(
        endpoint,
        params={"default-graph-uri": GRAPH + "data/agreements"},
        content=b"SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-query; charset=UTF-8"},
    )
    assert response.status_code == 200, response.text
    assert '"value":"5"' in response.text


def test_a_charset_other_than_utf8_is_415(client: httpx.Client, endpoint: str) -> None:
    response = client.post(
        endpoint,
        content="ASK { ?s ?p 'Jyväskylä' }".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"},
    )
    assert response.status_code == 415
    assert "UTF-8" in response.text


def test_a_body_that_is_not_utf8_is_400(client: httpx.Client, endpoint: str) -> None:
    response = client.post(
        endpoint,
        content="ASK { ?s ?p 'Jyväskylä' }".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.text


@pytest.mark.parametrize("content_type", [None, "text/plain", "multipart/form-data; boundary=x"])
def test_a_post_in_any_other_media_type_is_415(
    client: httpx.Client, endpoint: str, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(endpoint, content=b"query=ASK%7B%7D", headers=headers)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


@pytest.mark.parametrize("how", ["GET", "POST form"])
def test_two_query_parameters_are_a_400(client: httpx.Client, endpoint: str, how: str) -> None:
    pairs = [("query", "ASK {}"), ("query", "SELECT * {}")]
    if how == "GET":
        response = client.get(endpoint, params=pairs)
    else:
        response = client.post(endpoint, data=dict(pairs), params={"query": "ASK {}"})
    assert response.status_code == 400
    assert "2 'query' parameters" in response.text


def test_a_query_in_the_url_and_a_direct_body_is_a_400(client: httpx.Client, endpoint: str) -> None:
    response = client.post(
        endpoint,
        params={"query": "ASK {}"},
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400


def test_a_post_without_a_query_is_a_400(client: httpx.Client, endpoint: str) -> None:
    response = client.post(endpoint, data={"default-graph-uri": GRAPH + "inferred"})
    assert response.status_code == 400
    assert "No query" in response.text


def test_a_syntax_error_is_400_with_the_parsers_message_line_and_column(
    client: httpx.Client, endpoint: str
) -> None:
    response = client.get(endpoint, params={"query": "SELECT ?s\nWHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    assert response.text.startswith("Query syntax error at line 4, column 2: expected")
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "request_args",
    [
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": {"update": "INSERT DATA { <a:a> <a:b> <a:c> }"}},
        {
            "method": "POST",
            "content": b"DROP ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {"method": "GET", "params": {"query": "INSERT DATA { <a:a> <a:b> <a:c> }"}},
    ],
    ids=["GET update=", "form update=", "sparql-update body", "update as query="],
)
def test_updates_are_refused_with_a_pointer_to_the_data_folder(
    client: httpx.Client, endpoint: str, request_args: dict
) -> None:
    response = client.request(url=endpoint, **request_args)
    assert response.status_code == 403
    assert "read-only" in response.text
    assert "data/" in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(client: httpx.Client, endpoint: str, method: str) -> None:
    response = client.request(method, endpoint, content=b"x")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"


def test_head_answers_with_the_headers_of_get_and_no_body(
    client: httpx.Client, endpoint: str
) -> None:
    got = client.get(endpoint, params={"query": CITIES})
    head = client.head(endpoint, params={"query": CITIES})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


def test_any_origin_may_query_without_credentials(client: httpx.Client, endpoint: str) -> None:
    origin = {"Origin": "https://researcher.example"}
    response = client.get(endpoint, params={"query": ASK}, headers=origin)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = client.options(
        endpoint,
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-origin"] == "*"


# --- formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("media_type", RESULT_TYPES)
def test_each_result_format_carries_the_engines_answer(
    client: httpx.Client, endpoint: str, engine: OxigraphEngine, media_type: str
) -> None:
    response = client.get(endpoint, params={"query": CITIES}, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert solutions(response.content, RESULT_TYPES[media_type]) == engine_solutions(engine, CITIES)


def test_csv_results_have_a_header_and_one_line_per_row(
    client: httpx.Client, endpoint: str
) -> None:
    response = client.get(endpoint, params={"query": CITIES}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "city,label"
    assert f"{ID}city/jyvaskyla,Jyväskylä" in lines
    assert len(lines) == 1 + 5


@pytest.mark.parametrize("media_type", GRAPH_TYPES)
def test_each_graph_format_carries_the_constructed_graph(
    client: httpx.Client, endpoint: str, engine: OxigraphEngine, media_type: str
) -> None:
    response = client.get(endpoint, params={"query": CONSTRUCT}, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert triples(response.content, GRAPH_TYPES[media_type]) == engine_triples(engine, CONSTRUCT)


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        (None, CITIES, "application/sparql-results+json"),
        ("*/*", CONSTRUCT, "text/turtle"),
        (
            "text/csv;q=0.5, application/sparql-results+xml",
            CITIES,
            "application/sparql-results+xml",
        ),
        ("application/sparql-results+json;q=0.2, text/*;q=0.8", CITIES, "text/csv"),
        ("application/rdf+xml;q=0.9, application/n-triples", CONSTRUCT, "application/n-triples"),
        ("application/json", CONSTRUCT, "application/ld+json"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            CONSTRUCT,
            "application/rdf+xml",
        ),
    ],
)
def test_accept_q_values_pick_the_clients_preferred_format(
    client: httpx.Client, endpoint: str, accept: str | None, query: str, expected: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(endpoint, params={"query": query}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("format_name", "query", "expected"),
    [
        ("csv", CITIES, "text/csv"),
        ("tsv", ASK, "text/tab-separated-values"),
        ("nt", CONSTRUCT, "application/n-triples"),
        ("jsonld", CONSTRUCT, "application/ld+json"),
    ],
)
def test_the_format_parameter_overrides_accept(
    client: httpx.Client, endpoint: str, format_name: str, query: str, expected: str
) -> None:
    response = client.get(
        endpoint,
        params={"query": query, "format": format_name},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(
    ("query", "accept", "listed"),
    [
        (CITIES, "image/png", "application/sparql-results+json"),
        (CONSTRUCT, "text/csv", "text/turtle"),
        (CITIES, "application/sparql-results+json;q=0", "text/tab-separated-values"),
    ],
)
def test_an_unsatisfiable_accept_is_406_listing_what_is_available(
    client: httpx.Client, endpoint: str, query: str, accept: str, listed: str
) -> None:
    response = client.get(endpoint, params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert listed in response.text


# --- the dataset -------------------------------------------------------------------------------

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(client: httpx.Client, endpoint: str, query: str = COUNT, **params: str) -> int:
    response = client.get(
        endpoint, params={"query": query, **params}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200, response.text
    return int(response.text.splitlines()[1])


def test_the_default_graph_is_ontology_data_and_inferred_and_inference_false_drops_inferred(
    client: httpx.Client, endpoint: str
) -> None:
    assert count(client, endpoint) == 3 + 11 + 5 + 3  # not the 2 triples of the shapes graph
    assert count(client, endpoint, inference="false") == 3 + 11 + 5
    assert count(client, endpoint, inference="TRUE") == 22


def test_inference_must_be_true_or_false(client: httpx.Client, endpoint: str) -> None:
    response = client.get(endpoint, params={"query": COUNT, "inference": "maybe"})
    assert response.status_code == 400


def test_default_graph_uri_replaces_the_default_graph(client: httpx.Client, endpoint: str) -> None:
    assert count(client, endpoint, **{"default-graph-uri": GRAPH + "inferred"}) == 3
    response = client.get(
        endpoint,
        params=[
            ("query", COUNT),
            ("default-graph-uri", GRAPH + "inferred"),
            ("default-graph-uri", GRAPH + "data/agreements"),
        ],
        headers={"Accept": "text/csv"},
    )
    assert response.text.splitlines()[1] == "8"


def test_large_answers_are_gzipped_for_clients_that_accept_it(
    client: httpx.Client, endpoint: str
) -> None:
    everything = "SELECT * WHERE { ?s ?p ?o } LIMIT 20"  # several kB: over the 1 kB threshold
    plain = client.get(endpoint, params={"query": everything},
                       headers={"Accept-Encoding": "identity"})
    packed = client.get(endpoint, params={"query": everything},
                        headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers and len(plain.content) > 1024
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.content == plain.content  # httpx decompressed it: the same answer
    small = client.get(endpoint, params={"query": ASK}, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 1 kB: not worth compressing


def test_named_graph_uri_limits_the_named_graphs(client: httpx.Client, endpoint: str) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    everything = select(client, endpoint, query)
    assert len(everything) == 5
    only = select(client, endpoint, query, **{"named-graph-uri": GRAPH + "data/cities"})
    assert only == Counter([frozenset({("g", f"<{GRAPH}data/cities>")})])


def test_the_protocol_dataset_overrides_from_in_the_query(
    client: httpx.Client, endpoint: str
) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}data/cities> WHERE {{ ?s ?p ?o }}"
    assert count(client, endpoint, query) == 11
    assert count(client, endpoint, query, **{"default-graph-uri": GRAPH + "inferred"}) == 3


# --- limits ------------------------------------------------------------------------------------


def test_a_query_over_the_length_limit_is_413(client: httpx.Client, endpoint: str) -> None:
    long_query = "ASK {}" + " " * LIMITS.max_query_length
    response = client.post(endpoint, data={"query": long_query})
    assert response.status_code == 413
    assert str(LIMITS.max_query_length) in response.text


def test_a_body_over_the_size_limit_is_413(client: httpx.Client, endpoint: str) -> None:
    response = client.post(
        endpoint,
        content=b"#" * (5 * LIMITS.max_query_length + 70_000),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 413


def test_more_results_than_the_limit_are_an_error_not_a_truncated_answer(
    client: httpx.Client, endpoint: str
) -> None:
    values = " ".join(str(i) for i in range(LIMITS.max_results + 1))
    too_many = client.get(endpoint, params={"query": f"SELECT ?i {{ VALUES ?i {{ {values} }} }}"})
    assert too_many.status_code == 422
    assert f"more than {LIMITS.max_results} rows" in too_many.text
    at_limit = values.rsplit(" ", 1)[0]
    assert (
        client.get(
            endpoint,
            params={"query": f"SELECT ?i {{ VALUES ?i {{ {at_limit} }} }}"},
        ).status_code
        == 200
    )
    graph = (
        f"CONSTRUCT {{ ?s <urn:p> ?i }} WHERE {{ BIND(<urn:s> AS ?s) VALUES ?i {{ {values} }} }}"
    )
    response = client.get(endpoint, params={"query": graph})
    assert response.status_code == 422
    assert "triples" in response.text


def test_an_explosive_query_is_stopped_at_the_limit_while_another_client_is_answered(
    endpoint: str,
) -> None:
    with httpx.Client(timeout=30) as slow_client, httpx.Client(timeout=30) as other_client:
        started = time.monotonic()
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(slow_client.get, endpoint, params={"query": EXPLOSIVE})
            answer = other_client.get(endpoint, params={"query": ASK})
            assert answer.status_code == 200
            assert not slow.done()  # the simple query was answered while the slow one ran
            stopped = slow.result()
        elapsed = time.monotonic() - started
    assert stopped.status_code == 504
    assert "time limit of 2 s" in stopped.text
    assert elapsed < LIMITS.timeout + 1
    # the killed worker is replaced: both workers answer again
    with ThreadPoolExecutor(2) as pool:
        again = list(pool.map(lambda _: httpx.get(endpoint, params={"query": ASK}), range(4)))
    assert [r.status_code for r in again] == [200] * 4


@contextmanager
def loopback_listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP listener on a free loopback port; yields its URL and the requests it received."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                received.append(connection.recv(65536))
                connection.sendall(b"HTTP/1.1 500 No\r\ncontent-length: 0\r\n\r\n")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql", received
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_service_is_refused_before_any_connection_is_made(
    client: httpx.Client, endpoint: str
) -> None:
    with loopback_listener() as (target, received):
        calls = [
            f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ {{ SELECT * {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }} }} }}",
            f"SELECT * {{ VALUES ?e {{ <{target}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
            f"PREFIX service: <urn:x:> PREFIX : <{target}#> SELECT * {{ service:x {{ }} }}",
            f"SELECT * {{ ?a ?b ?c FILTER(?a<?b&&'>') SERVICE <{target}> {{ ?s ?p ?o }} }}",
        ]
        for query in calls:
            response = client.get(endpoint, params={"query": query})
            assert response.status_code == 403, query
            assert "no outbound requests" in response.text
        time.sleep(0.3)  # a connection, had one been attempted, would have been accepted by now
    assert received == []


# --- the service description and the page --------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


def test_the_service_description_lists_endpoint_formats_features_and_graphs(
    client: httpx.Client, endpoint: str, base: str
) -> None:
    response = client.get(endpoint, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    description = Graph().parse(data=response.text, format="turtle")
    service = URIRef(endpoint)
    assert (service, URIRef(SD + "endpoint"), service) in description
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in description
    formats = set(description.objects(service, URIRef(SD + "resultFormat")))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    assert URIRef("http://www.w3.org/ns/formats/JSON-LD") in formats
    assert len(formats) == 10
    assert (
        service,
        URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
        URIRef(f"{base}/.well-known/void"),
    ) in description
    sizes = dict(
        description.query(f"""
        PREFIX sd: <{SD}> PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?name ?triples WHERE {{ ?s sd:defaultDataset/sd:namedGraph [
            sd:name ?name ; sd:graph/void:triples ?triples ] }}""")
    )
    assert sizes[URIRef(GRAPH + "data/cities")] == Literal(11)
    assert len(sizes) == 5
    default_size = description.value(
        description.value(
            description.value(service, URIRef(SD + "defaultDataset")), URIRef(SD + "defaultGraph")
        ),
        URIRef("http://rdfs.org/ns/void#triples"),
    )
    assert default_size == Literal(22)


@pytest.mark.parametrize("accept", ["*/*", "application/ld+json", "application/rdf+xml"])
def test_the_service_description_comes_in_any_rdf_format(
    client: httpx.Client, endpoint: str, accept: str
) -> None:
    response = client.get(endpoint, headers={"Accept": accept})
    assert response.status_code == 200
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type == ("text/turtle" if accept == "*/*" else accept)
    assert SD in response.text


@pytest.mark.parametrize("path", ["/sparql", "/query"])
def test_a_browser_gets_the_query_editor(client: httpx.Client, base: str, path: str) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(base + path, headers={"Accept": browser})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "yasgui/yasgui.min.js" in page
    assert '"endpoint": "' + base + '/sparql"' in page.replace("\\u0026", "&")
    assert "Ecosystem agreements" in page  # a named query's title, from queries/agreements.rq
    assert "https://w3id.org/ic16/ontology/" in page  # our prefixes
    script = client.get(base + "/static/yasgui/yasgui.min.js")
    assert script.status_code == 200
    assert len(script.content) > 500_000


def test_health_names_the_dataset_version(client: httpx.Client, base: str) -> None:
    assert client.get(base + "/health").json()["dataset"] == "endpointfixture01"


# --- real clients ------------------------------------------------------------------------------


def rdflib_triples(graph: Graph) -> set[str]:
    return {f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph}


def wrapper_rows(bindings: list[dict]) -> Counter:
    def term(cell: dict) -> str:
        if cell["type"] == "uri":
            return f"<{cell['value']}>"
        value = json.dumps(cell["value"], ensure_ascii=False)
        if "xml:lang" in cell:
            return f"{value}@{cell['xml:lang']}"
        return f"{value}^^<{cell['datatype']}>" if "datatype" in cell else value

    return Counter(frozenset((v, term(c)) for v, c in row.items()) for row in bindings)


@pytest.mark.parametrize("method", ["GET", POST, POSTDIRECTLY])
def test_sparqlwrapper_gets_the_engines_answers(
    endpoint: str, engine: OxigraphEngine, method: str
) -> None:
    wrapper = SPARQLWrapper(endpoint)
    if method == POSTDIRECTLY:
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
    elif method == POST:
        wrapper.setMethod(POST)
    wrapper.setReturnFormat(JSON)
    for query in (CITIES, POPULATION):
        wrapper.setQuery(query)
        result = wrapper.query().convert()
        assert wrapper_rows(result["results"]["bindings"]) == engine_solutions(engine, query)
    wrapper.setQuery(ASK)
    assert wrapper.query().convert()["boolean"] is True
    wrapper.setReturnFormat(XML)
    wrapper.setQuery(CONSTRUCT)
    graph = wrapper.query().convert()  # RDF/XML, parsed by rdflib
    assert rdflib_triples(graph) == engine_triples(engine, CONSTRUCT)
    wrapper.setReturnFormat(TURTLE)
    turtle = Graph().parse(data=wrapper.query().convert(), format="turtle")
    assert rdflib_triples(turtle) == engine_triples(engine, CONSTRUCT)


def test_rdflib_sparqlstore_gets_the_engines_answers(endpoint: str, engine: OxigraphEngine) -> None:
    graph = Graph(SPARQLStore(endpoint))  # its default: SPARQL XML results, RDF/XML graphs
    rows = Counter(
        frozenset((v, row[v].n3()) for v in ("city", "label")) for row in graph.query(CITIES)
    )
    assert rows == engine_solutions(engine, CITIES)
    assert graph.query(ASK).askAnswer is True
    assert rdflib_triples(graph.query(CONSTRUCT).graph) == engine_triples(engine, CONSTRUCT)


# --- fuzz --------------------------------------------------------------------------------------

NAMED = [p.read_text(encoding="utf-8") for p in sorted((REPOSITORY / "queries").glob("*.rq"))]
SPARQLISH = st.lists(
    st.sampled_from(
        [
            *"{}()<>?$:;,.'\"#*/^|!=+-\n\\ aeioxyzä0",
            "SELECT",
            "WHERE",
            "SERVICE",
            "FILTER",
            "OPTIONAL",
            "UNION",
            "GRAPH",
            "CONSTRUCT",
            "ASK",
            "PREFIX",
            "?s ?p ?o",
            "<urn:x>",
            "ic16:",
            "\x00",
            "\ud7ff",
        ]
    ),
    max_size=60,
).map("".join)
TRUNCATED = st.builds(
    lambda text, cut: text[:cut],
    st.sampled_from(NAMED or [CITIES]),
    st.integers(min_value=0, max_value=2000),
)
ACCEPTS = st.sampled_from(
    [
        None,
        "*/*",
        "text/csv",
        "application/json;q=0.5, image/*",
        "text/html",
        ";;q=x",
        "application/sparql-results+xml",
    ]
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.one_of(SPARQLISH, TRUNCATED), accept=ACCEPTS, post=st.booleans())
def test_random_and_truncated_queries_never_get_a_5xx(
    client: httpx.Client, endpoint: str, query: str, accept: str | None, post: bool
) -> None:
    headers = {"Accept": accept} if accept else {}
    if post:
        response = client.post(endpoint, data={"query": query}, headers=headers)
    else:
        response = client.get(endpoint, params={"query": query}, headers=headers)
    assert response.status_code < 500, (query, response.text)
