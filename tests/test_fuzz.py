"""Fuzzing the whole service on a loopback port: generated SPARQL (random, mutated from the named
queries, truncated, odd Unicode) with random Accept and Content-Type headers never gets a 5xx
other than the documented limit codes (503 busy, 504 time limit) and never hangs; and
schemathesis checks the JSON routes against their OpenAPI schema. Example counts are bounded
so that the whole file runs in well under a minute."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ic16graph.config import Settings
from ic16graph.queries import load_named_queries
from service_harness import LIMITS, serving
from test_server import REPOSITORY

NAMED = [query.text for query in load_named_queries(REPOSITORY / "queries")]
LIMIT_CODES = {503, 504}  # busy, time limit: documented answers, not failures
PATIENCE = LIMITS.queue_timeout + LIMITS.timeout + 10  # beyond this a request has hung
MEDIA_TYPES = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
               "text/tab-separated-values", "text/turtle", "application/ld+json",
               "application/rdf+xml", "application/n-triples", "text/html", "application/json",
               "*/*", "text/*", "application/*", "image/png", "", "garbage", "text/html;q=x"]
CONTENT_TYPES = [*MEDIA_TYPES, "application/x-www-form-urlencoded", "application/sparql-update",
                 "application/sparql-query; charset=latin-1", "multipart/form-data; boundary=x"]
ODD = st.characters(codec="utf-8", categories=["Cf", "Cn", "Co", "Mn", "Zl", "Zp", "Zs", "So"])
TEXT = st.characters(codec="utf-8")
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)  # what a header may hold


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A named query with a few random cuts, insertions and swaps, perhaps truncated."""
    text = draw(st.sampled_from(NAMED))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        insert = draw(st.text(st.one_of(TEXT, ODD, st.sampled_from("{}()<>?$\"'#\\.;,|^*+")),
                              max_size=8))
        cut = draw(st.integers(0, 8))
        text = text[:at] + insert + text[at + cut:]
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


QUERIES = st.one_of(st.text(TEXT, max_size=300), st.text(ODD, max_size=50), mutated())
ACCEPT = st.lists(
    st.tuples(st.sampled_from(MEDIA_TYPES), st.sampled_from(["", ";q=0", ";q=0.5", ";q=1.1"])),
    max_size=4,
).map(lambda ranges: ", ".join(media + q for media, q in ranges).strip(" ,"))


@pytest.fixture(scope="module")
def base(repository_settings: Settings) -> Iterator[str]:
    with serving(repository_settings, repository_settings.build_dir) as url:
        yield url


@pytest.fixture(scope="module")
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=PATIENCE) as client:
        yield client


def acceptable(answer: httpx.Response) -> bool:
    return answer.status_code < 500 or answer.status_code in LIMIT_CODES


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=QUERIES, accept=ACCEPT, how=st.sampled_from(["GET", "form", "direct"]),
       extra=st.dictionaries(st.sampled_from(["format", "inference", "default-graph-uri",
                                              "named-graph-uri"]), st.text(TEXT, max_size=20),
                             max_size=2))
def test_generated_queries_never_get_a_server_error_nor_hang(
    http: httpx.Client, query: str, accept: str, how: str, extra: dict[str, str]
) -> None:
    headers = {"Accept": accept} if accept else {}
    if how == "GET":
        answer = http.get("/sparql", params={"query": query, **extra}, headers=headers)
    elif how == "form":
        answer = http.post("/sparql", data={"query": query, **extra}, headers=headers)
    else:
        answer = http.post("/sparql", params=extra, content=query.encode("utf-8"),
                           headers={**headers, "Content-Type": "application/sparql-query"})
    assert acceptable(answer), (answer.status_code, answer.text[:300])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(content_type=st.one_of(st.sampled_from(CONTENT_TYPES), st.text(PRINTABLE)),
       body=st.binary(max_size=200), path=st.sampled_from(["/sparql", "/api/cities", "/",
                                                           "/id/city/tampere", "/dump/x"]))
def test_random_bodies_and_content_types_never_get_a_server_error(
    http: httpx.Client, content_type: str, body: bytes, path: str
) -> None:
    try:
        answer = http.post(path, content=body, headers={"Content-Type": content_type})
    except httpx.LocalProtocolError:  # a header value httpx itself refuses to send
        return
    assert acceptable(answer), (answer.status_code, answer.text[:300])


def test_the_json_routes_keep_to_their_openapi_schema(base: str) -> None:
    """schemathesis generates requests from the schema of each JSON route (the lists, /health,
    the context) and checks every answer against it: status codes, media types, bodies."""
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = schema.include(path_regex=r"^/(api/|health$|context\.jsonld$)")
    checked = []
    for result in operations.get_all_operations():
        operation = result.ok()

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def keeps_to_the_schema(case: schemathesis.Case) -> None:
            case.call_and_validate(timeout=PATIENCE)

        keeps_to_the_schema()
        checked.append(operation.label)
    assert len(checked) >= 7, checked  # five lists, /health, /context.jsonld
