"""Nothing reaches out, nothing gets in: against the whole service (as `serve` runs it) on a
loopback port. Outbound attempts are watched by a listener that must see no connection."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import fastapi
import httpx
import pytest
import uvicorn
from pyld import jsonld as pyld

from ic16graph import __version__, reload
from ic16graph import protocol as protocol_module
from ic16graph.config import Settings
from ic16graph.jsonld import document_loader
from service_harness import ASK, ConnectionWitness, raw_request, serving

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ic16graph"
CITIES = "SELECT (COUNT(*) AS ?n) { ?c a <https://w3id.org/ic16/ontology/City> }"


@pytest.fixture(scope="module")
def base(repository_settings: Settings) -> Iterator[str]:
    with serving(repository_settings, repository_settings.build_dir) as url:
        yield url


@pytest.fixture(scope="module")
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


# --- nothing reaches out -------------------------------------------------------------------------


def outbound_attempts(target: str) -> dict[str, str]:
    """Queries that would make the engine connect to `target`, were they evaluated as written."""
    return {
        "SERVICE": f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        "SERVICE SILENT": f"SELECT * {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        "SERVICE in a sub-query": (
            f"SELECT * {{ {{ SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}"
        ),
        "SERVICE in OPTIONAL and EXISTS": (
            f"ASK {{ OPTIONAL {{ FILTER EXISTS {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}"
        ),
        "SERVICE with a variable": (
            f"SELECT * {{ VALUES ?endpoint {{ <{target}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}"
        ),
        "SERVICE by prefixed name": f"PREFIX e: <{target}> SELECT * {{ SERVICE e:x {{ }} }}",
        "SERVICE glued to the prefix": f"PREFIX : <{target}> SELECT * {{ SERVICE:x {{ }} }}",
    }


@pytest.mark.parametrize("how", ["GET", "POST form", "POST direct"])
def test_service_calls_are_refused_and_nothing_connects(http: httpx.Client, how: str) -> None:
    with ConnectionWitness() as witness:
        for name, query in outbound_attempts(witness.url).items():
            answer = send_query(http, query, how)
            assert answer.status_code == 403, (name, answer.text)
            assert "no outbound requests" in answer.text
    assert witness.connections == 0


def send_query(http: httpx.Client, query: str, how: str) -> httpx.Response:
    if how == "GET":
        return http.get("/sparql", params={"query": query})
    if how == "POST form":
        return http.post("/sparql", data={"query": query})
    return http.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})


def test_load_is_refused_by_every_route_and_nothing_connects(http: httpx.Client) -> None:
    with ConnectionWitness() as witness:
        load = f"LOAD <{witness.url}> INTO GRAPH <urn:g>"
        answers = [
            http.get("/sparql", params={"update": load}),
            http.post("/sparql", data={"update": load}),
            http.post("/sparql", content=load,
                      headers={"Content-Type": "application/sparql-update"}),
            http.get("/sparql", params={"query": load}),
            http.post("/sparql", content=load,
                      headers={"Content-Type": "application/sparql-query"}),
        ]
    assert [a.status_code for a in answers] == [403] * 5
    assert all("read-only" in a.text for a in answers)
    assert witness.connections == 0


def test_naming_a_remote_graph_fetches_nothing(http: httpx.Client) -> None:
    with ConnectionWitness() as witness:
        for query in (
            f"SELECT * FROM <{witness.url}> {{ ?s ?p ?o }}",
            f"SELECT * FROM NAMED <{witness.url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"SELECT * {{ GRAPH <{witness.url}> {{ ?s ?p ?o }} }}",
            f"DESCRIBE <{witness.url}>",
        ):
            assert http.get("/sparql", params={"query": query}).status_code == 200, query
        assert http.get("/sparql", params={"query": ASK,
                                           "default-graph-uri": witness.url}).status_code == 200
    assert witness.connections == 0


def test_our_json_ld_loader_refuses_remote_contexts_without_connecting() -> None:
    loader = document_loader({"https://w3id.org/ic16/context.jsonld": {"@context": {}}})
    with ConnectionWitness() as witness:
        document = {"@context": witness.url, "@id": "urn:x", "name": "x"}
        with pytest.raises(pyld.JsonLdError):
            pyld.expand(document, {"documentLoader": loader})
    assert witness.connections == 0


def test_no_json_ld_route_ever_uses_pyld_s_own_network_loader(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyld fetches with `requests` unless told otherwise: every call must bring our loader."""
    fetched: list[str] = []

    def network_loader(url: str, options: dict | None = None) -> dict:
        fetched.append(url)
        raise pyld.JsonLdError("no network here", "jsonld.LoadDocumentError")

    monkeypatch.setattr(pyld, "_default_document_loader", network_loader)
    ld = {"Accept": "application/ld+json"}
    for path in ("/id/city/tampere", "/id/lead-project/photonics.jsonld", "/api/cities",
                 "/api/themes?size=100", "/dataset.jsonld", "/.well-known/void",
                 "/ontology.jsonld", "/shapes.jsonld", "/context.jsonld"):
        assert http.get(path, headers=ld).status_code == 200, path
    assert fetched == []


