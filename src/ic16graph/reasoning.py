"""The OWL 2 RL closure of ontology + data, kept apart as one "inferred" graph without noise.

owlrl adds, besides the useful inferences, the axiomatic triples of the RDF/RDFS/OWL/XSD
vocabularies, datatype typings of every literal, reflexive owl:sameAs and trivial self-loops.
None of that says anything about Innokaupungit, and it would drown a query's results, so
`is_noise` drops it, together with memberships of and axioms about the anonymous class
expressions of the ontology (e.g. `city:vaasa a [ owl:intersectionOf … ]`), which no consumer can
name. Inconsistencies (owlrl's error messages) are returned, not raised: they are
findings of the data, reported with the SHACL results.

owlrl is a brute-force reasoner: on the whole repository it took two thirds of a build. So the
closure is computed in two parts. owlrl closes the schema triples alone (a few hundred), and
`Rules` compiles from that closure the rule instances OWL 2 RL applies to instance data; those are
applied to the data to a fixpoint in Python sets. The result is owlrl's closure exactly, provided
the schema uses only the constructs the rules implement and the data adds no schema: anything
else (owl:sameAs, owl:allValuesFrom, cardinalities, keys, a functional property with two values,
inconsistency checks other than disjointness and ill-typed literals …) makes `reason` fall back
to owlrl on the whole union, never to a result that differs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import owlrl
from owlrl.Namespaces import ERRNS
from owlrl.OWLRL import OWLRL_Annotation_properties, OWLRL_Semantics
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

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
_ANNOTATIONS = frozenset(OWLRL_Annotation_properties)
# The classes whose members owlrl's rules single out (`x a owl:FunctionalProperty` …): a type
# among them is schema; any other type is instance data, to which the compiled rules apply.
_SCHEMA_TYPES = frozenset({
    OWL.AllDifferent, OWL.AllDisjointClasses, OWL.AllDisjointProperties,
    OWL.AsymmetricProperty, OWL.Class, OWL.DatatypeProperty, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty, OWL.IrreflexiveProperty, OWL.Nothing, OWL.ObjectProperty,
    OWL.SymmetricProperty, OWL.TransitiveProperty, RDF.Property,
})
# Schema the rules do not implement: its presence means owlrl on the whole union.
_UNSUPPORTED_PREDICATES = frozenset({
    OWL.allValuesFrom, OWL.complementOf, OWL.differentFrom, OWL.hasKey, OWL.maxCardinality,
    OWL.maxQualifiedCardinality, OWL.propertyDisjointWith, OWL.sourceIndividual,
})
_UNSUPPORTED_TYPES = frozenset({
    OWL.AllDifferent, OWL.AllDisjointClasses, OWL.AllDisjointProperties,
    OWL.AsymmetricProperty, OWL.IrreflexiveProperty, OWL.Nothing,
})


@dataclass(frozen=True)
class Closure:
    """The inferred triples (asserted ones excluded), owlrl's inconsistency messages, the time,
    and the method: "rules" (compiled from the ontology) or "owlrl" (the fallback)."""

    inferred: Graph
    inconsistencies: tuple[str, ...]
    seconds: float
    method: str = "owlrl"


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


def is_schema(triple: Triple) -> bool:
    """True for the triples owlrl's rules read as schema: a vocabulary predicate other than
    rdf:type and the annotation properties, or a type from the vocabularies."""
    _, p, o = triple
    if p == RDF.type:
        return isinstance(o, URIRef) and str(o).startswith(_VOCABULARY_NAMESPACES)
    return p not in _ANNOTATIONS and str(p).startswith(_VOCABULARY_NAMESPACES)


def _extends_schema(triple: Triple) -> bool:
    """True when a triple that the compiled rules add would change what owlrl's schema rules see
    (disjointness excepted: `_disjointness_messages` reads it from the facts themselves)."""
    _, p, o = triple
    if not isinstance(p, URIRef):
        return True  # owlrl drops these at the end, after reasoning with them
    if p == RDF.type:
        return o in _SCHEMA_TYPES
    return (p != OWL.disjointWith and p not in _ANNOTATIONS
            and str(p).startswith(_VOCABULARY_NAMESPACES))


def _table(pairs: Iterable[tuple[Node, Node]]) -> dict[Node, frozenset[Node]]:
    grouped: dict[Node, set[Node]] = defaultdict(set)
    for key, value in pairs:
        grouped[key].add(value)
    return {key: frozenset(values) for key, values in grouped.items()}


@dataclass(frozen=True)
class Rules:
    """The rule instances OWL 2 RL applies to instance data, read from a closed ontology.

    The closure has already propagated the hierarchies (superclasses and super-properties are
    transitive, equivalences are two subclass axioms, domains and ranges are inherited), so one
    step of each table is one rule application of owlrl. `unsupported` names the constructs
    present whose rules are not compiled.
    """

    superclasses: dict[Node, frozenset[Node]]  # cax-sco, cax-eqc
    superproperties: dict[Node, frozenset[Node]]  # prp-spo1, prp-eqp
    inverses: dict[Node, frozenset[Node]]  # prp-inv, both ways
    domains: dict[Node, frozenset[Node]]  # prp-dom
    ranges: dict[Node, frozenset[Node]]  # prp-rng
    symmetric: frozenset[Node]  # prp-symp
    transitive: frozenset[Node]  # prp-trp
    chains: tuple[tuple[Node, tuple[Node, ...]], ...]  # prp-spo2: (implied property, links)
    intersections: tuple[tuple[Node, tuple[Node, ...]], ...]  # cls-int1/2: (class, members)
    unions: tuple[tuple[Node, tuple[Node, ...]], ...]  # cls-uni: (class, members)
    some_values: tuple[tuple[Node, Node, Node], ...]  # cls-svf1/2: (class, property, filler)
    has_values: tuple[tuple[Node, Node, Node], ...]  # cls-hv1/2: (class, property, value)
    functional: frozenset[Node]  # prp-fp: infers owl:sameAs, unless single-valued
    inverse_functional: frozenset[Node]  # prp-ifp: likewise
    unsupported: tuple[str, ...]

    @classmethod
    def of(cls, ontology: Graph) -> Rules:
        """The rules of the schema in `ontology`."""
        return cls.compile(close_schema(ontology)[0])

    @classmethod
    def compile(cls, closed: Graph) -> Rules:
        """The rules of `closed`, an ontology (or schema) after owlrl's closure."""

        def pairs(predicate: URIRef, *, both_ways: bool = False) -> list[tuple[Node, Node]]:
            found = [(s, o) for s, o in closed.subject_objects(predicate) if s != o]
            return found + [(o, s) for s, o in found] if both_ways else found

        def typed(kind: URIRef) -> frozenset[Node]:
            return frozenset(closed.subjects(RDF.type, kind))

        def lists(predicate: URIRef) -> tuple[tuple[Node, tuple[Node, ...]], ...]:
            return tuple((s, tuple(closed.items(head)))
                         for s, head in closed.subject_objects(predicate))

        def restrictions(predicate: URIRef) -> tuple[tuple[Node, Node, Node], ...]:
            return tuple((r, prop, value) for r, value in closed.subject_objects(predicate)
                         for prop in closed.objects(r, OWL.onProperty))

        unsupported = sorted(
            {str(p) for p in _UNSUPPORTED_PREDICATES if (None, p, None) in closed}
            | {str(t) for t in _UNSUPPORTED_TYPES if (None, RDF.type, t) in closed}
            | {f"{OWL.sameAs} between different terms" for s, p, o in closed
               if OWL.sameAs in (s, p, o) and s != o})
        return cls(
            superclasses=_table(pairs(RDFS.subClassOf) + pairs(OWL.equivalentClass,
                                                               both_ways=True)),
            superproperties=_table(pairs(RDFS.subPropertyOf)
                                   + pairs(OWL.equivalentProperty, both_ways=True)),
            inverses=_table(
                [(s, o) for s, o in closed.subject_objects(OWL.inverseOf)]
                + [(o, s) for s, o in closed.subject_objects(OWL.inverseOf)]),
            domains=_table(closed.subject_objects(RDFS.domain)),
            ranges=_table(closed.subject_objects(RDFS.range)),
            symmetric=typed(OWL.SymmetricProperty),
            transitive=typed(OWL.TransitiveProperty),
            chains=lists(OWL.propertyChainAxiom),
            intersections=lists(OWL.intersectionOf),
            unions=lists(OWL.unionOf),
            some_values=restrictions(OWL.someValuesFrom),
            has_values=restrictions(OWL.hasValue),
            functional=typed(OWL.FunctionalProperty),
            inverse_functional=typed(OWL.InverseFunctionalProperty),
            unsupported=tuple(unsupported),
        )


