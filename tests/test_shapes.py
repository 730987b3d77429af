"""shapes/ic16-shapes.ttl: the repository's data conforms, and each fixture breaks exactly its rule.

Every fixture in tests/fixtures/shapes/ breaks one rule of the programme (the `rule<N>-…` files,
N = the section of the shapes file and of issue 2). One copy of data/ gets all of them plus a few
one-line edits (`EDITS`), and one run of `ic16graph validate --format json` must report exactly
the expected results: shape, focus node, severity, path, value and FILE:LINE. The expected line is
found in the copied files by the text it must hold (`Where`), never written as a number, so that
data and fixtures can be edited without renumbering the tests.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

REPOSITORY = Path(__file__).resolve().parent.parent
SHAPES_FILE = REPOSITORY / "shapes" / "ic16-shapes.ttl"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
SHAPES = Namespace("https://w3id.org/ic16/shapes/")
IC16 = Namespace("https://w3id.org/ic16/ontology/")
SOURCE = "https://w3id.org/ic16/id/source/"

pytestmark = pytest.mark.skipif(
    not list((REPOSITORY / "data").glob("*.ttl")), reason="data/ has no .ttl files yet")


def validate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`ic16graph --root REPOSITORY validate ARGS…` in a fresh process (the real CLI)."""
    return subprocess.run(
        [sys.executable, "-m", "ic16graph.cli", "--root", str(REPOSITORY), "validate", *args],
        cwd=cwd, capture_output=True, text=True, check=False)


# ---------------------------------------------------------------------------------------------
# Finding the line a result must point at
# ---------------------------------------------------------------------------------------------

def _is_subject_line(line: str, subject: str) -> bool:
    return line == subject or line.startswith(subject + " ")


def _block(lines: list[str], start: int) -> range:
    """The lines of the Turtle statement starting at `start` (up to the line ending in '.')."""
    end = start
    while not lines[end].split(" #")[0].rstrip().endswith("."):
        end += 1
    return range(start, end + 1)


@dataclass(frozen=True)
class Where:
    """The first line, in loading order (files sorted by name), of `subject`'s statement, or of
    the line in that statement holding `text`. `file` limits the search to one file."""

    subject: str
    text: str | None = None
    file: str | None = None

    def locate(self, root: Path) -> tuple[str, int]:
        if self.subject == "FILE":  # a result about the file's graph itself: its first line
            assert self.file is not None
            return self.file, 1
        files = [root / self.file] if self.file else sorted((root / "data").glob("*.ttl"))
        for path in files:
            lines = path.read_text(encoding="utf-8").splitlines()
            for start, line in enumerate(lines):
                if not _is_subject_line(line, self.subject):
                    continue
                for index in _block(lines, start):
                    if self.text is None or self.text in lines[index]:
                        return path.relative_to(root).as_posix(), index + 1
        raise AssertionError(f"{self} not found under {root}")


# ---------------------------------------------------------------------------------------------
# The fixtures and the results they must produce
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Edit:
    """Replace `old` by `new` on one line of `subject`'s statement in a copied data file."""

    file: str
    subject: str
    old: str
    new: str


AGREEMENTS = "data/facts-agreements.ttl"

EDITS = (
    # §2: dates of three agreements written as plain strings.
    Edit(AGREEMENTS, "agreement:mikkeli",
         'ic16:signingDate "2021-02-09"^^xsd:date ;', 'ic16:signingDate "9.2.2021" ;'),
    Edit(AGREEMENTS, "agreement:kuopio",
         'ic16:validFrom "2021"^^xsd:gYear ;', 'ic16:validFrom "vuodesta 2021" ;'),
    Edit(AGREEMENTS, "agreement:oulu",
         'ic16:validUntil "2027-12-31"^^xsd:date ;', 'ic16:validUntil "31.12.2027" ;'),
    # §3: the Rovaniemi agreement's state party is the wrong ministry.
    Edit(AGREEMENTS, "agreement:rovaniemi",
         "ic16:hasStateParty o:tem ;", "ic16:hasStateParty o:okm ;"),
    # §3: agreements signed, in force or valid outside the programme period 2021–2027.
    Edit(AGREEMENTS, "agreement:joensuu",
         'ic16:signingDate "2021-02-09"^^xsd:date ;', 'ic16:signingDate "2020-12-15"^^xsd:date ;'),
    Edit(AGREEMENTS, "agreement:vaasa",
         'ic16:validFrom "2021"^^xsd:gYear ;', 'ic16:validFrom "2020"^^xsd:gYear ;'),
    Edit(AGREEMENTS, "agreement:seinajoki",
         'ic16:validUntil "2027-12-31"^^xsd:date ;', 'ic16:validUntil "2028-12-31"^^xsd:date ;'),
)


