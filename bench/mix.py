"""The benchmark's queries: the repository's named queries plus a 14-query mix.

The mix covers what researchers ask of the graph: lookups, text search (REGEX, CONTAINS), joins,
aggregates, OPTIONAL, property paths, paging with ORDER BY/OFFSET, ASK, UNION and sub-queries.
It uses only our ontology, so it runs on the real data and on every synthetic size; `$CITY` and
`$PROJECT` stand for resources picked from the dataset at hand. Every ORDER BY is total, so that
a page holds the same rows on every system.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = """PREFIX ic16: <https://w3id.org/ic16/ontology/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
"""
# What the placeholders stand for: the first such resource, in IRI order.
PICKS = {
    "$CITY": "SELECT ?x WHERE { ?x a ic16:City } ORDER BY ?x LIMIT 1",
    "$PROJECT": "SELECT ?x WHERE { ?x a ic16:LeadProject } ORDER BY ?x LIMIT 1",
}


@dataclass(frozen=True)
class Query:
    name: str
    kind: str  # what it exercises, for the report
    text: str
    graph: bool = False  # CONSTRUCT/DESCRIBE: asked for as N-Triples, compared as triples


MIX = (
    Query("lookup", "lookup", "SELECT ?p ?o WHERE { $PROJECT ?p ?o }"),
    Query("lookup-construct", "lookup (CONSTRUCT)",
          "CONSTRUCT { $CITY ?p ?o } WHERE { $CITY ?p ?o }", graph=True),
    Query("text-regex", "text search: REGEX",
          'SELECT ?s ?label WHERE { ?s skos:prefLabel ?label '
          'FILTER(REGEX(?label, "(eko|eco)syste", "i")) }'),
    Query("text-contains", "text search: CONTAINS",
          "SELECT ?s ?label WHERE { ?s a ic16:Project ; skos:prefLabel ?label "
          'FILTER(CONTAINS(LCASE(STR(?label)), "akku")) }'),
    Query("join-projects", "join (4 patterns)",
          "SELECT ?project ?city ?region ?agreement WHERE { ?project a ic16:LeadProject ; "
          "ic16:leadCity ?city . ?city ic16:inCityRegion ?region . "
          "?region ic16:isCoveredBy ?agreement }"),
    Query("join-organisations", "join with labels (large result)",
          "SELECT ?org ?org_fi ?town_fi ?region_fi WHERE { ?org a ic16:Organisation ; "
          "ic16:basedIn ?town ; skos:prefLabel ?org_fi . ?town ic16:inCityRegion ?region ; "
          "skos:prefLabel ?town_fi . ?region skos:prefLabel ?region_fi "
          'FILTER(lang(?org_fi) = "fi" && lang(?town_fi) = "fi" && lang(?region_fi) = "fi") }'),
    Query("count-types", "aggregate: GROUP BY over every typed resource",
          "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type "
          "ORDER BY DESC(?n) ?type"),
    Query("projects-per-municipality", "aggregate: COUNT DISTINCT, OPTIONAL",
          "SELECT ?m (COUNT(DISTINCT ?p) AS ?projects) (COUNT(DISTINCT ?o) AS ?partners) "
          "WHERE { ?p a ic16:LeadProject ; ic16:involvesMunicipality ?m . "
          "OPTIONAL { ?p ic16:hasParticipant ?o } } GROUP BY ?m "
          "ORDER BY DESC(?projects) ?m LIMIT 50"),
    Query("agreements-optional", "OPTIONAL",
          "SELECT ?agreement ?fi ?en ?council ?council_fi WHERE { "
          "?agreement a ic16:EcosystemAgreement ; skos:prefLabel ?fi FILTER(lang(?fi) = \"fi\") "
          "OPTIONAL { ?agreement skos:prefLabel ?en FILTER(lang(?en) = \"en\") } "
          "OPTIONAL { ?agreement ic16:fundingAuthority ?council . "
          "?council skos:prefLabel ?council_fi FILTER(lang(?council_fi) = \"fi\") } }"),
    Query("theme-path", "property path: skos:broader+",
          "SELECT ?area ?sub WHERE { ?agreement ic16:focusArea ?area . "
          "?sub skos:broader+ ?area }"),
    Query("paging", "paging: ORDER BY, LIMIT, OFFSET",
          "SELECT ?org ?label WHERE { ?org a ic16:Organisation ; skos:prefLabel ?label "
          'FILTER(lang(?label) = "fi") } ORDER BY STR(?label) ?org LIMIT 20 OFFSET 20'),
    Query("ask", "ASK (inferred type)", "ASK { $CITY a ic16:Innokaupunki }"),
    Query("union", "UNION",
          'SELECT ?actor ?kind WHERE { { ?actor ic16:basedIn $CITY BIND("organisation" AS ?kind) }'
          " UNION { ?post org:postIn ?o ; org:heldBy ?actor . ?o ic16:basedIn $CITY "
          'BIND("person" AS ?kind) } }'),
    Query("subquery", "sub-query: top 10 municipalities by organisations",
          "SELECT ?town ?town_fi ?n WHERE { { SELECT ?town (COUNT(?org) AS ?n) WHERE { "
          "?org ic16:basedIn ?town } GROUP BY ?town ORDER BY DESC(?n) ?town LIMIT 10 } "
          '?town skos:prefLabel ?town_fi FILTER(lang(?town_fi) = "fi") }'),
)


def named_queries() -> list[Query]:
    return [Query(f"named:{path.stem}", "named query", path.read_text(encoding="utf-8"))
            for path in sorted((ROOT / "queries").glob("*.rq"))]


def all_queries(picks: dict[str, str]) -> list[Query]:
    """The mix, then the named queries (the heaviest for rdflib-endpoint: asked last, so that a
    time-out there does not use up its time before the rest), placeholders replaced by `picks`."""
    mix = []
    for query in MIX:
        text = query.text
        for placeholder, iri in picks.items():
            text = text.replace(placeholder, f"<{iri}>")
        mix.append(Query(query.name, query.kind, PREFIXES + text, query.graph))
    return mix + named_queries()
