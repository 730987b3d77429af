"""The guard finds every SERVICE call oxigraph would make, and nothing that only looks like one."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ic16graph.sparql_guard import UncheckableQuery, query_form, service_calls

EVIL = "http://127.0.0.1:9/sparql"

# Each of these makes pyoxigraph 0.5 send an HTTP request (checked against a listener in
# test_protocol.py for the first forms; the others were verified the same way by hand).
CALLS = {
    "plain": f"SELECT * {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    "lower case, SILENT": f"select * {{ service silent <{EVIL}> {{ ?s ?p ?o }} }}",
    "no spaces": f"SELECT * {{SERVICE<{EVIL}>{{?s ?p ?o}}}}",
    "comment between": f"SELECT * {{ SERVICE # why not\n <{EVIL}> {{ ?s ?p ?o }} }}",
    "variable target": f"SELECT * {{ VALUES ?e {{ <{EVIL}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "in a sub-query": f"SELECT * {{ {{ SELECT * {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }} }}",
    "in OPTIONAL": f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }}",
    "in FILTER EXISTS": f"ASK {{ FILTER EXISTS {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }}",
    "empty prefix glued to the keyword": f"PREFIX : <{EVIL}> SELECT * {{ SERVICE:x {{ }} }}",
    "prefix glued to the keyword": f"PREFIX ex: <{EVIL}> SELECT * {{ SERVICEex:x {{ ?s ?p ?o }} }}",
    "keyword glued to a literal": f"SELECT * {{ ?s ?p trueSERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    "a prefix named service, used as a call": (
        f"PREFIX service: <http://ex/> PREFIX : <{EVIL}> SELECT * {{ service:x {{ ?s ?p ?o }} }}"
    ),
    "less-than that looks like an IRI, then a quote": (
        f"SELECT * {{ ?a ?b ?c FILTER(?a<?b&&'>') SERVICE <{EVIL}> {{ ?s ?p ?o }} "
        "FILTER('x'='y') }"
    ),
    "less-than that looks like an IRI, then a comment": (
        f"SELECT * {{ ?a ?b ?c FILTER(?a<?b)#>'\n SERVICE <{EVIL}> {{ ?s ?p ?o }} #'\n}}"
    ),
}

NOT_CALLS = {
    "in a comment": f"SELECT * {{ # SERVICE <{EVIL}> {{ }}\n ?s ?p ?o }}",
    "in a string": f'SELECT * {{ ?s ?p "SERVICE <{EVIL}> {{ }}" }}',
    "in a long string": f"SELECT * {{ ?s ?p '''\nSERVICE <{EVIL}> {{ }}\n''' }}",
    "in an IRI": "SELECT * { GRAPH <http://example.org/service> { ?s ?p ?o } }",
    "a prefixed name": "PREFIX service: <http://ex/> SELECT * { ?s service:endpoint ?o }",
    "a local name": "PREFIX ex: <http://ex/> SELECT * { ?s ex:SERVICE ?o }",
    "a variable": "SELECT ?service ?label { ?service ?p ?label }",
    "a variable before a group": "SELECT ?service ?label { ?service ?p ?label } LIMIT 1",
    "hash IRI then the word": "SELECT * { ?s <http://www.w3.org/2002/07/owl#sameAs> ?service }",
    "a blank node label": "SELECT * { _:service ?p ?o }",
}


@pytest.mark.parametrize("query", CALLS.values(), ids=CALLS.keys())
def test_every_form_of_service_call_is_found(query: str) -> None:
    assert service_calls(query)


@pytest.mark.parametrize("query", NOT_CALLS.values(), ids=NOT_CALLS.keys())
def test_service_in_strings_iris_comments_and_names_is_not_a_call(query: str) -> None:
    assert service_calls(query) == []


def test_the_target_is_reported_as_written() -> None:
    assert service_calls(CALLS["plain"]) == [f"<{EVIL}>"]
    assert service_calls(CALLS["variable target"]) == ["?e"]
    assert service_calls(CALLS["empty prefix glued to the keyword"]) == [":x"]


def test_a_text_built_to_branch_endlessly_is_refused_not_analysed_forever() -> None:
    nasty = "SERVICE " + "<#>" * 200_000  # each '<' may open a comment to the line's end
    with pytest.raises(UncheckableQuery):
        service_calls(nasty)


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * { ?s ?p ?o }", "select"),
        ("PREFIX a: <http://a/>\nBASE <http://b/>\n# note\nconstruct { } where { }", "construct"),
        ("DESCRIBE <http://a>", "describe"),
        ("ASK{}", "ask"),
        ("INSERT DATA { <a> <b> <c> }", "update"),
        ("PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }", "update"),
        ("LOAD <http://example.org/data.ttl>", "update"),
        ("CLEAR ALL", "update"),
        ("this is not SPARQL", None),
    ],
)
def test_query_form_after_the_prologue(query: str, form: str | None) -> None:
    assert query_form(query) == form


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_a_call_after_any_string_or_comment_is_found_and_one_inside_them_is_not(
    content: str,
) -> None:
    literal = json.dumps(content)  # JSON's escapes are all valid in SPARQL strings
    comment = "# " + content.replace("\n", " ").replace("\r", " ") + "\n"
    call = f"SERVICE <{EVIL}> {{ ?s ?p ?o }}"
    assert service_calls(f"SELECT * {{ ?s ?p {literal} {call} }}") == [f"<{EVIL}>"]
    assert service_calls(f"{comment}SELECT * {{ {call} }}") == [f"<{EVIL}>"]
    assert service_calls(f"SELECT * {{ ?s ?p {json.dumps(content + call)} }}") == []
    assert service_calls(f"{comment[:-1]} {call}\nSELECT * {{ }}") == []
