"""Orchestrate load → reason → validate, and write the artefact the engine serves.

The artefact is three files in the build directory: `dataset.nq` (every named graph, sorted
N-Quads so that two builds of the same input diff cleanly), `report.json` (the validation report
in the stable `reports` JSON format, which the resource pages show per resource) and
`manifest.json` (what each graph is, the validation summary, timings), plus the downloads of
`dumps` in `dump/`. Each is written atomically, the manifest last, so a service reading the
directory never sees half a build.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Dataset, URIRef

from ic16graph.config import Settings
from ic16graph.dumps import DEFAULT_GRAPH_ROLES, DUMP_DIR, render_dumps
from ic16graph.loading import load
from ic16graph.manifest import (
    REPORT_FILE,
    GraphInfo,
    code_fingerprint,
    input_hash,
    write_atomically,
    write_manifest,
)
from ic16graph.queries import check_named_queries
from ic16graph.reasoning import reason
from ic16graph.reports import json_report
from ic16graph.validation import Report, validate
from ic16graph.vocabulary import INFERRED, graph_iri


@dataclass(frozen=True)
class Build:
    """The result of one build: graphs, validation report, version and the dataset itself."""

    graphs: tuple[GraphInfo, ...]
    report: Report
    version: str
    base_iri: str
    dataset: Dataset = field(repr=False, compare=False)
    sources: tuple[Path, ...]  # input files, which `write` must never overwrite
    timings: dict[str, float]  # seconds: parse, reason, validate, total
    built_at: str

    def nquads(self) -> bytes:
        """Every named graph as N-Quads, lines sorted for reproducible output."""
        lines = []
        for info in self.graphs:  # N-Triples lines end in " .": the graph goes before the dot
            triples = self.dataset.graph(URIRef(info.iri)).serialize(format="nt")
            lines += [f"{line[:-2]} <{info.iri}> ." for line in triples.splitlines() if line]
        return "".join(f"{line}\n" for line in sorted(lines)).encode("utf-8")

    def summary(self) -> str:
        """What was built, for people: triples per graph, findings, seconds per step."""
        lines = [f"ic16graph {self.version}: {len(self.graphs)} graphs"]
        width = max((len(g.path or g.role) for g in self.graphs), default=0)
        lines += [f"  {(g.path or g.role).ljust(width)}  {g.triples:>7} triples"
                  for g in self.graphs]
        counts = ", ".join(f"{n} {severity}" for severity, n in self.report.counts.items())
        seconds = ", ".join(f"{step} {s:.2f}s" for step, s in self.timings.items())
        lines += [f"findings: {counts}", f"seconds: {seconds}"]
        return "\n".join(lines) + "\n"

    def manifest(self) -> dict:
        return {
            "version": self.version,
            "built_at": self.built_at,
            "base_iri": self.base_iri,
            "graphs": [asdict(g) for g in self.graphs],
            "validation": {"conforms": self.report.conforms(), "counts": self.report.counts},
            "build_seconds": self.timings["total"],
            "timings": self.timings,
            "code": code_fingerprint(),
        }

    def write(self, build_dir: Path) -> None:
        """Write `dataset.nq`, `report.json`, the dumps and `manifest.json`, each atomically."""
        build_dir = build_dir.resolve()
        if any(source.resolve().parent == build_dir for source in self.sources):
            raise ValueError(f"{build_dir} holds source files; choose another build directory")
        build_dir.mkdir(parents=True, exist_ok=True)
        nquads = self.nquads()
        write_atomically(build_dir / "dataset.nq", nquads)
        report = json_report(self.report, fail_on="violation")
        write_atomically(build_dir / REPORT_FILE, report.encode("utf-8"))
        (build_dir / DUMP_DIR).mkdir(exist_ok=True)
        default_graphs = [g.iri for g in self.graphs if g.role in DEFAULT_GRAPH_ROLES]
        dumps = render_dumps(nquads, self.dataset, default_graphs, self.base_iri)
        for name, content in dumps.items():
            write_atomically(build_dir / DUMP_DIR / name, content)
        write_manifest(build_dir, self.manifest())


def build(settings: Settings, *, inference: bool = True,
          data_paths: list[Path] | None = None) -> Build:
    """Load (and parse the named queries), reason and validate; raises `TurtleSyntaxError`,
    `LoadError`, `QuerySyntaxError` (a named query) or `ShapesError`."""
    started = time.perf_counter()
    sources = load(settings, data_paths)
    check_named_queries(settings.queries_dir, settings.root)
    parsed = time.perf_counter()
    closure = reason(sources.graphs("ontology", "data")) if inference else None
    report = validate(sources, closure, settings.base_iri)
    graphs = [GraphInfo(str(f.iri), f.role, f.display, len(sources.dataset.graph(f.iri)))
              for f in sources.files]
    if closure is not None:
        inferred_iri = graph_iri(settings.base_iri, INFERRED)
        inferred_graph = sources.dataset.graph(inferred_iri)
        inferred_graph += closure.inferred
        graphs.append(GraphInfo(str(inferred_iri), INFERRED, None, len(closure.inferred)))
    timings = {
        "parse": parsed - started,
        "reason": closure.seconds if closure else 0.0,
        "validate": report.seconds,
        "total": time.perf_counter() - started,
    }
    return Build(
        graphs=tuple(graphs),
        report=report,
        version=input_hash(sources.files),
        base_iri=settings.base_iri,
        dataset=sources.dataset,
        sources=tuple(f.path for f in sources.files),
        timings={name: round(seconds, 3) for name, seconds in timings.items()},
        built_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )
