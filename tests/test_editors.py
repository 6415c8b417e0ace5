"""Editors' guard rails (issue 12): each mistake an editor can make is reported through the
real command line with its code, file and line, and a hint that says how to fix it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from conftest import ARTICLE, RECORD_YAML
from test_serve import fetch, free_port, wait_for

ART = "content/articles/gabapentin-twitching.md"
REC = "content/medicines/gabapentin.yaml"


def line_of(text: str, needle: str, last: bool = False) -> int:
    found = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return found[-1] if last else found[0]


def with_body(extra: str) -> str:
    return ARTICLE + "\n" + extra


@pytest.mark.parametrize(("callout", "needle"), [
    ("!!! emergency\n  - you cannot breathe\n", "indented by 2 spaces, not 4"),
    ("!!! emergency\n- you cannot breathe\n", "nothing under it is indented"),
    ("!!! urgent \"Call 111 if:\"\n\n   - the jerks spread\n", "indented by 3 spaces"),
    ("- a list item\n\n    !!! urgent\n      - nested too shallow\n", "not 8"),
    ("!!! urgent\n", "nothing under it is indented"),
])
def test_empty_callout_is_an_error_on_its_line(callout, needle, make_site, cli):
    article = with_body(callout)
    result = cli("--root", str(make_site({ART: article})), "check")
    assert result.code == 1
    line = line_of(article, "!!! " + callout.split("!!! ")[1].split("\n")[0], last=True)
    assert f"{ART}:{line}:1: error[callout-empty]" in result.err, result.err
    assert needle in result.err
    assert "indent every line of the callout by 4 spaces" in result.err


def test_a_callout_indented_by_4_spaces_is_fine(make_site, cli):
    article = with_body("!!! emergency\n\n    - you cannot breathe\n\n- a list\n\n"
                        "    !!! note\n        Nested in the list.\n")
    result = cli("--root", str(make_site({ART: article})), "check")
    assert "callout-empty" not in result.err, result.err


def test_caption_glued_to_its_table_says_so(make_site, cli):
    article = with_body("Table: Jerks and what to do\n| Jerks | What to do |\n|---|---|\n"
                        "| Mild | Tell your doctor [@label] |\n")
    result = cli("--root", str(make_site({ART: article})), "check")
    line = line_of(article, "| Jerks | What to do |")
    assert f"{ART}:{line}:1: error[table-not-separated]" in result.err
    assert "the caption is right above the table" in result.err
    assert "blank line between the caption line and the table" in result.err


@pytest.mark.parametrize(("path", "old", "new", "needle"), [
    (ART, "title: Neurontin prescribing information", "title: TODO title of the paper",
     "TODO title"),
    (ART, "publisher: Pfizer", "publisher: TODO publisher", "TODO publisher"),
    (ART, "summary: Twitching can happen.", "summary: TODO write a summary.", "TODO write"),
    (REC, "advice: Do not drive.", "advice: TODO say what to do", "TODO say"),
    (REC, "title: Gabapentin capsules SmPC", "title: TODO", "TODO"),
])
def test_a_placeholder_anywhere_blocks_publishing(path, old, new, needle, make_site, cli):
    text = (ARTICLE if path == ART else RECORD_YAML).replace(old, new)
    root = make_site({path: text})
    result = cli("--root", str(root), "build")
    assert result.code == 1
    assert f"{path}:{line_of(text, needle)}:" in result.err
    assert "error[placeholder]" in result.err
    assert not (root / "_site").exists()


def test_glossary_placeholder_blocks_publishing(make_site, cli):
    glossary = ("author: a-writer\nreviewed_by: a-reviewer\nlast_reviewed: 2026-01-10\n"
                "next_review: 2027-01-10\nterms:\n  - term: Jerk\n    id: jerk\n"
                "    definition: TODO define it\n")
    result = cli("--root", str(make_site({"content/glossary.yaml": glossary})), "check")
    assert "content/glossary.yaml:8:" in result.err and "error[placeholder]" in result.err


@pytest.mark.parametrize("sentence", [
    "Take 5 ml of liquid each morning.",
    "Most people take 1 tablet at night.",
    "The usual dose is two capsules three times a day.",
    "Use 2 puffs when you need to.",
    "Put 3 drops in each eye.",
    "Apply 1 patch every 3 days.",
    "Inject 10 units before breakfast.",
    "Start with half a tablet.",
])
def test_uncited_doses_in_words_and_forms_are_found(sentence, make_site, cli):
    article = with_body(sentence + "\n")
    result = cli("--root", str(make_site({ART: article})), "check")
    assert f"{ART}:{line_of(article, sentence)}:1: warning[dose-uncited]" in result.err, \
        result.err
    cited = with_body(sentence[:-1] + " [@label].\n")
    result = cli("--root", str(make_site({ART: cited})), "check")
    assert "dose-uncited" not in result.err


def test_a_tab_in_yaml_says_to_use_spaces(make_site, cli):
    article = ARTICLE.replace("key_points:\n  - It is uncommon.",
                              "key_points:\n\t- It is uncommon.")
    result = cli("--root", str(make_site({ART: article})), "check")
    assert result.code == 1
    assert f"{ART}:{line_of(article, chr(9))}:" in result.err
    assert "tab" in result.err.lower() and "spaces" in result.err


def test_an_unknown_medicine_is_never_matched_to_another(make_site, cli):
    article = ARTICLE.replace("medicines: [gabapentin]", "medicines: [gabapentine]")
    result = cli("--root", str(make_site({ART: article})), "check")
    assert "error[unknown-medicine]" in result.err
    assert "did you mean" not in result.err.lower()
    assert "add content/medicines/gabapentine.yaml" in result.err


def test_new_states_the_schemas_description_limit(make_site, cli):
    from careleaf.schema import ArticleMeta

    limit = next(m.max_length for m in ArticleMeta.model_fields["description"].metadata
                 if getattr(m, "max_length", None))
    root = make_site()
    result = cli("--root", str(root), "new", "Gabapentin and sleep", "--medicine", "gabapentin")
    assert result.code == 0, result.err
    text = (root / "content/articles/gabapentin-and-sleep.md").read_text()
    assert f"at most {limit} characters" in text
    assert "topics: [TODO]" in text and "http" not in text


def test_preview_shows_warnings_and_marks_drafts(make_site):
    draft = ARTICLE.replace("published:", "draft: true\npublished:").replace(
        "title: Gabapentin and twitching", "title: Gabapentin and sleep")
    stale = ARTICLE.replace("next_review: 2027-01-10", "next_review: 2026-02-10")
    root = make_site({ART: stale, "content/articles/gabapentin-sleep.md": draft})
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "careleaf", "--root", str(root), "serve",
                             "--port", str(port), "--drafts"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: fetch(base + "/")[0] == 200, timeout=60)
        status, page = fetch(base + "/articles/gabapentin-twitching/")
        assert status == 200
        assert 'class="careleaf-build-warnings"' in page
        assert "warning[review-overdue]" in page
        status, page = fetch(base + "/articles/gabapentin-sleep/")
        assert status == 200 and 'class="draft-label"' in page and "DRAFT" in page
        assert '<meta name="robots" content="noindex, nofollow">' in page
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
