"""The OWL 2 RL closure of ontology + data, kept apart as one "inferred" graph without noise.

owlrl adds, besides the useful inferences, the axiomatic triples of the RDF/RDFS/OWL/XSD
vocabularies, datatype typings of every literal, reflexive owl:sameAs and trivial self-loops.
None of that says anything about Innokaupungit, and it would drown a query's results, so
`is_noise` drops it, together with memberships of and axioms about the anonymous class
expressions of the ontology (e.g. `city:vaasa a [ owl:intersectionOf … ]`), which no consumer can
name. Inconsistencies (owlrl's error messages) are returned, not raised: they are
findings of the data, reported with the SHACL results.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import owlrl
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ic16graph.loading import Triple

_VOCABULARY_NAMESPACES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, RDFS.Datatype, RDFS.Literal}
_TOP_CLASSES = {OWL.Thing, RDFS.Resource}
_CLASS_AXIOMS = {RDFS.subClassOf, RDFS.domain, RDFS.range}
_CLASS_RELATIONS = {RDF.type, RDFS.subClassOf, OWL.equivalentClass}
_CLASS_EXPRESSION_KEYS = (OWL.intersectionOf, OWL.unionOf, OWL.complementOf, OWL.oneOf,
                          OWL.onProperty)
_REFLEXIVE = {
    OWL.sameAs,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
}


@dataclass(frozen=True)
class Closure:
    """The inferred triples (asserted ones excluded), owlrl's inconsistency messages, the time."""

    inferred: Graph
    inconsistencies: tuple[str, ...]
    seconds: float


def is_noise(triple: Triple, class_expressions: frozenset[BNode] = frozenset()) -> bool:
    """True for inferences that carry no information about the programme."""
    s, p, o = triple
    if p in _CLASS_RELATIONS and (s in class_expressions or o in class_expressions):
        return True
    if isinstance(s, Literal):
        return True
    if isinstance(s, URIRef) and str(s).startswith(_VOCABULARY_NAMESPACES):
        return True
    if s == o and p in _REFLEXIVE:
        return True
    if p == RDF.type and (o in _TRIVIAL_TYPES or str(o).startswith(str(XSD))):
        return True
    return p in _CLASS_AXIOMS and o in _TOP_CLASSES


def reason(graphs: Iterable[Graph]) -> Closure:
    """Compute the OWL-RL closure of the union of `graphs` (ontology and data, never shapes)."""
    started = time.perf_counter()
    closure = Graph()
    for graph in graphs:
        closure += graph
    asserted = set(closure)
    class_expressions = frozenset(
        node for key in _CLASS_EXPRESSION_KEYS for node in closure.subjects(key)
        if isinstance(node, BNode))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)

    messages = [str(m) for error in closure.subjects(RDF.type, ERRNS.ErrorMessage)
                for m in closure.objects(error, ERRNS.error)]
    error_nodes = set(closure.subjects(RDF.type, ERRNS.ErrorMessage))
    inferred = Graph()
    for triple in closure:
        if (triple not in asserted and triple[0] not in error_nodes
                and not is_noise(triple, class_expressions)):
            inferred.add(triple)
    return Closure(inferred, tuple(sorted(messages)), time.perf_counter() - started)
