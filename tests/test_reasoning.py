"""reasoning.py: the OWL-RL closure, kept apart and free of noise; inconsistencies found."""

from __future__ import annotations

import owlrl
import pytest
import rdflib
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from conftest import PIPELINE, REPOSITORY, WORLD
from ic16graph.config import Settings
from ic16graph.loading import load
from ic16graph.reasoning import Closure, Rules, is_noise, reason
from ic16graph.vocabulary import IC16

CITY = "https://w3id.org/ic16/id/city/"
VOCABULARIES = tuple(str(ns) for ns in (RDF, RDFS, OWL, rdflib.XSD))


@pytest.fixture(scope="module")
def closure():
    return reason(load(Settings(root=WORLD)).graphs("ontology", "data"))


def test_innokaupunki_and_inverse_properties_are_inferred(closure) -> None:
    helsinki = URIRef(CITY + "helsinki")
    assert (helsinki, RDF.type, IC16.Innokaupunki) in closure.inferred
    assert (helsinki, RDF.type, IC16.Municipality) in closure.inferred
    agreement = URIRef("https://w3id.org/ic16/id/agreement/capital-region")
    assert (helsinki, IC16.isMunicipalPartyTo, agreement) in closure.inferred
    assert (URIRef(CITY + "raahe"), RDF.type, IC16.Innokaupunki) not in closure.inferred


def test_inferred_graph_holds_no_asserted_triple(closure) -> None:
    asserted = load(Settings(root=WORLD)).graphs("ontology", "data")
    assert not any(t in graph for graph in asserted for t in closure.inferred)


def test_inferred_graph_is_free_of_noise(closure) -> None:
    for s, p, o in closure.inferred:
        assert not isinstance(s, Literal)
        assert not str(s).startswith(VOCABULARIES)
        assert not (s == o and p in (OWL.sameAs, OWL.equivalentClass, RDFS.subClassOf))
        assert not (p == RDF.type and o in (OWL.Thing, RDFS.Resource, RDFS.Datatype))
        assert not (p == RDF.type and str(o).startswith(str(rdflib.XSD)))


def test_memberships_of_anonymous_class_expressions_are_noise(closure) -> None:
    """`city:helsinki a [ owl:intersectionOf (…) ]` names nothing a consumer can use."""
    helsinki = URIRef(CITY + "helsinki")
    anonymous_types = [o for o in closure.inferred.objects(helsinki, RDF.type)
                       if isinstance(o, BNode)]
    assert anonymous_types == []
    assert not any(isinstance(s, BNode) or isinstance(o, BNode)
                   for s, o in closure.inferred.subject_objects(RDFS.subClassOf))


@pytest.mark.parametrize(
    "triple",
    [
        (IC16.City, OWL.sameAs, IC16.City),
        (IC16.City, RDFS.subClassOf, IC16.City),
        (IC16.City, OWL.equivalentClass, IC16.City),
        (Literal("x"), RDF.type, rdflib.XSD.string),
        (rdflib.XSD.string, RDF.type, RDFS.Datatype),
        (OWL.Thing, RDF.type, OWL.Class),
        (URIRef(CITY + "oulu"), RDF.type, OWL.Thing),
        (URIRef(CITY + "oulu"), RDF.type, RDFS.Resource),
        (IC16.City, RDFS.subClassOf, OWL.Thing),
        (IC16.isMunicipalPartyTo, RDFS.domain, OWL.Thing),
    ],
)
def test_noise_is_recognised(triple) -> None:
    assert is_noise(triple)


@pytest.mark.parametrize(
    "triple",
    [
        (URIRef(CITY + "oulu"), RDF.type, IC16.Innokaupunki),
        (IC16.City, RDFS.subClassOf, IC16.Municipality),
        (BNode(), RDFS.subClassOf, IC16.Municipality),
        (URIRef(CITY + "oulu"), OWL.sameAs, URIRef(CITY + "uleaborg")),
    ],
)
def test_information_is_not_noise(triple) -> None:
    assert not is_noise(triple)


def test_a_consistent_world_has_no_inconsistencies_and_takes_time(closure) -> None:
    assert closure.inconsistencies == ()
    assert closure.seconds > 0


def test_disjoint_classes_sharing_a_member_are_an_inconsistency() -> None:
    sources = load(Settings(root=WORLD), [PIPELINE / "inconsistent"])
    closure = reason(sources.graphs("ontology", "data"))
    assert closure.inconsistencies == (
        "Disjoint classes https://w3id.org/ic16/ontology/Ministry and "
        "https://w3id.org/ic16/ontology/Municipality have a common individual "
        "https://w3id.org/ic16/id/org/tem",
    )
    assert not any("daml.org" in str(t) for triple in closure.inferred for t in triple)


