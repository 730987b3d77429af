"""A written build read back: its file names, graphs, manifest and whether it is still current.

Kept apart from `build` so that serving a written artefact (the service, its query workers, the
CLI's fast paths) never imports the reasoning and validation libraries, which only a build needs:
that is most of a cold start.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ic16graph.config import Settings
from ic16graph.dumps import DUMP_DIR, dump_names
from ic16graph.loading import LoadError, SourceFile, source_files

MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.json"  # the validation report of the build, in the `reports` JSON format


@dataclass(frozen=True)
class GraphInfo:
    """One named graph of the dataset."""

    iri: str
    role: str  # "ontology" | "data" | "shapes" | "inferred"
    path: str | None  # source file relative to the root; None for the inferred graph
    triples: int


@dataclass(frozen=True)
class Artefact:
    """A written build (`dataset.nq` + `manifest.json`), as the service and its workers see it."""

    version: str
    base_iri: str
    graphs: tuple[GraphInfo, ...]
    conforms: bool  # the validation verdict recorded at build time
    # No triple in two graphs and every graph in the default union (a prebuilt dataset may say
    # so): the store's own union of the named graphs is then the default graph.
    union_is_a_set: bool = False
    store: str | None = None  # an on-disk store's directory, or `sparql+http(s)://…`

    @classmethod
    def read(cls, build_dir: Path) -> Artefact:
        manifest = read_manifest(build_dir)
        return cls(
            version=manifest["version"],
            base_iri=manifest["base_iri"],
            graphs=tuple(GraphInfo(**graph) for graph in manifest["graphs"]),
            conforms=bool(manifest["validation"]["conforms"]),
            union_is_a_set=bool(manifest.get("union_is_a_set")),
            store=manifest.get("store"),
        )


def read_manifest(build_dir: Path) -> dict:
    return json.loads((build_dir / MANIFEST_FILE).read_text(encoding="utf-8"))


def write_manifest(build_dir: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomically(build_dir / MANIFEST_FILE, text.encode("utf-8"))


def artefact_is_current(settings: Settings) -> bool:
    """True when `settings.build_dir` holds a build of the current sources and base IRI, made by
    this code (an upgrade may reason, validate or dump differently, so its artefacts are stale)."""
    try:
        manifest = read_manifest(settings.build_dir)
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
