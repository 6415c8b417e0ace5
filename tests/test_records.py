"""Medicine records as data: hub pages, embedded tables, and their errors."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from conftest import ARTICLE, RECORD_YAML, REPO, parse_page

from careleaf.directives import FREQUENCY_WORDS

EFFECTS = """\
side_effects:
  - name: Feeling sleepy
    frequency: very-common
    seriousness: mild
    action: self-care
    advice: Do not drive.
    tags: [sleep]
    sources: [{id: pi, section: "6.1", checked: 2026-01-10}]
  - name: Muscle jerks
    frequency: common
    seriousness: mild
    action: doctor
    tags: [muscle]
    sources: [{id: pi, section: "6.1", checked: 2026-01-10}]
  - name: Slow or shallow breathing
    frequency: rare
    seriousness: serious
    action: emergency
    tags: [breathing]
    sources: [{id: pi, section: "5.7", checked: 2026-01-10}]
"""
FACTS = """\
facts:
  effect_on_muscles: {label: Effect on muscles, text: Not a relaxant., sources: [pi]}
sources:
  - {id: pi, type: label, title: Neurontin prescribing information, publisher: Pfizer}
"""
_start = RECORD_YAML.index("side_effects:")
_end = RECORD_YAML.index("pregnancy:")
RECORD = RECORD_YAML[:_start] + EFFECTS + RECORD_YAML[_end:].replace(
    "sources:\n  - {id: smpc", FACTS + "  - {id: smpc")
REC = "content/medicines/gabapentin.yaml"
ART = "content/articles/gabapentin-twitching.md"


def with_body(extra: str) -> str:
    return ARTICLE + "\n" + extra + "\n"


def test_bundled_hub_words_every_frequency_as_leaflets_do(bundled_site):
    for key in ("amitriptyline", "gabapentin", "cyclobenzaprine"):
        record = yaml.safe_load((REPO / f"content/medicines/{key}.yaml").read_text())
        page = parse_page(bundled_site / f"medicines/{key}/index.html")
        items = page.xpath("//ul[@class='side-effects']/li")
        assert len(items) == len(record["side_effects"])
        by_name = {li.xpath("./strong")[0].text_content(): li.text_content() for li in items}
        for effect in record["side_effects"]:
            words = FREQUENCY_WORDS[effect["frequency"]]
            assert words[0].lower() + words[1:] in by_name[effect["name"]], effect["name"]
        cards = page.xpath("//section[h2/@id='side-effects']/div[starts-with(@class,'care-card ')]"
                           "/@class")
        assert cards[0] == "care-card care-card--emergency"  # emergency ones first
        assert "Yellow Card" in page.text_content()


def test_hub_groups_by_tier_in_site_words(make_site, cli):
    root = make_site({REC: RECORD})
    out = root / "_site"
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    page = parse_page(out / "medicines/gabapentin/index.html")
    titles = [t.text_content() for t in page.xpath("//h3[@class='care-card__title']")]
    assert titles[0].startswith("Emergency advice:")
    assert [t.split(": ", 1)[1].split(" if")[0].split(" for")[0] for t in titles] == [
        "Call 999 or go to A&E (the emergency department) now", "Call a doctor or 111 now",
        "Manage it yourself or ask a pharmacist"]  # the UK region's words
    refs = page.xpath("//section[@class='references']//li/@id")
    assert set(refs) == {"ref-pi", "ref-smpc"}


def test_side_effects_directive_builds_the_table_from_the_record(make_site, cli):
    root = make_site({REC: RECORD, ART: with_body(":: side-effects gabapentin")})
    out = root / "_site"
    result = cli("--root", str(root), "build", "--out", str(out))
    assert result.code == 0, result.err
    page = parse_page(out / "articles/gabapentin-twitching/index.html")
    table = page.xpath("//table")[0]
    assert table.xpath("./caption")[0].text_content() == "Side effects of gabapentin and what to do"
    rows = [[c.text_content() for c in tr] for tr in table.xpath("./tbody/tr")]
    assert [r[0] for r in rows] == ["Slow or shallow breathing", "Muscle jerks", "Feeling sleepy"]
    assert rows[2][1] == "May affect more than 1 in 10 people"
    assert rows[0][2].startswith("Call 999 or go to A&E (the emergency department) now.")
    assert table.xpath("./tbody/tr/th[@scope='row']") and table.getparent().get("role") == "region"
    # the record's source is cited, so it is in the article's references
    assert page.xpath("//section[@class='references']//li[@id='ref-pi']")


def test_filtered_and_compare_directives(make_site, cli):
    body = (":: side-effects gabapentin tag=muscle\n\n"
            ":: compare gabapentin gabapentin rows=class,effect_on_muscles,muscle_side_effects")
    root = make_site({REC: RECORD, ART: with_body(body)})
    out = root / "_site"
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    page = parse_page(out / "articles/gabapentin-twitching/index.html")
    first, second = page.xpath("//table")
    assert [tr[0].text_content() for tr in first.xpath("./tbody/tr")] == ["Muscle jerks"]
    assert [tr[0].text_content() for tr in second.xpath("./tbody/tr")] == [
        "Type of medicine", "Effect on muscles", "Effects on muscles reported"]
    assert second.xpath("./tbody/tr")[1][1].text_content().startswith("Not a relaxant.")


def test_a_changed_record_changes_every_page_that_embeds_it(make_site, cli):
    other = ARTICLE.replace("published:", "slug: second\npublished:").replace(
        "title: Gabapentin and twitching", "title: Second article")
    files = {REC: RECORD, ART: with_body(":: side-effects gabapentin"),
             "content/articles/second.md": with_body_of(other, ":: side-effects gabapentin")}
    root = make_site(files)
    out = root / "_site"
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    (root / REC).write_text(RECORD.replace("Muscle jerks", "Sudden muscle jerks"))
    assert cli("--root", str(root), "build", "--out", str(out)).code == 0
    for page in ("articles/gabapentin-twitching/index.html", "articles/second/index.html",
                 "medicines/gabapentin/index.html"):
        text = (out / page).read_text()
        assert "Sudden muscle jerks" in text, page


def with_body_of(article: str, extra: str) -> str:
    return article + "\n" + extra + "\n"


BAD = {
    "unknown-medicine": (":: side-effects gabapentine", "unknown-medicine"),
    "unknown-row": (":: compare gabapentin gabapentin rows=class,colour", "directive-row-unknown"),
    "unknown-filter": (":: side-effects gabapentin colour=red", "directive-filter-unknown"),
    "unknown-tag": (":: side-effects gabapentin tag=kidneys", "directive-filter-unknown"),
    "unknown-directive": (":: interactions gabapentin", "directive-unknown"),
    "compare-needs-rows": (":: compare gabapentin gabapentin", "directive-syntax"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_directive_errors_name_file_and_line(case, make_site, cli):
    line, code = BAD[case]
    text = with_body(line)
    root = make_site({REC: RECORD, ART: text})
    result = cli("--root", str(root), "check")
    expected = text.split("\n").index(line) + 1
    assert result.code == 1 and "Traceback" not in result.err
    assert re.search(rf"^{ART}:{expected}:1: error\[{code}\]", result.err, re.M), result.err


@pytest.mark.parametrize(("old", "new", "code", "needle"), [
    ("frequency: rare", "frequency: sometimes", "schema-value", "frequency: sometimes"),
    ("action: doctor", "action: gp", "schema-value", "action: gp"),
    ("{id: pi, section: \"5.7\"", "{id: ip, section: \"5.7\"", "citation-unresolved",
     "id: ip"),
])
def test_record_errors_name_file_and_line(make_site, cli, old, new, code, needle):
    text = RECORD.replace(old, new, 1)
    assert text != RECORD
    root = make_site({REC: text})
    result = cli("--root", str(root), "check")
    expected = next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)
    assert re.search(rf"^{REC}:{expected}:1: error\[{code}\]", result.err, re.M), result.err


GLOSSARY = """\
author: a-writer
reviewed_by: a-reviewer
last_reviewed: 2026-01-10
next_review: 2027-01-10
terms:
- term: Myoclonus
  id: myoclonus
  aliases: [muscle jerks]
  definition: Sudden, brief jerks of a muscle that you cannot control.
  sources: [label]
