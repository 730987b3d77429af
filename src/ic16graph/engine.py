"""SPARQL evaluation over the built dataset: the `QueryEngine` interface and its pyoxigraph engine.

The engine takes query strings and answers with `QueryResult`s that serialise themselves with
pyoxigraph's own writers; it knows nothing of HTTP, time limits or worker processes.

The default graph of a query is a union of named graphs (ontology + data [+ inferred]). Each
view is kept in its own in-memory store, with the union copied into the store's default graph,
so that a query's own `FROM`/`FROM NAMED` still work; a protocol dataset
(`default_graph_uris`/`named_graph_uris`) replaces the query's, as SPARQL 1.1 Protocol says.

pyoxigraph sends a SERVICE call's HTTP request itself, so the engine refuses every call whose
endpoint is not in its `service_allowlist` (empty by default), using `sparql_guard`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    serialize,
)

from ic16graph import sparql_guard
from ic16graph.build import Build, GraphInfo
from ic16graph.vocabulary import DEFAULT_BASE_IRI, INFERRED, prefixes

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
    answer: QuerySolutions | QueryBoolean | QueryTriples
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


class QueryEngine(Protocol):
    """Anything that answers SPARQL query strings over the ic16 dataset."""

    def query(
        self,
        sparql: str,
        *,
        inference: bool = True,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult: ...


class OxigraphEngine:
    """In-memory pyoxigraph stores: one whose default graph includes the inferred graph, one not."""

    def __init__(
        self,
        nquads: bytes,
        graphs: Sequence[GraphInfo],
        base_iri: str = DEFAULT_BASE_IRI,
        service_allowlist: Iterable[str] = (),
    ) -> None:
        self.graphs = tuple(graphs)
        self.prefixes = prefixes(base_iri)
        self.service_allowlist = frozenset(service_allowlist)  # endpoint IRIs SERVICE may call
        self._stores = {inference: self._store(nquads, inference) for inference in (True, False)}

    @classmethod
    def from_build(cls, build: Build, service_allowlist: Iterable[str] = ()) -> OxigraphEngine:
        return cls(build.nquads(), build.graphs, build.base_iri, service_allowlist)

    @classmethod
    def from_artefact(
        cls, build_dir: Path, service_allowlist: Iterable[str] = ()
    ) -> OxigraphEngine:
        """The engine of a written build (`dataset.nq` + `manifest.json`), for worker processes."""
        manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
        graphs = [GraphInfo(**graph) for graph in manifest["graphs"]]
        nquads = (build_dir / "dataset.nq").read_bytes()
        return cls(nquads, graphs, manifest["base_iri"], service_allowlist)

    def default_graph_iris(self, inference: bool = True) -> list[str]:
        roles = {"ontology", "data", INFERRED} if inference else {"ontology", "data"}
        return [g.iri for g in self.graphs if g.role in roles]

    def _store(self, nquads: bytes, inference: bool) -> Store:
        store = Store()
        store.load(nquads, format=RdfFormat.N_QUADS)
        union = [
            Quad(q.subject, q.predicate, q.object, DefaultGraph())
            for iri in self.default_graph_iris(inference)
            for q in store.quads_for_pattern(None, None, None, NamedNode(iri))
        ]
        store.extend(union)
        return store

    def _refuse_outbound_calls(self, sparql: str) -> None:
        """pyoxigraph would make the HTTP request of a SERVICE call itself; refuse it first."""
        try:
            targets = sparql_guard.service_calls(sparql)
        except sparql_guard.UncheckableQuery as error:
            raise QueryNotAllowed(str(error)) from None
        for target in targets:
            if not (target.startswith("<") and target[1:-1] in self.service_allowlist):
                raise QueryNotAllowed(
                    f"SERVICE {target} is not allowed: this engine makes no outbound requests")

    def query(
        self,
        sparql: str,
        *,
        inference: bool = True,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        self._refuse_outbound_calls(sparql)
        dataset = {}
        if default_graph_uris is not None or named_graph_uris is not None:
            dataset = {
                "default_graph": [NamedNode(iri) for iri in default_graph_uris or ()],
                "named_graphs": [NamedNode(iri) for iri in named_graph_uris or ()],
            }
        try:
            answer = self._stores[inference].query(sparql, **dataset)
        except SyntaxError as error:
            raise _syntax_error(str(error)) from None
        except ValueError as error:  # e.g. an invalid IRI in the protocol dataset
            raise QuerySyntaxError(str(error), None, None) from None
        kind = ("select" if isinstance(answer, QuerySolutions)
                else "ask" if isinstance(answer, QueryBoolean) else "graph")
        return QueryResult(kind, answer, self.prefixes)


def _syntax_error(text: str) -> QuerySyntaxError:
    """pyoxigraph's `error at L:C: message`, without its lists of Unicode character ranges."""
    match = _POSITION.match(text)
    message = _CHARACTER_RANGES.sub("", match[3] if match else text)
    message = " ".join(message.split()).strip(" ,")
    if match is None:
        return QuerySyntaxError(message, None, None)
    return QuerySyntaxError(message, int(match[1]), int(match[2]))
