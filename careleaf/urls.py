"""The one place URLs are made.

Every link Careleaf writes goes through `Urls`, so a site hosted under a sub-path
(`base_url: https://example.org/health/`) works everywhere: templates, Markdown links,
the sitemap, the feed and the 404 page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Urls:
    base_url: str  # always ends with "/"

    @property
    def base_path(self) -> str:
        """The path part of the base URL, e.g. "/health/" (or "/")."""
        return urlsplit(self.base_url).path or "/"

    def url(self, target: str = "", *, absolute: bool = False) -> str:
        """The link to `target`, a site path such as "articles/x/" or "/about/#who".

        Root-relative by default ("/health/articles/x/"), so pages work wherever they
        sit, the 404 page included; `absolute=True` for canonical URLs, feeds, sitemaps.
        """
        target = target.lstrip("/")
        return (self.base_url if absolute else self.base_path) + target

    def is_internal(self, href: str) -> bool:
        """A root-relative link an editor typed in Markdown, e.g. "/articles/x/"."""
        return href.startswith("/") and not href.startswith("//")

    # Where each kind of page lives. The output file is the URL path + index.html.
    def home(self) -> str:
        return ""

    def article(self, slug: str) -> str:
        return f"articles/{slug}/"

    def medicine(self, key: str) -> str:
        return f"medicines/{key}/"

    def topic(self, key: str) -> str:
        return f"topics/{key}/"

    def compare(self, slug: str) -> str:
        return f"compare/{slug}/"

    def page(self, slug: str) -> str:
        return f"{slug}/"

    def person(self, person_id: str) -> str:
        return f"people/{person_id}/"


def output_path(site_path: str) -> str:
    """The file a site path is written to: "articles/x/" -> "articles/x/index.html"."""
    if site_path == "" or site_path.endswith("/"):
        return site_path + "index.html"
    return site_path
