"""The built site is valid: HTML by the Nu HTML Checker, the sitemap by the sitemaps.org
0.9 schema, the feed by RFC 4287 (Atom); and the same input always builds the same bytes."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import REPO, require, run_cli
from lxml import etree

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_html_file_passes_the_nu_html_checker(bundled_site):
    require("vnu.jar (npm ci)", VNU.is_file())
    require("java", bool(shutil.which("java")))
    proc = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", str(bundled_site)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr or proc.stdout
    assert proc.stderr.strip() == "" and proc.stdout.strip() == ""


def test_sitemap_validates_against_the_sitemaps_schema(bundled_site):
    schema = etree.XMLSchema(etree.parse(str(REPO / "tests/schemas/sitemap-0.9.xsd")))
    doc = etree.parse(str(bundled_site / "sitemap.xml"))
    assert schema.validate(doc), schema.error_log


def test_schema_rejects_a_broken_sitemap(tmp_path):
    schema = etree.XMLSchema(etree.parse(str(REPO / "tests/schemas/sitemap-0.9.xsd")))
    bad = etree.fromstring(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                           b"<url><lastmod>yesterday</lastmod></url></urlset>")
    assert not schema.validate(bad)


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
A = "{http://www.w3.org/2005/Atom}"


def test_feed_is_valid_atom(bundled_site):
    """RFC 4287's requirements for atom:feed and atom:entry."""
    feed = ET.parse(bundled_site / "feed.xml").getroot()
    assert feed.tag == f"{A}feed"

    def one(parent, tag):
        found = parent.findall(f"{A}{tag}")
        assert len(found) == 1, (tag, len(found))
        return found[0]

    for tag in ("id", "title", "updated"):
        assert one(feed, tag).text
    assert RFC3339.match(one(feed, "updated").text)
    assert [link for link in feed.findall(f"{A}link") if link.get("rel") == "self"]
    feed_has_author = bool(feed.findall(f"{A}author"))
    entries = feed.findall(f"{A}entry")
    assert entries
    ids = set()
    for entry in entries:
        entry_id = one(entry, "id").text
        assert re.match(r"^[a-z][a-z0-9+.-]*:", entry_id) and entry_id not in ids
        ids.add(entry_id)
        assert one(entry, "title").text
        assert RFC3339.match(one(entry, "updated").text)
        assert RFC3339.match(one(entry, "published").text)
        assert feed_has_author or entry.findall(f"{A}author")
        content = entry.find(f"{A}content")
        alternates = [x for x in entry.findall(f"{A}link") if x.get("rel", "alternate") ==
                      "alternate"]
        assert content is not None or alternates  # 4.1.1: content or a link alternate
        assert len({(x.get("type"), x.get("hreflang")) for x in alternates}) == len(alternates)


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1800000000"}
    first, second = tmp_path / "a" / "_site", tmp_path / "b" / "_site"
    for out in (first, second):
        result = run_cli("--root", str(REPO), "build", "--out", str(out), env=env)
        assert result.code == 0, result.err
    assert snapshot(first) == snapshot(second)
    assert len(snapshot(first)) > 20


def test_security_headers_for_hosts_that_read_them(bundled_site):
    headers = (bundled_site / "_headers").read_text()
    page = (bundled_site / "index.html").read_text()
    meta_csp = html.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    header_csp = re.search(r"Content-Security-Policy: (.+)", headers).group(1)
    for policy in (meta_csp, header_csp):
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in header_csp  # only a header can say this
    assert "Referrer-Policy: no-referrer" in headers
    assert "X-Content-Type-Options: nosniff" in headers
    assert '<meta name="referrer" content="no-referrer">' in page