def test_the_repository_ontology_closure_is_consistent() -> None:
    sources = load(Settings(root=REPOSITORY), [])
    assert reason(sources.graphs("ontology")).inconsistencies == ()


# The rules compiled from the ontology (the fast path) against owlrl on the whole union.

EX = "https://example.org/"
PREFIXES = f"""@prefix : <{EX}> . @prefix owl: <{OWL}> . @prefix rdfs: <{RDFS}> .
@prefix xsd: <{rdflib.XSD}> .
"""


def owlrl_closure(graphs: list[rdflib.Graph]) -> tuple[set, tuple[str, ...]]:
    """The reference: owlrl's closure of the whole union, filtered as `reason` filters it."""
    union = rdflib.Graph()
    for graph in graphs:
        union += graph
    asserted = set(union)
    expressions = frozenset(
        node for key in (OWL.intersectionOf, OWL.unionOf, OWL.complementOf, OWL.oneOf,
                         OWL.onProperty)
        for node in union.subjects(key) if isinstance(node, BNode))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(union)
    errors = set(union.subjects(RDF.type, ERRNS.ErrorMessage))
    messages = tuple(sorted(str(m) for e in errors for m in union.objects(e, ERRNS.error)))
    inferred = {t for t in union if t not in asserted and t[0] not in errors
                and not is_noise(t, expressions)}
    return inferred, messages


def assert_same_as_owlrl(graphs: list[rdflib.Graph], method: str) -> Closure:
    closure = reason(graphs)
    assert closure.method == method
    assert (set(closure.inferred), closure.inconsistencies) == owlrl_closure(graphs)
    return closure


def world(ontology: str, data: str) -> list[rdflib.Graph]:
    """An ontology graph and a data graph, as the build passes them."""
    return [rdflib.Graph().parse(data=PREFIXES + text, format="turtle")
            for text in (ontology, data)]


def ex(term: str) -> URIRef:
    return URIRef(EX + term)


@pytest.mark.parametrize(
    ("name", "root", "extra"),
    [
        ("repository", REPOSITORY, None),
        ("fixture world", WORLD, None),
        ("inconsistent world", WORLD, [PIPELINE / "inconsistent"]),
    ],
)
def test_the_rules_infer_what_owlrl_infers_from_the_builds_graphs(name, root, extra) -> None:
    graphs = load(Settings(root=root), extra).graphs("ontology", "data")
    assert_same_as_owlrl(graphs, "rules")


RULE_CASES = {
    "subclass and equivalent class": (
        ":Town rdfs:subClassOf :Place . :Place owl:equivalentClass :Locality .",
        ":a a :Town .",
        [(":a", "a", ":Place"), (":a", "a", ":Locality")]),
    "subproperty and equivalent property": (
        ":leader rdfs:subPropertyOf :participant . :participant owl:equivalentProperty :member .",
        ":p :leader :o .",
        [(":p", ":participant", ":o"), (":p", ":member", ":o")]),
    "inverse": (
        ":hasParty owl:inverseOf :partyTo .",
        ":agreement :hasParty :town . :x :partyTo :y .",
        [(":town", ":partyTo", ":agreement"), (":y", ":hasParty", ":x")]),
    "domain and range": (
        """:basedIn rdfs:domain :Organisation ; rdfs:range :Town . :Town rdfs:subClassOf :Place .
        :located rdfs:subPropertyOf :basedIn . :name rdfs:range xsd:string .""",
        ':o :located :t ; :name "O" .',
        [(":o", "a", ":Organisation"), (":t", "a", ":Place")]),
    "property chains": (
        """:involves owl:propertyChainAxiom ( :participant :basedIn ) .
        :involvesRegion owl:propertyChainAxiom ( :participant :basedIn :inRegion ) .""",
        ":project :participant :org . :org :basedIn :town . :town :inRegion :region .",
        [(":project", ":involves", ":town"), (":project", ":involvesRegion", ":region")]),
    "intersection with someValuesFrom": (
        """:Innotown owl:equivalentClass [ a owl:Class ; owl:intersectionOf ( :Town
            [ a owl:Restriction ; owl:onProperty :partyTo ; owl:someValuesFrom :Agreement ] ) ] .
        :hasParty owl:inverseOf :partyTo ; rdfs:domain :Agreement .""",
        ":agreement :hasParty :t . :t a :Town . :u a :Town . :v a :Innotown .",
        [(":t", "a", ":Innotown"), (":v", "a", ":Town")]),
    "someValuesFrom owl:Thing, unionOf, hasValue": (
        """:Active owl:equivalentClass [ owl:onProperty :does ; owl:someValuesFrom owl:Thing ] .
        :Party owl:equivalentClass [ owl:unionOf ( :Town :Organisation ) ] .
        :Capital owl:equivalentClass [ owl:onProperty :status ; owl:hasValue :capital ] .""",
        ":a :does :b . :t a :Town . :h :status :capital . :k a :Capital .",
        [(":a", "a", ":Active"), (":t", "a", ":Party"), (":h", "a", ":Capital"),
         (":k", ":status", ":capital")]),
    "symmetric and transitive properties": (
        ":neighbour a owl:SymmetricProperty . :partOf a owl:TransitiveProperty .",
        ":a :neighbour :b . :x :partOf :y . :y :partOf :z .",
        [(":b", ":neighbour", ":a"), (":x", ":partOf", ":z")]),
    "a functional property with one value each": (
        ":coversRegion a owl:ObjectProperty , owl:FunctionalProperty ; rdfs:range :Region .",
        ":a1 :coversRegion :r1 . :a2 :coversRegion :r1 .",
        [(":r1", "a", ":Region")]),
    "disjoint classes and datatypes, ill-typed literals": (
        ":Ministry owl:disjointWith :Town . :name rdfs:range xsd:string .",
        """:tem a :Ministry , :Town . :e :date "2021-13-45"^^xsd:date ;
        :name "1.5"^^xsd:decimal ; :label "x"^^xsd:string .""",
        []),
}