class _Unsupported(Exception):
    """The data leads where the compiled rules do not follow owlrl: use owlrl itself."""


class _Saturation:
    """Facts indexed for the joins of the rules; each new fact is joined once with all before.

    Every fact is added to the indexes when it is derived and processed later, so of any two
    premises the one processed last sees the other: the fixpoint is complete (semi-naive).
    """

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.facts: set[Triple] = set()
        self.objects: dict[tuple[Node, Node], set[Node]] = defaultdict(set)  # (s, p) → o
        self.subjects: dict[tuple[Node, Node], set[Node]] = defaultdict(set)  # (p, o) → s
        self.pending: list[Triple] = []
        self.links: dict[Node, list[tuple[Node, tuple[Node, ...], int]]] = defaultdict(list)
        for implied, chain in rules.chains:
            for position, link in enumerate(chain):
                self.links[link].append((implied, chain, position))
        self.member_of: dict[Node, list[tuple[Node, tuple[Node, ...]]]] = defaultdict(list)
        for defined, members in rules.intersections:
            for member in members:
                self.member_of[member].append((defined, members))
        self.parts = _table([(c, m) for c, members in rules.intersections for m in members])
        self.unions_of = _table([(m, c) for c, members in rules.unions for m in members])
        self.some_by_filler = _table([(y, (r, p)) for r, p, y in rules.some_values])
        self.some_by_property = _table([(p, (r, y)) for r, p, y in rules.some_values])
        self.value_by_class = _table([(r, (p, v)) for r, p, v in rules.has_values])
        self.class_by_value = _table([((p, v), r) for r, p, v in rules.has_values])

    def add(self, triple: Triple, *, check: bool = True) -> None:
        if triple in self.facts:
            return
        if check and _extends_schema(triple):
            raise _Unsupported(triple)
        s, p, o = triple
        self.facts.add(triple)
        self.objects[s, p].add(o)
        self.subjects[p, o].add(s)
        self.pending.append(triple)

    def saturate(self) -> None:
        while self.pending:
            self._consequences(*self.pending.pop())

    def _consequences(self, s: Node, p: Node, o: Node) -> None:
        rules, add, facts = self.rules, self.add, self.facts
        if p == RDF.type:
            for c in rules.superclasses.get(o, ()):
                add((s, RDF.type, c))
            for defined, members in self.member_of.get(o, ()):
                if all((s, RDF.type, m) in facts for m in members):
                    add((s, RDF.type, defined))
            for member in self.parts.get(o, ()):
                add((s, RDF.type, member))
            for union in self.unions_of.get(o, ()):
                add((s, RDF.type, union))
            for restriction, prop in self.some_by_filler.get(o, ()):
                for u in tuple(self.subjects.get((prop, s), ())):
                    add((u, RDF.type, restriction))
            for prop, value in self.value_by_class.get(o, ()):
                add((s, prop, value))
        for q in rules.superproperties.get(p, ()):
            add((s, q, o))
        for q in rules.inverses.get(p, ()):
            add((o, q, s))
        for c in rules.domains.get(p, ()):
            add((s, RDF.type, c))
        for c in rules.ranges.get(p, ()):
            add((o, RDF.type, c))
        if p in rules.symmetric:
            add((o, p, s))
        if p in rules.transitive:
            for z in tuple(self.objects.get((o, p), ())):
                add((s, p, z))
            for x in tuple(self.subjects.get((p, s), ())):
                add((x, p, o))
        for implied, chain, position in self.links.get(p, ()):
            self._chain(s, o, implied, chain, position)
        for restriction, filler in self.some_by_property.get(p, ()):
            if filler == OWL.Thing or (o, RDF.type, filler) in facts:
                add((s, RDF.type, restriction))
        for restriction in self.class_by_value.get((p, o), ()):
            add((s, RDF.type, restriction))

    def _chain(self, s: Node, o: Node, implied: Node, chain: tuple[Node, ...],
               position: int) -> None:
        """Each path along `chain` through (s, chain[position], o) implies (start, implied, end)."""
        starts, ends = {s}, {o}
        for link in reversed(chain[:position]):
            starts = {x for node in starts for x in self.subjects.get((link, node), ())}
        for link in chain[position + 1:]:
            ends = {z for node in ends for z in self.objects.get((node, link), ())}
        for start in starts:
            for end in ends:
                self.add((start, implied, end))

    def check_functional(self) -> None:
        """owlrl infers owl:sameAs of two values of a functional property: not followed here."""
        for (_, p), values in self.objects.items():
            if p in self.rules.functional and len(values) > 1:
                raise _Unsupported(p)
        for (p, _), values in self.subjects.items():
            if p in self.rules.inverse_functional and len(values) > 1:
                raise _Unsupported(p)


