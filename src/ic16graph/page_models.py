"""What the HTML pages show, shaped from the data before any markup: normalise, then render.

Pure functions from `describe.ResourceDescription` and `indexes.Item`s to small view models:
a resource's statements grouped by property with numbered source citations, the theme tree,
organisations grouped by kind, and the node-and-edge data of the pictures. The templates only
lay these out; the language matters here only for the order of things.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ic16graph.describe import IncomingLink, ResourceDescription, SourceRef, Statement, Term
from ic16graph.i18n import Label, pick_label, sort_key, term_labels
from ic16graph.indexes import IC16, Item, Ref
from ic16graph.vocabulary import curie, prefixes

_PREFIXES = prefixes()  # for the prefixed names of unlabelled terms

# The kinds of organisation, most specific first: an organisation is listed under the first
# of these it is a member of (all are subclasses of ic16:Organisation).
ORGANISATION_KINDS = tuple(
    IC16 + name
    for name in (
        "Ministry",
        "RegionalCouncil",
        "FundingAgency",
        "University",
        "UniversityOfAppliedSciences",
        "HigherEducationInstitution",
        "UniversityConsortium",
        "ResearchOrganisation",
        "EducationProvider",
        "DevelopmentCompany",
        "SteeringGroup",
        "Organisation",
    )
)


class Labelled(Protocol):
    value: str
    labels: Mapping[str, str]


def best_label(resource: Labelled, lang: str) -> Label | None:
    """The label of `resource` to show in `lang`, from the graph or, for other vocabularies'
    terms, from `terms.toml`."""
    return pick_label(resource.labels or term_labels(resource.value), lang)


def label_text(resource: Labelled, lang: str) -> str:
    """The text a reader sees for `resource` in `lang`: its label, else its prefixed name."""
    label = best_label(resource, lang)
    if label:
        return label.text
    short = curie(resource.value, _PREFIXES)
    return resource.value.rstrip("/#").rsplit("/", 1)[-1] if short.startswith("<") else short


def by_label(
    things: Iterable[Any], lang: str, resource: Callable[[Any], Labelled] = lambda thing: thing
) -> list[Any]:
    """`things` in alphabetical order of the label of their `resource` (themselves by default)."""
    return sorted(things, key=lambda thing: sort_key(label_text(resource(thing), lang)))


# --- resource pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    term: Term
    inferred: bool
    citations: tuple[int, ...]  # numbers of the sources stating it


@dataclass(frozen=True)
class PropertyGroup:
    predicate: Term
    values: tuple[Value, ...]


@dataclass(frozen=True)
class IncomingGroup:
    predicate: Term
    subjects: tuple[IncomingLink, ...]


@dataclass(frozen=True)
class Citation:
    number: int
    source: SourceRef


@dataclass(frozen=True)
class ResourceView:
    groups: tuple[PropertyGroup, ...]
    incoming: tuple[IncomingGroup, ...]
    citations: tuple[Citation, ...]  # each source document once, numbered from 1
    has_inferred: bool


def resource_view(description: ResourceDescription, lang: str) -> ResourceView:
    """The statements by property (in the description's order), incoming links, sources."""
    citations: list[Citation] = []
    numbers: dict[str, list[int]] = {}  # graph → numbers of the documents it is stated in
    for source in description.sources:
        number = next(
            (c.number for c in citations if c.source.document.value == source.document.value),
            None,
        )
        if number is None:
            number = len(citations) + 1
            citations.append(Citation(number, source))
        numbers.setdefault(source.graph, []).append(number)

    def value(statement: Statement) -> Value:
        cited = sorted({n for graph in statement.graphs for n in numbers.get(graph, ())})
        return Value(statement.object, statement.inferred, tuple(cited))

    groups = _grouped(description.statements, lambda s: s.predicate)
    return ResourceView(
        groups=tuple(
            PropertyGroup(predicate, tuple(_in_reading_order([value(s) for s in members], lang)))
            for predicate, members in groups
        ),
        incoming=tuple(
            IncomingGroup(predicate, tuple(by_label(members, lang, lambda link: link.subject)))
            for predicate, members in _grouped(description.incoming, lambda link: link.predicate)
        ),
        citations=tuple(citations),
        has_inferred=any(s.inferred for s in description.statements)
        or any(link.inferred for link in description.incoming),
    )


def _grouped(things: Iterable[Any], predicate_of: Callable[[Any], Term]) -> list[tuple[Term, list]]:
    """`things` grouped by predicate IRI, groups in order of first appearance."""
    groups: dict[str, tuple[Term, list]] = {}
    for thing in things:
        predicate = predicate_of(thing)
        groups.setdefault(predicate.value, (predicate, []))[1].append(thing)
    return list(groups.values())


def _in_reading_order(values: list[Value], lang: str) -> list[Value]:
    """Literals in the page's language first, then the others; otherwise the given order."""
    return sorted(values, key=lambda v: v.term.kind == "literal" and v.term.language != lang)


# --- the theme tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeNode:
    ref: Ref
    kind: str  # "scheme" | "agreement" | "theme"
    children: tuple[TreeNode, ...] = ()
    projects: tuple[Ref, ...] = ()  # lead projects on this theme


def theme_tree(themes: Sequence[Item], lang: str) -> list[TreeNode]:
    """Schemes → (the agreement whose focus areas they are) → top concepts → narrower ones."""
    narrower: dict[str, list[Item]] = {}
    by_iri = {item.ref.value: item for item in themes}
    for item in themes:
        for broader in item.refs("broader"):
            if broader.value in by_iri:
                narrower.setdefault(broader.value, []).append(item)

    def node(item: Item, seen: frozenset[str]) -> TreeNode:
        below = [n for n in narrower.get(item.ref.value, []) if n.ref.value not in seen]
        return TreeNode(
            item.ref,
            "theme",
            tuple(node(n, seen | {n.ref.value}) for n in by_label(below, lang)),
            tuple(by_label(item.refs("projects"), lang)),
        )

    schemes: dict[str, Ref] = {}
    tops: dict[str, list[Item]] = {}  # scheme IRI ("" for none) → its top concepts
    for item in themes:
        if any(b.value in by_iri for b in item.refs("broader")):
            continue
        scheme = next(iter(item.refs("scheme")), None)
        if scheme:
            schemes.setdefault(scheme.value, scheme)
        tops.setdefault(scheme.value if scheme else "", []).append(item)

    def top_level(items: list[Item]) -> tuple[TreeNode, ...]:
        agreements: dict[str, Ref] = {}
        grouped: dict[str, list[Item]] = {}
        loose: list[Item] = []
        for item in items:
            agreement = next(iter(item.refs("agreement")), None)
            if agreement is None:
                loose.append(item)
                continue
            agreements.setdefault(agreement.value, agreement)
            grouped.setdefault(agreement.value, []).append(item)
        groups = [
            TreeNode(
                agreement,
                "agreement",
                tuple(node(i, frozenset({i.ref.value})) for i in by_label(grouped[iri], lang)),
            )
            for iri, agreement in agreements.items()
        ]
        singles = [node(i, frozenset({i.ref.value})) for i in by_label(loose, lang)]
        return tuple(by_label(groups, lang, lambda node: node.ref) + singles)

    tree = [TreeNode(schemes[iri], "scheme", top_level(tops[iri])) for iri in schemes]
    return by_label(tree, lang, lambda node: node.ref) + list(top_level(tops.get("", [])))


# --- organisations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationGroup:
    kind: Ref
    organisations: tuple[Item, ...]


def organisation_groups(organisations: Sequence[Item], lang: str) -> list[OrganisationGroup]:
    """Organisations under their most specific kind, kinds in ORGANISATION_KINDS order."""
    kinds: dict[str, Ref] = {}
    members: dict[str, list[Item]] = {}
    for item in organisations:
        types = {ref.value: ref for ref in item.refs("types")}
        kind = next((k for k in ORGANISATION_KINDS if k in types), None)
        if kind is not None:
            kinds[kind] = types[kind]
            members.setdefault(kind, []).append(item)
    return [
        OrganisationGroup(kinds[k], tuple(by_label(members[k], lang)))
        for k in ORGANISATION_KINDS
        if k in members
    ]


# --- pictures ---------------------------------------------------------------------------------


def network_graph(
    projects: Sequence[Item], lang: str, href: Callable[[str], str]
) -> dict[str, list[dict[str, str]]]:
    """Lead projects and the city regions they involve, as nodes and edges for the picture.

    An edge to the region of the project's lead city is of kind "lead".
    """
    nodes: dict[str, dict[str, str]] = {}
    edges: list[dict[str, str]] = []
    for project in by_label(projects, lang):
        _add_node(nodes, project.ref, "project", lang, href)
        lead = {ref.value for ref in project.refs("lead_region")}
        for region in by_label(project.refs("regions"), lang):
            _add_node(nodes, region, "region", lang, href)
            kind = "lead" if region.value in lead else "involves"
            edges.append({"source": project.ref.value, "target": region.value, "kind": kind})
    return {"nodes": list(nodes.values()), "edges": edges}


def tree_graph(
    tree: Sequence[TreeNode], lang: str, href: Callable[[str], str]
) -> dict[str, list[dict[str, str]]]:
    """The theme tree as nodes and edges (parent → child) for the picture."""
    nodes: dict[str, dict[str, str]] = {}
    edges: list[dict[str, str]] = []

    def walk(node: TreeNode, parent: str | None) -> None:
        _add_node(nodes, node.ref, node.kind, lang, href)
        if parent:
            edges.append({"source": parent, "target": node.ref.value, "kind": "broader"})
        for child in node.children:
            walk(child, node.ref.value)

    for root in tree:
        walk(root, None)
    return {"nodes": list(nodes.values()), "edges": edges}


def _add_node(
    nodes: dict[str, dict[str, str]], ref: Ref, kind: str, lang: str, href: Callable[[str], str]
) -> None:
    nodes.setdefault(
        ref.value,
        {"id": ref.value, "label": label_text(ref, lang), "href": href(ref.value), "kind": kind},
    )
