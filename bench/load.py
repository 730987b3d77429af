"""Load test of `ic16graph serve`: the named-query mix from many clients, with explosive queries
mixed in, on loopback only, bounded in time and in count; writes a Markdown report.

Two phases of `--seconds` each against one server on the repository's data: first the mix from
`--clients` concurrent clients while an attacker sends explosive queries, two at a time, every
few seconds, then the mix alone, so that the simple queries' latency can be read with and
without them.
Each client connects from its own loopback address (127.0.1.x), as distinct clients would, and
every query carries a unique comment, so that each one is evaluated by a worker (the service's
result cache would otherwise answer most of them from memory). An error is *explained* when it
is the documented answer to a limit: 504 (time), 422 (memory or size) or 503 (busy) for an
explosive query; a simple query must get 200.

    .venv/bin/python bench/load.py --seconds 60 --clients 32 --output bench/LOAD.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ic16graph.queries import load_named_queries

ROOT = Path(__file__).resolve().parents[1]
NAMED = load_named_queries(ROOT / "queries")
EXPLOSIVE = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "unbounded paths": "SELECT (COUNT(*) AS ?n) { ?s (!<urn:a>)*/(!<urn:b>)*/(!<urn:c>)* ?o }",
    "doubling literal": "SELECT (STRLEN(?a40) AS ?n) { BIND('0123456789abcdef' AS ?a0) "
    + " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(40))
    + " }",
}
EXPLAINED = {"simple": {200}, "explosive": {422, 503, 504}}
ATTACK_EVERY = 5.0  # seconds between one attacker's explosive queries
MAX_REQUESTS = 500_000  # per phase, whatever the time


@dataclass(frozen=True)
class Result:
    kind: str  # "simple" | "explosive"
    name: str
    status: int
    seconds: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (the worker processes hang under the forkserver)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def rss_mib(pid: int) -> dict[str, float]:
    """Resident memory of the server and of all its helper processes, in MiB."""
    total = {"server": 0.0, "helpers": 0.0}
    for process in descendants(pid):
        try:
            status = Path(f"/proc/{process}/status").read_text()
        except OSError:
            continue
        kib = next(int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmRSS:"))
        total["server" if process == pid else "helpers"] += kib / 1024
    return total


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def phase(base: str, seconds: float, clients: int, attack: bool) -> list[Result]:
    """`clients` clients send the mix (and an attacker explosive queries) for `seconds`."""
    results: list[Result] = []
    deadline = time.monotonic() + seconds

    async def send(http: httpx.AsyncClient, kind: str, name: str, query: str) -> None:
        started = time.monotonic()
        answer = await http.post("/sparql", data={"query": query},
                                 headers={"Accept": "application/sparql-results+json"})
        results.append(Result(kind, name, answer.status_code, time.monotonic() - started))

    async def client(number: int) -> None:
        transport = httpx.AsyncHTTPTransport(local_address=f"127.0.1.{number + 1}")
        async with httpx.AsyncClient(transport=transport, base_url=base, timeout=120) as http:
            sent = 0
            while time.monotonic() < deadline and len(results) < MAX_REQUESTS:
                named = NAMED[(number + sent) % len(NAMED)]
                sent += 1
                await send(http, "simple", named.name, f"{named.text}\n# {number}-{sent}")

    async def attacker() -> None:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.2.1")
        async with httpx.AsyncClient(transport=transport, base_url=base, timeout=120) as http:
            names, sent = list(EXPLOSIVE), 0
            await asyncio.sleep(ATTACK_EVERY)
            while time.monotonic() < deadline - ATTACK_EVERY:
                pair = [names[(sent + n) % len(names)] for n in range(2)]
                sent += 1
                await asyncio.gather(*(send(http, "explosive", name, f"{EXPLOSIVE[name]} # {sent}")
                                       for name in pair))
                await asyncio.sleep(ATTACK_EVERY)

    await asyncio.gather(*(client(n) for n in range(clients)), *([attacker()] if attack else []))
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summary(name: str, results: list[Result], seconds: float) -> tuple[list[str], int]:
    """Markdown lines describing one phase, and its count of unexplained errors."""
    simple = [r for r in results if r.kind == "simple"]
    latencies = [r.seconds * 1000 for r in simple if r.status == 200]
    unexplained = [r for r in results if r.status not in EXPLAINED[r.kind]]
    statuses = Counter((r.kind, r.status) for r in results)
    lines = [
        f"### {name}",
        "",
        f"- requests: {len(results)} in {seconds:.0f} s ({len(simple) / seconds:.0f} simple "
        "queries/s)",
        "- statuses: " + ", ".join(f"{kind} {status}: {n}"
                                   for (kind, status), n in sorted(statuses.items())),
        f"- simple queries, latency in ms: p50 {percentile(latencies, 0.50):.1f}, "
        f"p95 {percentile(latencies, 0.95):.1f}, p99 {percentile(latencies, 0.99):.1f}, "
        f"max {max(latencies, default=0):.1f}, mean {statistics.fmean(latencies or [0]):.1f}",
        f"- unexplained errors: {len(unexplained)}",
    ]
    for r in (r for r in results if r.kind == "explosive"):
        lines.append(f"  - explosive `{r.name}`: {r.status} after {r.seconds:.2f} s")
    return lines, len(unexplained)


def wait_until_healthy(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server ended before it was ready")
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become healthy")


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    options.add_argument("--clients", type=int, default=32)
    options.add_argument("--workers", type=int, default=2, help="the server's query workers")
    options.add_argument("--output", type=Path, default=None, help="write the report here")
    args = options.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    report = [
        "# Load test",
        "",
        f"`bench/load.py --seconds {args.seconds:g} --clients {args.clients} --workers "
        f"{args.workers}`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on {platform.node() or 'a'}"
        f" machine with {os.cpu_count()} cores ({platform.python_implementation()} "
        f"{platform.python_version()}). The service: `ic16graph serve` on the repository's "
        "data, default limits (10 s per query, 1 GiB per query), loopback only.",
        "",
        f"Load average (1, 5, 15 min) before the run: {load_average()}.",
    ]
    with tempfile.TemporaryDirectory(prefix="ic16graph-load-") as scratch:
        environment = {**os.environ, "IC16_BUILD_DIR": scratch, "RUST_BACKTRACE": "0"}
        environment.pop("IC16_ROOT", None)
        with (Path(scratch) / "serve.log").open("w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "ic16graph.cli", "--root", str(ROOT), "serve",
                 "--port", str(port), "--workers", str(args.workers)],
                env=environment, stdout=log, stderr=log,
            )
            try:
                wait_until_healthy(base, server)
                for named in NAMED:  # warm up: every query once
                    httpx.post(f"{base}/sparql", data={"query": named.text}, timeout=60)
                memory = [("start", rss_mib(server.pid))]
                phases = []
                for name, attack in (("With explosive queries", True), ("The mix alone", False)):
                    results = asyncio.run(phase(base, args.seconds, args.clients, attack))
                    phases.append((name, results))
                    memory.append((f"after “{name.lower()}”", rss_mib(server.pid)))
            finally:
                server.send_signal(signal.SIGINT)
                server.wait(60)
    report += ["", f"Load average after the run: {load_average()}.", "", "## Results", ""]
    unexplained = 0
    for name, results in phases:
        lines, errors = summary(name, results, args.seconds)
        report += [*lines, ""]
        unexplained += errors
    report += ["## Memory (resident, MiB)", "",
               "| when | server process | worker and build processes |", "|---|---|---|"]
    report += [f"| {when} | {rss['server']:.0f} | {rss['helpers']:.0f} |" for when, rss in memory]
    text = "\n".join(report) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
