"""`careleaf serve`: edit a file, see the rebuilt page; break it, keep the last good one."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from tornado.websocket import websocket_connect


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (urllib.error.URLError, ConnectionError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.2)
    pytest.fail("timed out waiting for the preview server")


@pytest.fixture
def server(make_site):
    root = make_site()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "careleaf", "--root", str(root), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: fetch(base + "/")[0] == 200)
        yield root, base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_serve_rebuilds_on_save_and_keeps_last_good_site(server):
    root, base = server
    page = base + "/articles/gabapentin-twitching/"
    status, body = fetch(page)
    assert status == 200 and "Gabapentin and twitching" in body
    assert "livereload" in body  # the browser is told to reload after each rebuild
    assert not (root / "_site").exists()  # the preview never touches the published site

    article = root / "content/articles/gabapentin-twitching.md"
    article.write_text(article.read_text().replace("Gabapentin and twitching",
                                                   "Gabapentin and sudden jerks"))
    body = wait_for(lambda: (b := fetch(page)[1]) and "Gabapentin and sudden jerks" in b and b)
    assert "careleaf-build-error" not in body

    article.write_text(article.read_text().replace("[@label]", "[@nowhere]"))
    body = wait_for(lambda: (b := fetch(page)[1]) and "careleaf-build-error" in b and b)
    assert "Gabapentin and sudden jerks" in body  # still the last good page
    assert "citation-unresolved" in body

    article.write_text(article.read_text().replace("[@nowhere]", "[@label]"))
    wait_for(lambda: "careleaf-build-error" not in fetch(page)[1])
    assert fetch(base + "/no/such/page/")[0] == 404


async def _reloads_after(ws_url: str, page: str, actions, timeout: float = 20.0) -> list:
    """Connect as livereload.js does; run each action, then wait for the reload after which
    the page shows what the action saved. A reload that comes first (livereload sends one
    when a browser connects, and a busy machine can delay it) is passed over; a reload sent
    before the rebuild finished would leave the page stale, and the wait would time out."""
    ws = await websocket_connect(ws_url)
    try:
        await ws.write_message(json.dumps(
            {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        assert json.loads(await ws.read_message())["command"] == "hello"
        await ws.write_message(json.dumps({"command": "info", "url": page}))
        await asyncio.sleep(0.5)
        reloads = []
        for action, shows in actions:
            action()
            while True:
                message = json.loads(await asyncio.wait_for(ws.read_message(), timeout))
                if message.get("command") != "reload":
                    continue
                body = fetch(page)[1]
                if shows in body:
                    reloads.append((message, body))
                    break
        return reloads
    finally:
        ws.close()


def test_saving_a_file_tells_the_browser_to_reload(server):
    root, base = server
    page = base + "/articles/gabapentin-twitching/"
    body = fetch(page)[1]
    # the page's CSP would block livereload's inline script, so the preview drops it
    assert "Content-Security-Policy" not in body and "livereload.js" in body
    article = root / "content/articles/gabapentin-twitching.md"

    def save(title):
        return lambda: article.write_text(re.sub(r"title: .*", f"title: {title}",
                                                 article.read_text(), count=1))

    ws_url = base.replace("http://", "ws://") + "/livereload"
    # two saves in quick succession: each is rebuilt before the browser is told to reload
    # a thread of its own: Playwright's session-wide browser keeps an event loop running here
    with ThreadPoolExecutor(1) as pool:
        reloads = pool.submit(asyncio.run, _reloads_after(
            ws_url, page, [(save("Jerks"), ">Jerks</h1>"),
                           (save("Sudden jerks"), ">Sudden jerks</h1>")])).result()
    assert [m["command"] for m, _ in reloads] == ["reload", "reload"]
    # the page is told to reload, never which file changed (a local path, a draft's name)
    assert [m["path"] for m, _ in reloads] == ["*", "*"]
    assert ">Jerks</h1>" in reloads[0][1]
    assert ">Sudden jerks</h1>" in reloads[1][1]


def _indexed_pages(preview) -> int:
    entry = json.loads((preview / "pagefind/pagefind-entry.json").read_text())
    return sum(language["page_count"] for language in entry["languages"].values())


def test_search_index_catches_up_in_the_background(server):
    """A save reloads the page at once; Pagefind re-indexes the preview just after."""
    root, base = server
    preview = root / ".careleaf/preview"
    before = _indexed_pages(preview)
    article = root / "content/articles/gabapentin-twitching.md"
    added = root / "content/articles/second.md"
    added.write_text(article.read_text().replace("Gabapentin and twitching", "Second article"))
    wait_for(lambda: fetch(base + "/articles/second/")[0] == 200)
    wait_for(lambda: _indexed_pages(preview) == before + 1, timeout=60)
    assert fetch(base + "/pagefind/pagefind.js")[0] == 200


def request(base: str, path: str, **headers: str) -> tuple[int, dict]:
    """A raw GET (urllib would tidy the path and the Host), its status and headers."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        lines = [f"GET {path} HTTP/1.1", f"Host: {headers.pop('Host', f'{host}:{port}')}",
                 "Connection: close", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        sock.sendall("\r\n".join(lines).encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return int(head[0].split()[1]), fields


def test_the_preview_trusts_no_other_site(server):
    root, base = server
    # every endpoint, livereload's own included, answers only at the preview's names
    for path in ["/", "/livereload.js", "/forcereload", "/articles/gabapentin-twitching/"]:
        assert request(base, path, Host="evil.example")[0] == 421, path
    assert request(base, "/livereload.js")[0] == 200
    assert request(base, "/forcereload")[0] == 404  # nothing outside may reload the page
    # a folder's redirect stays on the preview, whatever the request's path says
    for path in ["//evil.example/%252e%252e//articles", "//evil.example/%2e%2e/articles",
                 "/articles"]:
        status, fields = request(base, path)
        location = fields.get("Location", "")
        assert status in (301, 404), (path, status)
        stays = location.startswith("/") and not location.startswith(("//", "/\\"))
        assert not location or stays, (path, location)
    assert request(base, "/articles")[1]["Location"] == "/articles/"
    # the reload socket refuses a page of another origin, and takes the preview's own
    ws_url = base.replace("http://", "ws://") + "/livereload"

    async def connect(origin: str) -> bool:
        from tornado.httpclient import HTTPRequest

        try:
            ws = await websocket_connect(HTTPRequest(ws_url, headers={"Origin": origin}))
        except Exception:  # noqa: BLE001 - tornado raises an HTTP error for a refusal
            return False
        ws.close()
        return True

    with ThreadPoolExecutor(1) as pool:
        assert not pool.submit(asyncio.run, connect("http://evil.example")).result()
        assert pool.submit(asyncio.run, connect(base)).result()


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_a_port_out_of_range_is_refused(make_site, port):
    root = make_site()
    proc = subprocess.run([sys.executable, "-m", "careleaf", "--root", str(root), "serve",
                           "--port", port], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--port" in proc.stderr
