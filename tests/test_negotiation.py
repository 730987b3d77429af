"""negotiation.py: one parser for Accept-style headers, one negotiation for every format table."""

from __future__ import annotations

from ic16graph.i18n import choose_language
from ic16graph.negotiation import HTML, JSON_LD, RDF_FORMATS, TURTLE, negotiate, weighted_values


def test_weighted_values_keep_order_lowercase_and_skip_bad_qualities() -> None:
    header = "text/HTML;level=1, sv;q=0.8 , en;q=x, fi;q=1.5, de;q=0, ;q=0.5"
    assert weighted_values(header) == [("text/html", 1.0), ("sv", 0.8), ("de", 0.0)]


def test_accept_q_values_pick_the_preferred_rdf_format() -> None:
    accept = "text/turtle;q=0.5, application/ld+json;q=0.9, */*;q=0.1"
    assert negotiate(accept, (*RDF_FORMATS, HTML)) is JSON_LD
    assert negotiate("text/*", (*RDF_FORMATS, HTML)) is TURTLE
    assert negotiate("image/png", RDF_FORMATS) is None
    assert negotiate("text/html", RDF_FORMATS, requested="ttl") is TURTLE


def test_language_comes_from_the_parameter_then_accept_language_then_finnish() -> None:
    assert choose_language("sv", "en") == "sv"
    assert choose_language("de", "en-GB;q=0.4, sv-FI;q=0.9") == "sv"
    assert choose_language(None, "de, fr;q=0.5") == "fi"
    assert choose_language(None, "en;q=0, sv;q=0.1") == "sv"
