"""Urgent help in the first screen (issue 23, item 2): on a phone, every article and every
guide page shows the region's emergency line before its body, without scrolling."""

from __future__ import annotations

from pathlib import Path

PHONE = {"width": 375, "height": 740}


def pages_of(out: Path) -> list[str]:
    return [f"/{kind}/{p.parent.name}/" for kind in ("articles", "medicines")
            for p in (out / kind).glob("*/index.html")]


def test_the_emergency_line_is_on_the_first_phone_screen(browser, served_site):
    base, out = served_site
    page = browser.new_page(viewport=PHONE)
    checked = 0
    for path in pages_of(out):
        page.goto(base + path)
        card = page.locator("[data-careleaf='urgent-first']")
        assert card.count() == 1, path
        box = card.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], (path, box)
        assert "999" in card.inner_text(), path
        # it comes before the page's body text
        body = page.locator(".article__body, #key-facts").first
        assert card.bounding_box()["y"] < body.bounding_box()["y"], path
        checked += 1
    assert checked >= 7
    page.close()
