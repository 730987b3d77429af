"""The model, readable: pyLODE documentation of the ontology in fi, sv or en, and the shapes.

pyLODE renders whatever literals it finds, so a multilingual ontology comes out in a mix of
languages (pyLODE#18). We normalise first, then render: each language's document is made from a
copy of the ontology keeping, per subject and property, only the literals in that language
(falling back as the pages do), with each term's section anchored at its local name
(`/ontology#City`), so `/ontology/City` can point into it. The documents are made once per
language and kept; the graphs come from the build through the query runner like everything else.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import anyio.to_thread
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SH
from rdflib.term import Node

from ic16graph.execution import QueryJob
from ic16graph.i18n import FALLBACK_ORDER
from ic16graph.manifest import GraphInfo
from ic16graph.protocol import QueryRunner
from ic16graph.vocabulary import IC16

_GRAPH_QUERY = (
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}"
)
_SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class ShapeSummary:
    """One named shape as the shapes page lists it."""

    iri: str
    name: str
    message: str  # English, as validation reports it
    severity: str  # "violation" | "warning" | "info"
    comment: str  # where the rule comes from


class ModelGraphs:
    """The ontology and shapes graphs of the build, fetched once through the runner."""

    def __init__(self, runner: QueryRunner, graphs: Sequence[GraphInfo]) -> None:
        self._runner = runner
        self._iris = {
            role: [g.iri for g in graphs if g.role == role] for role in ("ontology", "shapes")
        }
        self._graphs: dict[str, Graph] = {}
        self._documents: dict[str, str] = {}
        self._lock = asyncio.Lock()

    async def graph(self, role: str) -> Graph:
        """The union of the named graphs of `role` ("ontology" or "shapes")."""
        async with self._lock:
            if role not in self._graphs:
                graphs = " ".join(f"<{iri}>" for iri in self._iris[role])
                job = QueryJob(_GRAPH_QUERY.format(graphs=graphs), None, "application/n-triples")
                answer = await self._runner.run(job)
                self._graphs[role] = Graph().parse(data=answer.body.decode("utf-8"), format="nt")
            return self._graphs[role]

    async def documentation(self, lang: str) -> str:
        """The pyLODE HTML document of the ontology in `lang`, made on first use."""
        ontology = await self.graph("ontology")
        if lang not in self._documents:
            self._documents[lang] = await anyio.to_thread.run_sync(_pylode_html, ontology, lang)
        return self._documents[lang]

    async def shapes(self) -> list[ShapeSummary]:
        """The named shapes, by name."""
        return _shape_summaries(await self.graph("shapes"))


def term_graph(graph: Graph, iri: str) -> Graph:
    """What `graph` says about `iri`: its Concise Bounded Description (blank nodes followed)."""
    described = graph.cbd(URIRef(iri))
    for prefix, namespace in graph.namespaces():
        described.bind(prefix, namespace)
    return described


def monolingual(graph: Graph, lang: str) -> Graph:
    """A copy of `graph` keeping, per subject and property, the literals of one language:
    `lang` when there are any, else the first of the fallback order that has some."""
    result = Graph()
    tagged: dict[tuple, list[Literal]] = defaultdict(list)
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            tagged[(s, p)].append(o)
        else:
            result.add((s, p, o))
    for (s, p), literals in tagged.items():
        present = {literal.language for literal in literals}
        chosen = next((c for c in (lang, *FALLBACK_ORDER) if c in present), min(present))
        for literal in literals:
            if literal.language == chosen:
                result.add((s, p, literal))
    return result


def _pylode_html(ontology: Graph, lang: str) -> str:
    from pylode import OntPub  # imported on the first request for the page: a faster start

    document = OntPub(monolingual(ontology, lang), sort_subjects=True)
    # Anchors at local names (pyLODE would derive them from labels): /ontology#City.
    document.fids = {
        str(term): str(term)[len(IC16) :]
        for term in set(ontology.subjects())
        if isinstance(term, URIRef) and str(term).startswith(str(IC16))
    }
    return document.make_html()


def _shape_summaries(shapes: Graph) -> list[ShapeSummary]:
    summaries = []
    for shape in set(shapes.subjects(SH.name, None)):
        if not isinstance(shape, URIRef):
            continue
        severity = shapes.value(shape, SH.severity, default=SH.Violation)
        summaries.append(
            ShapeSummary(
                iri=str(shape),
                name=str(shapes.value(shape, SH.name)),
                message=_english(shapes.objects(shape, SH.message)),
                severity=_SEVERITIES.get(severity, "violation"),
                comment=_english(shapes.objects(shape, RDFS.comment)),
            )
        )
    return sorted(summaries, key=lambda s: (s.name.casefold(), s.iri))


def _english(literals: Iterable[Node]) -> str:
    """The English literal (or an untagged one): the shapes' messages are written in English."""
    found = {literal.language or "": str(literal) for literal in literals}
    return found.get("en") or found.get("") or next(iter(found.values()), "")