XXE = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY remote SYSTEM "{url}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="urn:x"><rdf:value>&remote;</rdf:value></rdf:Description>
</rdf:RDF>"""


@pytest.mark.parametrize("method, path", [("POST", "/sparql"), ("PUT", "/store?default"),
                                          ("POST", "/store?graph=urn:g"), ("PUT", "/id/x")])
@pytest.mark.parametrize("media_type", ["application/rdf+xml", "application/xml", "text/xml"])
def test_xml_is_never_accepted_so_no_external_entity_is_fetched(
    http: httpx.Client, method: str, path: str, media_type: str
) -> None:
    with ConnectionWitness() as witness:
        answer = http.request(method, path, content=XXE.format(url=witness.url),
                              headers={"Content-Type": media_type})
    assert answer.status_code in (405, 415)
    assert witness.connections == 0


XML_PARSERS = re.compile(
    r"\b(?:ET|ElementTree|etree|minidom|sax|expat|pulldom|lxml)\.(?:parse|fromstring|XML|"
    r"XMLParser|iterparse|parseString|make_parser|ParserCreate)\b"
)


def test_no_module_parses_xml() -> None:
    """A tripwire: the package only *writes* XML (JUnit reports); whoever adds an XML parser
    must turn external entities off and change this test."""
    offending = [f"{path.name}:{n}" for path in sorted(PACKAGE.glob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if XML_PARSERS.search(line)]
    assert offending == []


# --- nothing gets in -----------------------------------------------------------------------------

WRITES = [
    ("GET", "/sparql?update=" + quote("INSERT DATA { <urn:a> <urn:b> <urn:c> }"), {}, b"", 403),
    ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"},
     b"update=" + quote("CLEAR ALL").encode(), 403),
    ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"DROP ALL", 403),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"},
     b"DELETE WHERE { ?s ?p ?o }", 403),
    ("POST", "/sparql?graph=urn:g", {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> 1 .", 403),
    ("POST", "/sparql?default", {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> 1 .", 403),
    ("PUT", "/sparql?graph=urn:g", {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> 1 .", 405),
    ("DELETE", "/sparql?default", {}, b"", 405),
    ("PUT", "/store?default", {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> 1 .", 405),
    ("POST", "/store?graph=urn:g", {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> 1 .", 405),
    ("DELETE", "/store?graph=urn:g", {}, b"", 405),
    ("PUT", "/id/city/tampere", {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> 1 .", 405),
    ("POST", "/id/city/tampere", {"Content-Type": "application/ld+json"}, b"{}", 405),
    ("DELETE", "/id/city/tampere", {}, b"", 405),
    ("PATCH", "/id/city/tampere.ttl", {}, b"", 405),
    ("PUT", "/dump/dataset.nq", {"Content-Type": "application/n-quads"}, b"", 405),
    ("DELETE", "/dump/dataset.trig.gz", {}, b"", 405),
    ("POST", "/api/cities", {"Content-Type": "application/json"}, b"{}", 405),
    ("PUT", "/context.jsonld", {"Content-Type": "application/ld+json"}, b"{}", 405),
    ("DELETE", "/static/ic16.css", {}, b"", 405),
]


@pytest.mark.parametrize("method, path, headers, body, status", WRITES,
                         ids=[f"{w[0]} {w[1][:40]}" for w in WRITES])
def test_every_write_attempt_is_refused(
    http: httpx.Client, method: str, path: str, headers: dict, body: bytes, status: int
) -> None:
    answer = http.request(method, path, headers=headers, content=body)
    assert answer.status_code == status, answer.text
    assert "read-only" in answer.text
    if status == 405:
        assert "GET" in answer.headers["allow"]


def test_after_every_write_attempt_the_data_is_unchanged(http: httpx.Client) -> None:
    before = http.get("/sparql", params={"query": CITIES + " # before"}).text
    for method, path, headers, body, _ in WRITES:
        http.request(method, path, headers=headers, content=body)
    assert http.get("/sparql", params={"query": CITIES + " # after"}).text == before


TRAVERSALS = ["../", "..%2f", "%2e%2e/", "%2e%2e%2f", "%2E%2E%2F", "..%5c", "%252e%252e%252f",
              "....//", "..;/", "%2e%2e%c0%af"]
TARGETS = {  # a file outside what a route serves -> text only that file holds
    "app.py": "def create_app",
    "../../pyproject.toml": "[build-system]",
    "../../../../../../../../etc/passwd": "root:",
    "manifest.json": '"base_iri"',
}
FILE_ROUTES = ["/static/", "/static/yasgui/", "/dump/", "/ontology/", "/shapes/", "/id/",
               "/id/city/", "/graph/"]


@pytest.mark.parametrize("route", FILE_ROUTES)
def test_path_traversal_is_refused_on_every_route_that_maps_a_path_to_a_file(
    base: str, route: str
) -> None:
    attempts = [route + step * depth + target.lstrip("./")
                for step in TRAVERSALS for depth in (1, 3, 8) for target in TARGETS]
    attempts += [route + "%2fetc%2fpasswd", route + "/etc/passwd", route + "..%00/app.py",
                 route + "ic16.css%00.html", route + "%00", route + "C:%5cwindows%5cwin.ini"]
    for path in attempts:
        answer = raw_request(base, f"GET {path} HTTP/1.1")
        status = int(answer.split(b" ", 2)[1])
        assert status in (400, 404, 405, 406, 307, 308), (path, answer[:300])
        assert not any(marker.encode() in answer for marker in TARGETS.values()), path


def test_a_null_byte_or_an_absolute_path_gets_no_file(base: str) -> None:
    for path in ("/static//etc/passwd", "/static/%2e%2e/%2e%2e/app.py", "/dump/%00",
                 "//etc/passwd", "/static/.%2e/app.py"):
        answer = raw_request(base, f"GET {path} HTTP/1.1")
        assert b"root:" not in answer and b"def create_app" not in answer, path
        assert not answer.startswith(b"HTTP/1.1 200"), path


# --- what answers carry --------------------------------------------------------------------------

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize("path", ["/", "/query", "/id/city/tampere", "/api/cities", "/health",
                                  "/sparql?query=" + quote(ASK), "/no/such/page",
                                  "/sparql?query=SELEKT", "/static/ic16.css", "/metrics"])
def test_every_answer_carries_the_security_headers_and_no_server_header(
    http: httpx.Client, path: str
) -> None:
    answer = http.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy  # no inline script, no other origin
    assert "server" not in answer.headers
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])


def test_a_refused_write_and_a_too_large_body_carry_them_too(base: str) -> None:
    for answer in (raw_request(base, "PUT /id/x HTTP/1.1", "Content-Length: 0\r\n"),
                   raw_request(base, "POST /sparql HTTP/1.1", "Content-Length: 999999999\r\n")):
        head = answer.split(b"\r\n\r\n")[0].lower()
        assert b"content-security-policy: default-src 'self'" in head
        assert b"x-content-type-options: nosniff" in head
        assert b"\r\nserver:" not in head


def test_a_request_id_given_is_kept_and_a_forged_one_replaced(http: httpx.Client) -> None:
    assert http.get("/health", headers={"X-Request-ID": "abc-123.x_y"}).headers[
        "x-request-id"] == "abc-123.x_y"
    for forged in ("x" * 65, "a b", "<script>", "id\u00e9"):
        kept = http.get("/health", headers={"X-Request-ID": forged.encode("utf-8")})
        assert re.fullmatch(r"[0-9a-f]{32}", kept.headers["x-request-id"]), forged


VERSIONS = (f"ic16graph {__version__}", fastapi.__version__, uvicorn.__version__,
            sys.version.split()[0], "Traceback", 'File "', "uvicorn", "starlette")


def test_error_bodies_hold_no_traces_and_no_versions(http: httpx.Client) -> None:
    for answer in (http.get("/no/such/page"), http.get("/id/city/nowhere"),
                   http.get("/sparql", params={"query": "SELECT * { ?s ?p }"}),
                   http.put("/id/city/tampere"), http.get("/api/cities", params={"page": "x"}),
                   http.get("/dump/../manifest.json"), http.get("/static/nothing.js")):
        assert answer.status_code >= 400
        assert not any(version in answer.text for version in VERSIONS), answer.text[:300]


def test_an_unhandled_error_is_a_generic_500_naming_the_request_id(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret detail: /etc/ic16graph/password")

    monkeypatch.setattr(protocol_module, "negotiate", broken)  # inside a generation's app
    monkeypatch.setattr(reload, "JSONResponse", broken)  # in the service's own /health
    for path in ("/sparql?query=" + quote(ASK), "/health"):
        answer = http.get(path, headers={"X-Request-ID": "trace-me-42"})
        assert answer.status_code == 500
        assert answer.headers["x-request-id"] == "trace-me-42"
        assert "trace-me-42" in answer.text
        assert "secret" not in answer.text and "RuntimeError" not in answer.text
        assert not any(version in answer.text for version in VERSIONS)
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_query_echoed_in_an_error_is_plain_text_never_html(http: httpx.Client) -> None:
    answer = http.get("/sparql", params={"query": "SELECT <script>alert(1)</script>"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.headers["x-content-type-options"] == "nosniff"


# --- the pages work under the policy, in a real browser ------------------------------------------

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="headless Chromium is not installed")
def test_the_pages_and_the_query_editor_work_in_chromium_under_the_policy(
    base: str, tmp_path: Path
) -> None:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        violations = []
        for path in ("/?lang=en", "/network", "/themes", "/id/lead-project/photonics", "/query"):
            browser.get(base + path)
            WebDriverWait(browser, 60).until(
                lambda b: b.execute_script("return document.readyState") == "complete")
            violations += [entry["message"] for entry in browser.get_log("browser")
                           if "Content Security Policy" in entry["message"]]
        example = browser.find_element(By.CSS_SELECTOR, "button.example[data-name='agreements']")
        WebDriverWait(browser, 60).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, ".yasqe .CodeMirror"))
        example.click()
        rows = (By.CSS_SELECTOR, ".yasr table tbody tr")
        WebDriverWait(browser, 60).until(lambda b: len(b.find_elements(*rows)) >= 16)
        violations += [entry["message"] for entry in browser.get_log("browser")
                       if "Content Security Policy" in entry["message"]]
    finally:
        browser.quit()
    assert violations == []


def test_the_policy_is_what_the_templates_need() -> None:
    """No template holds an inline script or an inline event handler the policy would block."""
    templates = PACKAGE / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for script in re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.DOTALL):
            attributes, body = script
            assert "src=" in attributes or 'type="application/json"' in attributes, template
            assert "src=" not in attributes or not body.strip(), template
        assert not re.search(r"\son[a-z]+\s*=", text), template


def test_api_docs_are_self_hosted_under_the_strict_policy(http: httpx.Client) -> None:
    """/docs uses the vendored Swagger UI: no CDN, no inline script, the same CSP as every page."""
    from ic16graph.security import CONTENT_SECURITY_POLICY

    response = http.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page = response.text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "/static/api-docs.js" in page
    urls = re.findall(r"https?://[^\s\"'<>]+", page)
    assert urls and all(url.startswith(str(http.base_url)) for url in urls), urls
    assert "<script>" not in page
    assert http.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert http.get("/openapi.json").json()["info"]["title"] == "ic16graph"
