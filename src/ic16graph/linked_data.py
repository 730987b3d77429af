"""Dereferenceable IRIs: every IRI we mint answers, as JSON-LD, Turtle, N-Triples, RDF/XML or HTML.

`/id/{path}` (and the named graphs' `/graph/{path}`) is the IRI `<base>id/{path}` of the data:
requests resolve IRIs under the configured base, so the same data works behind w3id.org
redirects and on localhost. The IRI itself answers 200 in the negotiated format (no 303:
Trifid's choice, one round trip), with `Vary: Accept` and `Content-Location` naming the
document URL of that format (`/id/city/tampere.ttl`), which answers without negotiation, like
`?format=`. An unknown IRI is a 404 in the negotiated format. The model answers the same way:
`/ontology` (pyLODE documentation, or the whole ontology), `/ontology/{Term}` (the term's own
triples; its HTML is a section of the documentation, reached by a 303 to `/ontology#{Term}`),
`/shapes`, `/shapes/{Shape}` and `/context.jsonld`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pyoxigraph import RdfFormat, parse, serialize
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, VOID

from ic16graph import jsonld, pages
from ic16graph.config import Settings
from ic16graph.describe import FindingIndex, describe
from ic16graph.execution import Busy, QueryRefused
from ic16graph.negotiation import HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format, negotiate
from ic16graph.ontology_docs import ModelGraphs, term_graph
from ic16graph.protocol import ERROR_STATUS, QueryRunner
from ic16graph.service_description import DatasetDescription
from ic16graph.vocabulary import IC16, SHAPES, prefixes

RDF_DOCUMENT_FORMATS = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)  # the server's order of preference
RESOURCE_FORMATS = (*RDF_DOCUMENT_FORMATS, HTML)
EXTENSIONS: dict[str, Format] = {
    "ttl": TURTLE,
    "jsonld": JSON_LD,
    "nt": N_TRIPLES,
    "rdf": RDF_XML,
    "html": HTML,
}
_EXTENSION_OF = {fmt.media_type: ext for ext, fmt in EXTENSIONS.items()}
_OXIGRAPH_FORMAT = {
    TURTLE: RdfFormat.TURTLE,
    N_TRIPLES: RdfFormat.N_TRIPLES,
    RDF_XML: RdfFormat.RDF_XML,
}
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CONTEXT_PATH = "/context.jsonld"
_DATASET_PREFIXES = {"void": str(VOID), "dcat": str(DCAT)}  # for the dataset's description


@dataclass(frozen=True)
class Requested:
    """What a request for a document asks for: which resource, in which format, and how."""

    path: str  # the resource's path on this server, without an extension
    format: Format
    negotiated: bool  # chosen from Accept, so the response varies with it

    def headers(self, request: Request, formats: tuple[Format, ...]) -> dict[str, str]:
        """Vary, Content-Location of the format's document URL, Link to the other formats."""
        headers = {"Content-Type": self.format.content_type}
        vary = ["Accept"] if self.negotiated else []
        if self.format is HTML:
            vary.append("Accept-Language")
        if vary:
            headers["Vary"] = ", ".join(vary)
        document = document_url(request, self.path, self.format)
        if document != request.url.path + (f"?{request.url.query}" if request.url.query else ""):
            headers["Content-Location"] = document
        headers["Link"] = ", ".join(
            f'<{url}>; rel="alternate"; type="{media_type}"'
            for media_type, url in alternates(request, self.path, formats).items()
        )
        return headers


def requested(request: Request, path: str, formats: tuple[Format, ...]) -> Requested | None:
    """The document `request` asks for; None when it accepts none of `formats` (406)."""
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and EXTENSIONS.get(extension) in formats:
        return Requested(stem, EXTENSIONS[extension], negotiated=False)
    explicit = request.query_params.get("format")
    chosen = negotiate(request.headers.get("accept"), formats, explicit)
    return Requested(path, chosen, negotiated=explicit is None) if chosen else None


