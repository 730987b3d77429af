"""result_cache.py: repeated queries answered from memory, bounded, errors never kept."""

from __future__ import annotations

import asyncio

import pytest

from ic16graph.execution import Answer, Limits, QueryJob, QueryTimeout
from ic16graph.result_cache import ResultCache

JSON = "application/sparql-results+json"


class CountingRunner:
    """A stand-in for the worker pool: answers with the query text, counts evaluations."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.limits = Limits()
        self.calls: list[QueryJob] = []
        self.delay, self.fail = delay, fail

    async def run(self, job: QueryJob) -> Answer:
        self.calls.append(job)
        await asyncio.sleep(self.delay)
        if self.fail:
            raise QueryTimeout("too slow")
        return Answer("select", JSON, job.sparql.encode() * 10)


def job(text: str = "SELECT * { ?s ?p ?o }", **options: object) -> QueryJob:
    return QueryJob(text, JSON, "text/turtle", **options)


def test_a_repeated_query_is_evaluated_once() -> None:
    runner = CountingRunner()
    cache = ResultCache(runner, "v1")
    first = asyncio.run(cache.run(job()))
    assert asyncio.run(cache.run(job())) == first
    assert len(runner.calls) == 1 and (cache.hits, cache.misses) == (1, 1)


def test_media_type_inference_and_dataset_are_part_of_the_key() -> None:
    runner = CountingRunner()
    cache = ResultCache(runner, "v1")

    async def run_all() -> None:
        await cache.run(job())
        await cache.run(QueryJob("SELECT * { ?s ?p ?o }", "text/csv", "text/turtle"))
        await cache.run(job(inference=False))
        await cache.run(job(default_graph_uris=("https://example.org/g",)))

    asyncio.run(run_all())
    assert len(runner.calls) == 4


def test_identical_queries_arriving_together_share_one_evaluation() -> None:
    runner = CountingRunner(delay=0.05)
    cache = ResultCache(runner, "v1")

    async def eight_clients() -> list[Answer]:
        return await asyncio.gather(*(cache.run(job()) for _ in range(8)))

    answers = asyncio.run(eight_clients())
    assert len(runner.calls) == 1 and len(set(answers)) == 1


def test_errors_reach_every_waiter_and_are_not_cached() -> None:
    runner = CountingRunner(delay=0.01, fail=True)
    cache = ResultCache(runner, "v1")

    async def two_clients() -> list[object]:
        return await asyncio.gather(cache.run(job()), cache.run(job()), return_exceptions=True)

    assert all(isinstance(outcome, QueryTimeout) for outcome in asyncio.run(two_clients()))
    with pytest.raises(QueryTimeout):
        asyncio.run(cache.run(job()))
    assert len(runner.calls) == 2 and cache.size == 0


def test_the_least_recently_used_answers_go_when_the_bound_is_reached() -> None:
    runner = CountingRunner()
    cache = ResultCache(runner, "v1", max_bytes=250)  # each answer is 10 × its query's length

    async def fill() -> None:
        for text in ("A" * 10, "B" * 10, "A" * 10, "C" * 10):  # A is used again before C comes
            await cache.run(job(text))

    asyncio.run(fill())
    assert cache.size <= 250
    asyncio.run(cache.run(job("A" * 10)))
    asyncio.run(cache.run(job("B" * 10)))
    assert [j.sparql[0] for j in runner.calls] == ["A", "B", "C", "B"]


def test_an_answer_larger_than_the_entry_bound_is_never_kept() -> None:
    runner = CountingRunner()
    cache = ResultCache(runner, "v1", max_entry_bytes=50)
    for _ in range(2):
        asyncio.run(cache.run(job("X" * 10)))
    assert len(runner.calls) == 2 and cache.size == 0
