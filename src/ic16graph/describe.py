"""What the dataset says about one resource, gathered by a few named SPARQL queries (Trifid-style).

The queries run through the worker pool like any client's, so the same time and size limits
apply. Each asks the named graphs (`GRAPH ?g`), so every statement knows the graphs stating it:
a statement only the inferred graph holds is *inferred*; the others name the asserted graphs,
and through `?g ic16:statedIn ?doc` the source documents. The result, `ResourceDescription`, is
the contract between the data side (this module, `jsonld`, `linked_data`) and the HTML pages
(`pages`); see docs/linked-data.md.

Round 1 asks for the resource's own triples (with those of the blank nodes it points to) and
its incoming links; round 2 for the labels and types of everything they mention and for the
source documents of the graphs involved.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.query import Result
from rdflib.term import Node

from ic16graph.execution import QueryJob
from ic16graph.manifest import REPORT_FILE
from ic16graph.protocol import QueryRunner
from ic16graph.vocabulary import DEFAULT_BASE_IRI, IC16, INFERRED, SHAPES

log = logging.getLogger(__name__)

SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"

# The order properties are shown in (pages) and listed in (`statements`): identity first, then
# what the resource is part of, who takes part, when, and notes last. Unlisted properties follow,
# sorted by IRI. Data, not code: reorder here.
PROPERTY_ORDER: tuple[str, ...] = tuple(
    str(p)
    for p in (
        RDF.type,
        SKOS.prefLabel,
        SKOS.altLabel,
        DCTERMS.title,
        SKOS.definition,
        DCTERMS.description,
        IC16.partOfProgramme,
        IC16.theme,
        IC16.focusArea,
        IC16.isFocusAreaOf,
        SKOS.broader,
        SKOS.narrower,
        SKOS.inScheme,
        SKOS.topConceptOf,
        SKOS.hasTopConcept,
        SKOS.related,
        IC16.leadCity,
        IC16.leadOrganisation,
        IC16.mainImplementer,
        IC16.implementer,
        IC16.involvesCityRegion,
        IC16.participatingCityRegion,
        IC16.involvesMunicipality,
        IC16.participatingMunicipality,
        IC16.networkParticipant,
        IC16.hasParty,
        IC16.hasStateParty,
        IC16.hasMunicipalParty,
        IC16.isPartyTo,
        IC16.isMunicipalPartyTo,
        IC16.coversRegion,
        IC16.isCoveredBy,
        IC16.hasMunicipality,
        IC16.inCityRegion,
        IC16.basedIn,
        IC16.fundingAuthority,
        IC16.isFundingAuthorityFor,
        IC16.funder,
        IC16.funds,
        IC16.fundedFrom,
        IC16.basedOn,
        IC16.preparedBy,
        IC16.hasWorkPackage,
        IC16.workPackageOf,
        IC16.responsibleOrganisation,
        IC16.responsibleFor,
        IC16.leads,
        IC16.implements,
        IC16.participatesIn,
        IC16.hasParticipant,
        IC16.takesPartInImplementation,
        IC16.coordinator,
        IC16.coordinates,
        IC16.directedBy,
        IC16.directs,
        IC16.hasComponent,
        IC16.hasEvent,
        IC16.eventOf,
        IC16.venue,
        URIRef(ORG + "postIn"),
        URIRef(ORG + "heldBy"),
        URIRef(ORG + "holds"),
        URIRef(ORG + "role"),
        URIRef(ORG + "hasMember"),
        IC16.signingDate,
        IC16.validFrom,
        IC16.validUntil,
        IC16.startDate,
        IC16.endDate,
        IC16.durationYears,
        IC16.datesEstimated,
        IC16.amountEUR,
        IC16.municipalityCode,
        IC16.businessId,
        DCTERMS.publisher,
        DCTERMS.issued,
        IC16.undated,
        DCTERMS.language,
        URIRef(SCHEMA + "url"),
        DCTERMS.source,
        IC16.statedIn,
        IC16.citesSource,
        IC16.outcome,
        SKOS.note,
        SKOS.scopeNote,
        SKOS.editorialNote,
    )
)
_RANK = {iri: rank for rank, iri in enumerate(PROPERTY_ORDER)}

_SELECT = "application/sparql-results+json"
_CONSTRUCT = "application/n-triples"
_MAX_INCOMING = 1000
# Characters an IRIREF may not hold (SPARQL 1.1 grammar): an IRI with one cannot be asked about.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')

# The named queries. `{iri}` is a checked IRI; `{values}` a list of checked IRIs.
OWN_TRIPLES = """
SELECT DISTINCT ?s ?p ?o ?g WHERE {{
  {{ GRAPH ?g {{ <{iri}> ?p ?o }} BIND(<{iri}> AS ?s) }}
  UNION
  {{ GRAPH ?h {{ <{iri}> ?link ?s }} FILTER(isBlank(?s) && ?link != rdf:type)
     GRAPH ?g {{ ?s ?p ?o }} }}
  FILTER(?p != rdf:type || !isBlank(?o))
}}"""
INCOMING_LINKS = """
SELECT DISTINCT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} FILTER(isIRI(?s)) }}
ORDER BY ?p ?s LIMIT {limit}"""
LABELS_AND_TYPES = """
SELECT DISTINCT ?n ?p ?v ?g WHERE {{
  VALUES ?n {{ {values} }}
  VALUES ?p {{ skos:prefLabel rdfs:label rdf:type }}
  GRAPH ?g {{ ?n ?p ?v }} FILTER(!isBlank(?v))
}}"""
SOURCES = """
CONSTRUCT {{
  ?g ic16:statedIn ?doc . ?doc dcterms:issued ?issued ; skos:prefLabel ?label ;
  dcterms:publisher ?publisher . ?publisher skos:prefLabel ?publisherLabel .
}} WHERE {{
  VALUES ?g {{ {values} }}
  ?g ic16:statedIn ?doc .
  OPTIONAL {{ ?doc dcterms:issued ?issued }}
  OPTIONAL {{ ?doc skos:prefLabel ?label }}
  OPTIONAL {{ ?doc dcterms:publisher ?publisher
             OPTIONAL {{ ?publisher skos:prefLabel ?publisherLabel }} }}
}}"""
_PROLOGUE = f"""PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX skos: <{SKOS}>
PREFIX dcterms: <{DCTERMS}>
PREFIX ic16: <{IC16}>
"""


@dataclass(frozen=True)
class Term:
    """An RDF term as the pages show it."""

    value: str  # IRI, or the literal's lexical form, or blank node id
    kind: str  # "iri" | "literal" | "bnode"
    datatype: str | None = None
    language: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)  # lang -> label
    local: bool = False  # True when the IRI is ours (dereferenceable on this server)


@dataclass(frozen=True)
class Statement:
    predicate: Term  # with the property's labels from the ontology
    object: Term
    inferred: bool  # only in the inferred graph
    graphs: tuple[str, ...]  # the asserted named graphs stating it (empty when inferred only)


@dataclass(frozen=True)
class IncomingLink:
    subject: Term
    predicate: Term
    inferred: bool


@dataclass(frozen=True)
class SourceRef:
    graph: str  # named graph IRI
    document: Term  # the source document (labels)
    issued: str | None  # xsd:date lexical form, when known
    publisher: Term | None


@dataclass(frozen=True)
class FindingRef:
    """A validation result about the resource, from the build's report.json."""

    severity: str  # "violation" | "warning" | "info"
    message: str
    shape: str
    shape_name: str
    path: str | None
    value: str | None


