"""The HTML pages: index pages list what the data holds, in the reader's language, with every
label escaped, inferred statements and validation results marked, and no inline script."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from ic16graph.app import create_app
from ic16graph.build import build
from ic16graph.config import Settings
from ic16graph.describe import (
    FindingRef,
    IncomingLink,
    ResourceDescription,
    SourceRef,
    Statement,
    Term,
)
from ic16graph.pages import description_query, pick_language, render_not_found, render_resource

REPOSITORY = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "pages" / "hostile-labels.ttl"
ID = "https://w3id.org/ic16/id/"
IC16 = "https://w3id.org/ic16/ontology/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
INDEX_PAGES = ["/", "/agreements", "/cities", "/lead-projects", "/themes", "/organisations",
               "/network"]  # fmt: skip


def serve(root: Path, build_dir: Path, workers: int) -> TestClient:
    settings = Settings(root=root, build_dir=build_dir, workers=workers)
    built = build(settings)
    built.write(build_dir)
    return TestClient(create_app(settings, built))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The repository's data, served in-process (with its query workers)."""
    with serve(REPOSITORY, tmp_path_factory.mktemp("build"), workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The repository's ontology and one data file whose labels are markup."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(REPOSITORY / "ontology", root / "ontology")
    (root / "data").mkdir()
    shutil.copy(HOSTILE, root / "data")
    with serve(root, root / "build", workers=1) as client:
        yield client


class Page(HTMLParser):
    """The parts of a page the tests look at: links, row headers, scripts, attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.row_headers = 0
        self.scripts: list[dict[str, str | None]] = []
        self.attributes: list[str] = []
        self.lang: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.attributes += [name for name, _ in attrs]
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")
        if tag == "th" and attributes.get("scope") == "row":
            self.row_headers += 1
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "html":
            self.lang = attributes.get("lang")

    def links_under(self, prefix: str) -> set[str]:
        return {link.split("?")[0] for link in self.links if link.startswith(prefix)}


def graph_data(html: str, element_id: str) -> dict:
    found = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S
    )
    assert found, element_id
    return json.loads(found.group(1))


# --- index pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "rows"),
    [("/agreements", 16), ("/cities", 21), ("/lead-projects", 6)],
)
def test_each_index_table_has_one_row_per_resource_of_its_kind(
    client: TestClient, path: str, rows: int
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert Page(response.text).row_headers == rows


def test_the_agreements_page_names_municipalities_and_funding_authorities(
    client: TestClient,
) -> None:
    page = client.get("/agreements?lang=en").text
    capital = page[page.index('href="/id/agreement/capital-region') :].split("</tr>")[0]
    for municipality in ("Helsinki", "Espoo", "Vantaa"):
        assert f">{municipality}</a>" in capital
    assert 'href="/id/org/uudenmaan-liitto?lang=en"' in capital


def test_the_home_page_counts_what_the_index_pages_list_and_links_to_everything(
    client: TestClient,
) -> None:
    response = client.get("/", headers={"Accept-Language": "en"})
    page = Page(response.text)
    for count, what in ((16, "ecosystem agreements"), (21, "cities and municipalities"),
                        (6, "lead projects"), (94, "themes and focus areas"),
                        (33, "organisations")):  # fmt: skip
        assert re.search(rf">{count}</strong>\s*<span>{what}</span>", response.text), what
    for target in ("/agreements", "/cities", "/lead-projects", "/themes", "/organisations",
                   "/network", "/query", "/.well-known/void", "/dataset", "/ontology", "/shapes",
                   "/context.jsonld", "/api/cities", "/dump/dataset.trig"):  # fmt: skip
        assert target in page.links, target
    assert "yasgui" not in response.text  # the query editor moved to /query and /sparql


def test_the_organisations_page_groups_33_organisations_by_kind(client: TestClient) -> None:
    page = client.get("/organisations?lang=en").text
    assert "(33)" in page
    assert len(Page(page).links_under("/id/org/")) == 33
    ministries = page[page.index(">Ministry <") :].split("</section>")[0]
    assert Page(ministries).links_under("/id/org/") == {"/id/org/tem", "/id/org/okm"}


def test_the_theme_tree_holds_every_theme_under_its_scheme_in_collapsible_entries(
    client: TestClient,
) -> None:
    page = client.get("/themes").text
    tree = page[page.index('id="theme-tree"') : page.index('id="picture"')]
    themes = Page(tree).links_under("/id/theme/")
    assert len(themes - {"/id/theme/focus-areas", "/id/theme/lead-themes"}) == 94
    assert tree.count("<details") >= 20
    picture = graph_data(page, "theme-graph")
    assert {node["kind"] for node in picture["nodes"]} == {"scheme", "agreement", "theme"}


def test_the_network_picture_links_six_lead_projects_to_the_city_regions_they_involve(
    client: TestClient,
) -> None:
    page = client.get("/network").text
    network = graph_data(page, "network-graph")
    projects = [n for n in network["nodes"] if n["kind"] == "project"]
    assert len(projects) == 6
    assert all(node["href"].startswith("/id/") for node in network["nodes"])
    assert len(network["edges"]) == 29  # ic16:involvesCityRegion statements
    assert sum(edge["kind"] == "lead" for edge in network["edges"]) == 6
    assert "vendor/cytoscape/cytoscape.min.js" in page


@pytest.mark.parametrize("path", [*INDEX_PAGES, "/query", "/id/city/tampere"])
def test_pages_have_landmarks_a_skip_link_and_no_inline_script(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = Page(response.text)
    for landmark in ("<header", "<nav", "<main", "<footer", 'href="#content"', 'id="content"'):
        assert landmark in response.text
    assert all(s.get("src") or s.get("type") == "application/json" for s in page.scripts)
    assert not [name for name in page.attributes if name.startswith("on")]
    assert page.lang in ("fi", "sv", "en")


# --- languages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept_language", "lang", "title"),
    [
        ("", None, "fi", "Ekosysteemisopimukset"),
        ("", "sv-FI,sv;q=0.9,en;q=0.5", "sv", "Ekosystemavtal"),
        ("", "de, en-GB;q=0.8, fi;q=0.5", "en", "Ecosystem agreements"),
        ("?lang=sv", "en", "sv", "Ekosystemavtal"),
        ("?lang=de", "en", "en", "Ecosystem agreements"),
    ],
)
def test_the_language_is_lang_then_accept_language_then_finnish(
    client: TestClient, query: str, accept_language: str | None, lang: str, title: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.get("/agreements" + query, headers=headers)
    assert Page(response.text).lang == lang
    assert f"<title>{title} · ic16graph</title>" in response.text
    assert response.headers["Content-Language"] == lang
    assert "Accept-Language" in response.headers["Vary"]


def test_a_missing_label_falls_back_to_finnish_marked_with_its_language(
    client: TestClient,
) -> None:
    page = client.get("/cities?lang=sv").text
    assert ">Tammerfors</a>" in page  # Tampere has a Swedish label
    pori_region = '<span lang="fi">Porin kaupunkiseutu</span>'  # no Swedish label
    assert pori_region in page
    assert page[page.index(pori_region) :].split("</a>")[0].count('class="lang-tag"') == 1


def test_the_switcher_keeps_the_page_and_a_chosen_language_stays_chosen(
    client: TestClient,
) -> None:
    page = Page(client.get("/cities?lang=sv").text)
    assert {"/cities?lang=fi", "/cities?lang=sv", "/cities?lang=en"} <= set(page.links)
    assert "/id/city/tampere?lang=sv" in page.links
    assert "/lead-projects?lang=sv" in page.links
    negotiated = Page(client.get("/cities", headers={"Accept-Language": "sv"}).text)
    assert "/id/city/tampere" in negotiated.links  # no ?lang: the next page negotiates again


# --- escaping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/cities", "/lead-projects", "/network", "/id/city/hostile"])
def test_labels_that_look_like_markup_are_shown_as_text(hostile: TestClient, path: str) -> None:
    response = hostile.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    for markup in ("<script>alert", "<img src=x", "<b>bold", "</script><script>"):
        assert markup not in response.text
    escaped = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(3)&gt;",
               "\\u003c/script\\u003e")  # fmt: skip
    assert any(text in response.text for text in escaped)


def test_label_text_survives_the_picture_data_intact(hostile: TestClient) -> None:
    network = graph_data(hostile.get("/network").text, "network-graph")
    labels = {node["label"] for node in network["nodes"]}
    assert labels == {"<img src=x onerror=alert(3)>", "</script><script>alert(2)</script>"}


# --- resource pages, from descriptions made by hand -------------------------------------------


def iri(value: str, labels: dict[str, str] | None = None) -> Term:
    return Term(value, "iri", labels=labels or {}, local=value.startswith(ID))


def literal(value: str, language: str | None = None) -> Term:
    return Term(value, "literal", language=language)


DATA = "https://w3id.org/ic16/graph/data/"
SOURCE = SourceRef(
    DATA + "seed-003",
    iri(ID + "source/kokkola-2025-06-25", {"fi": "Kokkolan tiedote", "en": "Kokkola release"}),
    "2025-06-25",
    iri(ID + "org/kokkola", {"fi": "Kokkolan kaupunki"}),
)


def description(
    findings: tuple[FindingRef, ...] = (), label: str = "Akkukemia"
) -> ResourceDescription:
    project = ID + "lead-project/battery-chemistry"
    involves = iri(
        IC16 + "involvesMunicipality", {"fi": "koskee kuntaa", "en": "involves municipality"}
    )
    return ResourceDescription(
        iri=project,
        labels={"fi": label, "en": "Battery chemistry"},
        types=(iri(IC16 + "LeadProject", {"fi": "vetovastuuhanke", "en": "lead project"}),),
        statements=(
            Statement(iri(SKOS + "prefLabel"), literal(label, "fi"), False, (DATA + "seed-003",)),
            Statement(
                involves, iri(ID + "city/kokkola", {"fi": "Kokkola"}), False, (DATA + "seed-003",)
            ),
            Statement(involves, iri(ID + "city/oulu", {"fi": "Oulu", "sv": "Uleåborg"}), True, ()),
        ),
        incoming=(
            IncomingLink(
                iri(ID + "work-package/battery-chemistry-1", {"sv": "<i>Arbetspaket</i> 1"}),
                iri(IC16 + "workPackageOf", {"fi": "osa hanketta"}),
                False,
            ),
        ),
        sources=(SOURCE,),
        findings=findings,
        graph=None,  # type: ignore[arg-type]  # pages never read the RDF graph
    )


ALTERNATES = {
    "text/turtle": "/id/lead-project/battery-chemistry.ttl",
    "application/ld+json": "/id/lead-project/battery-chemistry.jsonld",
    "application/n-triples": "/id/lead-project/battery-chemistry.nt",
    "text/html": "/id/lead-project/battery-chemistry.html",
}


def rendered(resource: ResourceDescription, path: str = "/page", **headers: str) -> str:
    """The page of `resource` (or, at /missing, the 404 page) in a minimal app."""
    app = FastAPI()
    app.state.settings = Settings(root=REPOSITORY)
    app.mount("/static", StaticFiles(directory=str(files("ic16graph") / "static")), name="static")

    @app.get("/page")
    def page(request: Request) -> HTMLResponse:
        return render_resource(request, resource, pick_language(request), ALTERNATES)

    @app.get("/missing")
    def missing(request: Request) -> HTMLResponse:
        return render_not_found(request, ID + "city/tampre", pick_language(request))

    with TestClient(app) as client:
        response = client.get(path, headers=headers)
    assert response.status_code == (404 if path == "/missing" else 200)
    return response.text


def test_a_resource_page_links_every_related_resource_with_its_label() -> None:
    page = rendered(description())
    assert "<h1>Akkukemia</h1>" in page
    assert '<a href="/id/city/kokkola">Kokkola</a>' in page
    assert '<a href="/ontology/involvesMunicipality">Koskee kuntaa</a>' in page
    assert '<a href="/ontology/LeadProject">vetovastuuhanke</a>' in page
    assert 'href="/id/work-package/battery-chemistry-1"' in page  # an incoming link


def test_inferred_statements_are_marked_and_the_mark_is_explained() -> None:
    page = rendered(description())
    inferred = re.findall(r'<dd class="inferred">(.*?)</dd>', page, re.S)
    assert len(inferred) == 1 and ">Oulu</a>" in inferred[0]
    assert 'class="badge inferred"' in inferred[0]
    assert "päätelty ontologiasta (OWL 2 RL)" in page.split('class="statements"')[0]  # legend


def test_each_stated_fact_cites_its_source_document_with_its_date() -> None:
    page = rendered(description(), **{"Accept-Language": "en"})
    kokkola = page[page.index('href="/id/city/kokkola"') :].split("</dd>")[0]
    assert 'href="#source-1"' in kokkola
    source = page[page.index('id="source-1"') :].split("</li>")[0]
    assert ">Kokkola release</a>" in source
    assert '<time datetime="2025-06-25">2025-06-25</time>' in source
    assert 'href="/id/org/kokkola"' in source


def test_the_page_offers_the_same_data_for_machines_and_the_query_that_produces_it() -> None:
    page = rendered(description())
    for url in (".ttl", ".jsonld", ".nt"):
        assert f'href="/id/lead-project/battery-chemistry{url}"' in page
    assert 'rel="alternate" type="text/turtle"' in page
    assert 'href="/query?query=PREFIX' in page
    assert "CONSTRUCT" in description_query(ID + "lead-project/battery-chemistry")


def test_a_conforming_resource_says_so_and_one_with_findings_lists_them() -> None:
    assert "Täyttää kaikki SHACL-säännöt." in rendered(description())
    finding = FindingRef(
        "violation",
        "A lead project must involve actors from at least three different Innokaupungit",
        "https://w3id.org/ic16/shapes/LeadProjectThreeCities",
        "Lead project involves three Innokaupungit",
        "ic16:involvesCityRegion",
        None,
    )
    page = rendered(description(findings=(finding,)), **{"Accept-Language": "en"})
    assert "Conforms to all SHACL shapes." not in page
    assert '<span class="badge violation">violation</span>' in page
    assert "at least three different Innokaupungit" in page
    assert 'href="/shapes/LeadProjectThreeCities"' in page


def test_labels_of_a_hand_made_description_are_escaped_everywhere() -> None:
    page = rendered(description(label="<script>alert(1)</script>"))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<i>Arbetspaket</i>" not in page  # an incoming subject's (fallback) label
    assert '<span lang="sv">&lt;i&gt;Arbetspaket&lt;/i&gt; 1</span>' in page


def test_a_fallback_label_on_a_resource_page_is_marked_with_its_language() -> None:
    page = rendered(description(), **{"Accept-Language": "sv"})
    assert '<h1 lang="fi">Akkukemia' in page
    assert '<a href="/id/city/oulu?lang=sv">' not in page  # language negotiated, not chosen
    assert ">Uleåborg</a>" in page


def test_the_not_found_page_points_to_the_index_and_a_label_search() -> None:
    page = rendered(description(), "/missing", **{"Accept-Language": "en"})
    assert "https://w3id.org/ic16/id/city/tampre" in page
    assert '<li class="suggested"><a href="/cities">Cities</a></li>' in page
    assert "Search the labels for “tampre”" in page


def test_the_query_behind_a_resource_page_returns_its_statements(client: TestClient) -> None:
    query = description_query(ID + "lead-project/battery-chemistry")
    response = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/n-triples"}
    )
    assert response.status_code == 200
    assert f"<{ID}city/kokkola>" in response.text
    assert f"<{ID}work-package/battery-chemistry-1> " in response.text
