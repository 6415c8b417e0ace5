"""Every page of the built site, in a real browser: accessible (axe-core, WCAG 2.2 AA),
private (no other origin, no cookies), usable at 320 px, by keyboard, without JavaScript,
in dark mode and in print."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Axe()
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def site_paths(out: Path) -> list[str]:
    """The URL path of every HTML page of the built site."""
    paths = []
    for file in sorted(out.rglob("*.html")):
        rel = file.relative_to(out).as_posix()
        paths.append("/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return paths


def axe_violations(page, rules: list[str] | None = None) -> list[str]:
    run_only = ({"type": "rule", "values": rules} if rules
                else {"type": "tag", "values": WCAG_TAGS})
    results = AXE.run(page, options={"runOnly": run_only, "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_every_page_passes_axe_and_stays_private(browser, served_site):
    base, out = served_site
    origin = urlsplit(base).netloc
    problems = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests, console = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    paths = site_paths(out)
    assert len(paths) >= 20
    for path in paths:
        requests.clear()
        console.clear()
        page.goto(base + path, wait_until="load")
        for violation in axe_violations(page):
            problems.append(f"{path}: {violation}")
        for url in requests:
            if urlsplit(url).netloc != origin:
                problems.append(f"{path}: request to another origin: {url}")
        problems += [f"{path}: console error: {text}" for text in console]
    assert context.cookies() == []
    context.close()
    assert problems == []


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_contrast_in_both_colour_schemes(browser, served_site, scheme):
    base, out = served_site
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    problems = []
    for path in site_paths(out):
        page.goto(base + path)
        problems += [f"{path}: {v}" for v in axe_violations(page, ["color-contrast"])]
    context.close()
    assert problems == []


def test_print_hides_navigation_shows_reference_urls_keeps_callouts(browser, served_site):
    base, out = served_site
    page = browser.new_page()
    page.emulate_media(media="print")
    problems = []
    for path in site_paths(out):
        page.goto(base + path)
        problems += [f"{path}: {v}" for v in axe_violations(page, ["color-contrast"])]
        assert not page.locator(".site-nav").is_visible(), path
    page.goto(base + "/articles/amitriptyline-muscle-cramps/")
    after = page.evaluate("""() => getComputedStyle(
        document.querySelector('.references a.external'), '::after').content""")
    assert "https://" in after
    assert page.locator(".callout--emergency").first.is_visible()
    assert page.locator(".disclaimer").is_visible()
    page.close()
    assert problems == []


def test_no_horizontal_scroll_at_320px_and_tables_scroll_in_their_own_region(
        browser, served_site):
    base, out = served_site
    page = browser.new_page(viewport={"width": 320, "height": 640})
    problems = []
    tables = 0
    for path in site_paths(out):
        page.goto(base + path)
        width = page.evaluate("[document.documentElement.scrollWidth, "
                              "document.documentElement.clientWidth]")
        if width[0] > width[1]:
            problems.append(f"{path}: page is {width[0]}px wide at 320px")
        for wrap in page.locator(".table-wrap").all():
            tables += 1
            assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
            label = wrap.get_attribute("aria-labelledby")
            assert label and page.locator(f"#{label}").inner_text().strip()
    page.close()
    assert tables >= 2
    assert problems == []


CELLS_OUTSIDE = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const cell of document.querySelectorAll('.data-table th, .data-table td')) {
    const box = cell.getBoundingClientRect();
    if (box.width && (box.left < 0 || box.right > width + 0.5))
      out.push(`${cell.innerText.slice(0, 20)}: ${Math.round(box.left)}-${Math.round(box.right)}`);
  }
  return [document.querySelectorAll('.data-table td').length, out];
}"""


def test_side_effect_and_comparison_tables_stack_into_cards_at_375px(browser, served_site):
    """Every cell of a side-effects or comparison table lies inside a 375 px viewport, each
    labelled with its column; the table keeps its roles; emergency rows are marked by a
    label, not by colour alone."""
    base, out = served_site
    page = browser.new_page(viewport={"width": 375, "height": 740})
    problems, cells = [], 0
    for path in site_paths(out):
        page.goto(base + path)
        count, outside = page.evaluate(CELLS_OUTSIDE)
        cells += count
        problems += [f"{path}: {cell}" for cell in outside]
        for cell in page.locator(".data-table td[data-label]").all()[:3]:
            label = cell.evaluate("c => getComputedStyle(c, '::before').content")
            assert label.strip('"') == cell.get_attribute("data-label"), path
    assert cells >= 20
    page.goto(base + "/articles/gabapentin-muscle-twitching/")
    table = page.locator(".data-table--side-effects").first
    assert table.get_attribute("role") == "table"
    assert page.get_by_role("table").count() >= 1
    assert page.get_by_role("row").count() >= 3 and page.get_by_role("cell").count() >= 4
    # static/tables.js states every part's role for browsers that drop them (WebKit); the
    # HTML itself carries none on rows and cells, which the Nu checker would refuse
    rows = table.locator("tr")
    assert rows.count() >= 3 and rows.count() == table.locator("tr[role=row]").count()
    assert table.locator("tbody th[role=rowheader]").count() >= 2
    assert table.locator("td[role=cell]").count() == table.locator("td").count()
    assert table.locator("thead th[role=columnheader]").count() == 3
    emergency = page.locator("tr.tier-emergency .tier-label--emergency")
    if emergency.count():
        assert emergency.first.inner_text().strip()
    assert axe_violations(page) == []
    page.close()
    assert problems == []


