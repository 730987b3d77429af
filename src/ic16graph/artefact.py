"""Two more ways to make the artefact the workers serve: an on-disk store, a prebuilt dataset.

`build.Build.write` writes `dataset.nq` + `manifest.json`, and each worker parses `dataset.nq`
into memory when it starts: fine for the repository's data, slow and memory-hungry at millions
of triples. `write_store` loads the artefact once into an on-disk pyoxigraph store (RocksDB) at
`STORE/<key>/` and records it in the manifest; the workers then open it read-only in
milliseconds and share the operating system's page cache instead of each holding a copy.

`attach_store` does that, or names a remote endpoint holding the build (see `remote.py`), for
`build --store` and `serve --store`.

`write_prebuilt` makes an artefact of an N-Quads file as it is, with no reasoning and no
validation: for benchmarks and for datasets built elsewhere. Its manifest says so
(`"validation": {"skipped": true}`); graph roles come from the graph IRIs
(`<base>graph/<role>/…`, `<base>graph/inferred`; anything else is data), and
`"union_is_a_set"` records whether the engine may use the store's own union of named graphs.
"""

from __future__ import annotations

import gc
import hashlib
import re
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store, parse

from ic16graph.engine import is_remote, merge_asserted_union
from ic16graph.manifest import Artefact, read_manifest, write_manifest
from ic16graph.vocabulary import INFERRED, ROLES, graph_iri

_STORE_NAME = re.compile(r"^[0-9a-f]{16}$")


def write_store(build_dir: Path, store_root: Path) -> Path:
    """The on-disk store of the artefact in `build_dir`, made if missing, named in the manifest.

    Its directory is named after the dataset's version, base IRI and layout, so a store is
    reused as long as it holds the same data; it is built under a temporary name and renamed, so a
    half-built store is never opened. Stores of older builds are removed, except the one the
    manifest named until now, which a running service may still have open.
    """
    artefact = Artefact.read(build_dir)
    layout = f"{artefact.version} {artefact.base_iri} {artefact.union_is_a_set}"
    key = hashlib.sha256(layout.encode()).hexdigest()
    store_root.mkdir(parents=True, exist_ok=True)
    target = store_root.resolve() / key[:16]
    if not target.is_dir():
        partial = store_root.resolve() / f".{target.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        store = Store(str(partial))
        store.bulk_load(path=build_dir / "dataset.nq", format=RdfFormat.N_QUADS, lenient=True)
        if not artefact.union_is_a_set:
            merge_asserted_union(store, artefact.graphs)
        store.optimize()
        del store  # closes RocksDB before the directory is renamed
        gc.collect()
        partial.rename(target)
    previous = artefact.store
    for old in store_root.iterdir():
        if (_STORE_NAME.match(old.name) and old != target and str(old.resolve()) != previous
                and (old / "CURRENT").is_file()):
            shutil.rmtree(old)
    write_manifest(build_dir, {**read_manifest(build_dir), "store": str(target)})
    return target


def attach_store(build_dir: Path, store: str | None) -> None:
    """Make the artefact's workers use `store`: an on-disk store under that directory (made if
    missing), or a remote endpoint (`sparql+http(s)://…`, loaded beforehand with `push`)."""
    if store is None:
        return
    if is_remote(store):
        write_manifest(build_dir, {**read_manifest(build_dir), "store": store})
    else:
        write_store(build_dir, Path(store))


def write_prebuilt(dataset: Path, build_dir: Path, base_iri: str) -> dict:
    """An artefact in `build_dir` serving the N-Quads file `dataset` as it is; its manifest."""
    started = datetime.now(UTC)
    digest = hashlib.sha256()
    with dataset.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    counts: Counter[str] = Counter()
    quads, triples = 0, set()  # hashes: is any triple in two graphs?
    for quad in parse(path=dataset, format=RdfFormat.N_QUADS, lenient=True):
        quads += 1
        triples.add(hash(quad.triple))
        if isinstance(quad.graph_name, NamedNode):
            counts[quad.graph_name.value] += 1
    roles = {iri: graph_role(iri, base_iri) for iri in counts}
    manifest = {
        "version": digest.hexdigest()[:16],
        "built_at": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "base_iri": base_iri,
        "graphs": [{"iri": iri, "role": roles[iri], "path": None, "triples": n}
                   for iri, n in sorted(counts.items())],
        "validation": {"conforms": None, "counts": {}, "skipped": True},
        # No triple stated twice and no graph outside the default union (no shapes): the
        # engine can use the store's own union (faster, and no deduplicated copy to keep).
        "union_is_a_set": len(triples) == quads and "shapes" not in roles.values(),
        "dataset": str(dataset.resolve()),
    }
    build_dir.mkdir(parents=True, exist_ok=True)
    link = build_dir / "dataset.nq"
    link.unlink(missing_ok=True)
    link.symlink_to(dataset.resolve())
    write_manifest(build_dir, manifest)
    return manifest


def graph_role(iri: str, base_iri: str) -> str:
    """The role a graph IRI names: `<base>graph/<role>/…` or the inferred graph; else data."""
    if iri == str(graph_iri(base_iri, INFERRED)):
        return INFERRED
    role = iri.removeprefix(f"{base_iri}graph/").split("/", 1)[0]
    return role if iri.startswith(f"{base_iri}graph/") and role in ROLES else "data"