@pytest.mark.parametrize("case", RULE_CASES)
def test_each_kind_of_rule_infers_what_owlrl_infers(case: str) -> None:
    ontology, data, expected = RULE_CASES[case]
    closure = assert_same_as_owlrl(world(ontology, data), "rules")
    for s, p, o in expected:
        triple = (ex(s[1:]), RDF.type if p == "a" else ex(p[1:]), ex(o[1:]))
        assert triple in closure.inferred


def test_inconsistencies_are_owlrls_own_messages() -> None:
    ontology, data, _ = RULE_CASES["disjoint classes and datatypes, ill-typed literals"]
    messages = reason(world(ontology, data)).inconsistencies
    assert f"Disjoint classes {EX}Ministry and {EX}Town have a common individual {EX}tem" in (
        messages)
    xsd = str(rdflib.XSD)
    assert (f"Disjoint classes {xsd}decimal and {xsd}string have a common individual 1.5"
            in messages)
    assert any("Lexical value of the literal '2021-13-45'" in m for m in messages)


FALLBACK_CASES = {
    "owl:sameAs in the data": (":Town rdfs:subClassOf :Place .",
                               ":a owl:sameAs :b . :a a :Town . :b :name 'B' ."),
    "a functional property with two values": (
        ":coversRegion a owl:ObjectProperty , owl:FunctionalProperty .",
        ":a :coversRegion :r1 , :r2 . :r1 :name 'R' ."),
    "allValuesFrom": (":Town rdfs:subClassOf [ owl:onProperty :in ; owl:allValuesFrom :Region ] .",
                      ":t a :Town ; :in :r ."),
    "maxCardinality": (
        ":Town rdfs:subClassOf [ owl:onProperty :in ; owl:maxCardinality 1 ] .",
        ":t a :Town ; :in :r1 , :r2 ."),
    "an irreflexive property": (":partOf a owl:IrreflexiveProperty .", ":x :partOf :x ."),
    "data that adds schema": (":kind rdfs:range owl:Class .",
                              ":x :kind :NewClass . :NewClass rdfs:subClassOf :Thing ."),
    "owl:Nothing": (":Impossible rdfs:subClassOf owl:Nothing .", ":x a :Impossible ."),
    "hasKey": (":Town owl:hasKey ( :code ) .", ":a a :Town ; :code '1' . :b a :Town ; :code '1' ."),
}


@pytest.mark.parametrize("case", FALLBACK_CASES)
def test_constructs_beyond_the_rules_fall_back_to_owlrl(case: str) -> None:
    assert_same_as_owlrl(world(*FALLBACK_CASES[case]), "owlrl")


def test_rules_compiled_from_the_repository_ontology() -> None:
    rules = Rules.of(rdflib.Graph().parse(REPOSITORY / "ontology" / "ic16.ttl"))
    assert rules.unsupported == ()
    assert (IC16.involvesMunicipality, (IC16.hasParticipant, IC16.basedIn)) in rules.chains
    assert IC16.Municipality in rules.superclasses[IC16.City]
    assert IC16.coversRegion in rules.functional