def document_url(request: Request, path: str, fmt: Format) -> str:
    """The URL of `path`'s document in `fmt`, keeping the query (except `format=`)."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "format"])
    root = request.scope.get("root_path", "")
    return f"{root}{quote(path)}.{_EXTENSION_OF[fmt.media_type]}" + (f"?{query}" if query else "")


def alternates(request: Request, path: str, formats: tuple[Format, ...]) -> dict[str, str]:
    """media type -> document URL, for each of `formats`."""
    return {fmt.media_type: document_url(request, path, fmt) for fmt in formats}


def context_url(request: Request) -> str:
    """Where this server publishes the JSON-LD context our documents refer to."""
    return f"{str(request.base_url).rstrip('/')}{CONTEXT_PATH}"


def rdf_body(graph: Graph, fmt: Format, base_iri: str, first: str | None = None) -> bytes:
    """`graph` in Turtle, N-Triples or RDF/XML, with those of our prefixes it uses; triples by
    subject, those of `first` (the described resource) first.

    pyoxigraph writes them (as the SPARQL endpoint does): rdflib's Turtle would rewrite
    literals' lexical forms (`"21600000"^^xsd:decimal` as `21600000.0`), changing the data.
    """
    lines = graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)
    lines.sort(key=lambda line: (not line.startswith(f"<{first}> ".encode()), line))
    triples = parse(b"".join(lines), format=RdfFormat.N_TRIPLES)
    if fmt is N_TRIPLES:
        return serialize(triples, format=RdfFormat.N_TRIPLES)
    iris = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    iris |= {str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype}
    used = {
        prefix: namespace
        for prefix, namespace in sorted({**prefixes(base_iri), **_DATASET_PREFIXES}.items())
        if any(iri.startswith(namespace) for iri in iris)
    }
    return serialize(triples, format=_OXIGRAPH_FORMAT[fmt], prefixes=used)


def rdf_document(
    request: Request, fmt: Format, graph: Graph, iri: str | None, context: dict, base_iri: str
) -> bytes:
    """`graph` in an RDF format; as JSON-LD, framed around `iri` (or flat when None)."""
    if fmt is not JSON_LD:
        return rdf_body(graph, fmt, base_iri, iri)
    if iri is None:
        return jsonld.dumps(jsonld.compact_graph(graph, context, context_url(request)))
    return jsonld.dumps(jsonld.frame_resource(graph, iri, context, context_url(request)))


def refused(error: QueryRefused) -> Response:
    """A query behind a page that could not run (busy, too slow…): the SPARQL endpoint's status."""
    status = next(code for kind, code in ERROR_STATUS.items() if isinstance(error, kind))
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Busy) else None
    return Response(f"{error}\n", status, headers, media_type="text/plain; charset=utf-8")


def not_acceptable(formats: tuple[Format, ...]) -> Response:
    available = ", ".join(
        f"{f.media_type} (.{_EXTENSION_OF[f.media_type]}, format={f.names[0]})" for f in formats
    )
    return Response(
        f"None of the media types in Accept (or format=) is available here. Available: "
        f"{available}.\n",
        406,
        media_type="text/plain; charset=utf-8",
    )


