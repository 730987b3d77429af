"""The graph in a SPARQL 1.1 store elsewhere: `RemoteEngine` queries it, `push` loads it.

When the data outgrows one machine, the service (protocol, pages, JSON-LD, limits, worker pool)
stays as it is and only the engine changes: `RemoteEngine` sends every query to a SPARQL 1.1
Protocol endpoint (Apache Jena Fuseki, Virtuoso, QLever, GraphDB, Amazon Neptune, Oxigraph
server) and turns the answer back into a `QueryResult`, so the workers serialise it into the
negotiated media type and enforce the row limit exactly as for the local engine.

The dataset semantics are the local engine's, spelled out in protocol parameters, so they hold
whatever the remote's own default-graph setting: `default-graph-uri` names the asserted union
[+ the inferred graph] and `named-graph-uri` every graph of the build; a query's own FROM is
left alone; a protocol dataset from the client is passed on. Unions repeat triples stated in
two graphs, so `push` also loads the asserted union, deduplicated, as one more graph
(`<base>graph/asserted-union`) that the service never lists among the named graphs.

`push` uses the SPARQL 1.1 Graph Store Protocol: one `PUT ?graph=<iri>` per graph, each
replacing what the store held under that name; graphs the build does not have are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlencode

import httpx
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)

from ic16graph.engine import (
    QueryDataset,
    QueryEngine,
    QueryResult,
    QuerySyntaxError,
    merge_asserted_union,
)
from ic16graph.manifest import Artefact, GraphInfo
from ic16graph.vocabulary import DEFAULT_BASE_IRI

_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


class RemoteStoreError(RuntimeError):
    """The remote store failed or answered something that is not a SPARQL result."""


def asserted_union_graph(base_iri: str) -> str:
    return f"{base_iri}graph/asserted-union"


class RemoteEngine(QueryEngine):
    """A `QueryEngine` over a remote SPARQL 1.1 Protocol endpoint holding a pushed build."""

    def __init__(
        self,
        endpoint: str,
        graphs: Sequence[GraphInfo],
        base_iri: str = DEFAULT_BASE_IRI,
        service_allowlist: Iterable[str] = (),
        union_is_a_set: bool = False,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(graphs, base_iri, service_allowlist, union_is_a_set)
        self.endpoint = endpoint.removeprefix("sparql+")
        self.asserted_union = asserted_union_graph(base_iri)
        # The worker pool enforces the time limit by ending the worker: no client timeout here.
        self.client = client or httpx.Client(timeout=None)

    @classmethod
    def from_artefact(
        cls, build_dir: Path, service_allowlist: Iterable[str] = ()
    ) -> RemoteEngine:
        """The engine of a written build whose manifest names a remote store."""
        artefact = Artefact.read(build_dir)
        return cls(str(artefact.store), artefact.graphs, artefact.base_iri, service_allowlist,
                   union_is_a_set=artefact.union_is_a_set)

    def _evaluate(self, sparql: str, dataset: QueryDataset) -> QueryResult:
        # Relative IRIs resolve against the dataset's base, as locally; a BASE of the query's
        # own comes later in the prologue and wins.
        form: list[tuple[str, str]] = [("query", f"BASE <{self.base_iri}>\n{sparql}")]
        if dataset.default_graphs is not None:
            union = (self.asserted_union,) if dataset.asserted else ()
            # An empty list would mean "the remote's default dataset": name an empty graph.
            default = [*union, *dataset.default_graphs] or [f"{self.asserted_union}#none"]
            form += [("default-graph-uri", iri) for iri in default]
            named = dataset.named_graphs or (f"{self.asserted_union}#none",)
            form += [("named-graph-uri", iri) for iri in named]
        response = self.client.post(self.endpoint, content=urlencode(form), headers={
            "Accept": _ACCEPT, "Content-Type": "application/x-www-form-urlencoded"})
        if response.status_code == 400:
            raise QuerySyntaxError(response.text.strip(), None, None)
        if response.status_code != 200:
            raise RemoteStoreError(
                f"{self.endpoint} answered {response.status_code}: {response.text[:500]}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if media_type == "application/n-triples":
            triples = [quad.triple for quad in parse(response.content, RdfFormat.N_TRIPLES)]
            return QueryResult("graph", triples, self.prefixes)
        if media_type != "application/sparql-results+json":
            raise RemoteStoreError(f"{self.endpoint} answered in {media_type or 'no type'}")
        answer = parse_query_results(response.content, QueryResultsFormat.JSON)
        kind = "ask" if isinstance(answer, QueryBoolean) else "select"
        return QueryResult(kind, answer, self.prefixes)


def push(build_dir: Path, graph_store: str, client: httpx.Client | None = None) -> list[str]:
    """PUT every graph of the build, and the asserted union, into a Graph Store Protocol
    endpoint (e.g. `http://localhost:7878/store`, `http://localhost:3030/ds/data`); the IRIs."""
    artefact = Artefact.read(build_dir)
    graphs = artefact.graphs
    store = Store()
    store.load(path=build_dir / "dataset.nq", format=RdfFormat.N_QUADS, lenient=True)
    merge_asserted_union(store, graphs)
    union = asserted_union_graph(artefact.base_iri)
    # Here the asserted union is the local store's default graph.
    parts = [*((g.iri, NamedNode(g.iri)) for g in graphs), (union, DefaultGraph())]
    client = client or httpx.Client(timeout=None)
    for iri, graph in parts:
        body = store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
        try:
            response = client.put(graph_store, params={"graph": iri}, content=body,
                                  headers={"Content-Type": "application/n-triples"})
        except httpx.HTTPError as error:
            raise RemoteStoreError(f"PUT {graph_store}: {error}") from None
        if response.status_code not in (200, 201, 204):
            raise RemoteStoreError(
                f"PUT {graph_store}?graph={iri} answered {response.status_code}: "
                f"{response.text[:500]}")
    return [iri for iri, _ in parts]

