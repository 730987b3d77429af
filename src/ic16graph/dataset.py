"""The dataset as a whole: its VoID and DCAT description, and the dumps to download.

`/.well-known/void` and `/dataset` answer the same description, which speaks both vocabularies:
the dataset `<base>dataset` is a `void:Dataset` (SPARQL endpoint, dumps, one subset per named
graph with its triple count from the build manifest, vocabularies used, URI space) and a
`dcat:Dataset` (distributions, access service, licence, publisher); title and description in
fi, sv and en; `dcterms:modified` is the build time. Endpoint and download URLs are on the host
that was asked, so they work wherever the service runs. Turtle by default, or any RDF format.

`/dump/{name}` serves the files `build` wrote into `<build>/dump/` (`dumps.DUMPS`), by name
from a fixed table: nothing else on disk is reachable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, PlainTextResponse
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, VOID, XSD

from ic16graph import jsonld
from ic16graph.config import Settings
from ic16graph.dumps import DUMP_DIR, DUMPS, GZIP, dump_names
from ic16graph.execution import QueryJob, QueryRefused
from ic16graph.linked_data import (
    RDF_DOCUMENT_FORMATS,
    not_acceptable,
    rdf_document,
    refused,
    requested,
)
from ic16graph.manifest import GraphInfo, read_manifest
from ic16graph.protocol import QueryRunner
from ic16graph.service_description import DatasetDescription
from ic16graph.vocabulary import prefixes

LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
IANA = Namespace("https://www.iana.org/assignments/media-types/")
LANGUAGES = Namespace("http://id.loc.gov/vocabulary/iso639-1/")
TITLE = {
    "fi": "ic16graph: Innovoivat kaupungit ja yhteisöt (Innokaupungit) -ohjelman tietoverkko",
    "sv": "ic16graph: kunskapsgraf över programmet Innovativa städer (Innostäderna)",
    "en": "ic16graph: the knowledge graph of the Innovative Cities programme (Innokaupungit)",
}
DESCRIPTION = {
    "fi": "Valtion ja 16 kaupunkiseudun ekosysteemisopimukset, niiden kaupungit, painopisteet ja "
    "rahoittavat viranomaiset sekä teemakohtaiset vetovastuuhankkeet 2021–2027. Jokainen tieto "
    "kertoo, mikä asiakirja sen toteaa.",
    "sv": "Ekosystemavtalen mellan staten och 16 stadsregioner, deras städer, tyngdpunkter och "
    "finansierande myndigheter samt de tematiska projekten med ledningsansvar 2021–2027. Varje "
    "uppgift anger vilket dokument som säger det.",
    "en": "The ecosystem agreements between the Finnish state and 16 city regions, their cities, "
    "focus areas and funding authorities, and the thematic lead projects, 2021–2027. Every fact "
    "names the document that states it.",
}
EXAMPLES = ("id/lead-project/battery-chemistry", "id/city/tampere", "id/agreement/capital-region")
_TERMS_USED = """SELECT DISTINCT ?term WHERE {{
  VALUES ?g {{ {graphs} }}
  GRAPH ?g {{ {{ ?s ?term ?o }} UNION {{ ?s a ?term }} }}
  FILTER(isIRI(?term))
}}"""
_WELL_KNOWN = "/.well-known/void"


def built_at(build_dir: Path) -> datetime:
    """When the build in `build_dir` was made (its manifest's `built_at`)."""
    manifest = read_manifest(build_dir)
    return datetime.fromisoformat(manifest["built_at"])


def describe_dataset(
    base_iri: str,
    host: str,
    graphs: Sequence[GraphInfo],
    vocabularies: Sequence[str],
    modified: datetime,
    version: str,
) -> Graph:
    """The VoID + DCAT description; `host` is the service's own URL (ending in '/')."""
    g = Graph()
    dataset = URIRef(f"{base_iri}dataset")
    endpoint = URIRef(f"{host}sparql")
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    for lang in TITLE:
        g.add((dataset, DCTERMS.title, Literal(TITLE[lang], lang=lang)))
        g.add((dataset, DCTERMS.description, Literal(DESCRIPTION[lang], lang=lang)))
        g.add((dataset, DCTERMS.language, LANGUAGES[lang]))
    g.add((dataset, DCTERMS.license, LICENCE))
    g.add((dataset, DCTERMS.publisher, URIRef(f"{base_iri}id/org/ic16graph")))
    g.add((dataset, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.dateTime)))
    g.add((dataset, DCTERMS.hasVersion, Literal(version)))
    g.add((dataset, FOAF.homepage, URIRef(host)))
    g.add((dataset, DCAT.landingPage, URIRef(host)))
    for keyword in ("Innokaupungit", "ekosysteemisopimus", "Innovative Cities", "linked data"):
        g.add((dataset, DCAT.keyword, Literal(keyword)))
    g.add((dataset, VOID.sparqlEndpoint, endpoint))
    g.add((dataset, VOID.uriSpace, Literal(f"{base_iri}id/")))
    g.add((dataset, VOID.rootResource, URIRef(f"{base_iri}id/programme/innokaupungit")))
    for example in EXAMPLES:
        g.add((dataset, VOID.exampleResource, URIRef(base_iri + example)))
    for vocabulary in vocabularies:
        g.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    g.add((dataset, VOID.triples, Literal(sum(i.triples for i in graphs), datatype=XSD.integer)))
    for info in graphs:
        subset = URIRef(info.iri)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, VOID.triples, Literal(info.triples, datatype=XSD.integer)))
        g.add((subset, RDFS.label, Literal(info.path or info.role)))
    service = BNode()
    g.add((dataset, DCAT.accessService, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.endpointDescription, endpoint))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    for name, media_type in dump_names().items():
        url = URIRef(f"{host}dump/{name}")
        g.add((dataset, VOID.dataDump, url))
        distribution = BNode()
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCTERMS.license, LICENCE))
        g.add((distribution, DCAT.mediaType, IANA[DUMPS[name.removesuffix(".gz")]]))
        if media_type == GZIP:
            g.add((distribution, DCAT.compressFormat, IANA[GZIP]))
    return g


