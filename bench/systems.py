"""The systems under test, started on loopback ports, timed to their first answer, watched.

- `ours`: `ic16graph serve --workers 2`, from the built artefact (real data) or a prebuilt
  dataset (`--dataset`), in memory; `ours-disk` adds `--store DIR` (an on-disk store made once).
- `oxigraph-disk`: Oxigraph server on its default on-disk store (`oxigraph load`, then
  `serve-read-only`), `oxigraph-memory`: in memory, data POSTed at start; both with
  `--union-default-graph` on synthetic data, so that the default graph is the union of the
  named graphs as ours (the real data brings its union along: see `run.prepare_dataset`).
- `rdflib-endpoint`: its own CLI, `rdflib-endpoint serve FILE` (an rdflib Dataset whose default
  graph is the union).

The peers come from PyPI, installed by `install_peers` into `bench/.venv-peers`. Each system
runs in its own process group, which `stop` ends; its memory is sampled every 0.2 s as the
proportional set size (PSS) summed over the group, so that pages shared by our forked workers
count once, and the peak is reported.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from measure import Connection, Endpoint, RequestFailed

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS = BENCH / ".venv-peers"
PEER_REQUIREMENTS = ("oxigraph>=0.5.6,<0.6", "rdflib-endpoint[cli]>=0.6,<0.7")
OURS = ROOT / ".venv" / "bin" / "ic16graph"
PROBE = "ASK { ?s ?p ?o }"


def install_peers() -> dict[str, str]:
    """Create bench/.venv-peers with the peers from PyPI (once); their versions."""
    stamp = PEERS / "requirements.txt"
    wanted = "\n".join(PEER_REQUIREMENTS) + "\n"
    if not stamp.is_file() or stamp.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS)], check=True)
        subprocess.run([str(PEERS / "bin" / "pip"), "install", "--quiet", *PEER_REQUIREMENTS],
                       check=True)
        stamp.write_text(wanted)
    versions = subprocess.run(
        [str(PEERS / "bin" / "python"), "-c",
         "import importlib.metadata as m; print(m.version('oxigraph'), "
         "m.version('rdflib-endpoint'), m.version('rdflib'))"],
        check=True, capture_output=True, text=True).stdout.split()
    return dict(zip(("oxigraph", "rdflib-endpoint", "rdflib"), versions, strict=True))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class System:
    """One system under test: how to prepare and start it, and what it did."""

    name: str
    command: list[str]
    path: str  # the SPARQL endpoint's path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    load: Path | None = None  # N-Quads to POST to /store after start (in-memory Oxigraph)
    process: subprocess.Popen | None = None
    startup_s: float | None = None
    peak_mb: float = 0.0
    error: str | None = None

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint("127.0.0.1", self.port, self.path)

    def start(self, timeout: float, log: Path) -> None:
        """Start it and wait for its first answer; `startup_s` is the time that took."""
        started = time.perf_counter()
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, **self.env}, cwd=ROOT)
        deadline = started + timeout
        if self.load is not None:
            _wait_for_port(self.port, deadline, self.process)
            _post_store(self.port, self.load, deadline - time.perf_counter())
        connection = Connection(self.endpoint, timeout=max(1.0, deadline - time.perf_counter()))
        try:
            while True:
                try:
                    connection.ask(PROBE, "application/sparql-results+json")
                    break
                except RequestFailed as error:
                    if self.process.poll() is not None or time.perf_counter() > deadline:
                        self.stop()
                        self.error = f"did not answer within {timeout:g} s ({error})"
                        return
                    time.sleep(0.02)
        finally:
            connection.close()
        self.startup_s = time.perf_counter() - started

    def restart(self, timeout: float, log: Path) -> None:
        """Stop and start again: the only way to end a query a system will not cancel."""
        self.stop()
        startup = self.startup_s
        self.start(timeout, log)
        self.startup_s = startup  # the first start-up is the one reported

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def sample_memory(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.peak_mb = max(self.peak_mb, _group_pss_kb(self.process.pid) / 1024)


def _wait_for_port(port: int, deadline: float, process: subprocess.Popen) -> None:
    while time.perf_counter() < deadline and process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)


def _post_store(port: int, dataset: Path, timeout: float) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=max(timeout, 1.0))
    with dataset.open("rb") as body:
        connection.request("POST", "/store", body,
                           {"Content-Type": "application/n-quads",
                            "Content-Length": str(dataset.stat().st_size)})
        connection.getresponse().read()
    connection.close()


def _group_pss_kb(group: int) -> int:
    """PSS (kB) summed over the processes of a process group."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != group:  # fields after the name: state, ppid, pgrp …
                continue
            with open(f"/proc/{entry.name}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
    return total


class MemoryWatch:
    """Samples every system's memory in the background while the benchmark runs."""

    def __init__(self, systems: list[System], interval: float = 0.2) -> None:
        self.systems, self.interval = systems, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for system in self.systems:
                system.sample_memory()


def systems_for(dataset: Path, real: bool, store_dir: Path, oxigraph_dir: Path,
                names: list[str]) -> list[System]:
    """The systems named in `names`, configured for `dataset` (N-Quads, no shapes graph)."""
    peers = PEERS / "bin"
    union = [] if real else ["--union-default-graph"]  # see run.prepare_dataset
    ours_env = {"IC16_MAX_RESULT_ROWS": "10000000", "IC16_TIMEOUT": "120"}
    source = [] if real else ["--dataset", str(dataset)]
    catalogue = {
        "ours": lambda port: System(
            "ours", [str(OURS), "serve", *source, "--workers", "2", "--port", str(port)],
            "/sparql", port, ours_env),
        "ours-disk": lambda port: System(
            "ours-disk", [str(OURS), "serve", *source, "--store", str(store_dir),
                          "--workers", "2", "--port", str(port)], "/sparql", port, ours_env),
        "oxigraph-disk": lambda port: System(
            "oxigraph-disk", [str(peers / "oxigraph"), "serve-read-only", "--location",
                              str(oxigraph_dir), "--bind", f"127.0.0.1:{port}", *union],
            "/query", port),
        "oxigraph-memory": lambda port: System(
            "oxigraph-memory", [str(peers / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}",
                                *union], "/query", port, load=dataset),
        "rdflib-endpoint": lambda port: System(
            "rdflib-endpoint", [str(peers / "rdflib-endpoint"), "serve", str(dataset),
                                "--host", "127.0.0.1", "--port", str(port)], "/", port),
    }
    return [catalogue[name](free_port()) for name in names]
