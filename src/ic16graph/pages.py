"""HTML for people: resource pages, index pages and the layout they share, in fi, sv or en.

The index pages ask the query runner (the worker pool) like any client (`indexes`), shape the
answers (`page_models`) and render Jinja2 templates that all extend `base.html`. Jinja2
autoescapes everything; data reaches scripts only as JSON in `<script type="application/json">`,
so the pages need no inline script and work under a strict Content-Security-Policy.

The language is `?lang=` > Accept-Language > Finnish. When it came from `?lang=`, every internal
link carries it on, so a reader who switched language stays in it. Links to our own IRIs go to
this server (the IRI's path under the base, `app.state.settings.base_iri`), so browsing works on
localhost as behind w3id.org.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from ic16graph import indexes
from ic16graph.config import Settings
from ic16graph.describe import ResourceDescription, local_path
from ic16graph.dumps import DUMPS
from ic16graph.execution import QueryRefused
from ic16graph.i18n import LANGUAGES, Label, choose_language, messages
from ic16graph.indexes import IC16, Ref
from ic16graph.page_models import (
    best_label,
    by_label,
    label_text,
    network_graph,
    organisation_groups,
    resource_view,
    theme_tree,
    tree_graph,
)
from ic16graph.protocol import QueryRunner
from ic16graph.service_description import DatasetDescription
from ic16graph.vocabulary import XSD

LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}
# The main menu: message key → path.
NAVIGATION = {
    "home": "/",
    "agreements": "/agreements",
    "cities": "/cities",
    "lead_projects": "/lead-projects",
    "themes": "/themes",
    "organisations": "/organisations",
    "network": "/network",
    "query": "/query",
}
# Where an unknown IRI's kind (its first segment under id/) is listed.
INDEX_OF_KIND = {
    "agreement": "agreements",
    "city": "cities",
    "municipality": "cities",
    "city-region": "cities",
    "lead-project": "lead_projects",
    "work-package": "lead_projects",
    "theme": "themes",
    "org": "organisations",
}
FORMAT_NAMES = {
    "application/ld+json": "JSON-LD",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/rdf+xml": "RDF/XML",
    "application/trig": "TriG",
    "application/n-quads": "N-Quads",
}
_SKOS = "http://www.w3.org/2004/02/skos/core#"

TEMPLATES = Jinja2Templates(
    directory=str(files("ic16graph") / "templates"),
    context_processors=[lambda request: {"ui": chrome(request)}],
)
TEMPLATES.env.globals.update(
    IC16=IC16,
    XSD=str(XSD),
    NAVIGATION=NAVIGATION,
    DUMPS={name: FORMAT_NAMES[media_type] for name, media_type in DUMPS.items()},
)
TEMPLATES.env.filters["upper_first"] = lambda text: text[:1].upper() + text[1:]


def pick_language(request: Request) -> str:
    """`?lang=` if we speak it, else the best of Accept-Language, else Finnish."""
    return choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))


@dataclass(frozen=True)
class Chrome:
    """What every page's layout needs: its language and text, and links that keep both."""

    lang: str
    t: Mapping[str, str]
    base_iri: str
    root: str  # the application's root path, "" unless mounted under a prefix
    path: str
    query: tuple[tuple[str, str], ...]
    keep_lang: bool  # the language came from ?lang=, so internal links carry it

    def url(self, path: str, **params: str) -> str:
        """An internal link to `path` (with `params`), keeping the chosen language."""
        if self.keep_lang:
            params = {**params, "lang": self.lang}
        return self.root + path + (f"?{urlencode(params)}" if params else "")

    def href(self, iri: str) -> str:
        """Where to follow `iri`: our own IRIs on this server, any other as it is."""
        path = local_path(iri, self.base_iri)
        return self.url(path) if path else iri

    def label(self, resource: Any) -> Label | None:
        return best_label(resource, self.lang)

    def text(self, resource: Any) -> str:
        return label_text(resource, self.lang)

    def sort(self, resources: Iterable[Any]) -> list[Any]:
        return by_label(resources, self.lang)

    def switcher(self) -> list[tuple[str, str, str, bool]]:
        """(code, name, link to this page in that language, is current) per language."""
        others = [(k, v) for k, v in self.query if k != "lang"]
        return [
            (
                code,
                LANGUAGE_NAMES[code],
                f"{self.path}?{urlencode([*others, ('lang', code)])}",
                code == self.lang,
            )
            for code in LANGUAGES
        ]

    def navigation(self) -> list[tuple[str, str, bool]]:
        """(text, link, is current) per main-menu entry."""
        here = self.path.removeprefix(self.root) or "/"
        return [(self.t[key], self.url(path), here == path) for key, path in NAVIGATION.items()]


def chrome(request: Request) -> Chrome:
    """The layout context of `request`, in `request.state.lang` when a renderer chose one."""
    lang = getattr(request.state, "lang", None) or pick_language(request)
    settings: Settings = request.app.state.settings
    return Chrome(
        lang=lang,
        t=messages(lang),
        base_iri=settings.base_iri,
        root=request.scope.get("root_path", ""),
        path=request.url.path,
        query=tuple(request.query_params.multi_items()),
        keep_lang=request.query_params.get("lang") in LANGUAGES,
    )


