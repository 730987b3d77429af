"""cli.py: exact output and exit codes of `ic16graph validate | query | build | serve`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPOSITORY, CliRun
from conftest import WORLD as PIPELINE_WORLD
from ic16graph.cli import ExitCode

WORLD = ["--root", "world"]  # run_cli works in tests/fixtures/pipeline


def test_validate_prints_located_findings_and_exits_1_on_a_violation(run_cli: CliRun) -> None:
    code, out, err = run_cli(*WORLD, "validate")
    assert code == ExitCode.FINDINGS == 1
    assert out.splitlines()[2] == (
        'data/cities.ttl:27: violation: city:raahe skos:prefLabel "Raahe": '
        "A municipality's label needs a language tag. [Municipality labels]")
    assert err == ""


def test_validate_exits_0_on_warnings_unless_fail_on_warning(run_cli: CliRun) -> None:
    code, out, _ = run_cli(*WORLD, "validate", "clean")
    assert code == 0
    assert out == (
        "clean/tampere.ttl:14: warning: city:helsinki ic16:municipalityCode: An Innokaupunki "
        "should have its municipality code. [Innokaupunki municipality code]\n"
        "0 violations, 1 warning, 0 info: conforms (fail on violation)\n")
    assert run_cli(*WORLD, "validate", "clean", "--fail-on", "warning")[0] == 1


def test_no_inference_validates_the_asserted_triples_only(run_cli: CliRun) -> None:
    code, out, _ = run_cli(*WORLD, "validate", "clean", "--no-inference", "--fail-on", "warning")
    assert (code, out) == (0, "0 violations, 0 warnings, 0 info: conforms (fail on warning)\n")


def test_bad_turtle_prints_file_line_column_and_exits_2(run_cli: CliRun) -> None:
    code, out, err = run_cli(*WORLD, "validate", "broken")
    assert (code, out) == (2, "")
    assert err == "broken/bad.ttl:6:1: expected '.' or '}' or ']' at end of statement\n"



def test_bad_turtle_in_github_format_is_also_an_annotation(run_cli: CliRun) -> None:
    code, out, err = run_cli(*WORLD, "validate", "broken", "--format", "github")
    assert code == 2
    assert out == (
        "::error file=broken/bad.ttl,line=6,col=1,title=Turtle syntax error::"
        "expected '.' or '}' or ']' at end of statement\n"
    )
    assert err == "broken/bad.ttl:6:1: expected '.' or '}' or ']' at end of statement\n"

def test_a_named_query_that_does_not_parse_fails_validation_with_its_position_and_annotation(
    run_cli: CliRun, tmp_path: Path
) -> None:
    root = tmp_path / "world"
    shutil.copytree(PIPELINE_WORLD, root)
    (root / "queries").mkdir(exist_ok=True)
    (root / "queries" / "broken.rq").write_text(
        "# title: Broken\nSELECT ?x WHERE {\n  ?x a ?y .\n  FILTER(\n}\n", encoding="utf-8")
    code, out, err = run_cli("--root", str(root), "validate")
    assert (code, out) == (ExitCode.UNUSABLE_INPUT, "")
    assert err == (
        "queries/broken.rq:6:1: expected one of CEIL, IF, LANG, RAND, SHA1, TZ, UUID, YEAR\n")
    code, out, _ = run_cli("--root", str(root), "validate", "--format", "github")
    assert (code, out) == (ExitCode.UNUSABLE_INPUT, (
        "::error file=queries/broken.rq,line=6,col=1,title=SPARQL syntax error::"
        "expected one of CEIL, IF, LANG, RAND, SHA1, TZ, UUID, YEAR\n"))


def test_broken_shapes_exit_2(run_cli: CliRun) -> None:
    code, _, err = run_cli("--root", "broken-shapes", "validate")
    assert code == 2
    assert err == (
        "the shapes cannot be used: A SPARQL Constraint must not contain a VALUES clause.\n")


def test_an_inconsistency_is_a_located_violation(run_cli: CliRun) -> None:
    code, out, _ = run_cli(*WORLD, "validate", "inconsistent", "--format", "json")
    assert code == 1
    (result,) = json.loads(out)["results"]
    assert (result["file"], result["line"], result["focus_short"]) == (
        "inconsistent/clash.ttl", 5, "o:tem")


def test_validate_writes_the_report_to_output(run_cli: CliRun, tmp_path: Path) -> None:
    code, out, _ = run_cli(*WORLD, "validate", "--format", "sarif", "--output",
                           str(tmp_path / "report.sarif"))
    assert (code, out) == (1, "")
    assert json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_global_options_work_after_the_subcommand_too(run_cli: CliRun) -> None:
    assert run_cli("validate", "--root", "world", "clean")[0] == 0


def test_a_base_iri_without_slash_is_unusable_input(run_cli: CliRun) -> None:
    code, _, err = run_cli(*WORLD, "--base-iri", "http://localhost:8000", "validate")
    assert code == 2
    assert err == "the base IRI must end with '/': http://localhost:8000\n"


def test_a_base_iri_moves_the_focus_nodes(run_cli: CliRun) -> None:
    _, out, _ = run_cli(*WORLD, "--base-iri", "http://localhost:8000/", "validate",
                        "--format", "json")
    focuses = [r["focus"] for r in json.loads(out)["results"]]
    assert focuses[2] == "http://localhost:8000/id/city/raahe"


def test_query_prints_an_aligned_table_with_short_names(run_cli: CliRun) -> None:
    code, out, _ = run_cli(*WORLD, "query", "queries/innokaupungit.rq")
    assert code == 0
    assert out == (
        "city           label\n"
        "-------------  -----------\n"
        "city:helsinki  Helsinki@fi\n"
        "city:tampere   Tampere@fi\n"
        "(2 rows)\n")


def test_query_without_inference_finds_no_innokaupunki(run_cli: CliRun) -> None:
    code, out, _ = run_cli(*WORLD, "query", "queries/innokaupungit.rq", "--no-inference")
    assert (code, out) == (0, "city  label\n----  -----\n(0 rows)\n")


def test_query_reads_stdin_and_prints_csv(run_cli: CliRun, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", open(  # noqa: SIM115
        "queries/innokaupungit.rq", encoding="utf-8"))
    code, out, _ = run_cli(*WORLD, "query", "-", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "city,label"


def test_query_syntax_error_prints_file_line_column_and_exits_2(run_cli: CliRun) -> None:
    code, out, err = run_cli(*WORLD, "query", "queries/bad.rq")
    assert (code, out) == (2, "")
    assert err.startswith("queries/bad.rq:6:1: expected one of ")


def test_a_graph_format_for_a_select_query_is_unusable_input(run_cli: CliRun) -> None:
    code, _, err = run_cli(*WORLD, "query", "queries/innokaupungit.rq", "--format", "turtle")
    assert (code, err) == (2, "text/turtle cannot hold a select result\n")


def test_a_missing_query_file_exits_2(run_cli: CliRun) -> None:
    assert run_cli(*WORLD, "query", "queries/missing.rq")[0] == 2


def test_build_writes_the_artefact_and_prints_a_summary(run_cli: CliRun, tmp_path: Path) -> None:
    code, out, _ = run_cli(*WORLD, "build", "--output", str(tmp_path))
    assert code == 1  # the fixture world has a violation; the artefact is written anyway
    assert (tmp_path / "dataset.nq").exists() and (tmp_path / "manifest.json").exists()
    lines = out.splitlines()
    assert lines[0].endswith(": 4 graphs")
    assert lines[2:4] == [
        "  data/cities.ttl              13 triples",
        "  shapes/mini-shapes.ttl       24 triples",
    ]
    assert lines[4].startswith("  inferred    ")
    assert "findings: 1 violation, 1 warning, 1 info" in lines
    assert lines[-1] == f"written to {tmp_path}"


def test_serve_refuses_data_that_violates_the_shapes(run_cli: CliRun) -> None:
    code, out, err = run_cli("--root", "world", "serve", "--port", "0")
    assert code == 1
    assert out.splitlines()[-2] == "findings: 1 violation, 1 warning, 1 info"
    assert err.splitlines()[-1] == "Refusing to serve: the data violates the shapes (report above)."

def test_the_console_script_runs_as_a_module_without_traceback() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ic16graph.cli", "--root", "broken-shapes", "validate"],
        cwd=Path(__file__).parent / "fixtures" / "pipeline", capture_output=True, text=True,
        check=False)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr


@pytest.mark.skipif(not list((REPOSITORY / "data").glob("*.ttl")), reason="data/ has no .ttl yet")
def test_the_repository_validates_without_crashing() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ic16graph.cli", "--root", str(REPOSITORY), "validate"],
        capture_output=True, text=True, check=False)
    assert completed.returncode in (0, 1), completed.stderr


def test_query_uses_a_current_artefact_and_ignores_a_stale_one(
    run_cli: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IC16_BUILD_DIR", str(tmp_path))
    assert run_cli(*WORLD, "build")[0] == 1
    dataset = tmp_path / "dataset.nq"
    dataset.write_bytes(b"")  # a current manifest: the (now empty) artefact is what is queried
    assert run_cli(*WORLD, "query", "queries/innokaupungit.rq")[1].endswith("(0 rows)\n")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    manifest["version"] = "stale"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert run_cli(*WORLD, "query", "queries/innokaupungit.rq")[1].endswith("(2 rows)\n")
