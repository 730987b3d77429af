"""Content negotiation: one helper, driven by tables of formats, for query results, RDF and pages.

`negotiate` picks the format a client prefers from a table the server orders by its own
preference: an explicit `format=` wins (links typed in a browser), otherwise the Accept header
with its q-values (RFC 9110 §12.5.1: the most specific matching range gives a format its
quality; ties go to the more specific match, then to the server's order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """A format the server can write, with the names clients may ask for it by."""

    media_type: str  # canonical, sent back in Content-Type
    names: tuple[str, ...]  # values of `format=`
    aliases: tuple[str, ...] = ()  # other media types that mean this format in Accept
    iri: str | None = None  # its name in http://www.w3.org/ns/formats/, for descriptions

    @property
    def content_type(self) -> str:
        """Every format here is written in UTF-8; saying so helps browsers show Turtle right."""
        return f"{self.media_type}; charset=utf-8"

    def answers(self, media_type: str) -> bool:
        return media_type == self.media_type or media_type in self.aliases


W3C = "http://www.w3.org/ns/formats/"
SPARQL_JSON = Format(
    "application/sparql-results+json",
    ("json", "srj"),
    ("application/json",),
    W3C + "SPARQL_Results_JSON",
)
SPARQL_XML = Format(
    "application/sparql-results+xml",
    ("xml", "srx"),
    ("application/xml", "text/xml"),
    W3C + "SPARQL_Results_XML",
)
SPARQL_CSV = Format("text/csv", ("csv",), (), W3C + "SPARQL_Results_CSV")
SPARQL_TSV = Format("text/tab-separated-values", ("tsv",), (), W3C + "SPARQL_Results_TSV")
TURTLE = Format(
    "text/turtle",
    ("ttl", "turtle"),
    ("application/x-turtle", "application/turtle"),
    W3C + "Turtle",
)
N_TRIPLES = Format(
    "application/n-triples", ("nt", "ntriples", "n-triples"), ("text/plain",), W3C + "N-Triples"
)
RDF_XML = Format(
    "application/rdf+xml",
    ("rdf", "rdfxml", "xml"),
    ("application/xml", "text/xml"),
    W3C + "RDF_XML",
)
JSON_LD = Format(
    "application/ld+json", ("jsonld", "json-ld", "json"), ("application/json",), W3C + "JSON-LD"
)
TRIG = Format("application/trig", ("trig",), (), W3C + "TriG")
N_QUADS = Format(
    "application/n-quads", ("nq", "nquads", "n-quads"), ("text/x-nquads",), W3C + "N-Quads"
)
HTML = Format("text/html", ("html",), ("application/xhtml+xml",))

RESULT_FORMATS = (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)  # SELECT and ASK
RDF_FORMATS = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD, TRIG, N_QUADS)  # graphs


def negotiate(
    accept: str | None, formats: Sequence[Format], requested: str | None = None
) -> Format | None:
    """The best of `formats` for this request, or None when the client accepts none of them.

    `requested` (a `format=` value: a short name or a media type) overrides Accept.
    """
    if requested:
        wanted = requested.strip().lower()
        return next((f for f in formats if wanted in f.names or f.answers(wanted)), None)
    ranges = _parse_accept(accept or "*/*")
    best, best_key = None, (0.0, -1)
    for candidate in formats:
        quality, specificity = _quality(candidate, ranges)
        if quality > 0 and (quality, specificity) > best_key:
            best, best_key = candidate, (quality, specificity)
    return best


def weighted_values(header: str) -> list[tuple[str, float]]:
    """The (value, q) pairs of an Accept-style header, lowercased, in order; a value with a
    malformed or out-of-range q is skipped, as if absent (Accept, Accept-Language alike)."""
    pairs = []
    for part in header.split(","):
        value, *parameters = (p.strip() for p in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, text = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(text)
                except ValueError:
                    quality = -1.0
        if value and 0.0 <= quality <= 1.0:
            pairs.append((value.lower(), quality))
    return pairs


def _parse_accept(accept: str) -> list[tuple[str, float]]:
    """(media range, q) pairs; malformed ranges and q-values are skipped, as if absent."""
    return [(media_range, quality) for media_range, quality in weighted_values(accept)
            if media_range.count("/") == 1 and all(media_range.split("/"))]


def _quality(candidate: Format, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q of the most specific range matching `candidate`, and that specificity (0–2)."""
    best = (-1, 0.0)
    for media_range, quality in ranges:
        kind = media_range.split("/")[0]
        if candidate.answers(media_range):
            specificity = 2
        elif media_range == f"{kind}/*" and candidate.media_type.startswith(f"{kind}/"):
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        best = max(best, (specificity, quality))
    return best[1], best[0]
