"""The safety model of a medicine page (issue 10): every required section, frequencies
backed by the product label, an independent clinical sign-off, review dates on everything
that carries medical facts, and emergency and crisis numbers from the site's region. Each
check has a bad and a good case through the real command line, with file and line."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ARTICLE, PEOPLE_YAML, RECORD_YAML, REPO, SITE_YAML, html_pages, parse_page

from careleaf.schema import MEDICINE_SECTIONS

REC = "content/medicines/gabapentin.yaml"
ART = "content/articles/gabapentin-twitching.md"


def errors(result) -> list[str]:
    return [line for line in result.err.splitlines() if ": error[" in line]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def drop(text: str, dotted: str) -> tuple[str, int]:
    """`text` without the block of a dotted key (as an editor deleting it would leave it),
    and the line of its parent key (0 for a top-level key)."""
    lines = text.splitlines(keepends=True)
    start, depth, parent_line = 0, 0, 0
    for name in dotted.split("."):
        at = next(i for i in range(start, len(lines))
                  if indent(lines[i]) == depth and lines[i].strip().startswith(f"{name}:"))
        if name != dotted.split(".")[-1]:
            parent_line, start, depth = at + 1, at + 1, depth + 2
    end = at + 1
    while end < len(lines) and (not lines[end].strip() or indent(lines[end]) > depth
                                or lines[end].lstrip().startswith("#")
                                or lines[end][depth:].startswith("- ")):
        end += 1
    return "".join(lines[:at] + lines[end:]), parent_line


def bundled_copy(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    return root


@pytest.mark.parametrize("key", ["amitriptyline", "gabapentin", "cyclobenzaprine"])
def test_removing_any_required_section_of_a_bundled_record_fails(key, tmp_path, cli):
    """One copy of the record per required section, each without that section: one run
    reports every copy, at the parent key's line (or the record's first line)."""
    root = bundled_copy(tmp_path)
    original = (root / f"content/medicines/{key}.yaml").read_text("utf-8")
    expected = {}
    for section in MEDICINE_SECTIONS:
        text, parent = drop(original, section)
        copy = f"content/medicines/{key}-no-{section.replace('.', '-').replace('_', '-')}.yaml"
        (root / copy).write_text(text, "utf-8")
        expected[copy] = (section, parent)
    result = cli("--root", str(root), "check")
    assert result.code == 1
    assert "Traceback" not in result.err
    found = errors(result)
    for copy, (section, parent) in expected.items():
        hits = [e for e in found if e.startswith(f"{copy}:") and "[record-section-missing]" in e]
        assert hits, f"removing {section} was not reported:\n" + "\n".join(found)
        assert f"no '{section}' section" in hits[0]
        line = int(hits[0].split(":")[1])
        assert line == (parent or 1), (section, hits[0])
    # and nothing else: the untouched bundled record passes
    assert not [e for e in found if e.startswith(f"content/medicines/{key}.yaml:")]


@pytest.mark.parametrize("section", MEDICINE_SECTIONS)
def test_section_missing_names_file_and_line(section, make_site, cli):
    text, parent = drop(RECORD_YAML, section)
    result = cli("--root", str(make_site({REC: text})), "check")
    assert result.code == 1
    hit = next(e for e in errors(result) if "[record-section-missing]" in e)
    assert hit.startswith(f"{REC}:{parent or 1}:"), hit


def test_sections_required_are_set_in_site_yaml(make_site, cli):
    text, _ = drop(RECORD_YAML, "driving")
    site = SITE_YAML + "medicine_sections: [key_facts, side_effects]\n"
    result = cli("--root", str(make_site({REC: text, "site.yaml": site})), "check")
    assert "record-section-missing" not in result.err
    assert result.code == 0, result.err


def test_availability_must_cover_the_sites_region(make_site, cli):
    site = SITE_YAML.replace("region: UK", "region: US").replace("999", "911")
    result = cli("--root", str(make_site({"site.yaml": site})), "check")
    hit = next(e for e in errors(result) if "[record-section-missing]" in e)
    assert hit.startswith(f"{REC}:{line_of(RECORD_YAML, 'availability:')}:")
    assert "(US)" in hit


LEAFLET_ONLY = RECORD_YAML.replace(
    'sources: [{id: smpc, section: "4.8", checked: 2026-01-10}]',
    'sources: [{id: guide, section: "Side effects", checked: 2026-01-10}]',
).replace("sources:\n  - {id: smpc,",
          "sources:\n  - {id: guide, type: patient-info, title: A guide, publisher: X}\n"
          "  - {id: smpc,")


@pytest.mark.parametrize(("record", "code"), [
    (LEAFLET_ONLY, "frequency-unsourced"),
    # a label, but no section: the band cannot be traced
    (RECORD_YAML.replace('{id: smpc, section: "4.8", checked: 2026-01-10}', "smpc"),
     "frequency-unsourced"),
])
def test_frequency_must_cite_a_labels_section(record, code, make_site, cli):
    result = cli("--root", str(make_site({REC: record})), "check")
    assert result.code == 1
    hit = next(e for e in errors(result) if f"[{code}]" in e)
    assert hit.startswith(f"{REC}:{line_of(record, 'frequency: very-common')}:"), hit


def test_serious_not_known_without_a_label_is_flagged(make_site, cli):
    record = LEAFLET_ONLY.replace("frequency: very-common", "frequency: not-known").replace(
        "seriousness: mild", "seriousness: serious").replace("action: self-care",
                                                             "action: doctor")
    result = cli("--root", str(make_site({REC: record})), "check", "--strict")
    assert result.code == 1
    assert f"{REC}:{line_of(record, 'frequency: not-known')}:1: error[frequency-not-known]" \
        in result.err


PEOPLE_NOT_CLINICAL = PEOPLE_YAML + "- id: a-friend\n  name: A Friend\n  role: Editor\n"


@pytest.mark.parametrize(("old", "new", "code"), [
    ("reviewed_by: a-reviewer", "reviewed_by: a-writer", "review-independence"),
    ("reviewed_by: a-reviewer", "reviewed_by: a-friend", "review-not-clinical"),
    ("reviewed_by: a-reviewer", "reviewed_by: a-reviwer", "unknown-person"),
    ("author: a-writer", "author: someone", "unknown-person"),
])
@pytest.mark.parametrize("path", [ART, REC])
def test_sign_off(old, new, code, path, make_site, cli):
    text = ARTICLE if path == ART else RECORD_YAML
    text = text.replace(old, new)
    result = cli("--root", str(make_site({path: text,
                                          "content/people.yaml": PEOPLE_NOT_CLINICAL})), "check")
    assert result.code == 1
    key = new.split(":")[0]
    assert f"{path}:{line_of(text, key + ':')}:1: error[{code}]" in result.err, result.err


def test_glossary_sign_off_is_checked(make_site, cli):
    glossary = ("author: a-writer\nreviewed_by: a-writer\nlast_reviewed: 2026-01-10\n"
                "next_review: 2027-01-10\nterms:\n  - term: Jerk\n    id: jerk\n"
                "    definition: A sudden movement.\n")
    result = cli("--root", str(make_site({"content/glossary.yaml": glossary})), "check")
    assert "content/glossary.yaml:2:1: error[review-independence]" in result.err


def test_independent_clinical_sign_off_is_shown_with_links(make_site, cli):
    root = make_site()
    result = cli("--root", str(root), "build")
    assert result.code == 0, result.err
    for page in ("articles/gabapentin-twitching/index.html", "medicines/gabapentin/index.html"):
        doc = parse_page(root / "_site" / page)
        byline = " ".join(doc.xpath("string(//*[contains(@class, 'byline')])").split())
        assert "Written by A Writer" in byline and "Reviewed by A Reviewer" in byline, page
        links = doc.xpath("//*[contains(@class, 'byline')]//a/@href")
        assert any("people/a-reviewer" in href for href in links), links
    person = parse_page(root / "_site/people/a-reviewer/index.html")
    assert "General Pharmaceutical Council" in person.text_content()


def test_unreviewed_notice_builds_but_strict_fails(make_site, cli):
    article = ARTICLE.replace("reviewed_by: a-reviewer\n", "")
    site = SITE_YAML + "unreviewed: notice\n"
    root = make_site({ART: article, "site.yaml": site})
    built = cli("--root", str(root), "build")
    assert built.code == 0, built.err
    assert f"{ART}:{line_of(article, 'author:')}:1: warning[review-unreviewed]" in built.err
    doc = parse_page(root / "_site/articles/gabapentin-twitching/index.html")
    notice = " ".join(doc.xpath("string(//*[@data-careleaf='unreviewed'])").split())
    assert "not yet been checked by a clinician" in notice, notice
    assert cli("--root", str(root), "check", "--strict").code == 1
    assert cli("--root", str(root), "check", "--strict", "--allow-unreviewed").code == 0
    # without the notice setting, an unreviewed page is an error
    strict_site = make_site({ART: article})
    refused = cli("--root", str(strict_site), "check")
    assert refused.code == 1 and "error[review-unreviewed]" in refused.err


def test_self_harm_effect_needs_the_crisis_tag(make_site, cli):
    effect = ("  - name: Thoughts of harming yourself\n    frequency: rare\n"
              "    seriousness: serious\n    action: emergency\n    advice: Get help now.\n"
              "    tags: [mood]\n    sources: [{id: smpc, section: '4.8', checked: 2026-01-10}]\n")
    record = RECORD_YAML.replace("pregnancy:", effect + "pregnancy:")
    result = cli("--root", str(make_site({REC: record})), "check")
    assert f"{REC}:{line_of(record, 'Thoughts of harming')}:1: error[crisis-tag-missing]" \
        in result.err
    tagged = record.replace("tags: [mood]", "tags: [mood, self-harm]")
    root = make_site({REC: tagged})
    result = cli("--root", str(root), "build")
    assert result.code == 0, result.err
    doc = parse_page(root / "_site/medicines/gabapentin/index.html")
    item = doc.xpath("//li[strong = 'Thoughts of harming yourself']")[0]
    assert "116 123" in item.xpath("string(.//*[@class='crisis-line'])")


def test_medicine_page_shows_every_section_in_nhs_order(bundled_site):
    order = ["key-facts", "who-can-take", "how-to-take", "side-effects", "pregnancy",
             "interactions", "driving", "dependence", "references"]
    for key in ("amitriptyline", "gabapentin", "cyclobenzaprine"):
        doc = parse_page(bundled_site / f"medicines/{key}/index.html")
        ids = [h.get("id") for h in doc.xpath("//main//h2[@id]")]
        positions = []
        for wanted in order:
            match = [i for i, found in enumerate(ids) if found and found.startswith(wanted)]
            assert match, f"{key}: no section {wanted} in {ids}"
            positions.append(match[0])
        assert positions == sorted(positions), (key, ids)
        card = doc.xpath("//*[@data-careleaf='overdose']")
        assert card, key
        # the overdose card comes before the side effects, near the top
        assert ids.index(next(i for i in ids if i.startswith("side-effects"))) > 0
        dates = " ".join(doc.xpath("string(//*[@data-careleaf='review-dates'])").split())
        assert "Next review due:" in dates and "Page last updated (not yet reviewed by a " \
            "clinician):" in dates, (key, dates)


def test_comparison_pages_show_the_earlier_due_date(bundled_site):
    pages = sorted((bundled_site / "compare").glob("*/index.html"))
    assert pages
    for page in pages:
        dates = " ".join(parse_page(page).xpath(
            "string(//*[@data-careleaf='review-dates'])").split())
        assert re.search(r"Next review due: \d{1,2} \w+ \d{4}", dates), (page, dates)


def test_region_gives_the_numbers_with_no_template_change(make_site, cli):
    """The same templates and content: UK shows 999, 111 and 116 123; US shows 911, 988
    and Poison Help, and none of the UK numbers."""
    plain = "\n".join(line for line in SITE_YAML.splitlines()
                      if not line.startswith(("emergency:", "get_help:", "  items:",
                                              "    - kind:", "      text:", "callout_titles:",
                                              "  emergency:", "  urgent:", "  non-urgent:")))
    record = RECORD_YAML.replace(
        "availability:\n", "availability:\n  US: {licensed: true, supply: prescription-only, "
        "brand_names: [Neurontin], sources: [smpc]}\n")
    article = ARTICLE.replace("!!! urgent\n    - the jerks get worse\n",
                              "!!! emergency\n    - you cannot breathe\n")
    texts = {}
    for region in ("UK", "US"):
        site = plain.replace("region: UK", f"region: {region}") + "\n"
        root = make_site({"site.yaml": site, REC: record, ART: article})
        result = cli("--root", str(root), "build")
        assert result.code == 0, result.err
        texts[region] = {p.relative_to(root / "_site").as_posix(): parse_page(p).text_content()
                         for p in html_pages(root / "_site")}
    for page, text in texts["UK"].items():
        assert "999" in text and "116 123" in text, page
    for page, text in texts["US"].items():
        assert "911" in text and "988" in text, page
        assert "999" not in text and "116 123" not in text, page
    assert "1-800-222-1222" in texts["US"]["medicines/gabapentin/index.html"]
    assert "Call 911" in texts["US"]["articles/gabapentin-twitching/index.html"]


def test_urgent_help_stands_apart_from_the_disclaimer(bundled_site):
    for page in html_pages(bundled_site)[:40]:
        doc = parse_page(page)
        help_box = doc.xpath("//*[@data-careleaf='urgent-help']")
        assert help_box, page
        assert not help_box[0].xpath("ancestor::*[@data-careleaf='disclaimer']"), page
        assert "999" in help_box[0].text_content()


def test_unlicensed_medicine_says_so_on_its_page_and_articles(bundled_site):
    doc = parse_page(bundled_site / "medicines/cyclobenzaprine/index.html")
    notice = " ".join(doc.xpath("string(//*[@data-careleaf='unlicensed'])").split())
    assert "not licensed in the United Kingdom" in notice, notice
    article = parse_page(bundled_site / "articles/amitriptyline-muscle-relaxant/index.html")
    assert "not licensed in the United Kingdom" in article.xpath(
        "string(//*[@data-careleaf='unlicensed'])")


TODAY = dt.date.today()


def dated(text: str, last: dt.date, due: dt.date) -> str:
    return re.sub(r"next_review: \S+", f"next_review: {due.isoformat()}",
                  re.sub(r"last_reviewed: \S+", f"last_reviewed: {last.isoformat()}", text))


def test_due_lists_every_kind_with_dates_and_reviewers(make_site, cli):
    soon = TODAY + dt.timedelta(days=10)
    glossary = ("author: a-writer\nreviewed_by: a-reviewer\nlast_reviewed: 2026-01-10\n"
                f"next_review: {soon.isoformat()}\nterms:\n  - term: Jerk\n    id: jerk\n"
                "    definition: A sudden movement.\n")
    # the same record under another name, its source id changed (not its type: smpc)
    second = re.sub(r"\bsmpc\b(?!, title)", "pregabalin-smpc", RECORD_YAML.replace(
        "name: Gabapentin", "name: Pregabalin"))
    root = make_site({
        ART: dated(ARTICLE, dt.date(2026, 1, 10), soon).replace(
            "medicines: [gabapentin]", "medicines: [gabapentin, pregabalin]"),
        REC: dated(RECORD_YAML, dt.date(2026, 1, 10), soon + dt.timedelta(days=5)),
        "content/medicines/pregabalin.yaml": dated(second, dt.date(2026, 1, 10),
                                                   soon + dt.timedelta(days=2)),
        "content/glossary.yaml": glossary,
    })
    result = cli("--root", str(root), "due", "--within", "30", "--format", "json")
    assert result.code == 0, result.err
    items = json.loads(result.out)["items"]
    kinds = {item["kind"] for item in items}
    assert kinds == {"article", "medicine", "glossary", "comparison"}, items
    by_path = {item["path"]: item for item in items}
    assert by_path[ART]["next_review"] == soon.isoformat()
    assert by_path[ART]["reviewer"] == "A Reviewer"
    assert by_path["content/glossary.yaml"]["days"] == 10
    dates = [item["next_review"] for item in items]
    assert dates == sorted(dates)
    comparison = next(item for item in items if item["kind"] == "comparison")
    # as current as the earlier of its two records
    assert comparison["next_review"] == (soon + dt.timedelta(days=2)).isoformat()
    assert comparison["reviewer"] == "A Reviewer and A Reviewer"
    text = cli("--root", str(root), "due", "--within", "30")
    assert text.code == 0 and "A Reviewer" in text.out and ART in text.out
    markdown = cli("--root", str(root), "due", "--format", "markdown")
    assert markdown.out.startswith("| due |")
    nothing = cli("--root", str(root), "due", "--within", "0")
    assert nothing.code == 0 and "nothing is due" in nothing.out


def test_due_fails_when_anything_is_overdue(make_site, cli):
    past = TODAY - dt.timedelta(days=3)
    root = make_site({REC: dated(RECORD_YAML, past - dt.timedelta(days=300), past)})
    result = cli("--root", str(root), "due")
    assert result.code == 1
    assert "overdue by 3 days" in result.out
    assert "Gabapentin" in result.out and REC in result.out


def test_due_lists_comparisons(bundled_site, cli):
    result = cli("--root", str(REPO), "due", "--within", "3650", "--format", "json")
    items = json.loads(result.out)["items"]
    kinds = {item["kind"] for item in items}
    assert kinds == {"article", "medicine", "glossary", "comparison"}, kinds


def test_corrections_are_dated_and_shown_newest_first(make_site, cli):
    corrections = ("corrections:\n"
                   "  - {date: 2026-02-01, text: We corrected the dose in the first answer.}\n"
                   "  - {date: 2026-03-05, text: We added that jerks can start at any dose.}\n")
    article = ARTICLE.replace("sources:\n", corrections + "sources:\n", 1)
    root = make_site({ART: article})
    result = cli("--root", str(root), "build")
    assert result.code == 0, result.err
    doc = parse_page(root / "_site/articles/gabapentin-twitching/index.html")
    items = [" ".join(li.text_content().split())
             for li in doc.xpath("//ul[@class='corrections']/li")]
    assert items == ["5 March 2026: We added that jerks can start at any dose.",
                     "1 February 2026: We corrected the dose in the first answer."]
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    early = article.replace("2026-02-01", "2025-12-01").replace("2026-03-05", future)
    result = cli("--root", str(make_site({ART: early})), "check")
    assert result.code == 1
    assert f"{ART}:{line_of(early, '2025-12-01')}:1: error[review-order]" in result.err
    assert f"{ART}:{line_of(early, future)}:1: error[review-future]" in result.err


@pytest.mark.parametrize(("old", "new"), [
    ("are allergic to it.", "Do not take it if you are allergic to it."),
    ("are allergic to it.", "you must not take it when allergic."),
    ("have kidney problems.", "Tell your doctor if you have kidney problems."),
])
def test_a_list_item_that_repeats_the_pages_lead_in_is_flagged(make_site, cli, old, new):
    from conftest import RECORD_YAML

    path = "content/medicines/gabapentin.yaml"
    text = RECORD_YAML.replace(old, new, 1)
    assert text != RECORD_YAML
    root = make_site({path: text})
    line = next(i for i, row in enumerate(text.split("\n"), 1) if new in row)
    strict = cli("--root", str(root), "check", "--strict")
    assert strict.code == 1
    assert re.search(rf"^{path}:{line}:1: error\[lead-in-repeated\]", strict.err, re.M), \
        strict.err
    assert "hint:" in strict.err
    assert cli("--root", str(root), "check").code == 0  # a warning without --strict


def test_the_guides_never_repeat_their_own_lead_in(bundled_site):
    """On the built pages, no item of a list says again what its heading says."""
    for path in sorted((bundled_site / "medicines").glob("*/index.html")):
        doc = parse_page(path)
        for heading in doc.xpath("//h3[contains(., ' if you:')]"):
            lead = " ".join(heading.text_content().split()).lower()
            opening = " ".join(lead.split()[:2])
            for item in heading.xpath("following-sibling::ul[1]/li"):
                text = " ".join(item.text_content().split()).lower()
                assert not text.startswith((opening, "if you", "you ")), (path, lead, text)


def test_a_band_from_another_countrys_label_is_flagged_and_named_on_the_page(make_site, cli):
    from conftest import RECORD_YAML

    path = "content/medicines/gabapentin.yaml"
    text = RECORD_YAML.replace(
        "sources: [{id: smpc, section: \"4.8\", checked: 2026-01-10}]",
        "sources: [{id: us-label, section: \"6.1\", checked: 2026-01-10}]").replace(
        "sources:\n  - {id: smpc", "sources:\n  - {id: us-label, type: label, region: US, "
        "title: Neurontin prescribing information, publisher: Pfizer}\n  - {id: smpc")
    assert "us-label, section" in text
    root = make_site({path: text})
    line = next(i for i, row in enumerate(text.split("\n"), 1) if "frequency: very-common" in row)
    licensed = cli("--root", str(root), "check", "--strict")
    assert re.search(rf"^{path}:{line}:1: error\[frequency-other-region\]", licensed.err, re.M), \
        licensed.err
    # not licensed here: no label of this region exists, so the page names the label's country
    unlicensed = text.replace("UK: {licensed: true", "UK: {licensed: false")
    root = make_site({path: unlicensed})
    out = root / "_site"
    built = cli("--root", str(root), "build", "--out", str(out))
    assert built.code == 0 and "frequency-other-region" not in built.err, built.err
    page = parse_page(out / "medicines/gabapentin/index.html")
    bands = page.xpath("//span[@class='side-effects__frequency']/text()")
    assert any("figure from the US medicine label" in band for band in bands), bands
