"""A reader in a real browser: headless Chromium, driven by Selenium, against a live server.

From the home page to a lead project and its cities, then to the query editor, where an example
query runs and shows its rows. Screenshots of each step go to tests/artefacts/ (git-ignored).
Skipped when the Debian packages `chromium` and `chromium-driver` are not installed.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from ic16graph.app import create_app
from ic16graph.build import build
from ic16graph.config import Settings

REPOSITORY = Path(__file__).resolve().parents[1]
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT = 60  # seconds a step may take before the test gives up (no step is timed)

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="headless Chromium is not installed (apt-get install chromium chromium-driver)",
)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support import expected_conditions as expected  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The repository's data served by uvicorn on a free loopback port, as `serve` would."""
    settings = Settings(root=REPOSITORY, build_dir=tmp_path_factory.mktemp("build"), workers=2)
    built = build(settings)
    built.write(settings.build_dir)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings, built), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    started = threading.Event()
    while not (server.started or not thread.is_alive()):
        started.wait(0.1)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    server.should_exit = True
    thread.join(WAIT)
    listener.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def screenshot(browser: WebDriver, name: str) -> None:
    """The whole page (up to 4000 px tall) as tests/artefacts/<name>.png."""
    ARTEFACTS.mkdir(exist_ok=True)
    height, frame = browser.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
    )
    browser.set_window_size(1280, min(max(height, 600), 4000) + frame)
    browser.save_screenshot(str(ARTEFACTS / f"{name}.png"))
    browser.set_window_size(1280, 1000)


def follow(browser: WebDriver, link: str) -> None:
    """Click the link whose text contains `link` and wait for the next page."""
    current = browser.current_url
    browser.find_element(By.PARTIAL_LINK_TEXT, link).click()
    WebDriverWait(browser, WAIT).until(expected.url_changes(current))


def test_a_reader_goes_from_the_home_page_to_a_lead_project_and_its_cities(
    browser: WebDriver, base: str
) -> None:
    browser.get(base + "/?lang=en")
    assert browser.find_element(By.TAG_NAME, "h1").text == "The InnoCities as a knowledge graph"
    screenshot(browser, "1-home")
    follow(browser, "lead projects")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.index tbody tr")
    assert len(rows) == 6
    screenshot(browser, "2-lead-projects")
    follow(browser, "Photonics innovation ecosystem")
    assert "/id/lead-project/photonics" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    cities = {
        link.text
        for link in browser.find_elements(By.CSS_SELECTOR, ".statements a[href*='/id/city/']")
    }
    assert {"Joensuu", "Tampere", "Oulu"} <= cities
    screenshot(browser, "3-lead-project-photonics")


def test_a_reader_runs_an_example_query_in_the_query_editor(browser: WebDriver, base: str) -> None:
    browser.get(base + "/?lang=en")
    follow(browser, "SPARQL query")
    agreements = (By.CSS_SELECTOR, "button.example[data-name='agreements']")
    example = WebDriverWait(browser, WAIT).until(expected.element_to_be_clickable(agreements))
    WebDriverWait(browser, WAIT).until(
        expected.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror"))
    )
    example.click()
    rows = (By.CSS_SELECTOR, ".yasr table tbody tr")
    WebDriverWait(browser, WAIT).until(lambda b: len(b.find_elements(*rows)) >= 16)
    results = browser.find_elements(*rows)
    assert len(results) == 16
    assert any("Helsinki" in row.text for row in results)
    screenshot(browser, "4-query-results")