@dataclass(frozen=True)
class ResourceDescription:
    iri: str
    labels: Mapping[str, str]  # lang -> label
    types: tuple[Term, ...]  # asserted and inferred rdf:type values, asserted first
    statements: tuple[Statement, ...]  # outgoing (rdf:type included), in PROPERTY_ORDER
    incoming: tuple[IncomingLink, ...]
    sources: tuple[SourceRef, ...]  # documents whose graphs state facts about it
    findings: tuple[FindingRef, ...]  # empty = conforms
    graph: Graph  # own triples (and their blank nodes') + neighbours' labels and asserted types


class FindingIndex:
    """The validation results of the build, by focus IRI, read once from `report.json`."""

    def __init__(self, by_focus: Mapping[str, tuple[FindingRef, ...]]) -> None:
        self._by_focus = dict(by_focus)

    @classmethod
    def read(cls, build_dir: Path) -> FindingIndex:
        path = build_dir / REPORT_FILE
        if not path.is_file():  # an artefact written before report.json existed
            log.warning("%s is missing: resource pages cannot show validation results", path)
            return cls({})
        grouped: dict[str, list[FindingRef]] = defaultdict(list)
        for result in json.loads(path.read_text(encoding="utf-8"))["results"]:
            grouped[result["focus"]].append(
                FindingRef(
                    result["severity"],
                    result["message"],
                    result["shape"],
                    result["shape_name"],
                    result["path"],
                    result["value"],
                )
            )
        return cls({focus: tuple(refs) for focus, refs in grouped.items()})

    def about(self, iri: str) -> tuple[FindingRef, ...]:
        return self._by_focus.get(iri, ())


