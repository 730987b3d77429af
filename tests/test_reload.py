"""Reload without loss: `serve --watch` swaps in each good build whole, keeps serving the last good
one through a bad change (and says so in /health), lets requests in flight finish on the graph
they started on, and writes its releases atomically, never into the sources."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from conftest import REPOSITORY, WORLD
from ic16graph.build import Build
from ic16graph.config import Settings
from ic16graph.reload import CURRENT, LiveGraph, Outcome, build_release, publish, rebuild
from service_harness import LIMITS
from test_server import free_port, stop

ENDPOINT_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "endpoint"
SOURCES = ("ontology", "data", "shapes", "queries")
PROGRAMME = "data/facts-programme.ttl"
OLD_LABEL = '"Innovating Cities and Communities"@en'
NEW_LABEL = '"Innovating Cities and Communities (IC16)"@en'
LABEL_QUERY = (
    "SELECT ?label { <https://w3id.org/ic16/id/programme/innokaupungit> "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANG(?label) = 'en') }"
)
WAIT = 180  # seconds any one step may take on a slow machine (nothing here is timed)


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes()
            for folder in SOURCES for p in sorted((root / folder).rglob("*")) if p.is_file()}


class Watcher:
    """Runs `check` over and over in a thread until stopped; collects what it reports."""

    def __init__(self, check: Callable[[], object]) -> None:
        self.seen: list[object] = []
        self._check, self._stop = check, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.seen.append(self._check())
            time.sleep(0.05)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def complete_releases(build_dir: Path) -> object:
    """Every release directory seen, and the one `current` names, must be whole: a manifest
    that parses and a dataset with as many lines as the manifest counts triples."""
    named = (build_dir / CURRENT).read_text().strip() if (build_dir / CURRENT).exists() else None
    for release in build_dir.iterdir():
        if release.name.startswith(".") or not release.is_dir() or len(release.name) != 16:
            continue
        try:
            manifest = json.loads((release / "manifest.json").read_text())
            lines = (release / "dataset.nq").read_bytes().count(b"\n")
        except FileNotFoundError:  # retired and removed while we looked
            if not release.exists():
                continue
            return f"incomplete release {release.name}"
        if lines != sum(graph["triples"] for graph in manifest["graphs"]):
            return f"half-written dataset in {release.name}"
    if named is not None and not (build_dir / named / "manifest.json").exists():
        return f"current names {named}, which is not there"
    return "whole"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's sources to change."""
    for folder in SOURCES:
        shutil.copytree(REPOSITORY / folder, tmp_path / folder)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def health_until(base: str, accept: Callable[[dict], bool]) -> dict:
    deadline, health = time.monotonic() + WAIT, {}
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"{base}/health", timeout=10).json()
        except httpx.TransportError:  # not listening yet
            health = {}
        if health and accept(health):
            return health
        time.sleep(0.2)
    raise AssertionError(f"/health never became what was expected; last: {health}")


def test_a_bad_change_replaces_nothing_and_the_next_good_one_is_served_whole(
    project: Path,
) -> None:
    build_dir, port = project / "build", free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "IC16_BUILD_DIR": str(build_dir), "IC16_TIMEOUT": "5"}
    environment.pop("IC16_ROOT", None)
    log = project / "serve.log"  # a file, not a pipe: nobody reads the log while it runs
    process = subprocess.Popen(
        [sys.executable, "-m", "ic16graph.cli", "--root", str(project), "serve", "--watch",
         "--port", str(port), "--workers", "1"],
        env=environment, stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True,
    )
    try:
        first = health_until(base, lambda h: h["status"] == "ok")
        before = files_of(project)

        def label() -> tuple[int, str]:
            answer = httpx.post(f"{base}/sparql", data={"query": LABEL_QUERY},
                                headers={"Accept": "text/tab-separated-values"}, timeout=30)
            return answer.status_code, answer.text.splitlines()[-1]

        assert label() == (200, OLD_LABEL)
        with Watcher(label) as answers, Watcher(lambda: complete_releases(build_dir)) as builds:
            # 1. Turtle that does not parse: the old graph goes on, /health says where
            bad_line = len((project / PROGRAMME).read_text().splitlines()) + 1
            with (project / PROGRAMME).open("a", encoding="utf-8") as source:
                source.write("this is not Turtle .\n")
            broken = health_until(base, lambda h: h["status"] == "degraded")
            assert broken["problem"]["kind"] == "syntax"
            assert broken["problem"]["file"] == PROGRAMME
            assert broken["problem"]["line"] == bad_line
            assert broken["problem"]["location"].startswith(f"{PROGRAMME}:{bad_line}:")
            assert broken["dataset"] == first["dataset"]
            assert label() == (200, OLD_LABEL)
            # 2. parsing again, but a rule of the shapes is broken: still the old graph
            (project / PROGRAMME).write_bytes(before[PROGRAMME])
            edit(project / PROGRAMME, '"Innovoivat kaupungit ja yhteisöt"@fi ,',
                 '"Innovoivat kaupungit ja yhteisöt"@fi , "Toinen nimi"@fi ,')
            violated = health_until(base, lambda h: h.get("problem", {}).get("kind")
                                    == "violation")
            assert violated["status"] == "degraded"
            assert violated["problem"]["rule"] == "label: one per language"
            assert violated["problem"]["file"] == PROGRAMME
            assert violated["problem"]["line"] > 0
            assert violated["dataset"] == first["dataset"]
            assert label() == (200, OLD_LABEL)
            # 3. fixed, and changed: the new graph is served, whole
            (project / PROGRAMME).write_bytes(before[PROGRAMME])
            edit(project / PROGRAMME, OLD_LABEL, NEW_LABEL)
            fixed = health_until(base, lambda h: h["dataset"] != first["dataset"])
            assert fixed["status"] == "ok" and "problem" not in fixed
            assert label() == (200, NEW_LABEL)
        assert (build_dir / CURRENT).read_text().strip() == fixed["dataset"]
    finally:
        code, _, _ = stop(process)
    err = log.read_text(encoding="utf-8")
    assert code == 0, err[-3000:]
    # every answer, throughout, was whole: the old graph's, then the new one's, never a mix
    statuses, labels = {status for status, _ in answers.seen}, [text for _, text in answers.seen]
    assert statuses == {200}
    switched = labels.index(NEW_LABEL)
    assert set(labels[:switched]) == {OLD_LABEL} and set(labels[switched:]) == {NEW_LABEL}
    assert set(builds.seen) == {"whole"}
    # the sources hold exactly what the test wrote: the build wrote nothing into them
    after = files_of(project)
    assert after.keys() == before.keys()
    assert {name for name in after if after[name] != before[name]} == {PROGRAMME}
    assert f"{PROGRAMME}:{bad_line}" in err  # the problems were logged too
    assert "label: one per language" in err


