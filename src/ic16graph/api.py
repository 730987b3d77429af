"""JSON-LD lists for people who do not write SPARQL: `/api/cities`, `/api/agreements`, ….

Each list holds what the matching index page lists (the same `indexes` patterns, so they agree),
ordered by Finnish label as the pages order it, in pages of `size` items. An item is its IRI
(`id`), its asserted types and its labels as a language map, compacted with our context (pyld);
a page is a Hydra partial collection view: `total`, `first`/`prev`/`next`/`last` links, `items`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pyld import jsonld as pyld

from ic16graph import indexes, jsonld
from ic16graph.config import Settings
from ic16graph.describe import graph_role
from ic16graph.execution import QueryJob, QueryRefused
from ic16graph.i18n import sort_key
from ic16graph.linked_data import context_url, refused
from ic16graph.protocol import QueryRunner
from ic16graph.vocabulary import IC16

SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
MAX_SIZE = 100
LISTS: dict[str, tuple[indexes.Index, str]] = {  # path -> (what is listed, summary)
    "cities": (indexes.CITIES, "Cities and municipalities (ic16:Municipality)"),
    "agreements": (indexes.AGREEMENTS, "The ecosystem agreements (ic16:EcosystemAgreement)"),
    "lead-projects": (indexes.LEAD_PROJECTS, "The thematic lead projects (ic16:LeadProject)"),
    "themes": (indexes.THEMES, "Themes and focus areas (ic16:Theme)"),
    "organisations": (
        indexes.ORGANISATIONS,
        "Organisations other than cities and municipalities (ic16:Organisation)",
    ),
}
# How the page's own keys read as RDF (Hydra); `page` and `size` are for people only.
PAGE_CONTEXT = {
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "total": "hydra:totalItems",
    "items": {"@id": "hydra:member", "@container": "@set"},
    "view": {"@id": "hydra:view", "@type": "@id"},
    "first": {"@id": "hydra:first", "@type": "@id"},
    "prev": {"@id": "hydra:previous", "@type": "@id"},
    "next": {"@id": "hydra:next", "@type": "@id"},
    "last": {"@id": "hydra:last", "@type": "@id"},
    "page": None,
    "size": None,
}
_ORDER = """{prefixes}SELECT ?item (MIN(STR(?fi)) AS ?key) WHERE {{
  {where}
  OPTIONAL {{ ?item skos:prefLabel ?fi FILTER(LANGMATCHES(LANG(?fi), "fi")) }}
}} GROUP BY ?item"""
_DETAILS = """{prefixes}SELECT ?item ?type ?g ?label WHERE {{
  VALUES ?item {{ {items} }}
  {{ GRAPH ?g {{ ?item a ?type }} }} UNION {{ ?item skos:prefLabel ?label }}
}}"""
_PREFIXES = f"PREFIX ic16: <{IC16}>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


class ListItem(BaseModel):
    id: str = Field(description="The resource's IRI, compacted with the context (city:tampere)")
    type: list[str] = Field(description="Its asserted types (City, LeadProject, …)")
    label: dict[str, str] = Field(description="Its labels, by language (fi, sv, en)")


class ListPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    context: list[Any] = Field(alias="@context", description="Our context, plus Hydra paging")
    id: str = Field(description="This page's URL")
    type: str = "hydra:PartialCollectionView"
    total: int = Field(description="How many items the whole list has")
    page: int
    size: int
    first: str
    last: str
    prev: str | None = None
    next: str | None = None
    items: list[ListItem]


EXAMPLE = {
    "@context": ["https://w3id.org/ic16/context.jsonld", PAGE_CONTEXT],
    "id": "https://w3id.org/ic16/api/lead-projects?page=1&size=2",
    "type": "hydra:PartialCollectionView",
    "total": 6,
    "page": 1,
    "size": 2,
    "first": "https://w3id.org/ic16/api/lead-projects?page=1&size=2",
    "last": "https://w3id.org/ic16/api/lead-projects?page=3&size=2",
    "next": "https://w3id.org/ic16/api/lead-projects?page=2&size=2",
    "items": [
        {
            "id": "project:battery-chemistry",
            "type": ["LeadProject"],
            "label": {
                "en": "Lead project for battery chemistry",
                "fi": "Akkukemian vetovastuuhanke",
                "sv": "Projekt med ledningsansvar gällande batterikemi",
            },
        }
    ],
}


def api_router(runner: QueryRunner, settings: Settings) -> APIRouter:
    """One paged JSON-LD list per entry of `LISTS`, under `/api/`."""
    router = APIRouter(prefix="/api", tags=["lists (JSON-LD)"])
    context = jsonld.load_context(settings.ontology_dir / "context.jsonld", settings.base_iri)
    loader = jsonld.document_loader({})  # compaction needs nothing from the network

    def listing(index: indexes.Index) -> Callable[..., Awaitable[Response]]:
        async def endpoint(
            request: Request,
            page: int = Query(1, ge=1, description="Which page, from 1"),
            size: int = Query(20, ge=1, le=MAX_SIZE, description="Items per page"),
        ) -> Response:
            try:
                ordered = await _ordered_items(runner, index)
                last = max(1, -(-len(ordered) // size))
                if page > last:
                    return JSONResponse({"detail": f"There are {last} pages of {size}."}, 404)
                chosen = ordered[(page - 1) * size : page * size]
                items = await _items(runner, chosen, context, loader)
            except QueryRefused as error:
                return refused(error)

            def link(number: int) -> str:
                return str(request.url.include_query_params(page=number, size=size))

            document = {
                "@context": [context_url(request), PAGE_CONTEXT],
                "id": link(page),
                "type": "hydra:PartialCollectionView",
                "total": len(ordered),
                "page": page,
                "size": size,
                "first": link(1),
                "last": link(last),
                **({"prev": link(page - 1)} if page > 1 else {}),
                **({"next": link(page + 1)} if page < last else {}),
                "items": items,
            }
            return Response(jsonld.dumps(document), media_type=jsonld.MEDIA_TYPE)

        return endpoint

    for path, (index, summary) in LISTS.items():
        router.add_api_route(
            f"/{path}",
            listing(index),
            methods=["GET"],
            summary=summary,
            response_model=ListPage,
            responses={
                200: {"content": {jsonld.MEDIA_TYPE: {"example": EXAMPLE}}},
                404: {"description": "A page beyond the last"},
            },
        )
    return router


async def _select(runner: QueryRunner, query: str) -> list[dict]:
    job = QueryJob(query, "application/sparql-results+json", None)
    return json.loads((await runner.run(job)).body)["results"]["bindings"]


async def _ordered_items(runner: QueryRunner, index: indexes.Index) -> list[str]:
    """Every item's IRI, ordered by Finnish label as Finnish readers expect (then by IRI)."""
    rows = await _select(runner, _ORDER.format(prefixes=_PREFIXES, where=index.where))
    keyed = [(sort_key(r.get("key", {}).get("value", "")), r["item"]["value"]) for r in rows]
    return [iri for _, iri in sorted(keyed)]