def local_path(iri: str, base_iri: str = DEFAULT_BASE_IRI) -> str | None:
    """The path this server answers `iri` at, or None when the IRI is not ours.

    Data and graph IRIs live under the configured base; the ontology and shapes namespaces are
    fixed (they name the model), and are served at `/ontology…` and `/shapes…`.
    """
    for prefix in ("id/", "graph/"):
        if iri.startswith(base_iri + prefix) and len(iri) > len(base_iri + prefix):
            return "/" + iri[len(base_iri) :]
    for namespace, path in ((str(IC16), "/ontology/"), (str(SHAPES), "/shapes/")):
        if iri == namespace[:-1]:
            return path[:-1]
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return path + iri[len(namespace) :]
    return None


def graph_role(graph_iri: str) -> str:
    """`ontology`, `data`, `shapes` or `inferred`: the segment after `graph/` in the graph IRI."""
    return graph_iri.rpartition("/graph/")[2].split("/")[0]


def askable(iri: str) -> bool:
    """True when `iri` can be written as `<iri>` in a query: a valid IRI, as oxigraph reads it
    (a request path may decode to anything, e.g. U+FFFD, which no IRI holds)."""
    if not iri or _NOT_IN_IRI.search(iri):
        return False
    try:
        NamedNode(iri)
    except ValueError:
        return False
    return True


async def describe(
    runner: QueryRunner,
    iri: str,
    *,
    inference: bool = True,
    base_iri: str = DEFAULT_BASE_IRI,
    findings: FindingIndex | None = None,
) -> ResourceDescription | None:
    """Everything the pages and RDF documents of `iri` show; None when nothing states it."""
    if not askable(iri):
        return None
    own_rows, incoming_rows = await asyncio.gather(
        _select(runner, OWN_TRIPLES.format(iri=iri)),
        _select(runner, INCOMING_LINKS.format(iri=iri, limit=_MAX_INCOMING)),
    )
    own = _by_triple(own_rows, inference)
    if not own:
        return None
    incoming = _by_triple(((s, p, URIRef(iri), g) for s, p, g in incoming_rows), inference)
    mentioned = {t for triple in (*own, *incoming) for t in triple if isinstance(t, URIRef)}
    asserted_graphs = {g for graphs in own.values() for g in graphs if graph_role(g) != INFERRED}
    about, sources_graph = await asyncio.gather(
        _labels_and_types(runner, mentioned), _source_documents(runner, asserted_graphs)
    )
    subject = URIRef(iri)

    def term(node: Node) -> Term:
        return _term(node, about, base_iri)

    statements = sorted(
        (
            Statement(term(p), term(o), _inferred(graphs), _asserted(graphs))
            for (s, p, o), graphs in own.items()
            if s == subject
        ),
        key=_display_order,
    )
    links = sorted(
        (IncomingLink(term(s), term(p), _inferred(g)) for (s, p, _), g in incoming.items()),
        key=lambda link: (_rank(link.predicate.value), _label_key(link.subject)),
    )
    types = tuple(s.object for s in statements if s.predicate.value == str(RDF.type))
    return ResourceDescription(
        iri=iri,
        labels=about.labels(subject),
        types=types,
        statements=tuple(statements),
        incoming=tuple(links),
        sources=_sources(sources_graph, about, base_iri),
        findings=findings.about(iri) if findings else (),
        graph=_description_graph(own, about),
    )


@dataclass
class _About:
    """Labels and types of the IRIs a description mentions, with the graphs stating the types."""

    pref: dict[URIRef, dict[str, Literal]] = field(default_factory=lambda: defaultdict(dict))
    rdfs: dict[URIRef, dict[str, Literal]] = field(default_factory=lambda: defaultdict(dict))
    asserted_types: dict[URIRef, set[URIRef]] = field(default_factory=lambda: defaultdict(set))

    def labels(self, node: URIRef) -> dict[str, str]:
        """lang -> label: skos:prefLabel, falling back to rdfs:label per language."""
        merged = {**self.rdfs.get(node, {}), **self.pref.get(node, {})}
        return {lang: str(label) for lang, label in merged.items()}

    def triples(self, node: URIRef) -> Iterable[tuple[Node, Node, Node]]:
        for predicate, labels in ((SKOS.prefLabel, self.pref), (RDFS.label, self.rdfs)):
            for label in labels.get(node, {}).values():
                yield node, predicate, label
        for kind in self.asserted_types.get(node, ()):
            yield node, RDF.type, kind


async def _labels_and_types(runner: QueryRunner, iris: set[URIRef]) -> _About:
    about = _About()
    if not iris:
        return about
    values = " ".join(f"<{i}>" for i in sorted(iris) if askable(str(i)))
    rows = await _select(runner, LABELS_AND_TYPES.format(values=values))
    for node, predicate, value, graph in rows:
        role = graph_role(str(graph))
        if predicate == RDF.type:
            if role in ("ontology", "data") and isinstance(value, URIRef):
                about.asserted_types[node].add(value)
        elif role != "shapes" and isinstance(value, Literal):
            labels = about.pref if predicate == SKOS.prefLabel else about.rdfs
            labels[node][value.language or ""] = value
    return about


