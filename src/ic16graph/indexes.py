"""The data of the index pages (agreements, cities, lead projects, themes, organisations, home).

Each index is a class and a table of fields (key → SPARQL property path), pyLODE-style: what a
page lists is data, not code. One generated SELECT per index fetches every item with all its
labels and, for each field, the values with their labels; it runs as a job of the query runner
(the worker pool) like any client's query, and the language is chosen later, when rendering.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from ic16graph.execution import QueryJob
from ic16graph.protocol import QueryRunner

IC16 = "https://w3id.org/ic16/ontology/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
_JSON = "application/sparql-results+json"
_PREFIXES = f"PREFIX ic16: <{IC16}>\nPREFIX skos: <{SKOS}>\n"
_LABEL = "skos:prefLabel|<http://www.w3.org/2000/01/rdf-schema#label>"


@dataclass(frozen=True)
class Ref:
    """A resource as pages show it: IRI and labels (the attributes pages use of a `Term`)."""

    value: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """One listed resource and, per field, its values: `Ref`s for resources, `str` for literals."""

    ref: Ref
    fields: Mapping[str, tuple[Ref | str, ...]]

    @property
    def value(self) -> str:
        return self.ref.value

    @property
    def labels(self) -> Mapping[str, str]:
        return self.ref.labels

    def refs(self, key: str) -> tuple[Ref, ...]:
        return tuple(value for value in self.fields.get(key, ()) if isinstance(value, Ref))

    def literals(self, key: str) -> tuple[str, ...]:
        return tuple(value for value in self.fields.get(key, ()) if isinstance(value, str))


@dataclass(frozen=True)
class Index:
    """What an index page lists: the `?item`s matching `where`, with these fields."""

    where: str  # a graph pattern on ?item, with the prefixes ic16: and skos:
    fields: Mapping[str, str] = field(default_factory=dict)  # key → property path from ?item

    def query(self) -> str:
        branches = [f'{{ ?item {_LABEL} ?label . BIND("" AS ?field) }}']
        branches += [
            f'{{ ?item {path} ?value . BIND("{key}" AS ?field) '
            f"OPTIONAL {{ ?value {_LABEL} ?label }} }}"
            for key, path in self.fields.items()
        ]
        union = "\n  UNION ".join(branches)
        return (
            f"{_PREFIXES}SELECT ?item ?field ?value ?label WHERE {{\n  {self.where}\n  {union}\n}}"
        )


AGREEMENTS = Index(
    "?item a ic16:EcosystemAgreement .",
    {
        "municipalities": "ic16:hasMunicipalParty",
        "authority": "ic16:fundingAuthority",
        "region": "ic16:coversRegion",
        "focus": "ic16:focusArea",
    },
)
CITIES = Index(
    "?item a ic16:Municipality .",
    {
        "types": "a",
        "region": "ic16:inCityRegion",
        "agreement": "ic16:isMunicipalPartyTo",
        "code": "ic16:municipalityCode",
        "projects": "^ic16:involvesMunicipality",
    },
)
LEAD_PROJECTS = Index(
    "?item a ic16:LeadProject .",
    {
        "theme": "ic16:theme",
        "lead_city": "ic16:leadCity",
        "lead_organisation": "ic16:leadOrganisation",
        "regions": "ic16:involvesCityRegion",
        "municipalities": "ic16:involvesMunicipality",
        "lead_region": "ic16:leadCity/ic16:inCityRegion",
    },
)
THEMES = Index(
    "?item a ic16:Theme .",
    {
        "scheme": "skos:inScheme",
        "broader": "skos:broader",
        "agreement": "ic16:isFocusAreaOf",
        "projects": "^ic16:theme",
    },
)
# Cities and municipalities are organisations too, but they have their own page.
ORGANISATIONS = Index(
    "?item a ic16:Organisation . FILTER NOT EXISTS { ?item a ic16:Municipality }",
    {"types": "a", "based_in": "ic16:basedIn", "projects": "ic16:participatesIn"},
)
SOURCES = Index("?item a ic16:SourceDocument .")

# Counted on the home page, by message key: the same patterns as the pages, so they agree.
COUNTED = {
    "count_agreements": AGREEMENTS,
    "count_cities": CITIES,
    "count_lead_projects": LEAD_PROJECTS,
    "count_themes": THEMES,
    "count_organisations": ORGANISATIONS,
    "count_sources": SOURCES,
}


async def fetch(runner: QueryRunner, index: Index) -> list[Item]:
    """Every `?item` of `index` with its labels and fields, in no particular order."""
    labels: dict[str, dict[str, str]] = {}  # of items and of the resources they link to
    values: dict[str, dict[str, dict[str, bool]]] = {}  # item → key → value → is an IRI
    for row in await _select(runner, index.query()):
        item, key, label = row["item"]["value"], row["field"]["value"], row.get("label")
        fields = values.setdefault(item, {})
        labelled = item
        if key:
            value = row["value"]
            fields.setdefault(key, {})[value["value"]] = value["type"] == "uri"
            labelled = value["value"]
        known = labels.setdefault(labelled, {})
        if label:
            known.setdefault(label.get("xml:lang", ""), label["value"])

    def value(text: str, is_iri: bool) -> Ref | str:
        return Ref(text, labels.get(text, {})) if is_iri else text

    return [
        Item(
            Ref(item, labels.get(item, {})),
            {key: tuple(value(v, iri) for v, iri in vs.items()) for key, vs in fields.items()},
        )
        for item, fields in values.items()
    ]


async def counts(runner: QueryRunner) -> dict[str, int]:
    """How many items each index of COUNTED lists, by message key."""
    union = "\n  UNION ".join(
        f'{{ {index.where} BIND("{key}" AS ?key) }}' for key, index in COUNTED.items()
    )
    query = (
        f"{_PREFIXES}SELECT ?key (COUNT(DISTINCT ?item) AS ?count) WHERE {{\n  {union}\n}}"
        " GROUP BY ?key"
    )
    found = {
        row["key"]["value"]: int(row["count"]["value"]) for row in await _select(runner, query)
    }
    return {key: found.get(key, 0) for key in COUNTED}


async def _select(runner: QueryRunner, query: str) -> list[dict[str, dict[str, str]]]:
    answer = await runner.run(QueryJob(query, _JSON, None))
    return json.loads(answer.body)["results"]["bindings"]