async def _items(
    runner: QueryRunner, iris: Sequence[str], context: dict, loader: jsonld.DocumentLoader
) -> list[dict]:
    """`iris` as compact list items, in that order: id, asserted types, label map."""
    if not iris:
        return []
    values = " ".join(f"<{iri}>" for iri in iris)
    nodes: dict[str, dict[str, list]] = {iri: {"@type": [], SKOS_PREF_LABEL: []} for iri in iris}
    for row in await _select(runner, _DETAILS.format(prefixes=_PREFIXES, items=values)):
        node = nodes[row["item"]["value"]]
        if "type" in row and graph_role(row["g"]["value"]) == "data":
            node["@type"].append(row["type"]["value"])
        elif "label" in row:
            label = row["label"]
            language = {"@language": label["xml:lang"]} if "xml:lang" in label else {}
            node[SKOS_PREF_LABEL].append({"@value": label["value"], **language})
    expanded = [{"@id": iri, **node} for iri, node in nodes.items()]
    compacted = pyld.compact(
        {"@graph": expanded}, context["@context"], {"documentLoader": loader, "graph": True}
    )
    return [  # compaction keeps the order of @graph
        {"id": i["id"], "type": sorted(_as_list(i.get("type"))), "label": i.get("label", {})}
        for i in compacted["@graph"]
    ]


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
