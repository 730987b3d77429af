"""Render a validation `Report` for people, CI systems and code-scanning views.

One function per format, one table (`FORMATS`) mapping the `--format` name to it. Every
renderer takes the report and the `fail_on` severity and returns text.

The JSON format is stable (documented in docs/architecture.md)::

    {"conforms": false,                 # no result at or above fail_on
     "fail_on": "violation",            # "violation" | "warning"
     "counts": {"violation": 1, "warning": 0, "info": 0},
     "results": [                       # sorted by file, line, shape
       {"severity": "violation",        # "violation" | "warning" | "info"
        "file": "data/x.ttl",           # relative to the project root; null if not placeable
        "line": 12,                     # 1-based; null with file
        "focus": "https://w3id.org/ic16/id/…", "focus_short": "city:…",
        "path": "ic16:…",               # CURIE or SPARQL path; null for node-level results
        "value": "\\"…\\"@fi",          # Turtle-like short form; null when there is none
        "message": "…",                 # the shape's sh:message (English)
        "shape": "https://w3id.org/ic16/shapes/…", "shape_name": "…",
        "constraint": "sh:MinCountConstraintComponent"}]}

`turtle` is pyshacl's own validation report graph (OWL-RL inconsistencies, which are not SHACL
results, appear in every other format only).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from ic16graph import __version__
from ic16graph.validation import SEVERITIES, Finding, Report

_SARIF_LEVEL = {"violation": "error", "warning": "warning", "info": "note"}
_GITHUB_COMMAND = {"violation": "error", "warning": "warning", "info": "notice"}
_PLURAL = {"violation": "violations", "warning": "warnings", "info": "info"}


def _location(finding: Finding) -> str:
    return "-" if finding.file is None else f"{finding.file}:{finding.line}"


def _subject(finding: Finding) -> str:
    """`focus path value`, the part of a result line that names what is wrong."""
    return " ".join(x for x in (finding.focus_short, finding.path, finding.value) if x)


def summary(report: Report, fail_on: str) -> str:
    counts = ", ".join(f"{n} {_PLURAL[s] if n != 1 else s}" for s, n in report.counts.items())
    verdict = "conforms" if report.conforms(fail_on) else "does not conform"
    return f"{counts}: {verdict} (fail on {fail_on})"


def text(report: Report, fail_on: str) -> str:
    lines = [
        f"{_location(f)}: {f.severity}: {_subject(f)}: {f.message} [{f.shape_name}]"
        for f in report.findings
    ]
    return "\n".join([*lines, summary(report, fail_on)]) + "\n"


def json_report(report: Report, fail_on: str) -> str:
    document = {
        "conforms": report.conforms(fail_on),
        "fail_on": fail_on,
        "counts": report.counts,
        "results": [
            {
                "severity": f.severity, "file": f.file, "line": f.line,
                "focus": f.focus, "focus_short": f.focus_short, "path": f.path,
                "value": f.value, "message": f.message, "shape": f.shape,
                "shape_name": f.shape_name, "constraint": f.constraint,
            }
            for f in report.findings
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def turtle(report: Report, fail_on: str) -> str:
    return report.graph.serialize(format="turtle")


def _shapes(report: Report) -> dict[str, str]:
    """Every shape to report on: the named shapes plus any shape only a finding mentions."""
    return {**report.shapes, **{f.shape: f.shape_name for f in report.findings}}


def junit(report: Report, fail_on: str) -> str:
    """JUnit XML: a test case per shape, a failure per result."""
    by_shape = {iri: [f for f in report.findings if f.shape == iri] for iri in _shapes(report)}
    suite = ET.Element("testsuite", name="ic16graph validate", tests=str(len(by_shape)),
                       failures=str(len(report.findings)), errors="0", skipped="0")
    for iri, name in _shapes(report).items():
        case = ET.SubElement(suite, "testcase", name=name, classname=iri)
        for f in by_shape[iri]:
            failure = ET.SubElement(case, "failure", type=f.severity,
                                    message=f"{_subject(f)}: {f.message}")
            failure.text = f"{_location(f)}: {f.severity}: {_subject(f)}: {f.message}"
    root = ET.Element("testsuites", name="ic16graph", tests=suite.get("tests", "0"),
                      failures=suite.get("failures", "0"))
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def sarif(report: Report, fail_on: str) -> str:
    """SARIF 2.1.0: the shapes are the rules, each finding a result."""
    shapes = _shapes(report)
    rule_index = {iri: i for i, iri in enumerate(shapes)}
    results = []
    for f in report.findings:
        result: dict = {
            "ruleId": f.shape,
            "ruleIndex": rule_index[f.shape],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{_subject(f)}: {f.message}"},
        }
        if f.file is not None:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": f.file},
                "region": {"startLine": f.line},
            }}]
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ic16graph",
                "version": __version__,
                "informationUri": "https://w3id.org/ic16/",
                "rules": [{"id": iri, "shortDescription": {"text": name}}
                          for iri, name in shapes.items()],
            }},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report: Report, fail_on: str) -> str:
    """GitHub Actions workflow commands: one annotation per result, then the summary."""
    lines = []
    for f in report.findings:
        properties = [f"file={_escape_property(f.file)}", f"line={f.line}"] if f.file else []
        properties.append(f"title={_escape_property(f.shape_name)}")
        message = _escape_data(f"{_subject(f)}: {f.message}")
        lines.append(f"::{_GITHUB_COMMAND[f.severity]} {','.join(properties)}::{message}")
    return "\n".join([*lines, summary(report, fail_on)]) + "\n"


def github_syntax_error(path: str, line: int, column: int, message: str,
                        title: str = "Turtle syntax error") -> str:
    """A syntax error in a source file as an annotation, so it shows on the pull request's diff
    too."""
    properties = (f"file={_escape_property(path)},line={line},col={column},"
                  f"title={_escape_property(title)}")
    return f"::error {properties}::{_escape_data(message)}\n"


FORMATS: dict[str, Callable[[Report, str], str]] = {
    "text": text,
    "json": json_report,
    "turtle": turtle,
    "junit": junit,
    "sarif": sarif,
    "github": github,
}


def render(report: Report, format_name: str, fail_on: str = "violation") -> str:
    if fail_on not in SEVERITIES[:2]:
        raise ValueError(f"fail_on must be 'violation' or 'warning', not {fail_on!r}")
    return FORMATS[format_name](report, fail_on)
