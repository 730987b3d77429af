"""/health, /metrics and the structured access log, against the whole service on a loopback port."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import quote_plus

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ic16graph import __version__
from ic16graph.config import Settings
from ic16graph.logging_setup import JsonLines
from service_harness import ASK, serving

EXPLOSIVE = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def base(repository_settings: Settings) -> Iterator[str]:
    with serving(repository_settings, repository_settings.build_dir) as url:
        yield url


def scrape(base: str) -> dict[str, dict[tuple, float]]:
    """metric sample name -> {sorted label items: value}."""
    answer = httpx.get(f"{base}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_health_tells_liveness_readiness_and_the_dataset_served(
    base: str, repository_settings: Settings
) -> None:
    manifest = json.loads((repository_settings.build_dir / "manifest.json").read_text())
    answer = httpx.get(f"{base}/health")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "status": "ok",
        "version": __version__,
        "dataset": manifest["version"],
        "built_at": manifest["built_at"],
        "triples": sum(graph["triples"] for graph in manifest["graphs"]),
        "watching": False,
    }


def test_metrics_count_requests_by_route_template_and_status_with_latency(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in ("/id/city/tampere", "/id/city/oulu", "/id/city/nowhere", "/no/such/page"):
            client.get(path, headers={"Accept": "text/turtle"})
        client.get("/sparql", params={"query": ASK})
        client.put("/id/city/tampere")
    samples = scrape(base)
    requests = samples["ic16graph_http_requests_total"]

    def count(route: str, method: str, status: int) -> float:
        return requests.get((("method", method), ("route", route), ("status", str(status))), 0)

    assert count("/id/{path:path}", "GET", 200) >= 2  # two IRIs, one series
    assert count("/id/{path:path}", "GET", 404) >= 1
    assert count("unmatched", "GET", 404) >= 1
    assert count("/sparql", "GET", 200) >= 1
    assert count("unmatched", "PUT", 405) >= 1
    assert not any("tampere" in value for labels in requests for _, value in labels)
    buckets = samples["ic16graph_http_request_duration_seconds_bucket"]
    assert buckets[(("le", "+Inf"), ("route", "/id/{path:path}"))] >= 3
    assert samples["ic16graph_http_request_duration_seconds_count"][
        (("route", "/sparql"),)] >= 1


def test_metrics_count_queries_stopped_by_the_time_limit_and_describe_the_dataset(
    base: str, repository_settings: Settings
) -> None:
    before = scrape(base)["ic16graph_queries_stopped_total"][(("reason", "time_limit"),)]
    answer = httpx.post(f"{base}/sparql", data={"query": EXPLOSIVE + " # metrics"}, timeout=30)
    assert answer.status_code == 504
    samples = scrape(base)
    assert samples["ic16graph_queries_stopped_total"][(("reason", "time_limit"),)] == before + 1
    manifest = json.loads((repository_settings.build_dir / "manifest.json").read_text())
    triples = samples["ic16graph_dataset_triples"]
    assert sum(triples.values()) == sum(graph["triples"] for graph in manifest["graphs"])
    assert triples[(("role", "data"),)] > 0
    assert samples["ic16graph_dataset_build_seconds"][()] == manifest["build_seconds"]
    assert samples["ic16graph_dataset_info"] == {(("version", manifest["version"]),): 1.0}
    assert samples["ic16graph_degraded"][()] == 0


def test_each_request_is_one_json_access_line_with_its_request_id(
    base: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ic16graph.access"):
        answer = httpx.get(f"{base}/sparql", params={"query": "SELECT * {"},
                           headers={"X-Request-ID": "log-me-7", "User-Agent": "probe"})
    assert answer.status_code == 400
    assert answer.headers["x-request-id"] == "log-me-7"
    records = [r for r in caplog.records if r.name == "ic16graph.access"
               and r.fields["request_id"] == "log-me-7"]
    assert len(records) == 1
    line = json.loads(JsonLines().format(records[0]))
    assert line["level"] == "info" and line["logger"] == "ic16graph.access"
    assert line["request_id"] == "log-me-7"
    assert line["route"] == "/sparql" and line["status"] == 400 and line["method"] == "GET"
    assert line["query"] == "query=" + quote_plus("SELECT * {")
    assert line["user_agent"] == "probe" and line["client"] == "127.0.0.1"
    assert line["duration_ms"] >= 0 and "\n" not in JsonLines().format(records[0])
