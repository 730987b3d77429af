"""Validate the graph with pyshacl and turn its report into findings located at `FILE:LINE`.

The data graph is ontology + data (+ the inferred graph), so pyshacl runs without inference of
its own: the closure was already computed once by `reasoning`. SHACL-AF is on (`advanced`) so
shapes may use SPARQL-based targets. OWL-RL inconsistencies found by the reasoner join the
findings as violations, since they are as much a defect of the data as a broken rule.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import PROV, RDF, SH
from rdflib.term import Node

from ic16graph.loading import Location, PositionIndex, Sources
from ic16graph.reasoning import Closure
from ic16graph.vocabulary import curie, prefixes, short_term

SEVERITIES = ("violation", "warning", "info")  # most severe first
_SEVERITY_OF = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}

_SHAPE_PREDICATES = (SH.property, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                     SH.targetObjectsOf, SH.target, SH.sparql)
_OWL_RL_PROFILE = "https://www.w3.org/TR/owl2-profiles/#OWL_2_RL"
_IRI_IN_TEXT = re.compile(r"[a-z][a-z0-9+.-]*://[^\s,()'\"]+")
_ILL_TYPED = re.compile(r"literal '(.*)' does not match its datatype \((\S+)\)")

_PATH_OPERATORS = {  # SHACL property path node → SPARQL path syntax
    SH.inversePath: "^{}",
    SH.zeroOrMorePath: "({})*",
    SH.oneOrMorePath: "({})+",
    SH.zeroOrOnePath: "({})?",
}


class ShapesError(Exception):
    """The shapes cannot be used (pyshacl could not load or run them)."""


@dataclass(frozen=True)
class Finding:
    """One validation result, everything a curator needs to fix the data."""

    severity: str
    shape: str
    shape_name: str
    focus: str
    focus_short: str
    path: str | None
    value: str | None
    message: str
    constraint: str
    file: str | None
    line: int | None

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.shape, self.focus, self.path or "",
                self.value or "", self.message)


@dataclass(frozen=True)
class Report:
    """The findings of one validation run, and pyshacl's own report graph."""

    findings: tuple[Finding, ...]
    graph: Graph
    shapes: dict[str, str]  # every named shape, IRI → name, so reports can list passing rules
    seconds: float

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(f.severity for f in self.findings)
        return {severity: found[severity] for severity in SEVERITIES}

    def conforms(self, fail_on: str = "violation") -> bool:
        """False when any finding is at or above `fail_on` ("violation" or "warning")."""
        failing = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
        return not any(f.severity in failing for f in self.findings)


def validate(sources: Sources, closure: Closure | None, base_iri: str) -> Report:
    """Run the shapes over ontology + data (+ `closure.inferred` when given)."""
    started = time.perf_counter()
    data = _union(sources.graphs("ontology", "data"))
    if closure is not None:
        data += closure.inferred
    # Every data graph is visible to the shapes, even one whose file never mentions `<>`.
    data += [(f.iri, RDF.type, PROV.Bundle) for f in sources.files if f.role == "data"]
    shapes = _union(sources.graphs("shapes"))
    # pyshacl is imported here, not above: processes that only serve a build never load it.
    import pyshacl
    from pyshacl.errors import (
        ConstraintLoadError,
        ReportableRuntimeError,
        RuleLoadError,
        ShapeLoadError,
        ValidationFailure,
    )

    pyshacl_errors = (ShapeLoadError, ConstraintLoadError, RuleLoadError,
                      ReportableRuntimeError, ValidationFailure)
    try:
        _, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, inplace=True
        )
    except pyshacl_errors as error:
        results = error
    if isinstance(results, pyshacl_errors):  # pyshacl returns some failures instead of raising
        raise ShapesError(f"the shapes cannot be used: {_one_line(str(results))}")
    prefix_map = prefixes(base_iri)
    files = {f.iri: f.display for f in sources.files}
    # Only the report's own results: pyshacl also types the nested `sh:detail` results.
    findings = [_finding(results, shapes, r, sources.positions, files, prefix_map)
                for report in results.subjects(RDF.type, SH.ValidationReport)
                for r in results.objects(report, SH.result)]
    if closure is not None:
        findings += [_inconsistency(m, sources.positions, prefix_map)
                     for m in closure.inconsistencies]
    findings.sort(key=Finding.sort_key)
    return Report(tuple(findings), results, _named_shapes(shapes, prefix_map),
                  time.perf_counter() - started)


