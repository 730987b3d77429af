"""Namespaces, prefixes and IRI helpers shared by every layer.

Data IRIs (`<base>id/…`) and graph IRIs (`<base>graph/…`) follow the configurable base; the
ontology and shapes namespaces are fixed, because they name the model, not the published data.
"""

from __future__ import annotations

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

DEFAULT_BASE_IRI = "https://w3id.org/ic16/"

IC16 = Namespace("https://w3id.org/ic16/ontology/")
SHAPES = Namespace("https://w3id.org/ic16/shapes/")

ROLES = ("ontology", "data", "shapes")
INFERRED = "inferred"

# Prefixes of resources under <base>id/ (data/README.md, "IRI scheme").
_ID_PREFIXES = {
    "city": "id/city/",
    "municipality": "id/municipality/",
    "region": "id/city-region/",
    "agreement": "id/agreement/",
    "programme": "id/programme/",
    "project": "id/lead-project/",
    "wp": "id/work-package/",
    "theme": "id/theme/",
    "o": "id/org/",
    "person": "id/person/",
    "post": "id/post/",
    "event": "id/event/",
    "place": "id/place/",
    "strategy": "id/strategy/",
    "fund": "id/fund/",
    "source": "id/source/",
    "graph": "graph/",
}

_FIXED_PREFIXES = {
    "ic16": str(IC16),
    "shapes": str(SHAPES),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "sh": str(SH),
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
}

# Plain Turtle forms for these datatypes ("true", 3, 1.5) read best in reports.
_PLAIN_DATATYPES = {XSD.boolean, XSD.integer, XSD.decimal}


def prefixes(base_iri: str = DEFAULT_BASE_IRI) -> dict[str, str]:
    """Prefix → namespace for CURIEs, with the data prefixes under `base_iri`."""
    return {**_FIXED_PREFIXES, **{p: base_iri + path for p, path in _ID_PREFIXES.items()}}


def graph_iri(base_iri: str, role: str, stem: str | None = None) -> URIRef:
    """`<base>graph/<role>/<stem>`, or `<base>graph/inferred` for the closure."""
    return URIRef(f"{base_iri}graph/{role}" + (f"/{stem}" if stem else ""))


def rebase(iri: str, base_iri: str) -> str:
    """Move a data or graph IRI written with the default base onto `base_iri`."""
    if base_iri == DEFAULT_BASE_IRI:
        return iri
    for movable in ("id/", "graph/"):
        if iri.startswith(DEFAULT_BASE_IRI + movable):
            return base_iri + iri[len(DEFAULT_BASE_IRI) :]
    return iri


def curie(iri: str, prefix_map: dict[str, str]) -> str:
    """The shortest `prefix:local` form of `iri`, or `<iri>` when no prefix fits."""
    best = max(
        (p for p, ns in prefix_map.items() if iri.startswith(ns)),
        key=lambda p: len(prefix_map[p]),
        default=None,
    )
    if best is None:
        return f"<{iri}>"
    return f"{best}:{iri[len(prefix_map[best]) :]}"


def short_term(term: Node, prefix_map: dict[str, str]) -> str:
    """A Turtle-like short form: CURIE, `_:id`, `"text"@fi`, `"2021-02-09"^^xsd:date`, `true`."""
    if isinstance(term, URIRef):
        return curie(str(term), prefix_map)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.datatype in _PLAIN_DATATYPES:
            return str(term)
        escaped = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        quoted = f'"{escaped}"'
        if term.language:
            return f"{quoted}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return f"{quoted}^^{curie(str(term.datatype), prefix_map)}"
        return quoted
    return str(term)