async def _source_documents(runner: QueryRunner, graphs: set[str]) -> Graph:
    """The source documents of `graphs` (`SOURCES`), with their dates, publishers and labels."""
    result = Graph()
    if graphs:
        values = " ".join(f"<{g}>" for g in sorted(graphs))
        job = QueryJob(_PROLOGUE + SOURCES.format(values=values), None, _CONSTRUCT)
        result.parse(data=(await runner.run(job)).body.decode("utf-8"), format="nt")
    return result


async def _select(runner: QueryRunner, query: str) -> list[tuple[Node, ...]]:
    answer = await runner.run(QueryJob(_PROLOGUE + query, _SELECT, None))
    parsed = Result.parse(io.BytesIO(answer.body), format="json")
    return [tuple(row) for row in parsed]  # type: ignore[arg-type]


def _by_triple(
    rows: Iterable[tuple[Node, ...]], inference: bool
) -> dict[tuple[Node, Node, Node], tuple[str, ...]]:
    """triple -> the graphs (ontology, data, inferred) stating it; inferred-only dropped unless
    `inference`. The shapes graph is not part of what the dataset says about a resource."""
    stated: dict[tuple[Node, Node, Node], set[str]] = defaultdict(set)
    for s, p, o, g in rows:
        if graph_role(str(g)) != "shapes":
            stated[(s, p, o)].add(str(g))
    return {
        triple: tuple(sorted(graphs))
        for triple, graphs in stated.items()
        if inference or not _inferred(graphs)
    }


def _inferred(graphs: Iterable[str]) -> bool:
    return all(graph_role(g) == INFERRED for g in graphs)


def _asserted(graphs: Iterable[str]) -> tuple[str, ...]:
    return tuple(g for g in graphs if graph_role(g) != INFERRED)


def _term(node: Node, about: _About, base_iri: str) -> Term:
    if isinstance(node, URIRef):
        iri = str(node)
        local = local_path(iri, base_iri) is not None
        return Term(iri, "iri", labels=about.labels(node), local=local)
    if isinstance(node, BNode):
        return Term(str(node), "bnode")
    literal = node if isinstance(node, Literal) else Literal(str(node))
    datatype = str(literal.datatype) if literal.datatype else None
    return Term(str(literal), "literal", datatype=datatype, language=literal.language)


def _rank(predicate: str) -> tuple[int, str]:
    return _RANK.get(predicate, len(_RANK)), predicate


def _label_key(term: Term) -> tuple[str, str]:
    label = term.labels.get("fi") or term.labels.get("en") or next(iter(term.labels.values()), "")
    return label.casefold(), term.value


def _display_order(statement: Statement) -> tuple:
    """Property rank, then asserted before inferred, then the value (by label, language)."""
    return (
        _rank(statement.predicate.value),
        statement.inferred,
        statement.object.language or "",
        _label_key(statement.object),
    )


def _sources(graph: Graph, about: _About, base_iri: str) -> tuple[SourceRef, ...]:
    refs = []
    for stating_graph, _, document in graph.triples((None, URIRef(IC16.statedIn), None)):
        issued = graph.value(document, DCTERMS.issued)
        publisher = graph.value(document, DCTERMS.publisher)
        refs.append(
            SourceRef(
                str(stating_graph),
                _labelled(document, graph, base_iri),
                str(issued) if issued is not None else None,
                _labelled(publisher, graph, base_iri) if publisher is not None else None,
            )
        )
    return tuple(sorted(refs, key=lambda r: (r.issued or "", r.document.value, r.graph)))


def _labelled(node: Node, graph: Graph, base_iri: str) -> Term:
    labels = {lit.language or "": str(lit) for lit in graph.objects(node, SKOS.prefLabel)}
    iri = str(node)
    return Term(iri, "iri", labels=labels, local=local_path(iri, base_iri) is not None)


def _description_graph(own: Mapping[tuple[Node, Node, Node], object], about: _About) -> Graph:
    """Own triples, plus labels and asserted types of the resources they link to (not of their
    classes, whose labels the pages take from `Term.labels`)."""
    graph = Graph()
    for triple in own:
        graph.add(triple)
    neighbours = {o for (_, p, o) in own if isinstance(o, URIRef) and p != RDF.type}
    for neighbour in neighbours:
        for triple in about.triples(neighbour):
            graph.add(triple)
    return graph
