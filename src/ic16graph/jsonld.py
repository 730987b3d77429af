"""JSON-LD a consumer can use without reading our ontology: our context, framed, compact.

A resource's document is its description graph framed with the resource at the top and its
neighbours embedded with their labels, compacted with the published context (short keys,
`label` as a language map, typed dates, IRIs as `city:tampere`). pyld does the work; it never
loads anything from the network: the only document it may load is our own context, held in
memory. Expanding a document gives back exactly the graph it was made from (the tests check
this for every resource, with pyld and with jsonld.js).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from ic16graph.vocabulary import rebase

MEDIA_TYPE = "application/ld+json"
_FIRST_KEYS = ("@context", "id", "type", "label")  # the rest follow alphabetically

DocumentLoader = Callable[[str, dict | None], dict]


def load_context(path: Path, base_iri: str) -> dict:
    """The JSON-LD context at `path` (`ontology/context.jsonld`), with the data prefixes
    (`city:`, `o:`, …) moved onto `base_iri`, as the data itself is on loading."""
    document = json.loads(path.read_text(encoding="utf-8"))
    terms = document["@context"]
    document["@context"] = {
        key: rebase(value, base_iri) if isinstance(value, str) else value
        for key, value in terms.items()
    }
    return document


def document_loader(contexts: Mapping[str, dict]) -> DocumentLoader:
    """A pyld document loader that knows only `contexts` (URL -> context document) and refuses
    everything else: no JSON-LD processing here ever reaches the network."""

    def load(url: str, options: dict | None = None) -> dict:
        if url not in contexts:
            raise jsonld.JsonLdError(
                f"Refusing to load {url}: only our own context is available offline.",
                "jsonld.LoadDocumentError",
                code="loading remote context failed",
            )
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": contexts[url],
            "contentType": MEDIA_TYPE,
        }

    return load


def frame_resource(graph: Graph, iri: str, context: dict, context_url: str) -> dict:
    """`graph` as a JSON-LD document with `iri` at the top and every node it links to embedded.

    `context` is the context document published at `context_url`, which the result refers to.
    """
    frame = {"@context": context["@context"], "@id": iri, "@embed": "@always"}
    framed = jsonld.frame(_expanded(graph), frame, _options(context, context_url))
    framed["@context"] = context_url
    return _ordered(framed)


def compact_graph(graph: Graph, context: dict, context_url: str) -> dict:
    """`graph` as a flat JSON-LD document (`@graph`), compacted with our context."""
    compacted = jsonld.compact(
        _expanded(graph), context["@context"], _options(context, context_url)
    )
    compacted["@context"] = context_url
    return _ordered(compacted)


def dumps(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _options(context: dict, context_url: str) -> dict:
    return {"documentLoader": document_loader({context_url: context})}


def _expanded(graph: Graph) -> list:
    """`graph` in expanded JSON-LD (pyld's fromRdf), subjects and values in a stable order."""
    triples = [
        {"subject": _rdf_term(s), "predicate": _rdf_term(p), "object": _rdf_term(o)}
        for s, p, o in sorted(graph)
    ]
    return jsonld.from_rdf({"@default": triples}, {})


def _rdf_term(node: Node) -> dict:
    """A term in pyld's RDF dataset form (the JSON-LD API's RdfTriple members)."""
    if isinstance(node, URIRef):
        return {"type": "IRI", "value": str(node)}
    if isinstance(node, BNode):
        return {"type": "blank node", "value": f"_:{node}"}
    assert isinstance(node, Literal)
    term = {"type": "literal", "value": str(node)}
    if node.language:
        return {**term, "datatype": str(RDF.langString), "language": node.language}
    return {**term, "datatype": str(node.datatype or XSD.string)}


def _ordered(value: Any) -> Any:
    """Keys in reading order (context, id, type, label, then alphabetical), at every level."""
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    if not isinstance(value, dict):
        return value
    first = [key for key in _FIRST_KEYS if key in value]
    rest = sorted(key for key in value if key not in _FIRST_KEYS)
    return {key: _ordered(value[key]) for key in (*first, *rest)}
