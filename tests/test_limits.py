"""Limits and fairness on every route that runs a query, against the whole service on a loopback
port: pathological queries each end within their limit while another client is answered, the
pool is shared fairly, waiting is bounded, bodies and queries too long are refused."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import quote

import httpx
import pytest

from ic16graph.config import Settings
from ic16graph.protocol import body_limit
from service_harness import ASK, LIMITS, client_from, raw_request, serving

MARGIN = 3.0  # seconds a stopped query may take beyond its limit (killing, replying, a busy CI)
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FORM = "application/x-www-form-urlencoded"
_SERIAL = itertools.count()


def simple() -> str:
    """A cheap query no one asked before (so the result cache cannot answer it for a worker)."""
    return f"{ASK} # {next(_SERIAL)}"


def query_from(address: str, url: str, query: str) -> httpx.Response:
    with client_from(address) as client:
        return client.post(f"{url}/sparql", data={"query": query})


def doubling(times: int) -> str:
    """A string that doubles `times` times: 16 × 2^times characters."""
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(times))
    return f"SELECT (STRLEN(?a{times}) AS ?n) {{ BIND('0123456789abcdef' AS ?a0) {binds} }}"


# name -> (query, the status it ends in)
PATHOLOGICAL = {
    "cartesian product, counted": (EXPLOSIVE, {504}),
    "cartesian product, listed": ("SELECT * { ?a ?b ?c . ?d ?e ?f }", {422}),
    "the whole graph joined with itself": (
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o . ?s2 ?p2 ?o2 FILTER(STR(?o) < STR(?o2)) }",
        {504},
    ),
    "unbounded property paths": (
        "SELECT (COUNT(*) AS ?n) { ?s (!<urn:a>)*/(!<urn:b>)*/(!<urn:c>)* ?o }",
        {504},
    ),
    "deeply nested property path": (
        "SELECT * { ?s " + "(" * 1000 + "<urn:p>" + ")*" * 1000 + " ?o }",
        {504},
    ),
    "catastrophic regular expression, classic": (
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(REGEX(STR(?o), '^(a+)+$')) }",
        {200},  # the engine's regular expressions never backtrack
    ),
    "catastrophic regular expression, huge automaton": (
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o "
        "FILTER(REGEX(STR(?o), '(((a{1,100}){1,100}){1,100}){1,100}')) }",
        {400, 504},  # too big to compile, or too slow to run
    ),
    "a huge literal": ("ASK { ?s ?p '" + "x" * 90_000 + "' }", {200}),
    "a literal that doubles until it is huge": (doubling(40), {422}),
    "thousands of UNIONs": (
        "SELECT * { " + "UNION".join(f"{{?s <urn:p{i}> ?o}}" for i in range(4000)) + " }",
        {200, 504},
    ),
    "deeply nested groups": ("SELECT * { " + "{" * 40_000 + "}" * 40_000 + " }", {200}),
    "deeply nested sub-queries": (
        "SELECT * { " + "{ SELECT * {" * 7000 + "}}" * 7000 + " }",
        {200},
    ),
    "thousands of chained MINUS": (
        "SELECT * { ?s ?p ?o " + " MINUS { ?s <urn:p> ?o }" * 4000 + " } LIMIT 1",
        {200, 504},
    ),
    "thousands of chained BINDs": (
        "SELECT * { BIND(1 AS ?a0) "
        + "".join(f"BIND(?a{i}+1 AS ?a{i + 1})" for i in range(4000))
        + " }",
        {200, 504},
    ),
    "the SERVICE keyword run together thousands of times": ("ASK {} " + "service" * 14_000, {400}),
    "a query over the length limit": ("ASK {}" + " " * LIMITS.max_query_length, {413}),
}


@pytest.fixture(scope="module")
def base(repository_settings: Settings) -> Iterator[str]:
    with serving(repository_settings, repository_settings.build_dir) as url:
        yield url


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_a_pathological_query_ends_within_its_limit_while_another_client_is_answered(
    base: str, name: str
) -> None:
    query, statuses = PATHOLOGICAL[name]
    with client_from("127.0.0.2") as attacker, client_from("127.0.0.3") as other:
        with ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            attack = pool.submit(attacker.post, f"{base}/sparql", data={"query": query})
            answers = []
            while not attack.done():
                answers.append(other.get(f"{base}/sparql", params={"query": simple()}).status_code)
                time.sleep(0.05)
            response = attack.result()
        elapsed = time.monotonic() - started
        assert response.status_code in statuses, response.text[:300]
        assert elapsed < LIMITS.timeout + MARGIN
        assert set(answers) <= {200}  # the other client was answered throughout
        # and nothing is left broken: both workers answer again
        assert [other.get(f"{base}/sparql", params={"query": simple()}).status_code
                for _ in range(4)] == [200] * 4


def test_one_client_cannot_occupy_every_worker(base: str) -> None:
    with ThreadPoolExecutor(3) as pool:
        attacks = [pool.submit(query_from, "127.0.0.4", base, f"{EXPLOSIVE} # {n}")
                   for n in range(3)]
        time.sleep(0.5)  # the attacker's first query runs; its other two wait for its turn
        started = time.monotonic()
        answer = query_from("127.0.0.5", base, simple())
        waited = time.monotonic() - started
        statuses = sorted(attack.result().status_code for attack in attacks)
    assert answer.status_code == 200
    assert waited < LIMITS.timeout / 2  # a worker was free for it, not only after a timeout
    assert set(statuses) <= {503, 504}  # the attacker's own queries: stopped, or told to wait


def test_beyond_the_pool_a_request_waits_a_bounded_time_then_gets_503_with_retry_after(
    repository_settings: Settings,
) -> None:
    limits = replace(LIMITS, timeout=6.0, queue_timeout=1.0, max_waiting=2)
    settings = replace(repository_settings, workers=1)
    with serving(settings, settings.build_dir, limits) as url, ThreadPoolExecutor(8) as pool:
        slow = pool.submit(query_from, "127.0.0.6", url, EXPLOSIVE)
        time.sleep(0.5)
        started = time.monotonic()
        waiting = [pool.submit(query_from, f"127.0.0.{10 + n}", url, simple())
                   for n in range(6)]
        answers = [future.result() for future in waiting]
        elapsed = time.monotonic() - started
        assert slow.result().status_code == 504
    assert [a.status_code for a in answers] == [503] * 6
    assert all(a.headers["retry-after"] == "6" for a in answers)
    assert elapsed < limits.queue_timeout + MARGIN
    texts = sorted(a.text for a in answers)  # two waited their second; four were not let wait
    assert sum("stayed busy for 1 s" in text for text in texts) == limits.max_waiting
    assert sum("2 queries are already waiting" in text for text in texts) == 4


def test_every_route_that_runs_a_query_goes_through_the_pool_and_its_limits(
    repository_settings: Settings,
) -> None:
    """With the only worker occupied, each such route is told "busy" after the queue wait."""
    limits = replace(LIMITS, timeout=8.0, queue_timeout=0.5)
    settings = replace(repository_settings, workers=1)
    routes = ["/sparql?query=ASK%7B%7D", "/api/cities", "/id/city/tampere",
              "/id/city/tampere.jsonld", "/cities", "/agreements", "/", "/dataset",
              "/.well-known/void", "/ontology.ttl"]
    with (serving(settings, settings.build_dir, limits) as url, ThreadPoolExecutor(1) as pool,
          client_from("127.0.0.20") as other):
        slow = pool.submit(query_from, "127.0.0.21", url, EXPLOSIVE)
        time.sleep(0.5)
        answers = {route: other.get(url + route) for route in routes}
        assert slow.result().status_code == 504
    assert {route: a.status_code for route, a in answers.items()} == dict.fromkeys(routes, 503)
    assert all("retry-after" in a.headers for a in answers.values())


def test_a_declared_body_over_the_limit_is_413_on_every_route(base: str) -> None:
    too_large = body_limit(LIMITS) + 1
    for method, path in [("POST", "/sparql"), ("GET", "/api/cities"), ("GET", "/id/city/tampere"),
                         ("GET", "/"), ("GET", "/health")]:
        answer = raw_request(base, f"{method} {path} HTTP/1.1",
                             f"Content-Length: {too_large}\r\nContent-Type: {FORM}\r\n")
        assert answer.startswith(b"HTTP/1.1 413 "), (path, answer[:200])


def test_a_chunked_body_over_the_limit_is_413(base: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(body_limit(LIMITS) // 65_536 + 2):
            yield b"query=" + b"x" * 65_530

    answer = httpx.post(f"{base}/sparql", content=chunks(), headers={"Content-Type": FORM})
    assert answer.status_code == 413


def test_a_query_over_the_length_limit_is_413_however_it_is_sent(base: str) -> None:
    query = "ASK {}" + " " * LIMITS.max_query_length
    posted = httpx.post(f"{base}/sparql", data={"query": query}, timeout=30)
    assert posted.status_code == 413
    assert f"at most {LIMITS.max_query_length}" in posted.text
    # by GET, the HTTP parser refuses a URL over 64 KiB itself (httpx would not even send it)
    got = raw_request(base, f"GET /sparql?query={quote(query)} HTTP/1.1")
    assert got.startswith(b"HTTP/1.1 400 "), got[:200]
    under = "ASK {}" + " " * 20_000  # 60 kB once percent-encoded
    assert raw_request(base, f"GET /sparql?query={quote(under)} HTTP/1.1").startswith(
        b"HTTP/1.1 200 "
    )
