"""Site search in the browser: Pagefind's index, built with the site and served by it."""

from __future__ import annotations

import json
import time
from urllib.parse import quote_plus, urlsplit

import yaml
from conftest import REPO


def search(page, base: str, query: str, **filters: str) -> list[str]:
    url = f"{base}/search/?q={quote_plus(query)}"
    url += "".join(f"&{key}={quote_plus(value)}" for key, value in filters.items())
    page.goto(url)
    status = page.locator("#search-status")
    deadline = time.monotonic() + 15
    while "match" not in status.inner_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "match" in status.inner_text(), status.inner_text()
    return page.eval_on_selector_all("#search-results a", "els => els.map(e => e.pathname)")


def test_the_index_holds_every_article(browser, served_site):
    base, out = served_site
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())
    assert sum(lang["page_count"] for lang in entry["languages"].values()) >= 15
    page = browser.new_page()
    for path in sorted((REPO / "content/articles").glob("*.md")):
        title = yaml.safe_load(path.read_text().split("---")[1])["title"]
        assert f"/articles/{path.stem}/" in search(page, base, title), title
    page.close()


def test_twitching_finds_the_gabapentin_article_without_leaving_the_site(browser, served_site):
    base, _ = served_site
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    results = search(page, base, "twitching")
    assert "/articles/gabapentin-muscle-twitching/" in results[:3]
    assert {urlsplit(url).netloc for url in requests} == {urlsplit(base).netloc}
    page.close()


def test_filters_by_medicine_and_topic(browser, served_site):
    base, _ = served_site
    page = browser.new_page()
    everything = search(page, base, "side effects")
    only_gabapentin = search(page, base, "side effects", medicine="Gabapentin")
    assert "/articles/amitriptyline-muscle-cramps/" in everything
    assert "/articles/amitriptyline-muscle-cramps/" not in only_gabapentin
    assert "/articles/gabapentin-muscle-twitching/" in only_gabapentin
    assert page.locator("input[name=medicine][value=Gabapentin]").is_checked()
    migraine = search(page, base, "amitriptyline", topic="Migraine")
    assert "/articles/amitriptyline-migraine-prevention/" in migraine
    assert "/articles/amitriptyline-muscle-cramps/" not in migraine
    page.close()


def test_search_page_says_it_needs_javascript_when_it_is_off(browser, served_site):
    base, _ = served_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/search/?q=twitching")
    assert "Search needs JavaScript" in page.locator("main").inner_text()
    context.close()