@dataclass(frozen=True)
class Expected:
    """One result the fixtures must produce."""

    case: str  # the fixture (or edit) that causes it
    shape: str  # local name in https://w3id.org/ic16/shapes/
    focus: str  # focus_short
    severity: str
    where: Where
    path: str | None
    value: str | None


def _fixture(name: str) -> str:
    return f"data/{name}.ttl"


EXPECTED = (
    # §1 three Innokaupungit: Lappeenranta(+region), Helsinki+Espoo, Raahe → 2 agreements.
    Expected("rule1-three-innokaupungit", "LeadProjectThreeInnokaupungitShape",
             "project:fixture-two-innokaupungit", "violation",
             Where("project:fixture-two-innokaupungit", file=_fixture("rule1-three-innokaupungit")),
             None, "project:fixture-two-innokaupungit"),
    Expected("rule1-undocumented-partners", "LeadProjectThreeInnokaupungitUndocumentedShape",
             "project:fixture-undocumented-partners", "warning",
             Where("project:fixture-undocumented-partners",
                   file=_fixture("rule1-undocumented-partners")),
             None, "project:fixture-undocumented-partners"),
    # §2 dates.
    Expected("rule2-date-datatypes", "StartDateDatatypeShape", "event:fixture-seminar",
             "violation",
             Where("event:fixture-seminar", "ic16:startDate", _fixture("rule2-date-datatypes")),
             "ic16:startDate", '"25.6.2025"'),
    Expected("rule2-date-datatypes", "EndDateDatatypeShape", "event:fixture-year-only",
             "violation",
             Where("event:fixture-year-only", "ic16:endDate", _fixture("rule2-date-datatypes")),
             "ic16:endDate", '"2025"^^xsd:gYear'),
    Expected("edit: agreement:mikkeli signing date", "SigningDateDatatypeShape",
             "agreement:mikkeli", "violation",
             Where("agreement:mikkeli", '"9.2.2021"', AGREEMENTS),
             "ic16:signingDate", '"9.2.2021"'),
    Expected("edit: agreement:kuopio valid from", "ValidFromDatatypeShape",
             "agreement:kuopio", "violation",
             Where("agreement:kuopio", '"vuodesta 2021"', AGREEMENTS),
             "ic16:validFrom", '"vuodesta 2021"'),
    Expected("edit: agreement:oulu valid until", "ValidUntilDatatypeShape",
             "agreement:oulu", "violation",
             Where("agreement:oulu", '"31.12.2027"', AGREEMENTS),
             "ic16:validUntil", '"31.12.2027"'),
    Expected("rule2-start-after-end", "StartNotAfterEndShape", "event:fixture-workshop",
             "violation",
             Where("event:fixture-workshop", "ic16:endDate", _fixture("rule2-start-after-end")),
             "ic16:endDate", '"2024-04-30"^^xsd:date'),
    Expected("rule2-two-years", "LeadProjectTwoYearsShape", "project:fixture-thirty-months",
             "violation",
             Where("project:fixture-thirty-months", "ic16:endDate", _fixture("rule2-two-years")),
             "ic16:endDate", '"2025-06"^^xsd:gYearMonth'),
    # §3 agreements.
    Expected("edit: agreement:rovaniemi state party", "AgreementStatePartyShape",
             "agreement:rovaniemi", "violation",
             Where("agreement:rovaniemi", "ic16:hasStateParty o:okm", AGREEMENTS),
             "ic16:hasStateParty", None),
    Expected("rule3-municipal-party", "AgreementMunicipalPartyShape", "agreement:pori",
             "violation", Where("agreement:pori", file=_fixture("rule3-municipal-party")),
             "ic16:hasMunicipalParty", "o:business-finland"),
    Expected("edit: agreement:joensuu signing date", "AgreementSigningDateShape",
             "agreement:joensuu", "violation",
             Where("agreement:joensuu", "2020-12-15", AGREEMENTS),
             "ic16:signingDate", '"2020-12-15"^^xsd:date'),
    Expected("edit: agreement:vaasa valid from", "AgreementValidFromShape",
             "agreement:vaasa", "violation",
             Where("agreement:vaasa", '"2020"^^xsd:gYear', AGREEMENTS),
             "ic16:validFrom", '"2020"^^xsd:gYear'),
    Expected("edit: agreement:seinajoki valid until", "AgreementValidUntilShape",
             "agreement:seinajoki", "violation",
             Where("agreement:seinajoki", "2028-12-31", AGREEMENTS),
             "ic16:validUntil", '"2028-12-31"^^xsd:date'),
    Expected("rule3-funding-authority", "AgreementFundingAuthorityShape",
             "agreement:kajaani-sotkamo", "violation",
             Where("agreement:kajaani-sotkamo", file=_fixture("rule3-funding-authority")),
             "ic16:fundingAuthority", "o:lut"),
    # §4 sixteen agreements (reported on the programme, where it is first described) and one
    # agreement per municipality (each of Imatra's two party links).
    Expected("rule4-seventeenth-agreement", "ProgrammeSixteenAgreementsShape",
             "programme:innokaupungit", "violation", Where("programme:innokaupungit"),
             "^ic16:partOfProgramme", None),
    Expected("rule4-municipality-in-two-agreements", "MunicipalityInOneAgreementShape",
             "agreement:lahti", "violation",
             Where("agreement:lahti", file=_fixture("rule4-municipality-in-two-agreements")),
             "ic16:hasMunicipalParty", "city:imatra"),
    Expected("rule4-municipality-in-two-agreements", "MunicipalityInOneAgreementShape",
             "agreement:lappeenranta-imatra", "violation",
             Where("agreement:lappeenranta-imatra", "city:imatra"),
             "ic16:hasMunicipalParty", "city:imatra"),
    # §5 labels.
    Expected("rule5-labels", "PrefLabelUniqueLanguageShape", "o:fixture-two-english-labels",
             "violation",
             Where("o:fixture-two-english-labels", "skos:prefLabel", _fixture("rule5-labels")),
             "skos:prefLabel", None),
    Expected("rule5-labels", "PrefLabelFinnishShape", "o:fixture-no-finnish-label", "violation",
             Where("o:fixture-no-finnish-label", "skos:prefLabel", _fixture("rule5-labels")),
             "skos:prefLabel", None),
    Expected("rule5-labels", "PrefLabelLanguageTagShape", "o:fixture-untagged-label",
             "violation",
             Where("o:fixture-untagged-label", '"Third test organisation"',
                   _fixture("rule5-labels")),
             "skos:prefLabel", '"Third test organisation"'),
    # §6 themes.
    Expected("rule6-theme-without-scheme", "ThemeInSchemeShape", "theme:fixture-orphan",
             "violation",
             Where("theme:fixture-orphan", file=_fixture("rule6-theme-without-scheme")),
             "skos:inScheme", None),
    Expected("rule6-theme-cycle", "ThemeHierarchyAcyclicShape", "theme:fixture-cycle-a",
             "violation",
             Where("theme:fixture-cycle-a", "skos:broader", _fixture("rule6-theme-cycle")),
             "skos:broader", "theme:fixture-cycle-b"),
    Expected("rule6-theme-cycle", "ThemeHierarchyAcyclicShape", "theme:fixture-cycle-b",
             "violation",
             Where("theme:fixture-cycle-b", "skos:broader", _fixture("rule6-theme-cycle")),
             "skos:broader", "theme:fixture-cycle-a"),
    # §7 sources.
    Expected("rule7-graph-without-source", "DataGraphStatedInShape",
             "graph:data/rule7-graph-without-source", "violation",
             Where("<>", file=_fixture("rule7-graph-without-source")),
             "ic16:statedIn", None),
    # A file that never mentions `<>` is still a data graph that must name its source.
    Expected("rule7-graph-silent", "DataGraphStatedInShape",
             "graph:data/rule7-graph-silent", "violation",
             Where("FILE", file=_fixture("rule7-graph-silent")),
             "ic16:statedIn", None),
    Expected("rule7-source-without-publisher", "SourceDocumentPublisherShape",
             "source:fixture-unpublished", "violation",
             Where("source:fixture-unpublished", file=_fixture("rule7-source-without-publisher")),
             "dcterms:publisher", None),
    Expected("rule7-source-date-datatype", "SourceDocumentIssuedShape",
             "source:fixture-string-date", "violation",
             Where("source:fixture-string-date", "dcterms:issued",
                   _fixture("rule7-source-date-datatype")),
             "dcterms:issued", '"17.10.2022"'),
    Expected("rule7-source-without-date", "SourceDocumentDateShape",
             "source:fixture-undated-unflagged", "violation",
             Where("source:fixture-undated-unflagged", file=_fixture("rule7-source-without-date")),
             None, "source:fixture-undated-unflagged"),
    # §8 contact details: one result per offending literal, none for the identifiers.
    Expected("rule8-contact-details", "NoContactDetailsShape", "person:fixture-contact",
             "violation",
             Where("person:fixture-contact", "skos:note", _fixture("rule8-contact-details")),
             "skos:note", '"Lisätiedot: etunimi.sukunimi(at)example.fi"@fi'),
    Expected("rule8-contact-details", "NoContactDetailsShape", "person:fixture-contact",
             "violation",
             Where("person:fixture-contact", "skos:editorialNote",
                   _fixture("rule8-contact-details")),
             "skos:editorialNote", '"Tavoitettavissa numerosta p. 040 123 4567."@fi'),
)


