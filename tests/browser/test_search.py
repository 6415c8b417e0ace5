"""Site search in the browser: Pagefind's index, built with the site and served by it."""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

import pytest
import yaml
from conftest import REPO
from playwright.sync_api import expect

from browser.test_browser import axe_violations

WAIT = 15_000  # ms: the first search loads Pagefind's index


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


# Results as you type, filters, suggestions, phones (issue 12, item 4)

CITATION_LABEL = re.compile(r"Reference|\[\s*\d|\d\s*\]")


def indexed_pages(out: Path) -> dict[str, str]:
    """Every page in the search index, with the text Pagefind indexed for it (a fragment
    is gzipped "pagefind_dcd" followed by JSON)."""
    pages = {}
    for fragment in (out / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(fragment.read_bytes())
        page = json.loads(data[data.index(b"{"):])
        pages[page["url"]] = page["content"]
    return pages


def type_query(page, text: str) -> None:
    """Type as a reader does, key by key, and never press Enter."""
    box = page.locator("#search-q")
    box.fill("")
    box.press_sequentially(text, delay=40)


def results(page) -> list[str]:
    return page.eval_on_selector_all("#search-results h2 a", "els => els.map(e => e.pathname)")


def excerpts(page) -> list[str]:
    return page.eval_on_selector_all("#search-results li p", "els => els.map(e => e.innerText)")


def open_search(browser, width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    return context, page


def test_every_searchable_page_is_indexed_and_nothing_else(served_site):
    _, out = served_site
    expected = {"/glossary/"}
    for folder in ("articles", "medicines", "topics", "compare"):
        pages = out.glob(f"{folder}/*/index.html")
        expected |= {f"/{folder}/{page.parent.name}/" for page in pages}
    expected |= {f"/{path.stem}/" for path in (REPO / "content/pages").glob("*.md")}
    assert set(indexed_pages(out)) == expected


def test_the_index_holds_page_text_only(served_site):
    """Citations, contents lists, review dates, bylines, notices, teasers of other articles,
    the get-help box and the disclaimer are not the page's own text: they are left out, so
    they neither match nor show in excerpts."""
    _, out = served_site
    site = yaml.safe_load((REPO / "site.yaml").read_text())
    disclaimer = " ".join(site["disclaimer"].split())[:60]
    boilerplate = ["In this article", "On this page", "Page last reviewed", "Next review due",
                   "minute read", "Written by", "No clinician has checked this page yet",
                   "Related articles", "Articles about", "Report a problem with this page.",
                   "Get help now", "Medical disclaimer. This", disclaimer]
    problems = []
    for url, text in indexed_pages(out).items():
        text = " ".join(text.split())
        if re.search(r"Reference \d|\[ ?\d", text):
            problems.append(f"{url}: citation labels")
        problems += [f"{url}: {phrase!r}" for phrase in boilerplate if phrase in text]
    assert problems == []
    twitching = indexed_pages(out)["/articles/gabapentin-muscle-twitching/"]
    assert "myoclonus" in twitching and "Key points" in twitching  # the article itself is


def test_results_come_as_you_type_without_enter(browser, served_site):
    base, _ = served_site
    context, page = open_search(browser)
    page.goto(base + "/search/")
    page.evaluate("window.sameDocument = true")
    type_query(page, "twitching")
    expect(page.locator("#search-status")).to_contain_text("match “twitching”", timeout=WAIT)
    assert "/articles/gabapentin-muscle-twitching/" in results(page)[:3]
    assert page.evaluate("window.sameDocument"), "typing must not reload the page"
    assert "q=twitching" in page.url  # Back and reload bring the results back
    # typing on replaces the results; emptying the box clears them
    type_query(page, "migraine")
    expect(page.locator("#search-status")).to_contain_text("match “migraine”", timeout=WAIT)
    assert "/articles/amitriptyline-migraine-prevention/" in results(page)
    page.locator("#search-q").fill("")
    expect(page.locator("#search-results li")).to_have_count(0, timeout=WAIT)
    context.close()


def test_enter_still_searches(browser, served_site):
    base, _ = served_site
    context, page = open_search(browser)
    page.goto(base + "/search/")
    page.locator("#search-q").fill("cramps")
    page.locator("#search-q").press("Enter")
    expect(page.locator("#search-status")).to_contain_text("match “cramps”", timeout=WAIT)
    assert "/articles/amitriptyline-muscle-cramps/" in results(page)
    context.close()


def test_ticking_a_filter_changes_the_results_at_once(browser, served_site):
    base, _ = served_site
    context, page = open_search(browser)
    page.goto(base + "/search/")
    status = page.locator("#search-status")
    assert page.locator("#search-options").evaluate("el => el.open"), "open on a wide screen"
    type_query(page, "side effects")
    expect(status).to_contain_text("match “side effects”.", timeout=WAIT)
    everything = results(page)
    assert "/articles/amitriptyline-muscle-cramps/" in everything
    page.get_by_label("Gabapentin", exact=True).check()
    expect(status).to_contain_text("with your filters (Gabapentin)", timeout=WAIT)
    only_gabapentin = results(page)
    assert only_gabapentin and set(only_gabapentin) < set(everything)
    assert "/articles/amitriptyline-muscle-cramps/" not in only_gabapentin
    assert "/articles/gabapentin-muscle-twitching/" in only_gabapentin
    assert "medicine=Gabapentin" in page.url
    assert "1 chosen" in page.locator("#search-options summary").inner_text()
    # a filter that leaves nothing says so, and offers to clear the filters
    page.get_by_label("Migraine", exact=True).check()
    expect(status).to_contain_text("No pages match “side effects” with your filters",
                                   timeout=WAIT)
    page.get_by_role("button", name="Clear the filters").click()
    expect(status).to_have_text(f"{len(everything)} pages match “side effects”.", timeout=WAIT)
    assert not page.get_by_label("Gabapentin", exact=True).is_checked()
    context.close()


def test_excerpts_have_no_reference_labels(browser, served_site):
    base, _ = served_site
    context, page = open_search(browser)
    page.goto(base + "/search/")
    problems = []
    for query in ["gabapentin", "side effects", "twitching", "kidneys", "amitriptyline dose",
                  "stopping"]:
        type_query(page, query)
        expect(page.locator("#search-status")).to_contain_text(f"match “{query}”", timeout=WAIT)
        found = excerpts(page)
        assert found, query
        problems += [f"{query}: {text}" for text in found if CITATION_LABEL.search(text)]
    assert problems == []
    context.close()


def test_a_misspelling_suggests_close_names(browser, served_site):
    base, _ = served_site
    context, page = open_search(browser)
    page.goto(base + "/search/")
    status = page.locator("#search-status")
    type_query(page, "twiching")
    expect(status).to_contain_text("No pages match “twiching”", timeout=WAIT)
    expect(status).to_contain_text("Did you mean", timeout=WAIT)  # said to screen readers
    suggestions = page.locator("#search-suggestions")
    topic = suggestions.get_by_role("link", name="Muscle twitching", exact=True)
    assert topic.get_attribute("href") == "/topics/muscle-twitching/"
    # the corrected search runs in place
    suggestions.get_by_role("link", name="Search for “twitching”").click()
    expect(status).to_contain_text("match “twitching”", timeout=WAIT)
    assert "/articles/gabapentin-muscle-twitching/" in results(page)
    assert page.locator("#search-q").input_value() == "twitching"
    # a medicine's name spelt wrong
    type_query(page, "gabapemtin")
    expect(suggestions.get_by_role("link", name="Gabapentin", exact=True)).to_have_attribute(
        "href", "/medicines/gabapentin/", timeout=WAIT)
    expect(suggestions.get_by_role("link", name="Search for “gabapentin”")).to_be_visible()
    # nothing close: say so, and where to browse
    type_query(page, "xylophone")
    expect(status).to_have_text("No pages match “xylophone”.", timeout=WAIT)
    expect(suggestions.get_by_role("link", name="medicines A to Z")).to_be_visible()
    context.close()


def test_show_more_results_moves_focus_to_the_first_new_one(browser, served_site):
    base, _ = served_site
    context, page = open_search(browser)
    page.goto(base + "/search/?q=medicine")
    expect(page.locator("#search-status")).to_contain_text("match", timeout=WAIT)
    total = int(page.locator("#search-status").inner_text().split()[0])
    if total <= 20:
        pytest.skip("the bundled site has too few pages for a second page of results")
    assert len(results(page)) == 20
    page.locator("#search-more").click()
    expect(page.locator("#search-results li")).to_have_count(min(total, 40), timeout=WAIT)
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == page.locator("#search-results li").nth(20).locator("a").get_attribute("href")
    context.close()


def test_on_a_phone_filters_are_collapsed_and_results_come_first(browser, served_site):
    base, _ = served_site
    context, page = open_search(browser, 375, 667)
    page.goto(base + "/search/")
    type_query(page, "side effects")
    expect(page.locator("#search-status")).to_contain_text("match", timeout=WAIT)
    options = page.locator("#search-options")
    assert not options.evaluate("el => el.open")
    assert not page.get_by_label("Gabapentin", exact=True).is_visible()
    first = page.locator("#search-results li").first.bounding_box()
    assert first["y"] < 667, "the first result is on the first screen"
    # by keyboard: the box, its button, the filter toggle, then the results
    page.locator("#search-q").focus()
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate(
            "(el => el.id || el.tagName.toLowerCase() + ':' + el.textContent.trim().slice(0, 40))"
            "(document.activeElement)"))
    assert order[0].startswith("button:Search")
    assert order[1].startswith("summary:Filter by medicine or topic")
    assert order[2].startswith("a:"), order  # the first result, not a hidden checkbox
    assert axe_violations(page) == []
    # the toggle opens the filters, and ticking one still applies at once
    options.locator("summary").click()
    page.get_by_label("Gabapentin", exact=True).check()
    expect(page.locator("#search-status")).to_contain_text("(Gabapentin)", timeout=WAIT)
    assert "1 chosen" in options.locator("summary").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(page) == []
    context.close()


def test_search_states_pass_axe_and_stay_private(browser, served_site):
    base, _ = served_site
    context, page = open_search(browser)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base + "/search/")
    status = page.locator("#search-status")
    assert status.get_attribute("role") == "status"  # polite live region
    problems = [f"empty: {v}" for v in axe_violations(page)]
    type_query(page, "gabapentin")
    expect(status).to_contain_text("match", timeout=WAIT)
    problems += [f"results: {v}" for v in axe_violations(page)]
    page.get_by_label("Nerve pain", exact=True).check()
    expect(status).to_contain_text("(Nerve pain)", timeout=WAIT)
    problems += [f"filtered: {v}" for v in axe_violations(page)]
    page.get_by_label("Nerve pain", exact=True).uncheck()
    type_query(page, "twiching")
    expect(status).to_contain_text("No pages match", timeout=WAIT)
    problems += [f"no match: {v}" for v in axe_violations(page)]
    assert problems == []
    assert {urlsplit(url).netloc for url in requests} == {urlsplit(base).netloc}
    assert context.cookies() == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.locator("#search-q").get_attribute("autocomplete") == "off"
    context.close()


def test_without_javascript_the_form_submits_and_says_what_to_do(browser, served_site):
    base, _ = served_site
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 667})
    page = context.new_page()
    page.goto(base + "/search/")
    page.locator("#search-q").fill("twitching")
    page.locator("#search-q").press("Enter")
    page.wait_for_url("**/search/?q=twitching")
    main = page.locator("main")
    assert "Search needs JavaScript" in main.inner_text()
    assert main.get_by_role("link", name="medicines A to Z").is_visible()
    assert not page.locator("#search-options").evaluate("el => el.open")
    context.close()