def render_resource(
    request: Request,
    description: ResourceDescription,
    lang: str,
    alternates: Mapping[str, str],
) -> HTMLResponse:
    """The page of one resource; `alternates` maps media types to the same data's URLs."""
    ui = _set_language(request, lang)
    context = {
        "description": description,
        "subject": Ref(description.iri, description.labels),
        "view": resource_view(description, lang),
        "formats": [
            (FORMAT_NAMES.get(t, t), t, url) for t, url in alternates.items() if t != "text/html"
        ],
        "query_url": ui.url("/query", query=description_query(description.iri)),
    }
    return _render(request, "resource.html", context)


def render_not_found(request: Request, iri: str, lang: str) -> HTMLResponse:
    """A 404 page that helps: the index where such things are listed, and a label search."""
    ui = _set_language(request, lang)
    kind, _, slug = iri.partition("/id/")[2].partition("/")
    words = sorted(
        ("".join(c for c in word.lower() if c.isalnum()) for word in slug.split("-")),
        key=len,
        reverse=True,
    )
    search = words[0] if words and words[0] else None
    context = {
        "iri": iri,
        "suggested": INDEX_OF_KIND.get(kind),
        "search": search,
        "search_url": ui.url("/query", query=search_query(search)) if search else None,
    }
    return _render(request, "not_found.html", context, status=404)


def description_query(iri: str) -> str:
    """A SPARQL query giving what a resource page shows: statements, neighbours' labels, links."""
    return (
        f"PREFIX skos: <{_SKOS}>\n"
        f"# The statements about <{iri}>, the labels of what it links to, and the links to it.\n"
        f"CONSTRUCT {{\n  <{iri}> ?property ?value .\n  ?value skos:prefLabel ?label .\n"
        f"  ?subject ?link <{iri}> .\n}}\nWHERE {{\n"
        f"  {{ <{iri}> ?property ?value . OPTIONAL {{ ?value skos:prefLabel ?label }} }}\n"
        f"  UNION {{ ?subject ?link <{iri}> }}\n}}\n"
    )


def search_query(word: str) -> str:
    """A SPARQL query for the resources with `word` (letters and digits only) in a label."""
    return (
        f"PREFIX skos: <{_SKOS}>\n# Resources with “{word}” in one of their labels.\n"
        "SELECT DISTINCT ?resource ?label WHERE {\n  ?resource skos:prefLabel ?label .\n"
        f'  FILTER(CONTAINS(LCASE(STR(?label)), "{word}"))\n}}\nORDER BY ?label\nLIMIT 50\n'
    )


def pages_router(runner: QueryRunner, settings: Settings, dataset: DatasetDescription) -> APIRouter:
    """The home page and the index pages.

    Links need the base IRI on every page, including those rendered elsewhere (resource pages,
    the query page), so `chrome` reads it from `app.state.settings`, which `create_app` sets.
    """
    router = APIRouter(include_in_schema=False)

    def page(
        template: str, shape: Callable[[Chrome], Awaitable[dict[str, Any]]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            try:
                context = await shape(chrome(request))
            except QueryRefused as error:  # busy or timed out: say so, and when to come back
                return PlainTextResponse(str(error), status_code=503, headers={"Retry-After": "5"})
            return _render(request, template, {**context, "version": dataset.version})

        return handler

    async def home(ui: Chrome) -> dict[str, Any]:
        return {
            "counts": await indexes.counts(runner),
            "graphs": dataset.graphs,
            "triples": sum(graph.triples for graph in dataset.graphs if graph.role != "shapes"),
            "base_iri": settings.base_iri,
        }

    def listing(index: indexes.Index) -> Callable[[Chrome], Awaitable[dict[str, Any]]]:
        async def shape(ui: Chrome) -> dict[str, Any]:
            return {"items": ui.sort(await indexes.fetch(runner, index))}

        return shape

    async def themes(ui: Chrome) -> dict[str, Any]:
        tree = theme_tree(await indexes.fetch(runner, indexes.THEMES), ui.lang)
        return {"tree": tree, "graph": tree_graph(tree, ui.lang, ui.href)}

    async def organisations(ui: Chrome) -> dict[str, Any]:
        found = await indexes.fetch(runner, indexes.ORGANISATIONS)
        return {"groups": organisation_groups(found, ui.lang), "total": len(found)}

    async def network(ui: Chrome) -> dict[str, Any]:
        projects = await indexes.fetch(runner, indexes.LEAD_PROJECTS)
        return {"items": ui.sort(projects), "graph": network_graph(projects, ui.lang, ui.href)}

    routes = {
        "/": page("home.html", home),
        "/agreements": page("agreements.html", listing(indexes.AGREEMENTS)),
        "/cities": page("cities.html", listing(indexes.CITIES)),
        "/lead-projects": page("lead_projects.html", listing(indexes.LEAD_PROJECTS)),
        "/themes": page("themes.html", themes),
        "/organisations": page("organisations.html", organisations),
        "/network": page("network.html", network),
    }
    for path, handler in routes.items():
        router.add_api_route(path, handler, methods=["GET", "HEAD"], response_class=HTMLResponse)
    return router


def _set_language(request: Request, lang: str) -> Chrome:
    """Render in `lang` whatever `pick_language` would say (the caller already chose)."""
    request.state.lang = lang
    return chrome(request)


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    response.headers["Vary"] = "Accept-Language"
    response.headers["Content-Language"] = chrome(request).lang
    return response