def _undated_sources(data: Path) -> list[str]:
    """The source documents flagged `ic16:undated true`, as CURIEs."""
    graph = Graph().parse(data / "sources.ttl", format="turtle", publicID="urn:x-sources")
    return sorted("source:" + str(s)[len(SOURCE):]
                  for s in graph.subjects(IC16.undated, Literal(True)))


def _undated_infos(root: Path) -> set[tuple]:
    """The info result every undated source document gets, where it says it is undated."""
    return {("SourceDocumentUndatedShape", source, "info",
             *Where(source, "ic16:undated", "data/sources.ttl").locate(root))
            for source in _undated_sources(root / "data")}


def _key(result: dict) -> tuple:
    return (result["shape"].removeprefix(str(SHAPES)), result["focus_short"], result["severity"],
            result["file"], result["line"])


# ---------------------------------------------------------------------------------------------
# Runs (one per module: each takes a few seconds)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def repository_run() -> tuple[int, dict]:
    completed = validate("--format", "json", cwd=REPOSITORY)
    assert completed.stderr == ""
    return completed.returncode, json.loads(completed.stdout)


@pytest.fixture(scope="module")
def broken_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/ copied, every rule fixture added, `EDITS` applied (each checked to apply once)."""
    root = tmp_path_factory.mktemp("broken")
    shutil.copytree(REPOSITORY / "data", root / "data")
    for fixture in sorted(FIXTURES.glob("rule*.ttl")):
        shutil.copy(fixture, root / "data" / fixture.name)
    for edit in EDITS:
        path = root / edit.file
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        starts = [i for i, line in enumerate(lines) if _is_subject_line(line.rstrip("\n"),
                                                                         edit.subject)]
        assert len(starts) == 1, f"{edit.subject} must start one statement in {edit.file}"
        hits = [i for i in _block(lines, starts[0]) if edit.old in lines[i]]
        assert len(hits) == 1, f"{edit.old!r} must be once in {edit.subject}'s statement"
        lines[hits[0]] = lines[hits[0]].replace(edit.old, edit.new)
        path.write_text("".join(lines), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def broken_run(broken_copy: Path) -> tuple[int, dict]:
    completed = validate("data", "--format", "json", cwd=broken_copy)
    assert completed.stderr == ""
    return completed.returncode, json.loads(completed.stdout)


# ---------------------------------------------------------------------------------------------
# The repository's data
# ---------------------------------------------------------------------------------------------

def test_the_repository_data_conforms(repository_run: tuple[int, dict]) -> None:
    code, report = repository_run
    assert code == 0
    assert report["conforms"] is True
    assert report["counts"]["violation"] == 0


def test_the_only_infos_are_the_undated_source_documents(repository_run: tuple[int, dict]) -> None:
    _, report = repository_run
    infos = {_key(r) for r in report["results"] if r["severity"] == "info"}
    assert infos == _undated_infos(REPOSITORY)
    assert infos, "sources.ttl has undated documents, each worth an info result"


def test_warnings_come_only_from_lead_projects_flagged_undocumented(
    repository_run: tuple[int, dict],
) -> None:
    _, report = repository_run
    data = Graph()
    for path in (REPOSITORY / "data").glob("*.ttl"):
        data.parse(path, format="turtle", publicID=f"urn:x-data:{path.stem}")
    flagged = set(data.subjects(IC16.partnerListDocumented, Literal(False)))
    for result in report["results"]:
        if result["severity"] == "warning":
            assert result["shape"] == str(SHAPES.LeadProjectThreeInnokaupungitUndocumentedShape)
            assert any(str(project) == result["focus"] for project in flagged)


# ---------------------------------------------------------------------------------------------
# The broken copy: every fixture's result, and nothing else
# ---------------------------------------------------------------------------------------------

def test_the_broken_copy_does_not_conform(broken_run: tuple[int, dict]) -> None:
    code, report = broken_run
    assert code == 1
    assert report["conforms"] is False
    assert report["counts"] == {
        "violation": sum(e.severity == "violation" for e in EXPECTED),
        "warning": sum(e.severity == "warning" for e in EXPECTED),
        "info": len(_undated_sources(REPOSITORY / "data")),
    }


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: f"{e.case}-{e.focus}")
def test_each_fixture_breaks_its_rule_at_its_line(
    expected: Expected, broken_run: tuple[int, dict], broken_copy: Path
) -> None:
    _, report = broken_run
    matches = [r for r in report["results"]
               if (r["shape"], r["focus_short"], r["path"])
               == (str(SHAPES[expected.shape]), expected.focus, expected.path)]
    assert len(matches) == 1, matches
    (result,) = matches
    file, line = expected.where.locate(broken_copy)
    assert (result["severity"], result["file"], result["line"]) == (expected.severity, file, line)
    assert (result["path"], result["value"]) == (expected.path, expected.value)
    assert result["shape_name"] and result["message"]


def test_the_broken_copy_reports_exactly_the_expected_results(
    broken_run: tuple[int, dict], broken_copy: Path
) -> None:
    _, report = broken_run
    expected = {(e.shape, e.focus, e.severity, *e.where.locate(broken_copy)) for e in EXPECTED}
    assert sorted(_key(r) for r in report["results"]) == sorted(
        expected | _undated_infos(broken_copy))


# ---------------------------------------------------------------------------------------------
# Bad Turtle
# ---------------------------------------------------------------------------------------------

def test_bad_turtle_exits_2_naming_file_line_and_column() -> None:
    completed = validate("tests/fixtures/shapes/bad-syntax.ttl", cwd=REPOSITORY)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.startswith("tests/fixtures/shapes/bad-syntax.ttl:11:16: ")
    assert "Traceback" not in completed.stderr


# ---------------------------------------------------------------------------------------------
# The shapes file itself
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def _named_shapes(graph: Graph) -> set:
    return {s for s in set(graph.subjects(SH.severity, None)) if str(s).startswith(str(SHAPES))}


def test_every_shape_has_a_name_an_english_message_a_severity_and_a_cited_source(
    shapes_graph: Graph,
) -> None:
    shapes = _named_shapes(shapes_graph)
    assert len(shapes) >= 8
    for shape in shapes:
        assert len(list(shapes_graph.objects(shape, SH.name))) == 1, shape
        messages = list(shapes_graph.objects(shape, SH.message))
        assert len(messages) == 1 and messages[0].language in (None, "en"), shape
        assert shapes_graph.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info)
        comments = [c for c in shapes_graph.objects(shape, RDFS.comment) if c.language == "en"]
        assert len(comments) == 1, shape


def test_every_shape_that_reports_has_a_fixture_that_breaks_it(shapes_graph: Graph) -> None:
    groups = {SHAPES.EcosystemAgreementShape, SHAPES.NamedResourceShape, SHAPES.SourceDocumentShape}
    reporting = {s for s in _named_shapes(shapes_graph) - groups
                 if shapes_graph.value(s, SH.severity) != SH.Info}
    assert reporting == {SHAPES[e.shape] for e in EXPECTED}


def test_the_label_rule_targets_every_top_class_of_the_ontology(shapes_graph: Graph) -> None:
    ontology = Graph().parse(REPOSITORY / "ontology" / "ic16.ttl", format="turtle")
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(IC16))}
    top = {c for c in classes
           if not set(ontology.objects(c, RDFS.subClassOf)) & classes
           and (c, OWL.equivalentClass, None) not in ontology}  # Innokaupunki: a Municipality
    targets = set(shapes_graph.objects(SHAPES.NamedResourceShape, SH.targetClass))
    assert top <= targets
    assert targets - top <= {SKOS.ConceptScheme}


# ---------------------------------------------------------------------------------------------
# The contact-details expression (§8), on its own
# ---------------------------------------------------------------------------------------------

_REGEX_CALL = re.compile(r'REGEX\(STR\(\?value\), "((?:[^"\\]|\\.)*)", "i"\)')


def _contact_expressions(graph: Graph) -> list[str]:
    shape = SHAPES.NoContactDetailsShape
    queries = [graph.value(graph.value(shape, SH.target), SH.select),
               graph.value(graph.value(shape, SH.sparql), SH.select)]
    return [_REGEX_CALL.findall(str(query))[0] for query in queries]


def test_target_and_constraint_use_the_same_contact_expression(shapes_graph: Graph) -> None:
    target, constraint = _contact_expressions(shapes_graph)
    assert target == constraint


CONTACT_DETAILS = (
    "etunimi.sukunimi(at)uudenmaanliitto.fi",
    "Lisätietoja: etunimi.sukunimi(a)pirkanmaa.fi",
    "etunimi.sukunimi (at) example.fi",
    "kirjaamo@example.fi",
    "mailto:kirjaamo@example.fi",
    "p. 040 123 4567",
    "tfn 050 765 4321, e-post",
    "p. 040 1234567",
    "puh. 040-123 4567.",
    "09 123 4567",
    "0401234567",
    "+358 40 123 4567",
    "+358401234567",
    "+358 (0)40 123 4567",
    "00358 50 765 4321",
    "tel:+358401234567",
)

NOT_CONTACT_DETAILS = (
    "0245904-2",
    "Y-tunnus 0828308-4 (also written FI08283084)",
    "2023-04-01",
    "9.2.2021",
    "25.6.2025 klo 13",
    "837",
    "091",
    "450000",
    "1 200 000 euroa",
    "EUR 399,651",
    "2021–2027",
    "2022-06-01 to 2024-10-31",
    "00100 Helsinki",
    "A70202",
    "kuopio.oncloudos.com/cgi/DREQUEST.PHP?page=meetingitem&id=2023176-7",
    "Kajaani city board minutes 12.1.2021 §4",
    "oxigraph/oxigraph @ 7396ddfd",
    "https://w3id.org/ic16/id/org/tem",
)


@pytest.mark.parametrize("text", CONTACT_DETAILS)
def test_the_contact_expression_catches(text: str, shapes_graph: Graph) -> None:
    expression, _ = _contact_expressions(shapes_graph)
    assert re.search(expression, text, re.IGNORECASE)


@pytest.mark.parametrize("text", NOT_CONTACT_DETAILS)
def test_the_contact_expression_spares(text: str, shapes_graph: Graph) -> None:
    expression, _ = _contact_expressions(shapes_graph)
    assert not re.search(expression, text, re.IGNORECASE)
