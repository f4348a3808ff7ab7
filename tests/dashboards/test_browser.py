"""The real thing: the Streamlit server in a subprocess, read by headless Chromium through Playwright."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

import dashboards
from deepto import curves
from deepto import formatting as fmt
from deepto.store import Store
from deepto.usecase import load_registry

from .conftest import PASSWORDS

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                "(apt-get install chromium)")
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")

# Page title in the sidebar -> something only that page shows once its numbers are in.
PAGES = {"Overview": "Automation rate", "Use-case": "Realised wrong decisions", "Pipelines": "Refused batches",
         "Compute": "CPU-core hours"}
# How long to wait for a page: generous, as the machine may be busy with other work (four engineers, two cores).
WAIT_MS = 180_000
# Every tile element whose text is wider than its box (the browser cuts it with "…"), or that ends in "…".
CUT_TILES = """() => [...document.querySelectorAll('[data-testid=stMetric] *')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 || (e.innerText || '').trim().endsWith('…'))
    .map(e => (e.innerText || '').trim())"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"The dashboard server exited with {server.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"The dashboard server at {url} did not come up in {timeout_s} s.")


@pytest.fixture(scope="module")
def server(seeded_url, users_file, tmp_path_factory):
    port = free_port()
    folder = tmp_path_factory.mktemp("server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPTO_")}
    env.update(DEEPTO_HOME=str(folder / "home"), DEEPTO_DATABASE_URL=seeded_url,
               DEEPTO_DASHBOARD_USERS=str(users_file))
    log = folder / "server.log"  # a file, not a pipe: an unread pipe that fills up blocks the server
    with log.open("w") as out:
        process = subprocess.Popen(dashboards.streamlit_command("127.0.0.1", port), env=env, cwd=folder,
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


def new_page(browser, height: int):
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.set_default_timeout(WAIT_MS)  # clicks and downloads wait for a busy server too
    return page


def log_in(page, server: str, password: str) -> None:
    page.goto(server)
    page.get_by_label("User name").fill("vic")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def wait_until_drawn(page) -> None:
    """Until the script run is over and the charts are drawn (screenshots and reads after that)."""
    playwright_api.expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT_MS)
    charts = page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg")
    playwright_api.expect(charts.first).to_be_visible(timeout=WAIT_MS)


def test_a_manager_logs_in_and_reads_every_page(server, browser, seeded_url, tmp_path):
    page = new_page(browser, 2400)
    log_in(page, server, "not the password")
    playwright_api.expect(page.get_by_text("Wrong user name or password.")).to_be_visible(timeout=WAIT_MS)
    assert page.get_by_text("Automation rate").count() == 0
    page.screenshot(path=tmp_path / "login-refused.png")

    log_in(page, server, PASSWORDS["vic"])
    for title, marker in PAGES.items():
        page.get_by_role("link", name=title).click()
        playwright_api.expect(page.get_by_text(marker).first).to_be_visible(timeout=WAIT_MS)
        wait_until_drawn(page)
        page.screenshot(path=tmp_path / f"{title.lower()}.png")
        body = page.inner_text("body")
        assert "Traceback" not in body and "Error" not in body.replace("Error reduction", "")
        assert page.evaluate(CUT_TILES) == []
        if title == "Overview":
            for kind in fmt.KINDS:
                heading = page.get_by_role("heading", name=fmt.kind_title(kind), exact=True)
                playwright_api.expect(heading).to_be_visible(timeout=WAIT_MS)
                savings = page.locator(f".st-key-kpis_{kind} [data-testid=stMetric]").filter(has_text="Savings")
                assert savings.inner_text().split("\n")[-1].startswith("$")
            assert "cases without a person" in body and "Champion: " in body
            check_the_per_usecase_csv(page, seeded_url)
        if title == "Compute":
            assert " h" in page.get_by_test_id("stMetric").filter(has_text="GPU hours").inner_text()
    assert len(list(tmp_path.glob("*.png"))) == len(PAGES) + 1


def check_the_per_usecase_csv(page, url: str) -> None:
    """The Overview's first download: one row per use-case and kind, each figure of one kind only."""
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").first.click()
    table = pd.read_csv(io.StringIO(Path(download.value.path()).read_text()))
    assert not [c for c in table.columns if c.startswith(("projected_", "realised_"))]
    expected = {(row["usecase"], kind): row[f"{kind}_savings"] for row in Store(url).kpi_summary()
                for kind in fmt.KINDS if row[f"{kind}_n_records"]}
    shown = {(row["usecase"], row["kind"]): row["savings"] for row in table.to_dict("records")}
    assert shown == pytest.approx(expected)


def test_the_usecase_page_shows_the_latest_learning_curve(server, browser, seeded_url, tmp_path):
    _, summary = curves.latest(Store(seeded_url).engine, "fraud-detection")
    page = new_page(browser, 4000)
    log_in(page, server, PASSWORDS["vic"])
    playwright_api.expect(page.get_by_text("Automation rate").first).to_be_visible(timeout=WAIT_MS)
    page.get_by_test_id("stSidebar").get_by_role("combobox").first.click()
    page.get_by_role("option", name=load_registry().get("fraud-detection").title).click()
    page.get_by_role("link", name="Use-case").click()
    sentence = page.get_by_text(summary["message"])
    playwright_api.expect(sentence).to_be_visible(timeout=WAIT_MS)
    wait_until_drawn(page)
    sentence.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "usecase-learning-curve.png")
    assert (tmp_path / "usecase-learning-curve.png").stat().st_size > 10_000
    # The curve's four charts beside the page's four others (costs, trade-off, model versions).
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 8
    assert page.evaluate(CUT_TILES) == []