def test_printed_medicine_and_comparison_pages_keep_help_dates_and_sources(
        browser, served_site):
    base, out = served_site
    page = browser.new_page()
    page.emulate_media(media="print")
    compare = next(p for p in site_paths(out) if p.startswith("/compare/") and p != "/compare/")
    for path in ("/medicines/amitriptyline/", compare):
        page.goto(base + path)
        for selector in ("[data-careleaf=urgent-help]", "[data-careleaf=review-dates]",
                         ".references", "[data-careleaf=disclaimer]"):
            assert page.locator(selector).first.is_visible(), (path, selector)
    page.goto(base + "/medicines/amitriptyline/")
    assert page.locator("[data-careleaf=overdose]").is_visible()
    page.close()


FOCUS_STYLE = """() => { const el = document.activeElement; const s = getComputedStyle(el);
  return {tag: el.tagName, text: (el.innerText || '').slice(0, 40),
          visible: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                   || s.boxShadow !== 'none'}; }"""


def test_every_link_and_control_on_every_page_shows_focus(browser, served_site):
    """Tab through each page: every stop has a visible focus indicator, and Tab reaches
    every visible link and control (links in closed FAQ answers are rightly skipped)."""
    base, out = served_site
    page = browser.new_page()
    problems = []
    for path in site_paths(out):
        page.goto(base + path)
        focusable = page.evaluate("""() => [...document.querySelectorAll(
            'a[href], summary, [tabindex="0"], button, input')].filter(
            e => e.checkVisibility() || e.classList.contains('skip-link')).length""")
        stops = 0
        for _ in range(focusable):
            page.keyboard.press("Tab")
            state = page.evaluate(FOCUS_STYLE)
            if state["tag"] == "BODY":
                break
            stops += 1
            if not state["visible"]:
                problems.append(f"{path}: no visible focus on {state}")
        if stops != focusable or focusable < 5:
            problems.append(f"{path}: Tab reached {stops} of {focusable} links and controls")
    page.close()
    assert problems == []


def test_skip_link_is_first_and_moves_focus_to_main_on_every_page(browser, served_site):
    base, out = served_site
    page = browser.new_page()
    for path in site_paths(out):
        page.goto(base + path)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link", path
        box = page.locator(".skip-link").bounding_box()
        assert box and box["y"] >= 0, path  # on screen once focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main-content", path
    page.close()


def test_faq_answers_open_and_close_by_keyboard(browser, served_site):
    base, _ = served_site
    page = browser.new_page()
    page.goto(base + "/articles/gabapentin-muscle-twitching/")
    first = page.locator(".faq__item").first
    answer = first.locator(".faq__answer")
    assert not answer.is_visible()
    first.locator("summary").focus()
    page.keyboard.press("Enter")
    assert answer.is_visible() and first.get_attribute("open") is not None
    page.keyboard.press("Space")
    assert not answer.is_visible()
    page.close()


def test_readable_without_javascript(browser, served_site):
    base, out = served_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for path in site_paths(out):
        page.goto(base + path)
        assert page.locator("h1").is_visible(), path
        assert len(page.locator("main").inner_text()) > 80, path
        assert "medical advice" in page.locator(".disclaimer").inner_text(), path
    page.goto(base + "/articles/gabapentin-muscle-twitching/")
    page.locator(".faq__item summary").first.click()
    assert page.locator(".faq__item .faq__answer").first.is_visible()
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_for_people_to_look_at(browser, served_site, width):
    base, _ = served_site
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900})
    for name, path in [("home", "/"), ("article", "/articles/amitriptyline-muscle-cramps/"),
                       ("medicine", "/medicines/amitriptyline/")]:
        page.goto(base + path)
        target = folder / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    page.close()