def test_requests_in_flight_finish_on_the_graph_they_started_on(
    repository_settings: Settings,
) -> None:
    settings = replace(repository_settings, workers=1)
    slow = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

    async def scenario() -> None:
        live = LiveGraph(settings, replace(LIMITS, timeout=3.0), settings.build_dir)
        await live.generation.start()
        transport = httpx.ASGITransport(app=live)
        async with httpx.AsyncClient(transport=transport, base_url="http://ic16", timeout=60) as c:
            in_flight = asyncio.ensure_future(c.post("/sparql", data={"query": slow}))
            await asyncio.sleep(1.0)
            old = live.generation
            await live.adopt(Outcome("endpointfixture01", ENDPOINT_FIXTURE, None, ""))
            assert live.generation is not old
            assert (await c.get("/health")).json()["dataset"] == "endpointfixture01"
            assert old.active == 1 and old.app.state.pool.size == 1  # still running its query
            stopped = await in_flight
            assert stopped.status_code == 504  # its own graph's time limit, not a dead worker
            while old.app.state.pool._workers:  # retired once drained: its workers are gone
                await asyncio.sleep(0.1)
        await live.generation.stop()

    asyncio.run(scenario())


def test_a_release_appears_whole_by_renames(
    world_build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed: list[tuple[str, str]] = []
    original_replace, original_rename = os.replace, os.rename

    def record_replace(source: str, target: str) -> None:
        renamed.append((str(source), str(target)))
        original_replace(source, target)

    def record_rename(source: str, target: str) -> None:
        renamed.append((str(source), str(target)))
        original_rename(source, target)

    monkeypatch.setattr(os, "replace", record_replace)
    monkeypatch.setattr(os, "rename", record_rename)
    release = tmp_path / world_build.version
    publish(world_build, release)
    directories = [(s, t) for s, t in renamed if Path(t) == release]
    assert len(directories) == 1
    partial = Path(directories[0][0])
    assert partial.parent == tmp_path and partial.name.startswith(f".{release.name}.")
    # every file of the release was written under a temporary name and renamed into place
    files = {str(p.relative_to(release)) for p in release.rglob("*") if p.is_file()}
    moved = {str(Path(t).relative_to(partial)) for s, t in renamed
             if Path(t).is_relative_to(partial) and Path(s).name.startswith(".")}
    assert files == moved
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no leftovers


def test_a_build_that_violates_the_shapes_is_reported_and_not_published(tmp_path: Path) -> None:
    outcome = build_release(Settings(root=WORLD, build_dir=tmp_path))
    assert outcome.release is None and outcome.problem is not None
    assert outcome.problem.kind == "violation" and outcome.problem.file == "data/cities.ttl"
    assert outcome.problem.line and outcome.problem.rule
    assert list(tmp_path.iterdir()) == []


def test_turtle_that_does_not_parse_is_a_problem_at_its_file_line_and_column(
    project: Path,
) -> None:
    (project / "data" / "broken.ttl").write_text("@prefix : <urn:> .\n:a :b .\n", "utf-8")
    outcome = rebuild(Settings(root=project, build_dir=project / "build"), serving="")
    assert outcome.release is None and outcome.problem is not None
    assert outcome.problem.kind == "syntax"
    assert outcome.problem.location.startswith("data/broken.ttl:2:")


def test_unchanged_sources_are_not_built_again(repository_settings: Settings) -> None:
    served = json.loads((repository_settings.build_dir / "manifest.json").read_text())["version"]
    outcome = build_release(repository_settings, serving=served)
    assert outcome == Outcome(served, None, None, outcome.summary)
