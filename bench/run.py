"""`make bench`: ic16graph against Oxigraph server and rdflib-endpoint, on the same data.

For each dataset (the real data, synthetic graphs of 10k, 100k, 1M triples from generate.py)
the runner starts every system on a loopback port, times its start-up to the first answer,
checks that every system gives the same answer to every query, then measures per query the
median and p95 latency (systems interleaved: A B C, B C A, …, each request unique so that no
cache answers it) and the throughput of 8 concurrent clients repeating one query (where our
result cache may answer), while sampling each system's memory. Everything is bounded: rounds,
seconds per query and system, request time-outs. Results go to bench/results/<dataset>.json;
bench/RESULTS.md is written from all of them.

    .venv/bin/python bench/run.py                  # real, 10k, 100k, 1m: the final figures
    .venv/bin/python bench/run.py --quick          # a smoke run: real and 10k, few rounds
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from measure import JSON, NTRIPLES, Connection, RequestFailed, latencies, normalise, summary
from measure import throughput as burst
from mix import PICKS, PREFIXES, Query, all_queries
from pyoxigraph import RdfFormat, Store
from report import write_report
from systems import BENCH, OURS, PEERS, ROOT, MemoryWatch, System, install_peers, systems_for

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
SYSTEMS = ["ours", "ours-disk", "oxigraph-disk", "oxigraph-memory", "rdflib-endpoint"]
WORK = BENCH / "work"
RESULTS = BENCH / "results"


@dataclass(frozen=True)
class Budget:
    """How much each measurement may take."""

    rounds: int  # latency requests per query and system
    check_seconds: float  # answer check: stop asking a system that used this much in all
    seconds_per_query: float  # latency: stop a system's rounds for a query after this
    burst_seconds: float  # throughput: length of one burst
    burst_max_requests: int
    request_timeout: float
    startup_timeout: float
    slow_ms: float  # no throughput burst for a system whose median latency is above this


FULL = Budget(rounds=11, check_seconds=300, seconds_per_query=10, burst_seconds=2,
              burst_max_requests=20_000, request_timeout=60, startup_timeout=600, slow_ms=1_000)
QUICK = Budget(rounds=3, check_seconds=180, seconds_per_query=5, burst_seconds=1,
               burst_max_requests=5_000, request_timeout=30, startup_timeout=300, slow_ms=500)


def prepare_dataset(name: str) -> tuple[Path, bool]:
    """The N-Quads file the peers serve, and whether it is the real data.

    Synthetic data states each triple once, so the peers' union of the named graphs is our
    default graph. The real data states some triples in several sources, and a union of named
    graphs in Oxigraph repeats them (each repeat is a solution more), so the peers get the
    real build with its union, deduplicated, in their default graph; the shapes graph, outside
    our default graph, is left out. Ours serves the build itself (`ic16graph serve`).
    """
    WORK.mkdir(parents=True, exist_ok=True)
    if name == "real":
        subprocess.run([str(OURS), "build"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        target = WORK / "real.nq"
        store = Store()
        store.load(path=ROOT / "build" / "dataset.nq", format=RdfFormat.N_QUADS)
        for graph in list(store.named_graphs()):
            if "/graph/shapes/" in graph.value:
                store.remove_graph(graph)
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        store.dump(target, format=RdfFormat.N_QUADS)
        return target, True
    target = BENCH / "data" / f"synthetic-{name}.nq"
    if not target.is_file():
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--triples",
                        str(SIZES[name]), "--output", str(target)], check=True)
    return target, False


def prepare_stores(systems: list[System], dataset: Path, oxigraph_dir: Path,
                   budget: Budget, log: Path) -> dict[str, float]:
    """On-disk stores made before the clock runs (a deployment does this once); seconds each."""
    seconds = {}
    for system in systems:
        started = time.perf_counter()
        stamp = oxigraph_dir.with_suffix(".loaded")  # which file the store was loaded from
        loaded = f"{dataset} {dataset.stat().st_size} {dataset.stat().st_mtime_ns}"
        if system.name == "oxigraph-disk" and not (stamp.is_file() and stamp.read_text() == loaded):
            shutil.rmtree(oxigraph_dir, ignore_errors=True)
            subprocess.run([str(PEERS / "bin" / "oxigraph"), "load", "--location",
                            str(oxigraph_dir), "--file", str(dataset)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stamp.write_text(loaded)
        elif system.name == "ours-disk":
            system.start(budget.startup_timeout, log)  # the first start makes the store
            system.stop()
            system.startup_s = None
        else:
            continue
        seconds[system.name] = time.perf_counter() - started
    return seconds


def pick_resources(system: System, timeout: float) -> dict[str, str]:
    connection = Connection(system.endpoint, timeout)
    try:
        picks = {}
        for placeholder, query in PICKS.items():
            body = json.loads(connection.ask(PREFIXES + query, JSON))
            picks[placeholder] = body["results"]["bindings"][0]["x"]["value"]
        return picks
    finally:
        connection.close()


def check_answers(systems: list[System], queries: list[Query], budget: Budget,
                  log: Path) -> dict:
    """Per query and system: "same" as ours, "different: …", or the error. A system that has
    used up `budget.check_seconds` is not asked further (rdflib-endpoint at 1M triples)."""
    verdicts: dict[str, dict[str, str]] = {}
    spent = dict.fromkeys((s.name for s in systems), 0.0)
    for query in queries:
        accept = NTRIPLES if query.graph else JSON
        answers: dict[str, object] = {}
        for system in systems:
            if spent[system.name] > budget.check_seconds:
                answers[system.name] = RequestFailed(
                    f"not asked: {budget.check_seconds:g} s spent on earlier queries")
                continue
            started = time.perf_counter()
            connection = Connection(system.endpoint, budget.request_timeout)
            try:
                answers[system.name] = normalise(connection.ask(query.text, accept), query.graph)
            except (RequestFailed, ValueError) as error:
                answers[system.name] = error
                if not wait_until_idle(system, budget):  # still busy: stop the work, ask no more
                    spent[system.name] = math.inf
                    system.restart(budget.startup_timeout, log)
            finally:
                connection.close()
                spent[system.name] += time.perf_counter() - started
        reference = answers[systems[0].name]
        verdicts[query.name] = {
            name: _verdict(answer, reference) for name, answer in answers.items()}
    return verdicts


def wait_until_idle(system: System, budget: Budget) -> bool:
    """After a time-out a system may still be evaluating (rdflib-endpoint blocks its event loop
    meanwhile): wait, a bounded time, until it answers a trivial query; False if it did not."""
    connection = Connection(system.endpoint, 5 * budget.request_timeout)
    try:
        connection.ask("ASK {}", JSON)
        return True
    except RequestFailed:
        return False
    finally:
        connection.close()


def _verdict(answer: object, reference: object) -> str:
    if isinstance(answer, Exception):
        return f"error: {answer}"[:200]
    if answer == reference:
        return "same"
    if isinstance(answer, dict) and isinstance(reference, dict):
        return (f"different: {sum(answer.values())} rows/triples, "
                f"{sum(reference.values())} in ours")
    return f"different: {answer} vs {reference}"


def measure_latency(systems: list[System], queries: list[Query], answers: dict,
                    budget: Budget) -> dict:
    """Median and p95 per query and system, the systems interleaved round by round."""
    results: dict[str, dict[str, dict]] = {}
    connections = {s.name: Connection(s.endpoint, budget.request_timeout) for s in systems}
    try:
        for query in queries:
            accept = NTRIPLES if query.graph else JSON
            timings: dict[str, list[float]] = {s.name: [] for s in systems}
            spent = dict.fromkeys(timings, 0.0)
            failed: dict[str, str] = {}
            for round_ in range(budget.rounds):
                order = systems[round_ % len(systems):] + systems[:round_ % len(systems)]
                for system in order:
                    if system.name in failed or spent[system.name] > budget.seconds_per_query:
                        continue
                    if answers[query.name][system.name].startswith("error"):
                        failed[system.name] = answers[query.name][system.name]
                        continue
                    try:
                        timing = latencies(connections[system.name], query.text, accept, 1)
                    except RequestFailed as error:
                        failed[system.name] = str(error)[:200]
                        wait_until_idle(system, budget)
                        continue
                    timings[system.name] += timing
                    spent[system.name] += timing[0]
            results[query.name] = {
                name: ({"error": failed[name]} if name in failed else summary(values))
                for name, values in timings.items() if values or name in failed}
            print(f"  latency {query.name}: " + ", ".join(
                f"{n} {r.get('median_ms', float('nan')):.1f}"
                for n, r in results[query.name].items()), flush=True)
    finally:
        for connection in connections.values():
            connection.close()
    return results


def measure_throughput(systems: list[System], queries: list[Query], latency: dict,
                       budget: Budget) -> dict:
    """Answers per second of 8 clients repeating each query; slow systems are not bursted."""
    results: dict[str, dict[str, dict]] = {}
    for index, query in enumerate(queries):
        accept = NTRIPLES if query.graph else JSON
        order = systems if index % 2 == 0 else systems[::-1]
        results[query.name] = {}
        for system in order:
            measured = latency.get(query.name, {}).get(system.name, {})
            if "median_ms" not in measured:
                continue
            if measured["median_ms"] > budget.slow_ms:
                results[query.name][system.name] = {
                    "skipped": f"median latency above {budget.slow_ms:g} ms",
                    "per_second": 1000 / measured["median_ms"]}
                continue
            results[query.name][system.name] = burst(
                system.endpoint, query.text, accept, clients=8, seconds=budget.burst_seconds,
                max_requests=budget.burst_max_requests, timeout=budget.request_timeout)
        print(f"  throughput {query.name}: " + ", ".join(
            f"{n} {r['per_second']:.0f}/s" for n, r in results[query.name].items()), flush=True)
    return results


def machine() -> dict[str, object]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 2**20, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "load_average": list(os.getloadavg())}


def run_dataset(name: str, names: list[str], budget: Budget, versions: dict) -> dict:
    dataset, real = prepare_dataset(name)
    quads = sum(1 for _ in dataset.open("rb"))
    print(f"== {name}: {quads} quads ({dataset})", flush=True)
    log = WORK / f"{name}.log"
    systems = systems_for(dataset, real, WORK / "stores" / name, WORK / f"oxigraph-{name}",
                          [n for n in names if not (real and n == "ours-disk")])
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    load_before = machine()["load_average"]
    prepared = prepare_stores(systems, dataset, WORK / f"oxigraph-{name}", budget, log)
    try:
        with MemoryWatch(systems):
            for system in systems:  # one at a time, so that start-ups do not overlap
                system.start(budget.startup_timeout, log)
                print(f"  {system.name}: first answer after {system.startup_s} s "
                      f"{system.error or ''}", flush=True)
            running = [s for s in systems if s.error is None]
            queries = all_queries(pick_resources(running[0], budget.request_timeout))
            answers = check_answers(running, queries, budget, log)
            latency = measure_latency(running, queries, answers, budget)
            rates = measure_throughput(running, queries, latency, budget)
    finally:
        for system in systems:
            system.stop()
    return {
        "dataset": name, "file": str(dataset.relative_to(ROOT)), "quads": quads,
        "started_at": started_at, "machine": {**machine(), "load_before": load_before},
        "versions": versions, "budget": budget.__dict__, "prepared_seconds": prepared,
        "systems": {s.name: {"startup_s": s.startup_s, "peak_mb": s.peak_mb, "error": s.error}
                    for s in systems},
        "queries": {q.name: {"kind": q.kind, "text": q.text} for q in queries},
        "answers": answers, "latency": latency, "throughput": rates,
        "build_timings": json.loads((ROOT / "build" / "manifest.json").read_text())["timings"]
        if real else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="real,10k,100k,1m",
                        help="datasets, comma-separated: real and/or " + ", ".join(SIZES))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: real and 10k, few rounds, short bursts")
    args = parser.parse_args(argv)
    sizes = ["real", "10k"] if args.quick and args.sizes == parser.get_default("sizes") else (
        args.sizes.split(","))
    budget = QUICK if args.quick else FULL
    versions = install_peers()
    versions["ic16graph"], versions["pyoxigraph"] = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c",
         "import importlib.metadata as m; print(m.version('ic16graph'), m.version('pyoxigraph'))"],
        check=True, capture_output=True, text=True).stdout.split()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in sizes:
        result = run_dataset(name, args.systems.split(","), budget, versions)
        result["mode"] = "quick" if args.quick else "full"
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    write_report(RESULTS, BENCH / "RESULTS.md")
    print(f"written {BENCH / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