def vocabulary_of(term: str, known: Sequence[str]) -> str:
    """The namespace of `term`: the longest known one it starts with, else up to its last / or #."""
    matching = [namespace for namespace in known if term.startswith(namespace)]
    if matching:
        return max(matching, key=len)
    return term[: max(term.rfind("/"), term.rfind("#")) + 1]


def dataset_router(
    runner: QueryRunner, settings: Settings, dataset: DatasetDescription
) -> APIRouter:
    """`/.well-known/void`, `/dataset` (and their `.ttl`… documents) and `/dump/{name}`."""
    router = APIRouter(tags=["dataset"])
    context = jsonld.load_context(settings.ontology_dir / "context.jsonld", settings.base_iri)
    modified = built_at(settings.build_dir)
    used: list[str] = []  # the vocabularies of the data graphs, asked once

    async def vocabularies() -> list[str]:
        if not used:
            graphs = " ".join(f"<{g.iri}>" for g in dataset.graphs if g.role == "data")
            job = QueryJob(
                _TERMS_USED.format(graphs=graphs), "application/sparql-results+json", None
            )
            rows = json.loads((await runner.run(job)).body)["results"]["bindings"]
            known = [ns for ns in prefixes(settings.base_iri).values() if "/id/" not in ns]
            used.extend(sorted({vocabulary_of(r["term"]["value"], known) for r in rows}))
        return used

    async def description(request: Request) -> Response:
        """The VoID and DCAT description of the dataset (Turtle unless asked otherwise)."""
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        wanted = requested(request, path, RDF_DOCUMENT_FORMATS)
        if wanted is None:
            return not_acceptable(RDF_DOCUMENT_FORMATS)
        try:
            used_vocabularies = await vocabularies()
        except QueryRefused as error:
            return refused(error)
        host = str(request.base_url)
        graph = describe_dataset(
            settings.base_iri, host, dataset.graphs, used_vocabularies, modified, dataset.version
        )
        iri = f"{settings.base_iri}dataset"
        body = rdf_document(request, wanted.format, graph, iri, context, settings.base_iri)
        response = Response(body)
        response.headers.update(wanted.headers(request, RDF_DOCUMENT_FORMATS))
        return response

    async def dump(name: str) -> Response:
        """The whole dataset as a file: TriG, N-Quads, Turtle (default graph) or JSON-LD."""
        media_type = dump_names().get(name)
        path = settings.build_dir / DUMP_DIR / name
        if media_type is None or not path.is_file():
            known = ", ".join(dump_names())
            return PlainTextResponse(f"No dump named {name!r}; there are: {known}.\n", 404)
        return FileResponse(path, media_type=media_type, filename=name)

    for path in ("/dataset", _WELL_KNOWN):
        for route in (path, f"{path}.{{extension}}"):
            router.add_api_route(route, description, methods=["GET", "HEAD"])
    router.add_api_route("/dump/{name}", dump, methods=["GET", "HEAD"])
    return router
