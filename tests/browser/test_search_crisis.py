"""Search that knows a crisis and lands on the answer (issue 21): the region's crisis and
emergency lines above the results for a query about suicide, self-harm or taking too much;
a guide's section first for "medicine + topic"; comparisons for "X or Y"."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from urllib.parse import quote_plus

import pytest
from conftest import REPO, run_cli

from browser.conftest import QuietHandler
from browser.test_browser import axe_violations
from browser.test_search import type_query

CRISIS_QUERIES = ["suicidal", "suicide", "kill myself", "self harm", "overdose",
                  "took too many", "gabapentin overdose", "Suicídal", "kil myself"]
PUNCTUATION = tuple(".,;:!?)]")


def settle(page, query: str, timeout: float = 15) -> str:
    """Wait for the search for `query` (not a part of it typed before) to answer."""
    status = page.locator("#search-status")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = status.inner_text()
        if "match" in text and f"“{query.strip()}”" in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"search did not answer: {status.inner_text()!r}")


def typed(page, base: str, query: str) -> list[str]:
    """Open the search page and type the query as a reader does; the result links."""
    page.goto(f"{base}/search/")
    type_query(page, query)
    settle(page, query)
    return page.eval_on_selector_all("#search-results h2 a",
                                     "els => els.map(e => e.pathname + e.hash)")


def crisis_is_above_the_results(page) -> None:
    crisis = page.locator("#search-crisis")
    assert crisis.is_visible()
    first = page.locator("#search-results li").first
    if first.count():
        assert crisis.bounding_box()["y"] < first.bounding_box()["y"]


@pytest.mark.parametrize("query", CRISIS_QUERIES)
def test_a_crisis_query_shows_the_regions_lines_above_the_first_result(browser, served_site,
                                                                         query):
    base, _ = served_site
    page = browser.new_page()
    found = typed(page, base, query)
    crisis_is_above_the_results(page)
    text = page.locator("#search-crisis").inner_text()
    assert "116 123" in text and "999" in text
    if query == "gabapentin overdose":
        assert "/medicines/gabapentin/#overdose" in found[:3]
    page.close()


def test_an_ordinary_query_shows_no_crisis_lines(browser, served_site):
    base, _ = served_site
    page = browser.new_page()
    typed(page, base, "twitching")
    assert not page.locator("#search-crisis").is_visible()
    page.close()


def test_medicine_and_topic_lands_on_the_guides_section(browser, served_site):
    base, _ = served_site
    page = browser.new_page(viewport={"width": 375, "height": 740})
    found = typed(page, base, "amitriptyline alcohol")
    assert found[0] == "/medicines/amitriptyline/#alcohol"
    where = page.locator("#search-results li").first.locator(".search__result-where")
    assert "Amitriptyline guide" in where.inner_text() and "Alcohol" in where.inner_text()
    page.locator("#search-results h2 a").first.click()
    page.wait_for_url("**/medicines/amitriptyline/#alcohol")
    heading = page.locator("#alcohol")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not heading.evaluate(
            "h => { const r = h.getBoundingClientRect(); "
            "return r.top >= 0 && r.top < window.innerHeight; }"):
        time.sleep(0.05)
    assert heading.evaluate("h => h.getBoundingClientRect().top") < 740
    page.close()


@pytest.mark.parametrize("query", ["difference between gabapentin and amitriptyline",
                                   "which is better, gabapentin or amitriptyline",
                                   "gabapentin vs amitriptyline", "amitriptyline or gabapentin"])
def test_comparisons_are_found_by_how_people_ask(browser, served_site, query):
    base, out = served_site
    assert (out / "compare/amitriptyline-vs-gabapentin/index.html").is_file()
    page = browser.new_page()
    assert typed(page, base, query)[0] == "/compare/amitriptyline-vs-gabapentin/"
    page.close()


def test_results_say_where_they_come_from_and_excerpts_start_cleanly(browser, served_site):
    base, _ = served_site
    page = browser.new_page()
    for query in ["alcohol", "twitching", "side effects", "dose", "sleepy", "kidney"]:
        typed(page, base, query)
        for item in page.locator("#search-results li").all()[:10]:
            excerpt = item.locator("p").last.inner_text().strip()
            assert not excerpt.startswith(PUNCTUATION), (query, excerpt)
        wheres = page.eval_on_selector_all(
            "#search-results li .search__result-where", "els => els.map(e => e.innerText)")
        assert wheres, query
    page.close()


def test_without_javascript_the_crisis_lines_come_first(browser, served_site):
    base, _ = served_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/search/?q=suicidal")
    main = page.locator("main")
    text = main.inner_text()
    assert text.index("116 123") < text.index("Search needs JavaScript")
    assert text.index("999") < text.index("Search needs JavaScript")
    crisis = page.locator("#search-crisis")
    assert crisis.is_visible()
    assert crisis.bounding_box()["y"] < page.locator("#search-no-js").bounding_box()["y"]
    assert page.locator("#search-no-js a[href='/medicines/']").count() == 1
    assert page.locator("#search-no-js a[href='/topics/']").count() == 1
    context.close()


def test_the_search_page_passes_axe_in_every_state(browser, served_site):
    base, _ = served_site
    page = browser.new_page()
    page.goto(f"{base}/search/")
    problems = {"empty": axe_violations(page)}
    type_query(page, "gaba")
    problems["typing"] = axe_violations(page)
    typed(page, base, "twitching")
    problems["results"] = axe_violations(page)
    typed(page, base, "took too many")
    crisis_is_above_the_results(page)
    problems["crisis lines"] = axe_violations(page)
    typed(page, base, "zzqxv")
    assert page.locator("#search-results li").count() == 0
    problems["no results"] = axe_violations(page)
    assert not any(problems.values()), problems
    page.close()


@pytest.fixture(scope="module")
def us_site(tmp_path_factory):
    """The bundled content as a US site with its own crisis word list."""
    root = tmp_path_factory.mktemp("us")
    shutil.copytree(REPO / "content", root / "content")
    article = root / "content/articles/gabapentin-muscle-twitching.md"
    text = article.read_text()
    heading = text.index("\n## ")
    article.write_text(text[:heading] + "\n\nType `<b>zebrafish</b>` here [@nhs-gabapentin].\n"
                       + text[heading:])
    topics = root / "content/topics.yaml"  # a title with the ";" that joins a page's values
    topics.write_text(topics.read_text().replace("title: Muscle cramps",
                                                 'title: "Cramps; spasms"'))
    settings = (REPO / "site.yaml").read_text().replace("\nregion: UK\n", "\nregion: US\n")
    settings = settings.replace("report_side_effect:", "search:\n  crisis_words: "
                                "[hopeless, no way out]\nreport_side_effect:")
    (root / "site.yaml").write_text(settings)
    out = root / "_site"
    result = run_cli("--root", str(root), "build", "--out", str(out), "--quiet")
    assert result.code == 0, result.err
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_us_site_with_its_own_word_list(browser, us_site):
    page = browser.new_page()
    for query in ["hopeless", "no way out"]:
        page.goto(f"{us_site}/search/?q={quote_plus(query)}")
        settle(page, query)
        crisis_is_above_the_results(page)
        text = page.locator("#search-crisis").inner_text()
        assert "988" in text and "911" in text and "116 123" not in text
    page.goto(f"{us_site}/search/?q=twitching")
    settle(page, "twitching")
    assert not page.locator("#search-crisis").is_visible()
    page.close()


def test_excerpts_show_page_text_as_text_never_as_markup(browser, us_site):
    page = browser.new_page()
    page.goto(f"{us_site}/search/?q=zebrafish")
    settle(page, "zebrafish")
    excerpt = page.locator("#search-results li").first.locator("p").last
    assert "<b>zebrafish</b>" in excerpt.inner_text()
    assert excerpt.locator("b").count() == 0 and excerpt.locator("mark").count() >= 1
    page.close()


def test_a_filter_whose_name_holds_a_semicolon_still_matches(browser, us_site):
    page = browser.new_page()
    page.goto(f"{us_site}/search/?q=amitriptyline&topic={quote_plus('Cramps; spasms')}")
    settle(page, "amitriptyline")
    assert page.locator("input[name=topic][value='Cramps; spasms']").is_checked()
    found = page.eval_on_selector_all("#search-results h2 a", "els => els.map(e => e.pathname)")
    assert "/articles/amitriptyline-muscle-cramps/" in found
    assert "/articles/amitriptyline-migraine-prevention/" not in found
    page.close()
