"""`careleaf serve`: build, serve on localhost, rebuild on every save, reload the browser.

The preview is built into `.careleaf/preview/` (never `_site/`, which stays what was last
published). When a rebuild fails the last good preview keeps being served, with the
errors shown at the top of every page and in the terminal, as MkDocs does.

A save is rebuilt at once (only the pages it touched are rendered) and the browser
reloads; the search index, which Pagefind can only make whole, is refreshed a moment
later in the background, so the page an editor is looking at never waits for it.
"""

from __future__ import annotations

import contextlib
import html
import mimetypes
import re
import shutil
import socket
import sys
import threading
import traceback
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .build import build
from .config import CONFIG_FILE
from .diagnostics import BuildFailed, Report
from .write import SEARCH_DIR, SearchIndexFailed, index_search, link_or_copy

PREVIEW = Path(".careleaf") / "preview"
INDEXING = Path(".careleaf") / "indexing"  # a snapshot of the preview, for Pagefind
POLL_SECONDS = 0.1  # how often saves are looked for (livereload's own is 0.8 s)
CSP_META = re.compile(rb'<meta http-equiv="Content-Security-Policy"[^>]*>\n?', re.IGNORECASE)


class Preview:
    """The preview build and the WSGI app that serves it."""

    def __init__(self, root: Path, host: str, port: int, drafts: bool):
        self.root = root.resolve()
        self.out = self.root / PREVIEW
        self.base_url = f"http://{host}:{port}/"
        self.hosts = allowed_hosts(host, port)
        self.drafts = drafts
        self.error: str | None = None
        self.warnings = ""  # the last good build's warnings, shown on every page
        self.lock = threading.Lock()  # one build (or index swap) at a time
        self.stale_index = threading.Event()
        self.builds = 0

    def rebuild(self) -> bool:
        with self.lock:
            report = Report(self.root)
            first = self.builds == 0
            try:
                build(self.root, out=self.out, drafts=self.drafts, base_url=self.base_url,
                      report=report, search=first)
            except BuildFailed as failed:
                self.error = "\n".join(d.format() for d in failed.diagnostics)
                self.warnings = ""
                print(self.error, file=sys.stderr)
                print("rebuild failed: still serving the last good version", file=sys.stderr)
                return False
            except Exception as exc:  # noqa: BLE001 - a bug must not stop the preview
                self.error = (f"Careleaf could not build this change ({type(exc).__name__}: "
                              f"{exc}). This is a bug in Careleaf, not in your content; the "
                              "terminal shows the details.")
                self.warnings = ""
                traceback.print_exc()
                print("rebuild failed: still serving the last good version", file=sys.stderr)
                return False
            self.error = None
            self.warnings = "\n".join(d.format() for d in report.items)
            self.builds += 1
            if not first:
                self.stale_index.set()
            for item in report.items:
                print(item.format(), file=sys.stderr)
            print(f"rebuilt: {self.base_url}", file=sys.stderr)
            return True

    def keep_search_fresh(self) -> None:
        """Re-index after each rebuild, in the background (run in a daemon thread)."""
        while True:
            self.stale_index.wait()
            self.stale_index.clear()
            source = self.root / INDEXING
            with self.lock:  # a snapshot of a whole build, never half of one
                shutil.rmtree(source, ignore_errors=True)
                shutil.copytree(self.out, source, copy_function=link_or_copy,
                                ignore=shutil.ignore_patterns(SEARCH_DIR))
            fresh = source.with_name(f"{source.name}-{SEARCH_DIR}")
            shutil.rmtree(fresh, ignore_errors=True)
            try:
                index_search(source, fresh, background=True)
            except SearchIndexFailed as exc:
                print(f"search index not refreshed: {exc}", file=sys.stderr)
                continue
            with self.lock:
                old = self.out / SEARCH_DIR
                retired = fresh.with_name(fresh.name + "-old")
                shutil.rmtree(retired, ignore_errors=True)
                if old.exists():
                    old.rename(retired)
                fresh.rename(old)
                shutil.rmtree(retired, ignore_errors=True)

    def _banner(self) -> bytes:
        """What the terminal shows, on the page: errors (the last good version is shown)
        or, after a good build, its warnings."""
        if self.error is not None:
            return (
                '<div role="alert" class="careleaf-build-error">'
                "<p><strong>The last change could not be built.</strong> You are seeing the "
                "last version that built. Fix these problems and save again:</p>"
                f"<pre>{html.escape(self.error)}</pre></div>"
            ).encode()
        count = self.warnings.count("warning[")
        return (
            '<div role="status" class="careleaf-build-warnings">'
            f"<p><strong>{count} warning{'s' * (count != 1)}</strong> (they become errors "
            "with --strict):</p>"
            f"<pre>{html.escape(self.warnings)}</pre></div>"
        ).encode()

    def _file_for(self, path_info: str) -> Path | None:
        relative = unquote(path_info).lstrip("/")
        if "\x00" in relative or "\\" in relative:
            return None
        try:
            candidate = (self.out / relative).resolve()
            if not candidate.is_relative_to(self.out.resolve()):
                return None
            if candidate.is_dir():
                candidate = candidate / "index.html"
            return candidate if candidate.is_file() else None
        except (OSError, ValueError):  # a name the file system cannot hold
            return None

    def __call__(self, environ, start_response):
        host = (environ.get("HTTP_HOST") or "").lower()
        if host not in self.hosts:
            # DNS rebinding: a page on another site could point its own name at this
            # address and read the preview; answer only to the names it was started on
            start_response("421 Misdirected Request", [("Content-Type", "text/plain")])
            return [f"This preview answers only at {self.base_url}\n".encode()]
        path_info = environ.get("PATH_INFO", "/") or "/"
        target = self._file_for(path_info)
        status = "200 OK"
        if target is not None and target.name == "index.html" and not path_info.endswith(
            ("/", ".html")
        ):
            # the folder's own site path, never the request's text: "//evil.example/.."
            # would send the browser to another site
            folder = target.parent.relative_to(self.out.resolve()).as_posix()
            location = "/" + quote(f"{folder}/" if folder != "." else "")
            start_response("301 Moved Permanently", [("Location", location)])
            return [b""]
        if target is None:
            status, target = "404 Not Found", self._file_for("/404.html")
        if target is None:  # nothing has ever built
            body = b"<!doctype html><title>Build failed</title><body></body>"
            status, content_type = "503 Service Unavailable", "text/html; charset=utf-8"
        else:
            body = target.read_bytes()
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type.endswith(("xml", "javascript")):
                content_type += "; charset=utf-8"
        if content_type.startswith("text/html"):
            # livereload injects an inline script, which the page's own CSP would block:
            # the preview drops that meta tag (the built site keeps it).
            body = CSP_META.sub(b"", body)
            if self.error or self.warnings:
                start = body.find(b">", body.find(b"<body")) + 1 if b"<body" in body else 0
                body = body[:start] + self._banner() + body[start:]
        start_response(status, [("Content-Type", content_type), ("Cache-Control", "no-store")])
        return [body]


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host headers the preview answers to: the name it was started on and, for a
    loopback address, the usual names of this machine."""
    names = {host.lower()}
    if host in {"127.0.0.1", "localhost", "::1", "[::1]"}:
        names |= {"127.0.0.1", "localhost", "[::1]"}
    elif host in {"0.0.0.0", "::"}:  # every interface: the LAN addresses are unknown here
        names |= {"127.0.0.1", "localhost", "[::1]", socket.gethostname().lower()}
        with contextlib.suppress(OSError):
            names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    return {f"{name}:{port}" for name in names} | (names if port == 80 else set())


def _trust_no_other_site(preview: Preview, socket_handler: type) -> None:
    """livereload's own endpoints (the reload socket, its script, /forcereload) answer
    only at the preview's own names and to pages of its own origin, and the socket tells
    the page to reload, never which file changed (an absolute path, a draft's name)."""
    from livereload.handlers import ForceReloadHandler, LiveReloadJSHandler
    from tornado import web

    def prepare(handler) -> None:
        if handler.request.host.lower() not in preview.hosts:
            raise web.HTTPError(421, reason="Misdirected Request")

    def check_origin(handler, origin: str) -> bool:
        return urlsplit(origin).netloc.lower() in preview.hosts

    def no_force_reload(handler) -> None:
        raise web.HTTPError(404)

    original = socket_handler.reload_waiters.__func__

    def reload_waiters(cls, path=None) -> None:
        original(cls, "*")

    for handler in (socket_handler, LiveReloadJSHandler, ForceReloadHandler):
        handler.prepare = prepare
    socket_handler.check_origin = check_origin
    socket_handler.reload_waiters = classmethod(reload_waiters)
    ForceReloadHandler.get = no_force_reload


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False) -> int:
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from livereload.watcher import Watcher
    from tornado import ioloop

    class QuickWatcher(Watcher):
        """livereload's polling watcher, looking every POLL_SECONDS instead of 0.8 s."""

        def start(self, callback) -> bool:
            ioloop.PeriodicCallback(callback, POLL_SECONDS * 1000).start()
            return True  # so livereload starts no poller of its own

    # livereload ignores changes within 3 s of its last reload, so a quick second save
    # would rebuild but leave the browser showing the first; reload after every rebuild.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0

    root = root.resolve()
    if not (root / CONFIG_FILE).is_file():
        print(f"{root / CONFIG_FILE}:1:1: error[config-missing]: no {CONFIG_FILE} here\n"
              "  hint: run careleaf in a site folder, or point at one with --root DIR",
              file=sys.stderr)
        return 2
    preview = Preview(root, host, port, drafts)
    _trust_no_other_site(preview, LiveReloadHandler)
    preview.rebuild()
    threading.Thread(target=preview.keep_search_fresh, daemon=True).start()
    server = Server(app=preview, watcher=QuickWatcher())
    for name in ("content", "templates", "static", CONFIG_FILE):
        path = root / name
        if path.exists():
            server.watch(str(path), preview.rebuild)
    # livereload's first poll reports every file it has not seen as a change and reloads
    # browsers for nothing; one examination now records them all as they are.
    server.watcher.examine()
    print(f"serving {preview.base_url} (Ctrl+C to stop)", file=sys.stderr)
    try:
        server.serve(host=host, port=port, debug=False, restart_delay=0)
    except OSError as exc:
        print(f"careleaf: error[serve-port]: cannot listen on {host}:{port}: {exc.strerror}\n"
              "  hint: another program uses that port; pick another with --port",
              file=sys.stderr)
        return 2
    return 0
