"""The real thing: the Streamlit server in a subprocess, read by headless Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

import dashboards

from .conftest import PASSWORDS

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                "(apt-get install chromium)")
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")

# Page title in the sidebar -> something only that page shows once its numbers are in.
PAGES = {"Overview": "Automation rate", "Use-case": "Wrong decisions cost", "Pipelines": "Refused batches",
         "Compute": "CPU-core hours"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path, timeout_s: float = 60) -> None:
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


@pytest.fixture
def server(seeded_url, users_file, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPTO_")}
    env.update(DEEPTO_HOME=str(tmp_path / "home"), DEEPTO_DATABASE_URL=seeded_url,
               DEEPTO_DASHBOARD_USERS=str(users_file))
    log = tmp_path / "server.log"  # a file, not a pipe: an unread pipe that fills up blocks the server
    with log.open("w") as out:
        process = subprocess.Popen(dashboards.streamlit_command("127.0.0.1", port), env=env, cwd=tmp_path,
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


def test_a_manager_logs_in_and_reads_every_page(server, tmp_path):
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.goto(server)
        page.get_by_label("User name").fill("vic")
        page.get_by_label("Password", exact=True).fill("not the password")
        page.get_by_role("button", name="Log in").click()
        playwright_api.expect(page.get_by_text("Wrong user name or password.")).to_be_visible(timeout=20_000)
        assert page.get_by_text("Automation rate").count() == 0
        page.screenshot(path=tmp_path / "login-refused.png")

        page.get_by_label("User name").fill("vic")
        page.get_by_label("Password", exact=True).fill(PASSWORDS["vic"])
        page.get_by_role("button", name="Log in").click()
        for title, marker in PAGES.items():
            page.get_by_role("link", name=title).click()
            playwright_api.expect(page.get_by_text(marker).first).to_be_visible(timeout=30_000)
            # Screenshots once the script run is over and the charts are drawn.
            playwright_api.expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)
            charts = page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg")
            playwright_api.expect(charts.first).to_be_visible(timeout=30_000)
            page.screenshot(path=tmp_path / f"{title.lower()}.png")
            body = page.inner_text("body")
            assert "Traceback" not in body and "Error" not in body.replace("Error reduction", "")
            if title == "Overview":
                metric = page.get_by_test_id("stMetric").filter(has_text="Savings").first
                assert metric.inner_text().split("\n")[-1].startswith("$")
                assert "cases without a person" in body
            if title == "Compute":
                assert " h" in page.get_by_test_id("stMetric").filter(has_text="GPU hours").inner_text()
        browser.close()
    assert len(list(tmp_path.glob("*.png"))) == len(PAGES) + 1
