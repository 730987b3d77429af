"""A bounded cache of serialised answers in front of the worker pool, for repeated queries.

The data is read-only between builds, so an answer depends only on the dataset version and the
job: query text, negotiated media types, inference and protocol dataset (`QueryJob` holds them
all and is hashable). Researchers' tools, pages and dashboards send the same queries again and
again; answering those from memory skips the pipe to a worker, the evaluation and the
serialisation. Identical queries that arrive while the first is still running wait for its
answer instead of occupying every worker with the same work. Errors are never cached.

Bounded twice: by the total size of the bodies (least recently used answers go first) and by
the size of one body, so a single huge answer cannot push out everything else.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from ic16graph.execution import Answer, Limits, QueryJob
from ic16graph.protocol import QueryRunner

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_ENTRY_BYTES = 4 * 1024 * 1024


class ResultCache:
    """A `QueryRunner` that answers repeated jobs from memory and passes the rest on."""

    def __init__(
        self,
        runner: QueryRunner,
        version: str,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
    ) -> None:
        self.runner = runner
        self.version = version
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.size = 0  # bytes of the cached bodies
        self.hits = 0
        self.misses = 0
        self._answers: OrderedDict[tuple[str, QueryJob], Answer] = OrderedDict()
        self._running: dict[tuple[str, QueryJob], asyncio.Task[Answer]] = {}

    @property
    def limits(self) -> Limits:
        return self.runner.limits

    async def run(self, job: QueryJob) -> Answer:
        key = (self.version, job)
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
            self.hits += 1
            return answer
        running = self._running.get(key)
        if running is None:
            self.misses += 1
            running = asyncio.ensure_future(self._evaluate(key, job))
            running.add_done_callback(_retrieve_exception)
            self._running[key] = running
        else:  # the same query is being evaluated: share its outcome
            self.hits += 1
        # shielded: a client that goes away does not cancel the others' (or the pool's) work
        return await asyncio.shield(running)

    async def _evaluate(self, key: tuple[str, QueryJob], job: QueryJob) -> Answer:
        try:
            answer = await self.runner.run(job)
        finally:
            del self._running[key]
        self._keep(key, answer)
        return answer

    def _keep(self, key: tuple[str, QueryJob], answer: Answer) -> None:
        if self.max_bytes == 0 or len(answer.body) > self.max_entry_bytes:
            return
        self._answers[key] = answer
        self.size += len(answer.body)
        while self.size > self.max_bytes:
            _, evicted = self._answers.popitem(last=False)
            self.size -= len(evicted.body)


def _retrieve_exception(task: asyncio.Task[Answer]) -> None:
    """Mark a failure as seen: every waiter has its own copy, or none was left to care."""
    if not task.cancelled():
        task.exception()