def _owlrl(graph: Graph) -> tuple[Graph, set[str]]:
    """owlrl's closure of `graph`, expanded in place, and its messages, taken out of it."""
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    messages = set()
    for error in set(graph.subjects(RDF.type, ERRNS.ErrorMessage)):
        messages.update(str(m) for m in graph.objects(error, ERRNS.error))
        graph.remove((error, None, None))
    return graph, messages


def close_schema(graph: Graph) -> tuple[Graph, set[str]]:
    """owlrl's closure of the schema triples of `graph` alone (a few hundred: fast), messages."""
    schema = Graph()
    for triple in graph:
        if is_schema(triple):
            schema.add(triple)
    return _owlrl(schema)


def _one_time(union: Graph) -> tuple[set[Triple], set[str]]:
    """What owlrl infers before its cycles, from the asserted triples only: datatype memberships
    of literals, disjointness of the datatypes used, lexical errors (owlrl's own code, so the
    triples and messages are exactly its own)."""
    semantics = OWLRL_Semantics(union, False, False)
    semantics.one_time_rules()
    return semantics.added_triples, set(semantics.error_messages)


def _disjointness_messages(saturation: _Saturation) -> set[str]:
    """owlrl's cax-dw: one message for each member common to two classes declared disjoint."""
    messages = set()
    for c1, p, c2 in saturation.facts:
        if p == OWL.disjointWith:
            for x in saturation.subjects.get((RDF.type, c1), ()):
                if (x, RDF.type, c2) in saturation.facts:
                    messages.add(f"Disjoint classes {c1!s} and {c2!s} have a common "
                                 f"individual {x!s}")
    return messages


