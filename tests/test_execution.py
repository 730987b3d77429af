"""Limits that hold: the checks before evaluation, the result cap, and the worker pool's time limit,
replacement of killed or crashed workers, and bounded waiting."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
import uvloop

from ic16graph.artefact import attach_store, write_prebuilt
from ic16graph.engine import OxigraphEngine, QuerySyntaxError
from ic16graph.execution import (
    Busy,
    EvaluationFailed,
    Limits,
    NotAcceptable,
    QueryJob,
    QueryTimeout,
    QueryTooExpensive,
    QueryTooLong,
    ResultTooLarge,
    ServiceRefused,
    UpdateRefused,
    check,
    evaluate,
)
from ic16graph.workers import WorkerPool
from test_protocol import loopback_listener

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "endpoint"
EXPLOSIVE = (
    "SELECT (COUNT(*) AS ?n) WHERE { "
    + " ".join(f"VALUES ?v{i} {{ 0 1 2 3 4 5 6 7 8 9 }}" for i in range(12))
    + " }"
)
ASK = "ASK { ?s ?p ?o }"
JSON, TURTLE = "application/sparql-results+json", "text/turtle"


def job(sparql: str, results: str | None = JSON, graph: str | None = TURTLE) -> QueryJob:
    return QueryJob(sparql, results, graph)


def values(n: int) -> str:
    return "SELECT ?i { VALUES ?i { " + " ".join(map(str, range(n))) + " } }"


@pytest.fixture(scope="module")
def engine() -> OxigraphEngine:
    return OxigraphEngine.from_artefact(FIXTURE)


def with_pool(
    limits: Limits,
    workers: int,
    scenario: Callable[[WorkerPool], Awaitable[None]],
    build_dir: Path = FIXTURE,
    run: Callable[[Awaitable[None]], None] = asyncio.run,
) -> None:
    """Run `scenario` on a started pool in a fresh event loop (`run` makes it), and stop the pool
    afterwards."""

    async def main() -> None:
        pool = WorkerPool(build_dir, limits, workers)
        await pool.start()
        try:
            await scenario(pool)
        finally:
            pool.close()

    run(main())


def worker_pids() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.name == "ic16graph-query-worker"}


# --- checks before evaluation ------------------------------------------------------------------


def test_a_query_over_the_length_limit_is_refused_unevaluated() -> None:
    with pytest.raises(QueryTooLong, match="at most 10"):
        check("ASK { ?s ?p ?o }", Limits(max_query_length=10))


def test_an_update_is_refused_as_read_only() -> None:
    with pytest.raises(UpdateRefused, match="data/"):
        check("PREFIX a: <urn:a:> DELETE WHERE { ?s ?p ?o }", Limits())


# --- evaluation and the result cap ---------------------------------------------------------------


def test_an_answer_is_serialised_in_the_negotiated_type_of_its_kind(engine: OxigraphEngine) -> None:
    assert evaluate(engine, job(ASK), 10).body == b'{"head":{},"boolean":true}'
    graph = evaluate(engine, job("CONSTRUCT WHERE { ?s a ?o }"), 10)
    assert (graph.kind, graph.media_type) == ("graph", TURTLE)
    with pytest.raises(NotAcceptable):
        evaluate(engine, job("CONSTRUCT WHERE { ?s a ?o }", graph=None), 10)


@pytest.mark.parametrize("media_type", [JSON, "text/csv", "text/tab-separated-values"])
def test_exactly_the_row_limit_is_answered_and_one_more_is_refused(
    engine: OxigraphEngine, media_type: str
) -> None:
    answer = evaluate(engine, job(values(7), results=media_type), 7)
    assert answer.body.count(b"6") >= 1
    with pytest.raises(ResultTooLarge, match="more than 7 rows"):
        evaluate(engine, job(values(8), results=media_type), 7)


def test_the_triple_limit_holds_for_graph_results(engine: OxigraphEngine) -> None:
    query = "CONSTRUCT { <urn:s> <urn:p> ?i } WHERE { VALUES ?i { 1 2 3 4 } }"
    assert evaluate(engine, job(query, graph="application/n-triples"), 4).body.count(b"\n") == 4
    with pytest.raises(ResultTooLarge, match="more than 3 triples"):
        evaluate(engine, job(query), 3)


# --- the worker pool -----------------------------------------------------------------------------


def test_a_query_past_the_time_limit_is_stopped_and_its_worker_replaced() -> None:
    async def scenario(pool: WorkerPool) -> None:
        before = worker_pids()
        with pytest.raises(QueryTimeout, match="time limit of 1 s"):
            await pool.run(job(EXPLOSIVE))
        answer = await pool.run(job(ASK))  # waits for the replacement worker
        assert answer.body == b'{"head":{},"boolean":true}'
        assert worker_pids().isdisjoint(before)  # the old process is gone, its CPU freed

    with_pool(Limits(timeout=1.0, queue_timeout=30.0), 1, scenario)


def test_a_worker_that_dies_mid_query_is_reported_and_replaced() -> None:
    async def scenario(pool: WorkerPool) -> None:
        running = asyncio.ensure_future(pool.run(job(EXPLOSIVE)))
        await asyncio.sleep(0.3)
        for pid in worker_pids():
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(EvaluationFailed, match="died"):
            await running
        assert (await pool.run(job(ASK))).kind == "ask"

    with_pool(Limits(timeout=30.0, queue_timeout=30.0), 1, scenario)


def test_beyond_the_pool_a_query_waits_a_bounded_time_then_is_told_busy() -> None:
    async def scenario(pool: WorkerPool) -> None:
        running = asyncio.ensure_future(pool.run(job(EXPLOSIVE)))
        await asyncio.sleep(0.1)
        with pytest.raises(Busy) as busy:
            await pool.run(job(ASK))
        assert busy.value.retry_after == 2
        with pytest.raises(QueryTimeout):
            await running

    with_pool(Limits(timeout=2.0, queue_timeout=0.3), 1, scenario)


def test_service_reaches_only_an_endpoint_on_the_allow_list() -> None:
    with loopback_listener() as (allowed, received), loopback_listener() as (other, refused):

        async def scenario(pool: WorkerPool) -> None:
            answer = await pool.run(
                job(f"SELECT * {{ SERVICE SILENT <{allowed}> {{ ?s ?p ?o }} }}")
            )
            assert answer.kind == "select"
            with pytest.raises(ServiceRefused, match="no outbound requests"):
                await pool.run(job(f"SELECT * {{ SERVICE SILENT <{other}> {{ ?s ?p ?o }} }}"))

        with_pool(Limits(service_allowlist=frozenset({allowed})), 1, scenario)
    assert len(received) == 1 and received[0].startswith(b"POST /sparql")
    assert refused == []


def test_errors_come_back_from_the_worker_intact() -> None:
    async def scenario(pool: WorkerPool) -> None:
        with pytest.raises(QuerySyntaxError) as syntax:
            await pool.run(job("SELECT * WHERE { ?s ?p }"))
        assert (syntax.value.line, syntax.value.column) == (1, 25)
        with pytest.raises(ResultTooLarge):
            await pool.run(job(values(6)))
        with pytest.raises(NotAcceptable) as refused:
            await pool.run(job(ASK, results=None))
        assert refused.value.kind == "ask"
        assert (await pool.run(job(values(5)))).kind == "select"  # the worker lived on

    with_pool(Limits(max_results=5), 1, scenario)


def test_a_pool_without_an_artefact_fails_to_start_with_a_clear_error(tmp_path: Path) -> None:
    async def main() -> None:
        await WorkerPool(tmp_path, replace(Limits()), 1).start()

    with pytest.raises(RuntimeError, match="failed to load the artefact"):
        asyncio.run(main())


# --- worker processes --------------------------------------------------------------------------


def test_a_query_past_the_memory_cap_is_too_expensive_and_its_worker_replaced() -> None:
    doubling = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(40))
    query = f"SELECT (STRLEN(?a40) AS ?n) {{ BIND('0123456789abcdef' AS ?a0) {doubling} }}"

    async def scenario(pool: WorkerPool) -> None:
        before = worker_pids()
        with pytest.raises(QueryTooExpensive, match="memory limit of 64 MiB"):
            await pool.run(job(query))
        assert (await pool.run(job(ASK))).kind == "ask"
        assert len(before - worker_pids()) == 1  # its worker is gone, another answered
        assert pool.stopped["memory_limit"] == 1

    with_pool(Limits(max_memory=64 << 20, queue_timeout=30.0), 1, scenario)


def test_workers_of_an_on_disk_store_open_it_themselves_and_answer(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    write_prebuilt(FIXTURE / "dataset.nq", build_dir, "https://w3id.org/ic16/")
    attach_store(build_dir, str(tmp_path / "store"))

    async def scenario(pool: WorkerPool) -> None:
        answers = await asyncio.gather(pool.run(job(ASK)), pool.run(job(ASK)))
        assert {answer.body for answer in answers} == {b'{"head":{},"boolean":true}'}

    with_pool(Limits(), 2, scenario, build_dir)


def test_answers_larger_than_the_pipe_buffer_arrive_whole_under_uvloop() -> None:
    """uvloop leaves a watched pipe non-blocking: reading a long answer must not stop halfway
    (it once did, about one time in four, and was taken for a dead worker)."""

    pairs = ("SELECT ?a ?b { VALUES ?a { " + " ".join(map(str, range(200))) + " } "
             "VALUES ?b { " + " ".join(map(str, range(100))) + " } }")

    async def scenario(pool: WorkerPool) -> None:
        for _ in range(10):
            answer = await pool.run(job(pairs))
            assert len(answer.body) > 1_000_000  # the pipe holds 64 KiB at a time
            assert answer.body.count(b'"a":') == 20_000

    with_pool(Limits(max_results=20_000), 1, scenario, run=uvloop.run)
