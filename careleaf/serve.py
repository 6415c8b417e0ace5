"""`careleaf serve`: build, serve on localhost, rebuild on every save, reload the browser.

The preview is built into `.careleaf/preview/` (never `_site/`, which stays what was last
published). When a rebuild fails the last good preview keeps being served, with the
errors shown at the top of every page and in the terminal, as MkDocs does.
"""

from __future__ import annotations

import html
import mimetypes
import re
import sys
import threading
from pathlib import Path
from urllib.parse import unquote

from .build import build
from .config import CONFIG_FILE
from .diagnostics import BuildFailed, Report

PREVIEW = Path(".careleaf") / "preview"
CSP_META = re.compile(rb'<meta http-equiv="Content-Security-Policy"[^>]*>\n?', re.IGNORECASE)


class Preview:
    """The preview build and the WSGI app that serves it."""

    def __init__(self, root: Path, host: str, port: int, drafts: bool):
        self.root = root.resolve()
        self.out = self.root / PREVIEW
        self.base_url = f"http://{host}:{port}/"
        self.drafts = drafts
        self.error: str | None = None
        self.lock = threading.Lock()

    def rebuild(self) -> bool:
        with self.lock:
            report = Report(self.root)
            try:
                build(self.root, out=self.out, drafts=self.drafts, base_url=self.base_url,
                      report=report)
            except BuildFailed as failed:
                self.error = "\n".join(d.format() for d in failed.diagnostics)
                print(self.error, file=sys.stderr)
                print("rebuild failed: still serving the last good version", file=sys.stderr)
                return False
            self.error = None
            for item in report.items:
                print(item.format(), file=sys.stderr)
            print(f"rebuilt: {self.base_url}", file=sys.stderr)
            return True

    def _banner(self) -> bytes:
        assert self.error is not None
        return (
            '<div role="alert" class="careleaf-build-error">'
            "<p><strong>The last change could not be built.</strong> You are seeing the last "
            "version that built. Fix these problems and save again:</p>"
            f"<pre>{html.escape(self.error)}</pre></div>"
        ).encode()

    def _file_for(self, path_info: str) -> Path | None:
        relative = unquote(path_info).lstrip("/")
        candidate = (self.out / relative).resolve()
        if not candidate.is_relative_to(self.out.resolve()):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def __call__(self, environ, start_response):
        path_info = environ.get("PATH_INFO", "/") or "/"
        target = self._file_for(path_info)
        status = "200 OK"
        if target is not None and target.name == "index.html" and not path_info.endswith(
            ("/", ".html")
        ):
            start_response("301 Moved Permanently", [("Location", path_info + "/")])
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
            if self.error:
                start = body.find(b">", body.find(b"<body")) + 1 if b"<body" in body else 0
                body = body[:start] + self._banner() + body[start:]
        start_response(status, [("Content-Type", content_type), ("Cache-Control", "no-store")])
        return [body]


def serve(root: Path, *, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False) -> int:
    from livereload import Server
    from livereload.handlers import LiveReloadHandler

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
    preview.rebuild()
    server = Server(app=preview)
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
        print(f"error[serve-port]: cannot listen on {host}:{port}: {exc.strerror}\n"
              "  hint: another program uses that port; pick another with --port",
              file=sys.stderr)
        return 2
    return 0