def linked_data_router(
    runner: QueryRunner, settings: Settings, dataset: DatasetDescription
) -> APIRouter:
    """The routes of `/id/…`, `/graph/…`, `/ontology…`, `/shapes…` and `/context.jsonld`."""
    router = APIRouter(tags=["linked data"])
    base_iri = settings.base_iri
    context = jsonld.load_context(settings.ontology_dir / "context.jsonld", base_iri)
    findings = FindingIndex.read(settings.build_dir)
    model = ModelGraphs(runner, dataset.graphs)

    def not_found(request: Request, iri: str, wanted: Requested) -> Response:
        message = f"Nothing in this dataset is identified by <{quote(iri, safe=_IRI_SAFE)}>."
        if wanted.format is HTML:
            response: Response = pages.render_not_found(request, iri, pages.pick_language(request))
        else:
            response = Response(_NOT_FOUND_BODY[wanted.format](message, context_url(request)), 404)
        headers = wanted.headers(request, RESOURCE_FORMATS)
        headers.pop("Content-Location", None)  # there is no document to locate
        response.headers.update(headers)
        return response

    async def resource(request: Request) -> Response:
        """A resource of the data (or a named graph), described in the negotiated format."""
        wanted = requested(request, _local_path(request), RESOURCE_FORMATS)
        if wanted is None:
            return not_acceptable(RESOURCE_FORMATS)
        iri = base_iri + wanted.path.lstrip("/")
        inference = request.query_params.get("inference", "true").lower() != "false"
        try:
            description = await describe(
                runner, iri, inference=inference, base_iri=base_iri, findings=findings
            )
        except QueryRefused as error:
            return refused(error)
        if description is None:
            return not_found(request, iri, wanted)
        if wanted.format is HTML:
            lang = pages.pick_language(request)
            links = alternates(request, wanted.path, RDF_DOCUMENT_FORMATS)
            response: Response = pages.render_resource(request, description, lang, links)
        else:
            response = Response(
                rdf_document(request, wanted.format, description.graph, iri, context, base_iri)
            )
        response.headers.update(wanted.headers(request, RESOURCE_FORMATS))
        return response

    def model_route(
        path: str,
        namespace: str,
        role: str,
        html: Callable[[Request, Requested], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        """`/ontology` or `/shapes`: the whole graph at the namespace, one term below it."""

        async def handler(request: Request) -> Response:
            wanted = requested(request, _local_path(request), RESOURCE_FORMATS)
            if wanted is None:
                return not_acceptable(RESOURCE_FORMATS)
            name = wanted.path.removeprefix(path).lstrip("/")  # "" for the namespace
            iri = namespace + name if name else namespace.rstrip("/")
            try:
                graph = await model.graph(role)
                described = term_graph(graph, iri) if name else graph
                if not len(described):
                    return not_found(request, iri, wanted)
                if wanted.format is HTML and name:
                    return _see_section(request, path, name)
                if wanted.format is HTML:
                    response = await html(request, wanted)
                else:
                    response = Response(
                        rdf_document(
                            request,
                            wanted.format,
                            described,
                            iri if name else None,
                            context,
                            base_iri,
                        )
                    )
            except QueryRefused as error:
                return refused(error)
            response.headers.update(wanted.headers(request, RESOURCE_FORMATS))
            return response

        return handler

    async def ontology_html(request: Request, wanted: Requested) -> Response:
        lang = pages.pick_language(request)
        response = HTMLResponse(await model.documentation(lang))
        response.headers["Content-Language"] = lang
        return response

    async def shapes_html(request: Request, wanted: Requested) -> Response:
        request.state.lang = pages.pick_language(request)  # the layout's language (pages.chrome)
        context = {
            "shapes": await model.shapes(),
            "formats": alternates(request, wanted.path, RDF_DOCUMENT_FORMATS),
            "version": dataset.version,
        }
        response = pages.TEMPLATES.TemplateResponse(request, "shapes.html", context)
        response.headers["Content-Language"] = request.state.lang
        return response

    async def context_document() -> Response:
        """The JSON-LD context every document of this server refers to."""
        return Response(jsonld.dumps(context), media_type=jsonld.MEDIA_TYPE)

    for root in ("id", "graph"):
        router.add_api_route(
            f"/{root}/{{path:path}}", resource, methods=["GET", "HEAD"], include_in_schema=False
        )
    for path, namespace, role, html in (
        ("/ontology", str(IC16), "ontology", ontology_html),
        ("/shapes", str(SHAPES), "shapes", shapes_html),
    ):
        handler = model_route(path, namespace, role, html)
        for route in (path, f"{path}.{{extension}}", f"{path}/{{name}}"):
            router.add_api_route(route, handler, methods=["GET", "HEAD"], include_in_schema=False)
    router.add_api_route(
        CONTEXT_PATH,
        context_document,
        methods=["GET", "HEAD"],
        summary="The JSON-LD context of every JSON-LD document here",
        response_class=Response,  # documented as what it is: application/ld+json
        responses={200: {"content": {jsonld.MEDIA_TYPE: {}}}},
    )
    return router


def _local_path(request: Request) -> str:
    """The request's path below the application's root path."""
    return request.url.path.removeprefix(request.scope.get("root_path", ""))


def _see_section(request: Request, namespace_path: str, name: str) -> Response:
    """303 to the documentation's section about `name`, keeping `?lang=`."""
    lang = request.query_params.get("lang")
    target = request.scope.get("root_path", "") + namespace_path
    target += f"?{urlencode({'lang': lang})}" if lang else ""
    return RedirectResponse(f"{target}#{quote(name)}", 303, headers={"Vary": "Accept"})


_IRI_SAFE = ":/?#[]@!$&'()*+,;=-._~%"
_NOT_FOUND_BODY: dict[Format, Callable[[str, str], bytes]] = {
    TURTLE: lambda message, _: f"# {message}\n".encode(),
    N_TRIPLES: lambda message, _: f"# {message}\n".encode(),
    RDF_XML: lambda message, _: (
        f'<?xml version="1.0" encoding="utf-8"?>\n<!-- {message} -->\n'
        f'<rdf:RDF xmlns:rdf="{_RDF_NS}"/>\n'
    ).encode(),
    JSON_LD: lambda message, url: jsonld.dumps({"@context": url, "message": message}),
}
