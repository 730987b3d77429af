"""HTTP caching: validators from the build; 304s for pages, descriptions, dumps, query results."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient

from conftest import vary
from ic16graph.config import Settings
from ic16graph.dataset import built_at

QUERY = "SELECT ?city WHERE { ?city a <https://w3id.org/ic16/ontology/City> } LIMIT 3"
GETS = {  # what is cached: a page, a description, a dump, a query result, a list, the model
    "page": ("/", {"Accept": "text/html"}),
    "description": ("/id/city/tampere", {"Accept": "application/ld+json"}),
    "dump": ("/dump/default.ttl", {}),
    "query result": (f"/sparql?query={QUERY}", {"Accept": "application/sparql-results+json"}),
    "list": ("/api/agreements", {}),
    "ontology": ("/ontology/City", {"Accept": "text/turtle"}),
}


@pytest.mark.parametrize("what", GETS)
def test_answers_carry_validators_and_are_304_when_unchanged(client: TestClient, what: str) -> None:
    path, headers = GETS[what]
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=300"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(path, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert vary(again) == vary(first)
    since = client.get(path, headers={**headers, "If-Modified-Since": modified})
    assert since.status_code == 304
    stale = client.get(path, headers={**headers, "If-None-Match": 'W/"something-else"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_last_modified_is_the_build_time_and_earlier_dates_get_the_body(
    client: TestClient, repository_settings: Settings
) -> None:
    response = client.get("/id/city/oulu.ttl")
    modified = parsedate_to_datetime(response.headers["last-modified"])
    assert modified == built_at(repository_settings.build_dir).replace(microsecond=0)
    earlier = format_datetime(modified.replace(year=modified.year - 1), usegmt=True)
    assert (
        client.get("/id/city/oulu.ttl", headers={"If-Modified-Since": earlier}).status_code == 200
    )


def test_each_representation_of_a_url_has_its_own_etag(client: TestClient) -> None:
    tags = {
        client.get("/id/city/oulu", headers={"Accept": accept}).headers["etag"]
        for accept in ("text/turtle", "application/ld+json", "text/html")
    }
    tags |= {
        client.get(
            "/id/city/oulu", headers={"Accept": "text/html", "Accept-Language": lang}
        ).headers["etag"]
        for lang in ("sv", "en")
    }
    assert len(tags) == 5
    other_query = client.get(
        f"/sparql?query={QUERY.replace('3', '4')}",
        headers={"Accept": "application/sparql-results+json"},
    )
    assert (
        other_query.headers["etag"]
        != client.get(GETS["query result"][0], headers=GETS["query result"][1]).headers["etag"]
    )


def test_a_conditional_request_for_another_representation_gets_it(client: TestClient) -> None:
    turtle = client.get("/id/city/oulu", headers={"Accept": "text/turtle"})
    json_ld = client.get(
        "/id/city/oulu",
        headers={"Accept": "application/ld+json", "If-None-Match": turtle.headers["etag"]},
    )
    assert json_ld.status_code == 200 and json_ld.headers["content-type"].startswith(
        "application/ld+json"
    )


def test_post_query_results_are_never_stored(client: TestClient) -> None:
    response = client.post(
        "/sparql", data={"query": QUERY}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


def test_errors_and_health_are_not_cached(client: TestClient) -> None:
    assert "etag" not in client.get("/id/city/atlantis").headers
    assert "cache-control" not in client.get("/health").headers


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    get = client.get("/id/city/oulu.ttl")
    head = client.head("/id/city/oulu.ttl")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
