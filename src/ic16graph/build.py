"""Orchestrate load → reason → validate, and write the artefact the engine serves.

The artefact is three files in the build directory: `dataset.nq` (every named graph, sorted
N-Quads so that two builds of the same input diff cleanly), `report.json` (the validation report
in the stable `reports` JSON format, which the resource pages show per resource) and
`manifest.json` (what each graph is, the validation summary, timings), plus the downloads of
`dumps` in `dump/`. Each is written atomically, the manifest last, so a service reading the
directory never sees half a build.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from rdflib import Dataset, URIRef

from ic16graph.config import Settings
from ic16graph.dumps import DEFAULT_GRAPH_ROLES, DUMP_DIR, dump_names, render_dumps
from ic16graph.loading import LoadError, SourceFile, load, source_files
from ic16graph.reasoning import reason
from ic16graph.reports import json_report
from ic16graph.validation import Report, validate
from ic16graph.vocabulary import INFERRED, graph_iri

REPORT_FILE = "report.json"  # the validation report of the build, in the `reports` JSON format


@dataclass(frozen=True)
class GraphInfo:
    """One named graph of the dataset."""

    iri: str
    role: str  # "ontology" | "data" | "shapes" | "inferred"
    path: str | None  # source file relative to the root; None for the inferred graph
    triples: int


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
        manifest = json.dumps(self.manifest(), indent=2, ensure_ascii=False) + "\n"
        nquads = self.nquads()
        write_atomically(build_dir / "dataset.nq", nquads)
        report = json_report(self.report, fail_on="violation")
        write_atomically(build_dir / REPORT_FILE, report.encode("utf-8"))
        (build_dir / DUMP_DIR).mkdir(exist_ok=True)
        default_graphs = [g.iri for g in self.graphs if g.role in DEFAULT_GRAPH_ROLES]
        dumps = render_dumps(nquads, self.dataset, default_graphs, self.base_iri)
        for name, content in dumps.items():
            write_atomically(build_dir / DUMP_DIR / name, content)
        write_atomically(build_dir / "manifest.json", manifest.encode("utf-8"))


def build(settings: Settings, *, inference: bool = True,
          data_paths: list[Path] | None = None) -> Build:
    """Load, reason and validate; raises `TurtleSyntaxError`, `LoadError` or `ShapesError`."""
    started = time.perf_counter()
    sources = load(settings, data_paths)
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


def artefact_is_current(settings: Settings) -> bool:
    """True when `settings.build_dir` holds a build of the current sources and base IRI, made by
    this code (an upgrade may reason, validate or dump differently, so its artefacts are stale)."""
    try:
        manifest = json.loads((settings.build_dir / "manifest.json").read_text(encoding="utf-8"))
        files = tuple(source_files(settings))
    except (OSError, ValueError, LoadError):
        return False
    written = all(
        (settings.build_dir / name).is_file()
        for name in ("dataset.nq", REPORT_FILE, *(f"{DUMP_DIR}/{dump}" for dump in dump_names()))
    )
    return written and (manifest.get("version"), manifest.get("base_iri"),
                        manifest.get("code")) == (input_hash(files), settings.base_iri,
                                                  code_fingerprint())


def input_hash(files: tuple[SourceFile, ...]) -> str:
    """sha256 over the input files' names and bytes: same sources, same version."""
    digest = hashlib.sha256()
    for source in files:
        digest.update(source.display.encode("utf-8") + b"\0")
        digest.update(source.path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def code_fingerprint() -> str:
    """sha256 over this package's modules: what turned the sources into the artefact."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode("utf-8") + b"\0" + module.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, 0o644)  # the artefact is public; mkstemp would make it private
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
