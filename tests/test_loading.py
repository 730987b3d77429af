"""loading.py: one named graph per file, `<>` is the graph, FILE:LINE of every triple."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from conftest import PIPELINE, WORLD
from ic16graph.config import Settings
from ic16graph.loading import LoadError, TurtleSyntaxError, load
from ic16graph.vocabulary import IC16

CITY = "https://w3id.org/ic16/id/city/"


@pytest.fixture(scope="module")
def sources():
    return load(Settings(root=WORLD))


def test_each_file_becomes_its_own_named_graph_in_role_order(sources) -> None:
    assert [(f.role, f.display, str(f.iri)) for f in sources.files] == [
        ("ontology", "ontology/mini.ttl", "https://w3id.org/ic16/graph/ontology/mini"),
        ("data", "data/cities.ttl", "https://w3id.org/ic16/graph/data/cities"),
        ("shapes", "shapes/mini-shapes.ttl", "https://w3id.org/ic16/graph/shapes/mini-shapes"),
    ]
    assert len(sources.dataset.graph(sources.files[1].iri)) == 13


def test_empty_relative_iri_is_the_graph_itself(sources) -> None:
    graph_iri = URIRef("https://w3id.org/ic16/graph/data/cities")
    fixture_source = URIRef("https://w3id.org/ic16/id/source/fixture")
    assert (graph_iri, IC16.statedIn, fixture_source) in sources.dataset.graph(graph_iri)


def test_position_index_knows_the_line_of_each_triple_and_subject(sources) -> None:
    raahe = URIRef(CITY + "raahe")
    assert sources.positions.triples[(raahe, SKOS.prefLabel, Literal("Raahe"))] == (
        "data/cities.ttl", 27)
    assert sources.positions.subjects[URIRef(CITY + "helsinki")] == ("data/cities.ttl", 22)
    # A subject whose first triple is on a later line is placed on the subject's own line.
    assert sources.positions.subjects[IC16.Innokaupunki] == ("ontology/mini.ttl", 17)


def test_locate_falls_back_from_triple_to_pair_to_subject_to_object(sources) -> None:
    helsinki = URIRef(CITY + "helsinki")
    index = sources.positions
    assert index.locate(helsinki, SKOS.prefLabel, Literal("Helsinki", lang="fi")) == (
        "data/cities.ttl", 23)
    assert index.locate(helsinki, SKOS.prefLabel, Literal("other")) == ("data/cities.ttl", 23)
    assert index.locate(helsinki, IC16.municipalityCode) == ("data/cities.ttl", 22)
    assert index.locate(URIRef("https://w3id.org/ic16/id/source/fixture")) == (
        "data/cities.ttl", 8)
    assert index.locate(URIRef("https://example.org/nowhere")) is None


def test_bad_turtle_reports_file_line_column_and_a_one_line_message() -> None:
    with pytest.raises(TurtleSyntaxError) as raised:
        load(Settings(root=WORLD), [PIPELINE / "broken" / "bad.ttl"])
    error = raised.value
    assert (error.line, error.column) == (6, 1)
    assert str(error).endswith("bad.ttl:6:1: expected '.' or '}' or ']' at end of statement")


@pytest.mark.parametrize(
    ("turtle", "expected"),
    [
        ("ex:a ex:b ex:c ex:d .", "2:16: expected '.' or '}' or ']' at end of statement"),
        ("ex:a ex:b nope:x .", '2:11: Prefix "nope:" not bound'),
        ('ex:a ex:b "x"@ .', "2:12: Bad language code syntax on string literal, after @"),
        ("ex:a ex:b <http://x y> .", "2:12: invalid IRI <http://x y>"),
    ],
)
def test_syntax_errors_carry_the_column_of_the_problem(
    tmp_path: Path, turtle: str, expected: str
) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(f"@prefix ex: <http://example.org/> .\n{turtle}\n", encoding="utf-8")
    with pytest.raises(TurtleSyntaxError) as raised:
        load(Settings(root=WORLD), [path])
    assert str(raised.value) == f"{path.as_posix()}:{expected}"


def test_other_data_paths_replace_the_data_folder_and_show_relative_to_cwd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(PIPELINE)
    sources = load(Settings(root=WORLD), [Path("clean")])
    assert [f.display for f in sources.files if f.role == "data"] == ["clean/tampere.ttl"]


def test_a_missing_data_path_or_two_files_for_one_graph_are_load_errors(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no such file or directory"):
        load(Settings(root=WORLD), [tmp_path / "missing"])
    (tmp_path / "cities.ttl").write_text("", encoding="utf-8")
    with pytest.raises(LoadError, match="would both be the graph"):
        load(Settings(root=WORLD), [WORLD / "data", tmp_path])


def test_a_configured_base_moves_data_and_graph_iris_but_not_the_ontology() -> None:
    sources = load(Settings(root=WORLD, base_iri="http://localhost:8000/"))
    graph_iri = URIRef("http://localhost:8000/graph/data/cities")
    graph = sources.dataset.graph(graph_iri)
    assert (graph_iri, IC16.statedIn, URIRef("http://localhost:8000/id/source/fixture")) in graph
    assert sources.positions.subjects[URIRef("http://localhost:8000/id/city/raahe")] == (
        "data/cities.ttl", 26)
    assert not any(str(s).startswith("https://w3id.org/ic16/id/") for s in graph.subjects())


def test_each_object_of_a_multi_line_object_list_has_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<urn:x>\n"
        "    skos:prefLabel \"Tampere\"@fi ,\n"
        "        \"Tammerfors\"@sv ,\n"
        "        \"Tampere\"@en ;\n"
        "    skos:related [ skos:note \"inner\" ] ,\n"
        "        <urn:y> .\n",
        encoding="utf-8",
    )
    index = load(Settings(root=WORLD), [path]).positions
    x = URIRef("urn:x")
    lines = {o: line for (s, _, o), (_, line) in index.triples.items() if s == x}
    assert [lines[Literal("Tampere", lang=lang)] for lang in ("fi", "en")] == [3, 5]
    assert lines[Literal("Tammerfors", lang="sv")] == 4
    assert lines[URIRef("urn:y")] == 7
    assert index.pairs[(x, SKOS.related)][1] == 6  # the blank node object ends on line 6
