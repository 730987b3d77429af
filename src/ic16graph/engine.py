"""SPARQL evaluation over the built dataset: the `QueryEngine` interface and its pyoxigraph engine.

The engine takes query strings and answers with `QueryResult`s that serialise themselves with
pyoxigraph's own writers; it knows nothing of HTTP, time limits or worker processes.

The default graph of a query is the union of the ontology and data graphs [+ the inferred graph],
and a union is a set: a triple two sources state is one triple. pyoxigraph's own unions of named
graphs (`use_default_graph_as_union`, a list of `default_graph`s) repeat such a triple, so the
store keeps the asserted union once more, deduplicated, as its default graph (about half the
dataset: the inferred graph is by construction disjoint from it), and a query's default graph is
that plus the inferred graph. When the union is a set already (no triple in two graphs and no
graph outside it, as a prebuilt dataset may declare), pyoxigraph's own union is used instead: a
third faster at a million triples, and no copy. A query's own `FROM`/`FROM NAMED` are left to
it; a protocol dataset (`default_graph_uris`/`named_graph_uris`) replaces the query's, as
SPARQL 1.1 Protocol says.
`OxigraphEngine` holds the store in memory or opens an on-disk one read-only; `remote.RemoteEngine`
sends the same queries, with the same datasets, to a SPARQL endpoint elsewhere.

pyoxigraph sends a SERVICE call's HTTP request itself, so the engine refuses every call whose
endpoint is not in its `service_allowlist` (empty by default), using `sparql_guard`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from ic16graph import sparql_guard
from ic16graph.manifest import Artefact, GraphInfo, read_manifest
from ic16graph.vocabulary import DEFAULT_BASE_IRI, INFERRED, prefixes

if TYPE_CHECKING:  # the build machinery (reasoner, validator) stays out of serving processes
    from ic16graph.build import Build

RESULT_MEDIA_TYPES = {  # SELECT and ASK
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_MEDIA_TYPES = {  # CONSTRUCT and DESCRIBE
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/trig": RdfFormat.TRIG,
    "application/n-quads": RdfFormat.N_QUADS,
}

_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
_CHARACTER_RANGES = re.compile(r",?\s*\[(?:'(?:\\.|[^'\\])*'|[^\]'])*\]")


class QuerySyntaxError(Exception):
    """A query pyoxigraph cannot parse; line and column are 1-based (None when unknown)."""

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message if line is None else f"{line}:{column}: {message}")
        self.message, self.line, self.column = message, line, column


class QueryNotAllowed(Exception):
    """A query this engine refuses to run: a SERVICE call to an endpoint not allowed."""


class UnsupportedMediaType(ValueError):
    """A result format that does not exist for this kind of query."""


@dataclass
class QueryResult:
    """The answer to one query. Single use: serialise it or iterate it, once."""

    kind: str  # "select" | "ask" | "graph"
    answer: QuerySolutions | QueryBoolean | Iterable[Triple]  # triples: CONSTRUCT, DESCRIBE
    prefixes: dict[str, str]  # for short names in Turtle/TriG and in tables

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media types `serialize` accepts for this kind, the preferred one first."""
        return tuple(GRAPH_MEDIA_TYPES if self.kind == "graph" else RESULT_MEDIA_TYPES)

    @property
    def variables(self) -> list[str]:
        if not isinstance(self.answer, QuerySolutions):
            return []
        return [v.value for v in self.answer.variables]

    def __iter__(self) -> Iterator:
        """Solutions (indexable by variable name) or triples; an ASK answer yields nothing."""
        return iter(()) if isinstance(self.answer, QueryBoolean) else iter(self.answer)

    def __bool__(self) -> bool:
        return bool(self.answer) if isinstance(self.answer, QueryBoolean) else True

    def serialize(self, media_type: str) -> bytes:
        """The result in `media_type` (parameters like `;charset=utf-8` are ignored)."""
        media_type = media_type.split(";")[0].strip().lower()
        if self.kind == "graph":
            rdf_format = GRAPH_MEDIA_TYPES.get(media_type)
            if rdf_format is None:
                raise UnsupportedMediaType(f"{media_type} cannot hold a graph result")
            pretty = rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG)  # others have no prefixes
            return serialize(
                self.answer, format=rdf_format, prefixes=self.prefixes if pretty else None
            )
        results_format = RESULT_MEDIA_TYPES.get(media_type)
        if results_format is None:
            raise UnsupportedMediaType(f"{media_type} cannot hold a {self.kind} result")
        return self.answer.serialize(format=results_format)