def _compiled(union: Graph) -> tuple[Iterable[Triple], set[str]] | None:
    """owlrl's closure of `union` by owlrl on its schema and compiled rules on the rest; None
    when the schema or data go beyond what the rules implement."""
    if (None, RDF.type, ERRNS.ErrorMessage) in union:
        return None  # owlrl would report these as its own messages
    schema, messages = close_schema(union)
    rules = Rules.compile(schema)
    if rules.unsupported:
        return None
    saturation = _Saturation(rules)
    for triple in schema:
        saturation.add(triple, check=False)
    one_time, lexical = _one_time(union)
    try:
        for triple in (*union, *one_time):
            saturation.add(triple)
        saturation.saturate()
        saturation.check_functional()
    except _Unsupported:
        return None
    return saturation.facts, messages | lexical | _disjointness_messages(saturation)


def reason(graphs: Iterable[Graph]) -> Closure:
    """Compute the OWL-RL closure of the union of `graphs` (ontology and data, never shapes)."""
    started = time.perf_counter()
    union = Graph()
    for graph in graphs:
        union += graph
    asserted = set(union)
    class_expressions = frozenset(
        node for key in _CLASS_EXPRESSION_KEYS for node in union.subjects(key)
        if isinstance(node, BNode))
    method = "rules"
    result = _compiled(union)
    if result is None:
        method = "owlrl"
        result = _owlrl(union)
    closed, messages = result
    inferred = Graph()
    for triple in closed:
        if triple not in asserted and not is_noise(triple, class_expressions):
            inferred.add(triple)
    return Closure(inferred, tuple(sorted(messages)), time.perf_counter() - started, method)
