"""The whole dataset as downloads, made once per build (`build.Build.write` writes them).

TriG and N-Quads hold every named graph; `default.ttl` is the default graph a query sees
(ontology ∪ data ∪ inferred, as triples); JSON-LD holds every named graph, IRIs compacted with
our prefixes. Each also gzipped (fixed timestamp, so the same build gives the same bytes).
pyoxigraph writes the RDF formats (fast), rdflib the JSON-LD (pyoxigraph's is expanded only).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, serialize
from rdflib import Dataset

from ic16graph.vocabulary import INFERRED, prefixes

DUMP_DIR = "dump"  # under the build directory
DEFAULT_GRAPH_ROLES = ("ontology", "data", INFERRED)
# File name -> media type of the uncompressed dumps; each also exists as `<name>.gz`.
DUMPS = {
    "dataset.trig": "application/trig",
    "dataset.nq": "application/n-quads",
    "default.ttl": "text/turtle",
    "dataset.jsonld": "application/ld+json",
}
GZIP = "application/gzip"


def dump_names() -> dict[str, str]:
    """Every dump file name, compressed ones included -> its media type."""
    return {**DUMPS, **{f"{name}.gz": GZIP for name in DUMPS}}


def render_dumps(
    nquads: bytes, dataset: Dataset, default_graphs: Iterable[str], base_iri: str
) -> dict[str, bytes]:
    """file name -> content, for every name of `dump_names()`."""
    namespaces = prefixes(base_iri)
    store = Store()
    store.load(nquads, format=RdfFormat.N_QUADS)
    union = Store()
    union.extend(
        Quad(q.subject, q.predicate, q.object, DefaultGraph())
        for iri in sorted(default_graphs)
        for q in store.quads_for_pattern(None, None, None, NamedNode(iri))
    )
    plain = {
        "dataset.trig": serialize(store, format=RdfFormat.TRIG, prefixes=namespaces),
        "dataset.nq": nquads,
        "default.ttl": serialize(
            (q.triple for q in union), format=RdfFormat.TURTLE, prefixes=namespaces
        ),
        "dataset.jsonld": dataset.serialize(
            format="json-ld", context=namespaces, auto_compact=True, encoding="utf-8"
        ),
    }
    compressed = {f"{name}.gz": gzip.compress(body, mtime=0) for name, body in plain.items()}
    return {**plain, **compressed}