- term: Neuropathic pain
  id: neuropathic-pain
  aliases: [nerve pain]
  definition: Pain from damaged or irritated nerves.
"""


def test_glossary_marks_only_the_first_use_on_each_page(make_site, cli):
    body = ("Myoclonus is rare [@label]. More about myoclonus and muscle jerks [@label].\n\n"
            "## Frequently asked questions\n\n### Is it nerve pain?\n\n"
            "Nerve pain is different from myoclonus [@label].")
    root = make_site({ART: ARTICLE.replace("Gabapentin can cause jerks [@label].", body),
                      "content/glossary.yaml": GLOSSARY.replace(
                          "  sources: [label]\n", "  sources: [label-b]\n"),
                      "content/bibliography.yaml":
                          "- {id: label-b, type: study, title: T, publisher: P}\n"})
    out = root / "_site"
    result = cli("--root", str(root), "build", "--out", str(out))
    assert result.code == 0, result.err
    page = parse_page(out / "articles/gabapentin-twitching/index.html")
    links = page.xpath("//a[@class='glossary-term']")
    assert [(a.text, a.get("href")) for a in links] == [
        ("Myoclonus", "/glossary/#myoclonus"), ("Nerve pain", "/glossary/#neuropathic-pain")]
    assert not page.xpath("//h3//a[@class='glossary-term']")  # headings are left alone
    glossary = parse_page(out / "glossary/index.html")
    assert [dt.get("id") for dt in glossary.xpath("//dl[@class='glossary']/dt")] == [
        "myoclonus", "neuropathic-pain"]
    assert glossary.xpath("//dt[@id='myoclonus']/dfn")[0].text == "Myoclonus"
    assert glossary.xpath("//section[@class='references']//li[@id='ref-label-b']")


def test_bundled_glossary_has_the_required_terms(bundled_site):
    page = parse_page(bundled_site / "glossary/index.html")
    ids = set(page.xpath("//dl[@class='glossary']/dt/@id"))
    assert {"hyponatraemia", "myoclonus", "serotonin-syndrome", "anticholinergic",
            "neuropathic-pain", "fibromyalgia", "off-label", "taper",
            "tricyclic-antidepressant", "alpha-2-delta"} <= ids


@pytest.mark.parametrize(("text", "code"), [
    (GLOSSARY + "- {term: Jerks, id: jerks, aliases: [Myoclonus], definition: x}\n",
     "glossary-duplicate"),
    (GLOSSARY + "- {term: Jerks, id: Jerks!, definition: x}\n", "schema-value"),
])
def test_glossary_errors(make_site, cli, text, code):
    root = make_site({"content/glossary.yaml": text})
    result = cli("--root", str(root), "check")
    assert result.code == 1 and f"content/glossary.yaml:15:1: error[{code}]" in result.err, \
        result.err


def ld(page) -> dict:
    blocks = [json.loads(s.text) for s in page.xpath("//script[@type='application/ld+json']")]
    return {block["@type"]: block for block in blocks}


def test_structured_data(bundled_site):
    article = ld(parse_page(bundled_site / "articles/gabapentin-muscle-twitching/index.html"))
    page = article["MedicalWebPage"]
    assert page["about"][0] == {"@type": "Drug", "name": "Gabapentin",
                                "url": "https://example.org/medicines/gabapentin/"}
    assert page["lastReviewed"] and page["author"]["name"] == "Careleaf editorial team"
    assert "reviewedBy" not in page  # no clinician has reviewed it: none is claimed
    assert page["medicalAudience"] == {"@type": "MedicalAudience", "audienceType": "Patient"}
    assert len(page["citation"]) >= 5 and all(c["name"] for c in page["citation"])
    assert {"FAQPage", "BreadcrumbList"} <= set(article)

    drug = ld(parse_page(bundled_site / "medicines/amitriptyline/index.html"))["Drug"]
    assert drug["nonProprietaryName"] == "Amitriptyline"
    assert drug["drugClass"]["name"] == "Tricyclic antidepressant"
    assert "proprietaryName" not in drug  # sold under its generic name in the UK
    gabapentin = ld(parse_page(bundled_site / "medicines/gabapentin/index.html"))["Drug"]
    assert "Neurontin" in gabapentin["proprietaryName"]  # the site's region's brands
    assert drug["adverseOutcome"] and drug["seriousAdverseOutcome"]
    names = {o["name"] for o in drug["seriousAdverseOutcome"]}
    assert any("serotonin" in n for n in names)

    site = ld(parse_page(bundled_site / "index.html"))["WebSite"]
    action = site["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == "https://example.org/search/?q={search_term_string}"


def test_compare_pages_for_medicines_that_share_a_topic(bundled_site):
    pages = sorted(p.name for p in (bundled_site / "compare").iterdir())
    # amitriptyline and gabapentin share nerve pain; cyclobenzaprine shares topics via the
    # muscle-relaxant article
    assert pages == ["amitriptyline-vs-cyclobenzaprine", "amitriptyline-vs-gabapentin",
                     "cyclobenzaprine-vs-gabapentin"]
    page = parse_page(bundled_site / "compare/amitriptyline-vs-gabapentin/index.html")
    table = page.xpath("//main//table")[0]
    assert [th.text_content() for th in table.xpath("./thead//th")] == [
        "Feature", "Amitriptyline", "Gabapentin"]
    assert table.getparent().get("class") == "table-wrap"
    hub = parse_page(bundled_site / "medicines/gabapentin/index.html")
    assert "/compare/amitriptyline-vs-gabapentin/" in hub.xpath("//main//a/@href")
