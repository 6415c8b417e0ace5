"""Editorial checks: one good and one bad case per check, asserting code, file and line.

Checks run through the real CLI with `--format json`; "today" is pinned with
SOURCE_DATE_EPOCH so review-date checks do not depend on the day the tests run.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import ARTICLE

from careleaf.gate import find_spam as _find_spam

ART = "content/articles/gabapentin-twitching.md"
TODAY = dt.date(2026, 6, 1)
EPOCH = str(int(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC).timestamp()))


def edit(old: str, new: str, text: str = ARTICLE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def run_check(cli, root, *args):
    result = cli("--root", str(root), "check", "--format", "json", *args,
                 env={"SOURCE_DATE_EPOCH": EPOCH})
    assert "Traceback" not in result.err
    report = json.loads(result.out)
    return result.code, report


def found(report, code):
    return [d for d in report["diagnostics"] if d["code"] == code]


BODY_END = "    - the jerks get worse\n"

# name: (article text, code, severity, the line's needle)
BAD = {
    "citation-marker": (edit("cause jerks [@label].", "cause jerks [@label] [1.4.1]."),
                        "citation-marker", "error", "[1.4.1]"),
    "citation-marker-plain": (BODY_END.join([ARTICLE, "\nSee study [12] for more.\n"]),
                              "citation-marker", "error", "[12]"),
    "source-uncited": (edit("    publisher: Pfizer\n", "    publisher: Pfizer\n  - id: spare\n"
                            "    type: study\n    title: Unused\n    publisher: Nobody\n"),
                       "source-uncited", "warning", "id: spare"),
    "dose-uncited": (ARTICLE + "\nMost adults take 300mg three times a day.\n",
                     "dose-uncited", "warning", "300mg"),
    "review-future": (edit("last_reviewed: 2026-01-10", "last_reviewed: 2026-12-01").replace(
        "next_review: 2027-01-10", "next_review: 2027-06-01"), "review-future", "error",
        "last_reviewed:"),
    "review-order": (edit("published: 2026-01-10", "published: 2026-02-10"), "review-order",
                     "error", "published:"),
    "review-overdue": (edit("next_review: 2027-01-10", "next_review: 2026-05-01"),
                       "review-overdue", "warning", "next_review:"),
    "review-interval": (edit("next_review: 2027-01-10", "next_review: 2029-01-10"),
                        "review-interval", "error", "next_review:"),
    "unknown-person": (edit("reviewed_by: a-reviewer", "reviewed_by: a-reviewr"),
                       "unknown-person", "error", "reviewed_by:"),
    "review-independence": (edit("reviewed_by: a-reviewer", "reviewed_by: a-writer"),
                            "review-independence", "error", "reviewed_by:"),
    "review-not-clinical": (edit("author: a-writer\nreviewed_by: a-reviewer",
                                 "author: a-reviewer\nreviewed_by: a-writer"),
                            "review-not-clinical", "error", "reviewed_by:"),
    "placeholder": (ARTICLE + "\nTODO: add the evidence here.\n", "placeholder", "error",
                    "TODO: add"),
    "urgent-advice-missing": (ARTICLE.split("## When to get help")[0], "urgent-advice-missing",
                              "error", "Gabapentin can cause jerks"),
    "link-broken-page": (ARTICLE + "\nRead [more](/articles/no-such-article/).\n",
                         "link-broken", "error", "no-such-article"),
    "link-broken-anchor": (ARTICLE + "\nRead [more](/articles/gabapentin-twitching/#nope).\n",
                           "link-broken", "error", "#nope"),
    "link-insecure": (ARTICLE + "\nSee the [NHS](http://www.nhs.uk/medicines/gabapentin/).\n",
                      "link-insecure", "error", "http://www.nhs.uk"),
    "link-domain-unknown": (ARTICLE + "\nSee [this blog](https://example.com/gabapentin).\n",
                            "link-domain-unknown", "warning", "example.com"),
    "link-denied": (ARTICLE + "\nMore at [a shop](https://gaetzpharmacy.com/).\n",
                    "link-denied", "error", "gaetzpharmacy"),
    "spam": (ARTICLE + "\ncanadian pharmacy https://langleyrx.com/ no prescription\n",
             "spam", "error", "canadian pharmacy"),
    "spam-buy-online": (ARTICLE + "\nClick HERE To Buy Amitriptyline Online\n", "spam", "error",
                        "Buy Amitriptyline"),
    "spam-front-matter": (edit("summary: Twitching can happen.",
                               "summary: Cheap gabapentin, overnight delivery."),
                          "spam", "error", "summary:"),
    "html-script": (ARTICLE + "\n<script>alert(1)</script>\n", "html-unsafe", "error",
                    "<script>"),
    "html-iframe": (ARTICLE + '\n<iframe src="https://example.org/"></iframe>\n',
                    "html-unsafe", "error", "<iframe"),
    "html-handler": (ARTICLE + '\n<img src="/x.png" onerror="steal()">\n', "html-unsafe",
                     "error", "onerror"),
    "html-javascript-url": (ARTICLE + "\n[click](javascript:alert(1))\n", "html-unsafe", "error",
                            "javascript:"),
    "html-data-url": (ARTICLE + "\n[x](data:text/html;base64,PHNjcmlwdD4=)\n", "html-unsafe",
                      "error", "data:text"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_case_is_reported_with_code_file_and_line(case, make_site, cli):
    text, code, severity, needle = BAD[case]
    root = make_site({ART: text})
    exit_code, report = run_check(cli, root)
    hits = found(report, code)
    assert hits, report["diagnostics"]
    assert hits[0]["path"] == ART and hits[0]["severity"] == severity
    assert hits[0]["line"] == line_of(text, needle), hits[0]
    assert hits[0]["hint"]
    assert exit_code == (1 if report["errors"] else 0)


def test_good_case_has_no_findings(make_site, cli):
    """The fixture article, with honest near misses added, passes every check strictly."""
    honest = ARTICLE + (
        "\nGabapentin needs a prescription. Tell your doctor about other medicines, including "
        "ones you can buy without a prescription [@label].\n\n"
        "We never link to online pharmacies. The usual dose is decided by your doctor, "
        "often 300mg at first [@label].\n\n"
        "Write `<script>` in backticks to show code. See [step 2](#when-to-get-help).\n\n"
        "You can order repeat prescriptions online through the NHS App [@label].\n"
    )
    root = make_site({ART: honest})
    exit_code, report = run_check(cli, root, "--strict")
    assert report["diagnostics"] == [] and exit_code == 0


def test_strict_turns_warnings_into_errors(make_site, cli):
    text = BAD["review-overdue"][0]
    root = make_site({ART: text})
    code, report = run_check(cli, root)
    assert code == 0 and found(report, "review-overdue")[0]["severity"] == "warning"
    code, report = run_check(cli, root, "--strict")
    assert code == 1 and found(report, "review-overdue")[0]["severity"] == "error"


def test_overdue_page_tells_readers(make_site, cli):
    root = make_site({ART: BAD["review-overdue"][0]})
    out = root / "_site"
    result = cli("--root", str(root), "build", "--out", str(out), env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.code == 0, result.err
    page = (out / "articles/gabapentin-twitching/index.html").read_text()
    assert "This page is due for review" in page


def test_site_yaml_sets_a_checks_severity_or_turns_it_off(make_site, cli):
    from conftest import SITE_YAML

    text = BAD["source-uncited"][0]
    root = make_site({ART: text, "site.yaml": SITE_YAML + "checks:\n  source-uncited: error\n"})
    code, report = run_check(cli, root)
    assert code == 1 and found(report, "source-uncited")[0]["severity"] == "error"
    root = make_site({ART: text, "site.yaml": SITE_YAML + "checks:\n  source-uncited: 'off'\n"})
    code, report = run_check(cli, root)
    assert code == 0 and not found(report, "source-uncited")


@pytest.mark.parametrize(("setting", "message"), [
    ("source-uncitd: error", 'did you mean "source-uncited"'),
    ("spam: 'off'", "cannot be changed"),
])
def test_site_yaml_check_settings_are_validated(make_site, cli, setting, message):
    from conftest import SITE_YAML

    site_yaml = SITE_YAML + f"checks:\n  {setting}\n"
    root = make_site({"site.yaml": site_yaml})
    result = cli("--root", str(root), "check")
    assert result.code == 2 and message in result.err
    assert f"site.yaml:{line_of(site_yaml, setting)}:" in result.err


def test_readability_warning_names_the_hardest_sentences(make_site, cli):
    hard = ("The pharmacokinetic characteristics of gabapentin demonstrate nonlinear "
            "bioavailability attributable to saturable intestinal transportation mechanisms "
            "[@label].")
    text = ARTICLE + f"\n{hard}\n\nIt is a medicine [@label].\n"
    root = make_site({ART: text})
    code, report = run_check(cli, root)
    warning = found(report, "readability-grade")[0]
    assert warning["severity"] == "warning" and "above the site's target of 9" in warning["message"]
    assert f"line {line_of(text, 'The pharmacokinetic')}:" in warning["hint"]
    assert report["articles"][0]["grade"] > 9


def test_title_duplicate(make_site, cli):
    other = edit("published:", "slug: another-page\npublished:")
    root = make_site({"content/articles/another.md": other})
    code, report = run_check(cli, root)
    hits = found(report, "title-duplicate")
    assert code == 1 and hits[0]["path"] == "content/articles/gabapentin-twitching.md"
    assert hits[0]["line"] == line_of(ARTICLE, "title:")


def test_denied_domain_from_site_yaml(make_site, cli):
    from conftest import SITE_YAML

    text = ARTICLE + "\nSee [this](https://www.nhs.uk.example.net/page).\n"
    root = make_site({ART: text, "site.yaml": SITE_YAML + "links:\n  deny_domains: "
                      "[nhs.uk.example.net]\n"})
    code, report = run_check(cli, root)
    assert code == 1 and found(report, "link-denied")


def test_github_format_gives_annotations(make_site, cli):
    root = make_site({ART: BAD["source-uncited"][0]})
    result = cli("--root", str(root), "check", "--format", "github")
    line = line_of(BAD["source-uncited"][0], "id: spare")
    assert (f"::warning file={ART},line={line},col=1,title=source-uncited::source 'spare' is "
            "listed but never cited") in result.out


def test_check_prints_summary_and_dashboard(make_site, cli):
    root = make_site()
    result = cli("--root", str(root), "check")
    assert "checked 2 files" in result.out and "0 errors, 0 warnings" in result.out
    header, rule, row = result.out.splitlines()[1:4]
    assert header.split() == ["article", "words", "grade", "SMOG", "sources", "next", "review"]
    assert row.split()[0] == "gabapentin-twitching.md" and row.split()[-1] == "2027-01-10"


def test_every_error_is_reported_in_one_run(make_site, cli):
    text = BAD["html-script"][0] + "\ncanadian pharmacy deals\n" + "\n[x](/articles/nope/)\n"
    root = make_site({ART: text})
    code, report = run_check(cli, root)
    assert {"html-unsafe", "spam"} <= {d["code"] for d in report["diagnostics"]}


SPAM = [
    "canadian pharmacy https://gaetzpharmacy.com/ no prescription",
    "buy levaquin",
    "Click HERE To Buy Amitriptyline Online",
    "Order gabapentin online today!",
    "Get cheap amitriptyline with overnight delivery.",
    "Buy Neurontin without a prescription at our online pharmacy.",
    "No prescription needed.",
    "Our internet pharmacy ships worldwide, order now.",
    "[buy tramadol](https://example.com)",
    "Purchase cheapest cyclobenzaprine here",
]
HONEST = [
    "Gabapentin needs a prescription.",
    "Tell your doctor about medicines you can buy without a prescription.",
    "We never link to online pharmacies.",
    "You can order repeat prescriptions online through the NHS App.",
    "Amitriptyline is an older medicine and is not expensive.",
    "There is no prescription for this kind of cramp: stretching helps.",
    "Do not buy medicines from websites that do not ask for a prescription.",
    "A pharmacist can tell you which painkillers are safe with amitriptyline.",
    "Paracetamol is cheap and easy to find.",
]


@pytest.mark.parametrize("text", SPAM)
def test_spam_patterns(text):
    assert _find_spam(text), text


@pytest.mark.parametrize("text", HONEST)
def test_honest_near_misses_are_not_spam(text):
    assert _find_spam(text) is None, (text, _find_spam(text))
