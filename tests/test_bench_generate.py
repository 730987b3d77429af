"""bench/generate.py: deterministic synthetic datasets shaped like a build, inferred like owlrl."""

from __future__ import annotations

import importlib.util
import io
import sys
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, parse
from rdflib import Dataset, URIRef

from ic16graph.reasoning import reason

ROOT = Path(__file__).resolve().parents[1]
GRAPH = "https://w3id.org/ic16/graph/"
TINY = 3_000


def _load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


def generated(triples: int = TINY, seed: int = 16) -> str:
    out = io.StringIO()
    generator.generate(triples, seed, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def tiny() -> str:
    return generated()


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_data(tiny: str) -> None:
    assert generated() == tiny
    assert generated(seed=17) != tiny


def test_the_size_parameter_sets_the_number_of_quads_to_within_one_region(tiny: str) -> None:
    for size, text in ((TINY, tiny), (4 * TINY, generated(4 * TINY))):
        assert size <= len(text.splitlines()) < size + 1_000


def test_graphs_are_shaped_like_a_build_each_data_graph_stating_its_source(tiny: str) -> None:
    quads = list(parse(tiny.encode(), RdfFormat.N_QUADS))
    graphs = Counter(q.graph_name.value for q in quads)
    data = {g for g in graphs if g.startswith(GRAPH + "data/")}
    assert set(graphs) == {GRAPH + "ontology/ic16", GRAPH + "inferred", *data}
    assert len(data) == len(generator.GRAPHS)
    stated = {q.subject.value for q in quads
              if q.predicate.value.endswith("ontology/statedIn") and q.graph_name.value in data}
    assert stated == data
    languages = {q.object.language for q in quads if isinstance(q.object, Literal)}
    assert {"fi", "sv", "en"} <= languages


def test_every_class_and_property_of_the_data_is_declared_by_a_known_vocabulary(tiny: str) -> None:
    ontology = {q.subject.value for q in parse(tiny.encode(), RdfFormat.N_QUADS)
                if q.graph_name.value == GRAPH + "ontology/ic16"
                and isinstance(q.subject, NamedNode)}
    ours = "https://w3id.org/ic16/ontology/"
    used = {term.value for q in parse(tiny.encode(), RdfFormat.N_QUADS)
            if q.graph_name.value.startswith(GRAPH + "data/")
            for term in (q.predicate, q.object if q.predicate.value.endswith("#type") else None)
            if isinstance(term, NamedNode) and term.value.startswith(ours)}
    assert used <= ontology


def test_the_inferred_graph_is_exactly_what_the_build_infers_with_owlrl(tiny: str) -> None:
    dataset = Dataset()
    dataset.parse(data=tiny, format="nquads")
    inferred = URIRef(GRAPH + "inferred")
    sources = [g for g in dataset.graphs() if str(g.identifier).startswith(GRAPH)
               and g.identifier != inferred]
    assert set(dataset.graph(inferred)) == set(reason(sources).inferred)
