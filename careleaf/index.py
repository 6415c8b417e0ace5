"""Stage 7, index: the files that describe the site to machines.

`sitemap.xml` (with lastmod), `robots.txt` naming it, and an Atom `feed.xml` of the
articles. Pure functions of the site graph; dates come from content, never the clock,
so two builds of the same input are identical.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from .graph import Site
from .render import CONTENT_SECURITY_POLICY, OutputFile

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
# The newest articles only (by last review): with every article's full text the feed of a
# 1,000-article site would weigh 30 MB. Pelican's FEED_MAX_ITEMS and Hugo's rssLimit agree.
FEED_ENTRIES = 50


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def sitemap(site: Site) -> OutputFile:
    urlset = ET.Element("urlset", xmlns=SITEMAP_NS)
    for route in site.routes:
        if not route.in_sitemap:
            continue
        entry = ET.SubElement(urlset, "url")
        ET.SubElement(entry, "loc").text = site.urls.url(route.path, absolute=True)
        if route.lastmod:
            ET.SubElement(entry, "lastmod").text = route.lastmod.isoformat()
    return OutputFile("sitemap.xml", _xml(urlset))


def robots(site: Site) -> OutputFile:
    text = f"User-agent: *\nAllow: /\n\nSitemap: {site.urls.url('sitemap.xml', absolute=True)}\n"
    return OutputFile("robots.txt", text.encode("utf-8"))


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def feed(site: Site) -> OutputFile:
    urls, config = site.urls, site.config
    ET.register_namespace("", ATOM_NS)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        child = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        child.text = text
        return child

    root = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": config.language})
    el(root, "title", config.title)
    el(root, "subtitle", config.tagline)
    el(root, "id", urls.url(absolute=True))
    el(root, "link", href=urls.url("feed.xml", absolute=True), rel="self",
       type="application/atom+xml")
    el(root, "link", href=urls.url(absolute=True), rel="alternate", type="text/html")
    newest = max((a.meta.last_reviewed for a in site.content.articles), default=None)
    el(root, "updated", _timestamp(newest or dt.date(1970, 1, 1)))
    author = el(root, "author")
    el(author, "name", config.publisher)
    el(root, "generator", "Careleaf")
    published = [a for a in site.content.articles if not a.meta.draft]
    for article in published[:FEED_ENTRIES]:  # newest review first
        entry = el(root, "entry")
        link = urls.url(urls.article(article.slug), absolute=True)
        el(entry, "title", article.meta.title)
        el(entry, "id", link)
        el(entry, "link", href=link, rel="alternate", type="text/html")
        el(entry, "published", _timestamp(article.meta.published))
        el(entry, "updated", _timestamp(article.meta.last_reviewed))
        entry_author = el(entry, "author")
        el(entry_author, "name", article.review.author.name)
        el(entry, "summary", " ".join(article.meta.summary.split()))
        for key in article.meta.medicines + article.meta.topics:
            el(entry, "category", term=key)
        # a very long article gets its summary only, so one file cannot bloat the feed
        if len(article.document.html_utf8) <= config.limits.max_feed_entry_kb * 1024:
            el(entry, "content", article.html, type="html")
    return OutputFile("feed.xml", _xml(root))


def headers(site: Site) -> OutputFile:
    text = (
        f"{site.urls.base_path}*\n"
        f"  Content-Security-Policy: {CONTENT_SECURITY_POLICY}; frame-ancestors 'none'\n"
        "  Referrer-Policy: no-referrer\n"
        "  X-Content-Type-Options: nosniff\n"
        "  X-Frame-Options: DENY\n"
        "  Permissions-Policy: camera=(), microphone=(), geolocation=()\n"
    )
    return OutputFile("_headers", text.encode("utf-8"))


def index_files(site: Site) -> list[OutputFile]:
    return [sitemap(site), robots(site), feed(site), headers(site)]
