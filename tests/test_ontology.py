"""The ontology is OWL 2 RL-consistent, fully documented, and its JSON-LD context covers it."""

import json
from pathlib import Path

import owlrl
import pytest
from pyld import jsonld
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SKOS

ROOT = Path(__file__).resolve().parents[1]
IC16 = Namespace("https://w3id.org/ic16/ontology/")
ONTOLOGY_FILE = ROOT / "ontology" / "ic16.ttl"
CONTEXT_FILE = ROOT / "ontology" / "context.jsonld"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE)


def _terms(ontology: Graph) -> list[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted(
        {s for kind in kinds for s in ontology.subjects(RDF.type, kind) if str(s).startswith(IC16)}
    )


def test_ontology_header_names_version_licence_and_creator(ontology: Graph) -> None:
    header = URIRef("https://w3id.org/ic16/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionIRI) == URIRef("https://w3id.org/ic16/ontology/0.1.0")
    assert ontology.value(header, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(header, URIRef("http://purl.org/dc/terms/license")) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert ontology.value(header, URIRef("http://purl.org/dc/terms/creator")) is not None


def test_every_term_has_finnish_and_english_labels_and_definitions(ontology: Graph) -> None:
    missing = []
    for term in _terms(ontology):
        for prop in (RDFS.label, SKOS.prefLabel, SKOS.definition):
            langs = {o.language for o in ontology.objects(term, prop) if isinstance(o, Literal)}
            if not {"fi", "en"} <= langs:
                missing.append((term.n3(ontology.namespace_manager), prop.n3(), sorted(langs)))
    assert missing == []


def test_closure_is_consistent_and_infers_innokaupunki_and_involved_regions(
    ontology: Graph,
) -> None:
    g = Graph()
    g += ontology
    data = """
    @prefix ic16: <https://w3id.org/ic16/ontology/> .
    @prefix ex: <https://example.org/> .
    ex:agreement a ic16:EcosystemAgreement ; ic16:hasMunicipalParty ex:city ;
        ic16:coversRegion ex:region .
    ex:city a ic16:City ; ic16:inCityRegion ex:region .
    ex:raahe a ic16:City .
    ex:uni a ic16:University ; ic16:basedIn ex:city .
    ex:project a ic16:LeadProject ; ic16:leadOrganisation ex:uni .
    """
    g.parse(data=data, format="turtle")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    ex = Namespace("https://example.org/")
    assert list(g.subjects(RDF.type, OWL.Nothing)) == []
    assert (ex.city, RDF.type, IC16.Innokaupunki) in g
    assert (ex.raahe, RDF.type, IC16.Innokaupunki) not in g
    assert set(g.objects(ex.project, IC16.involvesMunicipality)) == {ex.city}
    assert set(g.objects(ex.project, IC16.involvesCityRegion)) == {ex.region}
    assert (ex.region, IC16.isCoveredBy, ex.agreement) in g
    assert (ex.city, RDF.type, URIRef("https://schema.org/City")) in g
    assert (ex.uni, RDF.type, URIRef("http://www.w3.org/ns/org#Organization")) in g


def test_json_ld_context_has_a_term_for_every_property_with_the_right_type(
    ontology: Graph,
) -> None:
    context = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    by_iri = {}
    for key, value in context.items():
        if isinstance(value, dict) and value.get("@id", "").startswith("ic16:"):
            by_iri[value["@id"]] = (key, value)
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        key, value = by_iri[f"ic16:{prop[len(IC16):]}"]
        assert value.get("@type") == "@id", key
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        key, value = by_iri[f"ic16:{prop[len(IC16):]}"]
        rng = ontology.value(prop, RDFS.range)
        if rng is not None and str(rng).startswith(XSD):
            assert value.get("@type") == f"xsd:{rng[len(XSD):]}", key


def test_json_ld_context_expands_language_maps_and_typed_dates() -> None:
    context = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    doc = {
        "@context": context,
        "id": "agreement:tampere",
        "type": "EcosystemAgreement",
        "label": {"fi": "Tampereen ekosysteemisopimus", "en": "Tampere ecosystem agreement"},
        "signingDate": "2021-02-09",
        "hasMunicipalParty": "city:tampere",
        "themes": ["theme:photonics"],
    }
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert sorted(nquads.strip().splitlines()) == sorted(
        [
            "<https://w3id.org/ic16/id/agreement/tampere> "
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            "<https://w3id.org/ic16/ontology/EcosystemAgreement> .",
            "<https://w3id.org/ic16/id/agreement/tampere> "
            '<http://www.w3.org/2004/02/skos/core#prefLabel> "Tampereen ekosysteemisopimus"@fi .',
            "<https://w3id.org/ic16/id/agreement/tampere> "
            '<http://www.w3.org/2004/02/skos/core#prefLabel> "Tampere ecosystem agreement"@en .',
            "<https://w3id.org/ic16/id/agreement/tampere> "
            '<https://w3id.org/ic16/ontology/signingDate> "2021-02-09"'
            "^^<http://www.w3.org/2001/XMLSchema#date> .",
            "<https://w3id.org/ic16/id/agreement/tampere> "
            "<https://w3id.org/ic16/ontology/hasMunicipalParty> "
            "<https://w3id.org/ic16/id/city/tampere> .",
            "<https://w3id.org/ic16/id/agreement/tampere> "
            "<https://w3id.org/ic16/ontology/theme> <https://w3id.org/ic16/id/theme/photonics> .",
        ]
    )
