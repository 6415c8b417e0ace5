"""Browser fixtures: Debian's Chromium driven by Playwright, the bundled site served on
localhost. Nothing downloads a browser. Under CI=true a missing browser fails the run
instead of skipping it."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import require

CHROMIUM = os.environ.get("CARELEAF_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",  # Chromium refuses to run as root without it
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    # no calls home: the machine's network is closed, and the site must make none either
    "--disable-background-networking", "--disable-component-update",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


@pytest.fixture(scope="session")
def served_site(bundled_site: Path):
    handler = functools.partial(QuietHandler, directory=str(bundled_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", bundled_site
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    require("Chromium", Path(CHROMIUM).exists() or bool(shutil.which(CHROMIUM)))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()