ASSERTED_ROLES = ("ontology", "data")  # the graphs of the default graph besides the inferred one


@dataclass(frozen=True)
class QueryDataset:
    """The dataset of one query: the protocol's graphs, the query's own (all None), or a view."""

    default_graphs: tuple[str, ...] | None = None  # named graphs merged into the default graph
    named_graphs: tuple[str, ...] | None = None
    asserted: bool = False  # the default graph includes the (deduplicated) asserted union
    union_of_all: bool = False  # the default graph is every named graph, evaluated natively


class QueryEngine(ABC):
    """What answers SPARQL query strings over the ic16 dataset. Every engine shares the graphs
    and their roles, the dataset rules and SERVICE refusal; `_evaluate` is its own."""

    def __init__(
        self,
        graphs: Sequence[GraphInfo],
        base_iri: str = DEFAULT_BASE_IRI,
        service_allowlist: Iterable[str] = (),
        union_is_a_set: bool = False,
    ) -> None:
        self.graphs = tuple(graphs)
        # True when no triple is in two graphs and every graph is in the default union (a
        # prebuilt dataset may say so): pyoxigraph's own union is then already a set.
        self.union_is_a_set = union_is_a_set
        self.base_iri = base_iri  # relative IRIs in a query resolve against it: <id/city/oulu>
        self.prefixes = prefixes(base_iri)
        self.service_allowlist = frozenset(service_allowlist)  # endpoint IRIs SERVICE may call

    def query(
        self,
        sparql: str,
        *,
        inference: bool = True,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        """The answer to `sparql`: outbound calls refused, the dataset settled, then `_evaluate`."""
        self.refuse_outbound_calls(sparql)
        return self._evaluate(
            sparql, self.dataset(sparql, inference, default_graph_uris, named_graph_uris))

    @abstractmethod
    def _evaluate(self, sparql: str, dataset: QueryDataset) -> QueryResult:
        """Run `sparql` over `dataset`: each engine's own part."""

    def default_graph_iris(self, inference: bool = True) -> list[str]:
        roles = {*ASSERTED_ROLES, INFERRED} if inference else set(ASSERTED_ROLES)
        return [g.iri for g in self.graphs if g.role in roles]

    def dataset(
        self,
        sparql: str,
        inference: bool,
        default_graph_uris: Sequence[str] | None,
        named_graph_uris: Sequence[str] | None,
    ) -> QueryDataset:
        """The protocol's dataset, else the query's own, else the asserted union [+ inferred]."""
        if default_graph_uris is not None or named_graph_uris is not None:
            return QueryDataset(tuple(default_graph_uris or ()), tuple(named_graph_uris or ()))
        try:
            if sparql_guard.has_dataset_clause(sparql):
                return QueryDataset()
        except sparql_guard.UncheckableQuery as error:
            raise QueryNotAllowed(str(error)) from None
        named = tuple(g.iri for g in self.graphs)
        if self.union_is_a_set:
            return QueryDataset(tuple(self.default_graph_iris(inference)), named,
                                union_of_all=inference)
        inferred = tuple(g.iri for g in self.graphs if g.role == INFERRED and inference)
        return QueryDataset(inferred, named, asserted=True)

    def refuse_outbound_calls(self, sparql: str) -> None:
        """A SERVICE call would make the store send an HTTP request itself; refuse it first."""
        try:
            targets = sparql_guard.service_calls(sparql)
        except sparql_guard.UncheckableQuery as error:
            raise QueryNotAllowed(str(error)) from None
        for target in targets:
            if not (target.startswith("<") and target[1:-1] in self.service_allowlist):
                raise QueryNotAllowed(
                    f"SERVICE {target} is not allowed: this engine makes no outbound requests")


class OxigraphEngine(QueryEngine):
    """One pyoxigraph store, in memory or on disk (read-only): the graphs, the asserted union."""

    def __init__(
        self,
        store: Store,
        graphs: Sequence[GraphInfo],
        base_iri: str = DEFAULT_BASE_IRI,
        service_allowlist: Iterable[str] = (),
        union_is_a_set: bool = False,
    ) -> None:
        super().__init__(graphs, base_iri, service_allowlist, union_is_a_set)
        self.store = store

    @classmethod
    def from_build(cls, build: Build, service_allowlist: Iterable[str] = ()) -> OxigraphEngine:
        store = Store()
        store.load(build.nquads(), format=RdfFormat.N_QUADS)
        merge_asserted_union(store, build.graphs)
        return cls(store, build.graphs, build.base_iri, service_allowlist)

    @classmethod
    def from_artefact(
        cls, build_dir: Path, service_allowlist: Iterable[str] = ()
    ) -> OxigraphEngine:
        """The engine of a written build, for worker processes: its on-disk store if the build
        has one (`build --store`), else `dataset.nq` loaded into memory."""
        artefact = Artefact.read(build_dir)
        if artefact.store:
            store = Store.read_only(str(build_dir / artefact.store))
        else:
            store = Store()  # the artefact was checked when written: skip re-validating it
            store.load(path=build_dir / "dataset.nq", format=RdfFormat.N_QUADS, lenient=True)
            if not artefact.union_is_a_set:
                merge_asserted_union(store, artefact.graphs)
        return cls(store, artefact.graphs, artefact.base_iri, service_allowlist,
                   artefact.union_is_a_set)

    def _evaluate(self, sparql: str, dataset: QueryDataset) -> QueryResult:
        options: dict[str, object] = {"base_iri": self.base_iri}
        if dataset.union_of_all:
            options["use_default_graph_as_union"] = True
        elif dataset.default_graphs is not None:
            default = [NamedNode(iri) for iri in dataset.default_graphs]
            options["default_graph"] = [DefaultGraph(), *default] if dataset.asserted else default
            options["named_graphs"] = [NamedNode(iri) for iri in dataset.named_graphs or ()]
        try:
            answer = self.store.query(sparql, **options)
        except SyntaxError as error:
            raise _syntax_error(str(error)) from None
        except ValueError as error:  # e.g. an invalid IRI in the protocol dataset
            raise QuerySyntaxError(str(error), None, None) from None
        kind = ("select" if isinstance(answer, QuerySolutions)
                else "ask" if isinstance(answer, QueryBoolean) else "graph")
        return QueryResult(kind, answer, self.prefixes)


def is_remote(store: str | None) -> bool:
    """True for `sparql+http(s)://…`, the way a remote endpoint is named in `--store`."""
    return store is not None and store.startswith(("sparql+http://", "sparql+https://"))


def open_engine(build_dir: Path, service_allowlist: Iterable[str] = ()) -> QueryEngine:
    """The engine a written build names: a remote endpoint (`serve --store sparql+http://…`)
    or pyoxigraph (in memory, or an on-disk store). What a worker process calls."""
    manifest = read_manifest(build_dir)
    if is_remote(manifest.get("store")):
        from ic16graph.remote import RemoteEngine  # remote imports this module: import it late

        return RemoteEngine.from_artefact(build_dir, service_allowlist)
    return OxigraphEngine.from_artefact(build_dir, service_allowlist)


def merge_asserted_union(store: Store, graphs: Sequence[GraphInfo]) -> None:
    """Copy the union of the asserted graphs into the store's default graph, each triple once."""
    values = " ".join(f"<{g.iri}>" for g in graphs if g.role in ASSERTED_ROLES)
    store.update(
        f"INSERT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    )


def _syntax_error(text: str) -> QuerySyntaxError:
    """pyoxigraph's `error at L:C: message`, without its lists of Unicode character ranges."""
    match = _POSITION.match(text)
    message = _CHARACTER_RANGES.sub("", match[3] if match else text)
    message = " ".join(message.split()).strip(" ,")
    if match is None:
        return QuerySyntaxError(message, None, None)
    return QuerySyntaxError(message, int(match[1]), int(match[2]))