def _union(graphs: Iterable[Graph]) -> Graph:
    union = Graph()
    for graph in graphs:
        union += graph
    return union


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _finding(results: Graph, shapes: Graph, result: Node, positions: PositionIndex,
             files: dict[Node, str], prefix_map: dict[str, str]) -> Finding:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    source_shape = results.value(result, SH.sourceShape)
    shape = _named_shape(shapes, source_shape)
    location = _locate(results, positions, focus, path, value)
    if location is None and focus in files:  # a named graph: its file
        location = (files[focus], 1)
    return Finding(
        severity=_SEVERITY_OF.get(results.value(result, SH.resultSeverity), "violation"),
        shape=str(shape),
        shape_name=_shape_name(shapes, source_shape, shape, prefix_map),
        focus=str(focus),
        focus_short=short_term(focus, prefix_map),
        path=None if path is None else sparql_path(results, path, prefix_map),
        value=None if value is None else short_term(value, prefix_map),
        message=_one_line(_english(results.objects(result, SH.resultMessage))),
        constraint=curie(str(results.value(result, SH.sourceConstraintComponent)), prefix_map),
        file=location[0] if location else None,
        line=location[1] if location else None,
    )


def _named_shapes(shapes: Graph, prefix_map: dict[str, str]) -> dict[str, str]:
    """Shapes with an IRI: typed as shapes, or holding targets or property shapes."""
    found = {s for k in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, k)}
    found |= {s for p in _SHAPE_PREDICATES for s in shapes.subjects(p)}
    return {str(s): _shape_name(shapes, s, s, prefix_map)
            for s in sorted(found) if isinstance(s, URIRef)}


def _named_shape(shapes: Graph, shape: Node) -> Node:
    """A blank-node property shape is reported as the node shape that holds it."""
    if isinstance(shape, BNode):
        parent = shapes.value(predicate=SH.property, object=shape)
        if parent is not None:
            return _named_shape(shapes, parent)
    return shape


def _shape_name(shapes: Graph, source: Node, named: Node, prefix_map: dict[str, str]) -> str:
    for shape in (source, named):
        names = list(shapes.objects(shape, SH.name))
        if names:
            return _english(names)
    return short_term(named, prefix_map)


def _english(literals: Iterable[Node]) -> str:
    """The English text among language variants, else an untagged one, else any."""
    ranked = sorted(literals, key=lambda lit: (
        0 if isinstance(lit, Literal) and lit.language == "en" else
        1 if isinstance(lit, Literal) and not lit.language else 2, str(lit)))
    return str(ranked[0]) if ranked else ""


def sparql_path(graph: Graph, path: Node, prefix_map: dict[str, str]) -> str:
    """A SHACL property path as SPARQL path syntax, e.g. `^ic16:partOf/skos:broader`."""
    if isinstance(path, URIRef):
        return curie(str(path), prefix_map)
    for operator, template in _PATH_OPERATORS.items():
        inner = graph.value(path, operator)
        if inner is not None:
            return template.format(sparql_path(graph, inner, prefix_map))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        members = Collection(graph, alternatives)
        return "(" + "|".join(sparql_path(graph, m, prefix_map) for m in members) + ")"
    return "/".join(sparql_path(graph, m, prefix_map) for m in Collection(graph, path))


def _locate(results: Graph, positions: PositionIndex, focus: Node, path: Node | None,
            value: Node | None) -> Location | None:
    """The location rule of architecture.md; an inverse path's triple points at the focus."""
    if isinstance(path, URIRef):
        return positions.locate(focus, path, value)
    inverse = None if path is None else results.value(path, SH.inversePath)
    if isinstance(inverse, URIRef) and value is not None:
        written = positions.triples.get((value, inverse, focus))
        if written is not None:
            return written
    return positions.locate(focus)


def _inconsistency(message: str, positions: PositionIndex,
                   prefix_map: dict[str, str]) -> Finding:
    """An owlrl error message as a violation at the last resource it names that we can place."""
    ill_typed = _ILL_TYPED.search(message)
    named: list[Node] = [URIRef(iri) for iri in _IRI_IN_TEXT.findall(message)]
    if ill_typed:
        named = [Literal(ill_typed[1], datatype=URIRef(ill_typed[2]))]
    placed = [node for node in named if positions.locate(node) is not None]
    focus = (placed or named or [URIRef(_OWL_RL_PROFILE)])[-1]
    location = positions.locate(focus)
    return Finding(
        severity="violation",
        shape=_OWL_RL_PROFILE,
        shape_name="OWL 2 RL consistency",
        focus=str(focus),
        focus_short=short_term(focus, prefix_map),
        path=None,
        value=None,
        message="The ontology and data are inconsistent: "
        + _IRI_IN_TEXT.sub(lambda iri: curie(iri[0], prefix_map), message),
        constraint="owlrl:inconsistency",
        file=location[0] if location else None,
        line=location[1] if location else None,
    )
