"""reports.py: every format of the same report, asserted exactly or against its structure."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

from rdflib import Graph
from rdflib.namespace import SH

from ic16graph.reports import FORMATS, render
from ic16graph.validation import Finding, Report

SHAPES = "https://w3id.org/ic16/shapes/"
TEXT = """\
data/cities.ttl:12: info: agreement:tampere skos:editorialNote: The agreement carries an editorial note. [Agreement notes]
data/cities.ttl:22: warning: city:helsinki ic16:municipalityCode: An Innokaupunki should have its municipality code. [Innokaupunki municipality code]
data/cities.ttl:27: violation: city:raahe skos:prefLabel "Raahe": A municipality's label needs a language tag. [Municipality labels]
1 violation, 1 warning, 1 info: does not conform (fail on violation)
"""  # noqa: E501


def test_text_is_one_line_per_result_then_the_summary(world_build) -> None:
    assert render(world_build.report, "text") == TEXT


def test_json_is_the_documented_stable_format(world_build) -> None:
    document = json.loads(render(world_build.report, "json", "warning"))
    assert document["conforms"] is False
    assert document["fail_on"] == "warning"
    assert document["counts"] == {"violation": 1, "warning": 1, "info": 1}
    assert document["results"][2] == {
        "severity": "violation",
        "file": "data/cities.ttl",
        "line": 27,
        "focus": "https://w3id.org/ic16/id/city/raahe",
        "focus_short": "city:raahe",
        "path": "skos:prefLabel",
        "value": '"Raahe"',
        "message": "A municipality's label needs a language tag.",
        "shape": SHAPES + "MunicipalityLabelShape",
        "shape_name": "Municipality labels",
        "constraint": "sh:DatatypeConstraintComponent",
    }
    assert [(r["file"], r["line"]) for r in document["results"]] == [
        ("data/cities.ttl", 12), ("data/cities.ttl", 22), ("data/cities.ttl", 27)]


def test_turtle_is_pyshacls_report_graph(world_build) -> None:
    graph = Graph().parse(data=render(world_build.report, "turtle"), format="turtle")
    assert len(list(graph.subjects(predicate=SH.resultSeverity))) == 3


def test_junit_has_a_test_case_per_shape_and_a_failure_per_result(world_build) -> None:
    root = ET.fromstring(render(world_build.report, "junit"))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "3")
    cases = {case.get("classname"): case for case in suite.iter("testcase")}
    assert set(cases) == {SHAPES + "AgreementNoteShape", SHAPES + "InnokaupunkiCodeShape",
                          SHAPES + "MunicipalityLabelShape"}
    failure = cases[SHAPES + "MunicipalityLabelShape"].find("failure")
    assert failure is not None
    assert failure.get("type") == "violation"
    assert failure.text == (
        'data/cities.ttl:27: violation: city:raahe skos:prefLabel "Raahe": '
        "A municipality's label needs a language tag.")


def test_junit_lists_passing_shapes_without_failures(world_build) -> None:
    passing = replace(world_build.report, findings=())
    suite = ET.fromstring(render(passing, "junit")).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "0")
    assert all(case.find("failure") is None for case in suite.iter("testcase"))


def test_sarif_has_the_required_structure(world_build) -> None:
    document = json.loads(render(world_build.report, "sarif"))
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-2.1.0.json")
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ic16graph"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert all(rule["shortDescription"]["text"] for rule in driver["rules"])
    levels = []
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "data/cities.ttl"
        assert isinstance(physical["region"]["startLine"], int)
        levels.append(result["level"])
    assert levels == ["note", "warning", "error"]


def test_github_annotations_per_severity(world_build) -> None:
    lines = render(world_build.report, "github").splitlines()
    assert lines[0].startswith("::notice file=data/cities.ttl,line=12,title=Agreement notes::")
    assert lines[1].startswith("::warning file=data/cities.ttl,line=22,")
    assert lines[2] == (
        "::error file=data/cities.ttl,line=27,title=Municipality labels::"
        "city:raahe skos:prefLabel \"Raahe\": A municipality's label needs a language tag.")


def _finding(**changes: object) -> Finding:
    base = Finding("violation", SHAPES + "S", "S", "urn:x", "<urn:x>", None, None, "m",
                   "sh:MinCountConstraintComponent", "data/x.ttl", 3)
    return replace(base, **changes)


def _report(*findings: Finding) -> Report:
    return Report(findings, Graph(), {SHAPES + "S": "S"}, 0.0)


def test_github_escapes_newlines_percent_commas_and_colons() -> None:
    report = _report(_finding(message="50% done\nnext", shape_name="a, b: c"))
    first = render(report, "github").splitlines()[0]
    assert first == "::error file=data/x.ttl,line=3,title=a%2C b%3A c::<urn:x>: 50%25 done%0Anext"


def test_results_without_a_location_still_render() -> None:
    report = _report(_finding(file=None, line=None, severity="warning"))
    assert render(report, "text").splitlines()[0] == "-: warning: <urn:x>: m [S]"
    assert render(report, "github").splitlines()[0] == "::warning title=S::<urn:x>: m"
    (result,) = json.loads(render(report, "sarif"))["runs"][0]["results"]
    assert "locations" not in result


def test_fail_on_warning_makes_warnings_fail() -> None:
    report = _report(_finding(severity="warning"), _finding(severity="info"))
    assert report.conforms("violation")
    assert not report.conforms("warning")
    assert render(report, "text", "warning").splitlines()[-1] == (
        "0 violations, 1 warning, 1 info: does not conform (fail on warning)")


def test_every_format_has_a_renderer(world_build) -> None:
    assert set(FORMATS) == {"text", "json", "turtle", "junit", "sarif", "github"}
    for name in FORMATS:
        assert render(world_build.report, name).endswith("\n")
