"""reasoning.py: the OWL-RL closure, kept apart and free of noise; inconsistencies found."""

from __future__ import annotations

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from conftest import PIPELINE, REPOSITORY, WORLD
from ic16graph.config import Settings
from ic16graph.loading import load
from ic16graph.reasoning import is_noise, reason
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
