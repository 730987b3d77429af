"""The SPARQL 1.1 Service Description of the endpoint (W3C `sd:` vocabulary), as RDF.

Clients such as YASGUI and federated engines read it to learn what the endpoint speaks and what
the dataset holds: languages, result formats, features, limits, the default graph and the named
graphs with their sizes (`void:triples`), and where the VoID description lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from ic16graph.execution import Limits
from ic16graph.manifest import GraphInfo
from ic16graph.negotiation import RDF_FORMATS, RESULT_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
RDFS_SEE_ALSO = NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
PREFIXES = {
    "sd": SD,
    "void": VOID,
    "dcterms": DCTERMS,
    "formats": "http://www.w3.org/ns/formats/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


class DatasetDescription(Protocol):
    """What the description says about the dataset; `build.Build` and `execution.Artefact` fit."""

    version: str
    graphs: Sequence[GraphInfo]


def describe_service(
    endpoint: str,
    dataset: DatasetDescription,
    default_graph_triples: int,
    limits: Limits,
    void_iri: str,
) -> list[Triple]:
    """The triples of the service description of the endpoint at `endpoint`."""
    service, default_dataset, default_graph = NamedNode(endpoint), BlankNode(), BlankNode()
    void = NamedNode(void_iri)
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), service),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(
            service,
            NamedNode(DCTERMS + "title"),
            Literal("ic16graph SPARQL endpoint", language="en"),
        ),
        Triple(service, RDFS_COMMENT, Literal(_policy(limits), language="en")),
        Triple(service, RDFS_SEE_ALSO, void),
        Triple(service, _sd("defaultDataset"), default_dataset),
        Triple(default_dataset, RDF_TYPE, _sd("Dataset")),
        Triple(default_dataset, NamedNode(DCTERMS + "hasVersion"), Literal(dataset.version)),
        Triple(default_dataset, RDFS_SEE_ALSO, void),
        Triple(default_dataset, _sd("defaultGraph"), default_graph),
        *_graph(default_graph, default_graph_triples),
    ]
    triples += [
        Triple(service, _sd("resultFormat"), NamedNode(f.iri))
        for f in (*RESULT_FORMATS, *RDF_FORMATS)
        if f.iri
    ]
    if limits.service_allowlist:
        triples.append(Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    for info in dataset.graphs:
        named, graph = BlankNode(), BlankNode()
        triples += [
            Triple(default_dataset, _sd("namedGraph"), named),
            Triple(named, RDF_TYPE, _sd("NamedGraph")),
            Triple(named, _sd("name"), NamedNode(info.iri)),
            Triple(named, _sd("graph"), graph),
            *_graph(graph, info.triples),
        ]
    return triples


def _policy(limits: Limits) -> str:
    """The rules a client would otherwise learn from errors."""
    return (
        "Read-only. The default graph is the union of the ontology, data and inferred graphs; "
        "with the request parameter inference=false, of the ontology and data graphs only. "
        "The shapes graph is a named graph outside the default graph. default-graph-uri and "
        "named-graph-uri replace the default dataset. "
        f"Each query may run {limits.timeout:g} s, be {limits.max_query_length} characters long "
        f"and return {limits.max_results} rows or triples. "
        + (
            f"SERVICE may call only {', '.join(sorted(limits.service_allowlist))}."
            if limits.service_allowlist
            else "SERVICE is not available."
        )
    )


def _graph(node: BlankNode, triples: int) -> list[Triple]:
    return [
        Triple(node, RDF_TYPE, _sd("Graph")),
        Triple(node, NamedNode(VOID + "triples"), Literal(str(triples), datatype=XSD_INTEGER)),
    ]


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)
