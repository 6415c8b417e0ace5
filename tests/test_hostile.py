"""Hostile and careless input (issue 13), through the real command line.

Each class of attack or accident is tried in several variants, and each run is held to
the same promises: the exit status, the diagnostic's code with its file and line, no
traceback, nothing unsafe in the output, and a failed build leaves the previously
published `_site/` byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import pickle
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import (
    ARTICLE,
    RECORD_YAML,
    REPO,
    SITE_YAML,
    minimal_files,
    parse_page,
    require,
    run_cli,
    write_files,
)
from lxml import etree

ART = "content/articles/gabapentin-twitching.md"
REC = "content/medicines/gabapentin.yaml"
TOPICS = "content/topics.yaml"
GLOSSARY = "content/glossary.yaml"
SELLER = "cheap-meds-online.example"  # "meds" in the host: a medicine seller's domain
BODY_LINE = "Gabapentin can cause jerks [@label]."
GLOSSARY_YAML = """\
author: a-writer
reviewed_by: a-reviewer
last_reviewed: 2026-01-10
next_review: 2027-01-10
terms:
  - term: Myoclonus
    id: myoclonus
    definition: Sudden, brief jerks of a muscle that you cannot control.
"""
LIMIT_SECONDS = 60  # a whole command, on a slow 2-core machine; files are refused in seconds


# helpers --------------------------------------------------------------------------------

def replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def article(old: str = BODY_LINE, new: str = BODY_LINE, *, title: str | None = None) -> str:
    text = replaced(ARTICLE, old, new)
    return replaced(text, "title: Gabapentin and twitching", f"title: {title}") if title else text


def with_paragraph(paragraph: str, *, title: str | None = None) -> str:
    """The article with `paragraph` added after its first paragraph."""
    return article(BODY_LINE, f"{BODY_LINE}\n\n{paragraph}", title=title)


def record(old: str, new: str) -> str:
    return replaced(RECORD_YAML, old, new)


def line_of(root: Path, path: str, needle: str) -> int:
    """The first line of `path` that holds `needle`."""
    lines = (root / path).read_bytes().decode("utf-8", "replace").split("\n")
    return next(i for i, line in enumerate(lines, 1) if needle in line)


DIAGNOSTIC_RE = re.compile(r"^(\S.*?):(\d+):(\d+): (error|warning)\[([\w-]+)\]: (.*)$",
                           re.MULTILINE)


def diagnostics(result) -> list[tuple[str, int, str, str, str]]:
    """(path, line, severity, code, message) of every diagnostic printed."""
    return [(p, int(line), sev, code, message)
            for p, line, _col, sev, code, message in DIAGNOSTIC_RE.findall(result.err)]


def no_traceback(result) -> None:
    assert "Traceback" not in result.err and "Traceback" not in result.out, result.err


def assert_reported(result, path: str, code: str, line: int | None = None, *,
                    exit_code: int = 1) -> None:
    """Exit status, an error with this code on this file (and line), no traceback."""
    no_traceback(result)
    assert result.code == exit_code, (result.code, result.err)
    found = [(ln, msg) for p, ln, sev, c, msg in diagnostics(result)
             if p == path and c == code and sev == "error"]
    assert found, f"no error[{code}] on {path}:\n{result.err}"
    if line is not None:
        assert line in [ln for ln, _ in found], (line, found, result.err)
    assert "hint:" in result.err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def leftovers(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir()
            if p.name.startswith(f".{out.name}.") and (".staging-" in p.name or ".old-" in p.name)]


def grep(folder: Path, *needles: str | bytes) -> list[str]:
    """Files under `folder` that hold any of `needles` (case-insensitive)."""
    wanted = [(n.encode() if isinstance(n, str) else n).lower() for n in needles]
    return [p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and any(w in p.read_bytes().lower() for w in wanted)]


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    """A site built once from the minimal content: each test lays a copy of it in its own
    site folder as the previously published `_site/`."""
    root = tmp_path_factory.mktemp("published")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    write_files(root, minimal_files())
    result = run_cli("--root", str(root), "build", "--quiet")
    assert result.code == 0, result.err
    return root / "_site"


@pytest.fixture
def attempt(make_site, published):
    """attempt(files, *args, setup=None, command="build") -> (root, result): the site with
    `files`, a previously published _site/ in it, then `careleaf <command>`. A failed
    build must leave that _site/ byte for byte, with no staging folder behind."""

    def run(files: dict | None = None, *args: str, setup=None, command: str = "build",
            env: dict | None = None):
        root = make_site(files or {})
        out = root / "_site"
        shutil.copytree(published, out, symlinks=True)
        if setup:
            setup(root)
        before = snapshot(out)
        started = time.monotonic()
        result = run_cli("--root", str(root), command, "--quiet", *args, env=env)
        assert time.monotonic() - started < LIMIT_SECONDS
        if result.code != 0:
            assert snapshot(out) == before, "a failed build changed the published site"
            assert leftovers(out) == []
        return root, result

    return run


# 1. every text an editor writes, in any file, goes through the same gate ---------------

# (files, path, code, text on the reported line, exit status)
EVERY_TEXT = {
    "record-advice-spam": (
        {REC: record("advice: Do not drive.", "advice: Do not drive. Ask our canadian "
                     "pharmacy for more.")},
        REC, "spam", "advice:", 1),
    "record-advice-pharmacy-link": (
        {REC: record("advice: Do not drive.", f"advice: See [cheap pills](https://{SELLER}/x)")},
        REC, "link-denied", "advice:", 1),
    "record-advice-raw-a": (
        {REC: record("advice: Do not drive.",
                     f"advice: 'Do not drive. <a href=\"https://{SELLER}/\">More</a>'")},
        REC, "link-denied", "advice:", 1),
    "record-advice-outside-image": (
        {REC: record("advice: Do not drive.",
                     "advice: Do not drive ![sleepy](https://images.example/pill.png)")},
        REC, "image-external", "advice:", 1),
    "record-advice-raw-img": (
        {REC: record("advice: Do not drive.", "advice: '<img src=\"/static/x.png\">'")},
        REC, "html-unsafe", "advice:", 1),
    "record-advice-script": (
        {REC: record("advice: Do not drive.", "advice: '<script>alert(1)</script>'")},
        REC, "html-unsafe", "advice:", 1),
    "record-interaction-effect": (
        {REC: record("effect: More sleepiness.", "effect: Buy gabapentin online today.")},
        REC, "spam", "effect: Buy gabapentin", 1),
    "record-key-fact": (
        {REC: record("It can make you sleepy.", "It can make you sleepy. Overnight delivery.")},
        REC, "spam", "Overnight delivery", 1),
    "record-source-title": (
        {REC: record("title: Gabapentin capsules SmPC", "title: Cheap gabapentin here")},
        REC, "spam", "Cheap gabapentin", 1),
    "record-source-publisher": (
        {REC: record("publisher: emc}", "publisher: Canadian Pharmacy}")},
        REC, "spam", "Canadian Pharmacy", 1),
    "record-source-url": (
        {REC: record("publisher: emc}", f"publisher: emc, url: 'https://{SELLER}/smpc'}}")},
        REC, "link-denied", SELLER, 1),
    "glossary-definition": (
        {GLOSSARY: replaced(GLOSSARY_YAML, "that you cannot control.",
                            "that you cannot control. Buy gabapentin online, no prescription "
                            "needed.")},
        GLOSSARY, "spam", "definition:", 1),
    "glossary-definition-link": (
        {GLOSSARY: replaced(GLOSSARY_YAML, "that you cannot control.",
                            f"that you cannot control, see www.{SELLER}")},
        GLOSSARY, "link-denied", "definition:", 1),
    "topic-description": (
        {TOPICS: f"twitching:\n  title: Twitching\n  description: Jerks, see https://{SELLER}\n"},
        TOPICS, "link-denied", "description:", 1),
    "topic-title": (
        {TOPICS: "twitching:\n  title: Mexican drugstore deals\n  description: Jerks.\n"},
        TOPICS, "spam", "title:", 1),
    "people-role": (
        {"content/people.yaml": replaced(minimal_files()["content/people.yaml"],
                                         "role: Medical writer",
                                         "role: Medical writer at an online pharmacy, cheap")},
        "content/people.yaml", "spam", "role: Medical writer", 1),
    "bibliography-publisher": (
        {"content/bibliography.yaml": "- {id: extra, title: A leaflet, "
                                      "publisher: Discreet delivery shop}\n"},
        "content/bibliography.yaml", "spam", "Discreet delivery", 1),
    "article-source-title": (
        {ART: article("title: Neurontin prescribing information",
                      "title: Neurontin, cheapest gabapentin anywhere")},
        ART, "spam", "cheapest gabapentin", 1),
    "article-source-publisher": (
        {ART: article("publisher: Pfizer", "publisher: Canadian Pharmacy")},
        ART, "spam", "publisher: Canadian", 1),
    "article-source-url": (
        {ART: article("publisher: Pfizer", f"publisher: Pfizer\n    url: https://{SELLER}/x")},
        ART, "link-denied", "url:", 1),
    "article-summary": (
        {ART: article("summary: Twitching can happen.",
                      "summary: Twitching can happen. Order gabapentin now.")},
        ART, "spam", "summary:", 1),
    "article-key-point": (
        {ART: article("  - It is uncommon.", f"  - It is uncommon, see //{SELLER}/a")},
        ART, "link-denied", "It is uncommon", 1),
    "site-tagline": (
        {"site.yaml": replaced(SITE_YAML, "tagline: A test site",
                               "tagline: Cheap gabapentin, overnight delivery")},
        "site.yaml", "spam", "tagline:", 2),
    "site-get-help": (
        {"site.yaml": replaced(SITE_YAML, "text: Call 111 if you are worried.",
                               f"text: Call 111 or visit https://{SELLER}/help")},
        "site.yaml", "link-denied", "text: Call 111", 2),
    "site-callout-title": (
        {"site.yaml": replaced(SITE_YAML, 'non-urgent: "Speak to a pharmacist if:"',
                               'non-urgent: "Click here to buy if:"')},
        "site.yaml", "spam", "non-urgent:", 2),
}


@pytest.mark.parametrize("case", sorted(EVERY_TEXT))
def test_every_text_in_every_file_goes_through_the_gate(case, attempt):
    files, path, code, needle, exit_code = EVERY_TEXT[case]
    root, result = attempt(files)
    assert_reported(result, path, code, line_of(root, path, needle), exit_code=exit_code)


def test_record_text_is_published_as_text_never_as_html(attempt):
    """What the gate lets through (harmless tags, an image from the site itself) still
    reaches readers only as text: a record cannot carry markup onto a page or the feed."""
    root, result = attempt({
        REC: record("advice: Do not drive.",
                    "advice: 'Do not drive <b>at all</b> ![pill](/static/pill.png) "
                    "<a href=\"/articles/gabapentin-twitching/\">more</a>'"),
        ART: with_paragraph(":: side-effects gabapentin"),
    })
    assert result.code == 0, result.err
    out = root / "_site"
    pages = [out / "medicines/gabapentin/index.html",
             out / "articles/gabapentin-twitching/index.html"]
    for page in pages:
        html = page.read_text("utf-8")
        assert "&lt;b&gt;at all&lt;/b&gt;" in html, page
        assert "<b>at all" not in html and 'src="/static/pill.png"' not in html
    assert grep(out, "<b>at all", "<a href=\"/articles/gabapentin-twitching/\">more") == []


def test_sanitiser_drops_images_from_other_sites():
    """The second line of defence behind the gate: whatever reaches the renderer, an <img>
    keeps no source on another host."""
    from careleaf.markdown_ext import sanitise

    for src in ("https://images.example/a.png", "//images.example/a.png",
                "\\\\images.example/a.png", "HTTPS:images.example/a.png", " https://x.example",
                "data:image/png;base64,AAAA", "java\tscript:alert(1)"):
        cleaned = sanitise(f'<p><img src="{src}" alt="a"></p>')
        assert "src=" not in cleaned and 'alt="a"' in cleaned, (src, cleaned)
    for src in ("/static/a.png", "a.png", "/health/static/a.png"):
        assert f'src="{src}"' in sanitise(f'<img src="{src}" alt="">'), src


# 2. links are judged where a browser would take them ------------------------------------

LINK_FORMS = {
    "protocol-relative": f"See [this](//{SELLER}/x).",
    "entity-colon": f"See [this](https&#58;//{SELLER}/x).",
    "entity-hex-colon": f"See [this](https&#x3a;//{SELLER}/x).",
    "entity-letter": f"See [this](&#104;ttps://{SELLER}/x).",
    "backslash": f"See [this](https:/\\{SELLER}/x).",
    "backslashes": f"See [this](\\\\{SELLER}/x).",
    "scheme-no-slashes": f"See [this](HTTPS:{SELLER}/x).",
    "scheme-one-slash": f"See [this](https:/{SELLER}/x).",
    "tab-in-scheme": f"See [this](ht\ttps://{SELLER}/x).",
    "newline-in-attribute": f'See <a href="ht\ntps://{SELLER}/x">this</a>.',
    "raw-a": f'See <a href="https://{SELLER}/x">this</a>.',
    "raw-a-entity": f'See <a href="https&#58;//{SELLER}/x">this</a>.',
    "autolink": f"See <https://{SELLER}/x>.",
    "bare-url": f"See https://{SELLER}/x today.",
    "bare-www": f"See www.{SELLER} today.",
    "reference-link": f"See [this][r].\n\n[r]: //{SELLER}/y",
    "userinfo": f"See [this](https://nhs.uk@{SELLER}/).",
    "percent-host": "See [this](https://%63heap-meds-online.example/).",
    "upper-case-host": f"See [this](https://{SELLER.upper()}/).",
    "ideographic-dot": "See [this](https://cheap-meds\u3002example/).",
    "title-attribute": f'See [this](https://{SELLER}/ "NHS").',
}


def test_link_bypasses_in_articles_are_refused(attempt):
    """Every form in one build, each in its own article, each reported on its own line."""
    files = {f"content/articles/link-{i:02d}.md": with_paragraph(form, title=f"Link {i}")
             for i, form in enumerate(LINK_FORMS.values())}
    root, result = attempt(files, command="check")
    assert result.code == 1
    no_traceback(result)
    reported = {(p, ln) for p, ln, sev, code, _ in diagnostics(result)
                if code == "link-denied" and sev == "error"}
    missed = []
    for i, (name, form) in enumerate(LINK_FORMS.items()):
        path = f"content/articles/link-{i:02d}.md"
        last = form.split("\n")[-1]
        if (path, line_of(root, path, last)) not in reported:
            missed.append(name)
    assert missed == [], result.err


RECORD_LINK_FORMS = {
    "protocol-relative": f"See //{SELLER}/x",
    "entity-colon": f"See https&#58;//{SELLER}/x",
    "backslash": f"See https:/\\{SELLER}/x",
    "scheme-no-slashes": f"See HTTPS:{SELLER}/x",
    "markdown": f"See [this](https:{SELLER})",
    "raw-a": f'See <a href="https://{SELLER}/">this</a>',
    "www": f"See www.{SELLER}/x",
}


def test_link_bypasses_in_records_are_refused(attempt):
    files = {f"content/medicines/link-{i}.yaml": record(
        "advice: Do not drive.", f"advice: {json.dumps(form)}")
        for i, form in enumerate(RECORD_LINK_FORMS.values())}
    root, result = attempt(files, command="check")
    assert result.code == 1
    no_traceback(result)
    reported = {(p, ln) for p, ln, _, code, _ in diagnostics(result) if code == "link-denied"}
    missed = [name for i, name in enumerate(RECORD_LINK_FORMS)
              if (f"content/medicines/link-{i}.yaml",
                  line_of(root, f"content/medicines/link-{i}.yaml", "advice:")) not in reported]
    assert missed == [], result.err


@pytest.mark.parametrize("url", [
    f"https://nhs.uk@{SELLER}/x", f"https://{SELLER}:443/x", f"https://www.{SELLER}/",
])
def test_source_urls_are_judged_by_the_host_they_reach(attempt, url):
    root, result = attempt({ART: article("publisher: Pfizer",
                                         f"publisher: Pfizer\n    url: {url}")})
    assert_reported(result, ART, "link-denied", line_of(root, ART, "url:"))


# 3. spam is looked for in what a reader sees ---------------------------------------------

SPAM_FORMS = {
    "wrapped": "Visit our canadian\npharmacy today.",
    "emphasis": "Visit our canadian *pharmacy* today.",
    "emphasis-inside": "Visit our c**anadian** pharmacy.",
    "cyrillic": "Visit our \u0441\u0430n\u0430di\u0430n pharmacy.",
    "greek-and-cyrillic": "Visit our canadian ph\u0430rm\u0430\u03f2y.",
    "full-width": "Visit our \uff43\uff41\uff4e\uff41\uff44\uff49\uff41\uff4e pharmacy.",
    "entities": "Visit our &#99;anadian&nbsp;pharmacy.",
    "spaced": "Visit our c a n a d i a n pharmacy.",
    "dotted": "Visit our c.a.n.a.d.i.a.n p.h.a.r.m.a.c.y.",
    "dashed": "Visit our c-a-n-a-d-i-a-n p-h-a-r-m-a-c-y.",
    "all-spaced": "Visit our c a n a d i a n p h a r m a c y.",
    "one-word": "Visit our canadianpharmacy.",
    "underscore": "Visit our canadian_pharmacy.",
    "upper-case": "Visit our CANADIAN PHARMACY.",
    "link-text": "Visit our canadian [pharmacy](/articles/gabapentin-twitching/).",
    "tags": "Buy <em>gabapentin</em> online.",
    "line-separator": "Visit our canadian\u2028pharmacy.",
}
# Invisible characters hide words from a reader and split them for a pattern: the spam is
# found, and the character is an error of its own.
INVISIBLE_FORMS = {
    "zero-width-space": "Visit our cana\u200bdian pharmacy.",
    "soft-hyphen": "Visit our cana\u00addian pharmacy.",
    "word-joiner": "Visit our canadian\u2060pharmacy.",
    "bidi-override": "Visit our \u202ecanadian pharmacy\u202c.",
    "bidi-isolate": "Visit our \u2066canadian\u2069 pharmacy.",
    "zero-width-joiner": "Visit our canadian\u200dpharmacy.",
    "bom": "Visit our canadian \ufeffpharmacy.",
    "bidi-reference": "Visit our &#x202e;canadian pharmacy.",
    "soft-hyphen-reference": "Visit our cana&shy;dian pharmacy.",
}


def _variants_in_articles(forms: dict[str, str]) -> dict[str, str]:
    return {f"content/articles/v-{i:02d}.md": with_paragraph(form, title=f"Variant {i}")
            for i, form in enumerate(forms.values())}


def test_spam_variants_in_articles_are_refused(attempt):
    forms = {**SPAM_FORMS, **INVISIBLE_FORMS}
    root, result = attempt(_variants_in_articles(forms), command="check")
    assert result.code == 1
    no_traceback(result)
    found = diagnostics(result)
    missed = []
    for i, (name, form) in enumerate(forms.items()):
        path = f"content/articles/v-{i:02d}.md"
        line = line_of(root, path, form.split("\n")[0])
        codes = {code for p, ln, sev, code, _ in found if p == path and ln == line}
        wanted = {"spam"} | ({"text-invisible"} if name in INVISIBLE_FORMS else set())
        if not wanted <= codes:
            missed.append((name, sorted(codes)))
    assert missed == [], result.err


def test_spam_variants_in_records_are_refused(attempt):
    forms = {k: v for k, v in SPAM_FORMS.items() if "\n" not in v}
    forms["escaped-bidi"] = "Visit our \\u202ecanadian pharmacy."
    files = {f"content/medicines/v-{i:02d}.yaml": record(
        "advice: Do not drive.", f'advice: "{form}"') for i, form in enumerate(forms.values())}
    root, result = attempt(files, command="check")
    assert result.code == 1
    no_traceback(result)
    reported = {(p, ln) for p, ln, sev, code, _ in diagnostics(result) if code == "spam"}
    missed = [name for i, name in enumerate(forms)
              if (f"content/medicines/v-{i:02d}.yaml", line_of(
                  root, f"content/medicines/v-{i:02d}.yaml", "advice:")) not in reported]
    assert missed == [], result.err
    escaped = f"content/medicines/v-{len(forms) - 1:02d}.yaml"
    assert (escaped, line_of(root, escaped, "advice:"), "error", "text-invisible") in \
        [d[:4] for d in diagnostics(result)]


def test_honest_sentences_are_not_spam(attempt):
    """The normalisation must not turn plain medical prose into a false alarm."""
    root, result = attempt({ART: with_paragraph(
        "Ask a pharmacist. You can buy some medicines without a prescription. "
        "Canadian guidance (Health Canada) and the U.S. FDA agree. Use the 1-2-3 rule.")},
        command="check")
    assert result.code == 0, result.err
    assert "error[spam]" not in result.err and "warning[spam]" not in result.err


# 4. the disclaimer promise -----------------------------------------------------------------

def site_yaml(disclaimer: str | None = None, emergency: str | None = None) -> str:
    text = SITE_YAML
    if disclaimer is not None:
        text = re.sub(r"disclaimer: >\n(  .*\n)+",
                      lambda _: f"disclaimer: {json.dumps(disclaimer)}\n", text)
    if emergency is not None:
        text = replaced(text, "emergency: In an emergency call 999.",
                        f"emergency: {json.dumps(emergency)}")
    return text


@pytest.mark.parametrize(("yaml_text", "code", "key"), [
    (site_yaml(disclaimer=""), "schema-value", "disclaimer:"),
    (site_yaml(disclaimer="   "), "config-safety-text", "disclaimer:"),
    (site_yaml(disclaimer="Not advice."), "config-safety-text", "disclaimer:"),
    (site_yaml(disclaimer=". " * 20), "config-safety-text", "disclaimer:"),
    (site_yaml(disclaimer="- - - - - - - - - - - - - - - - 1"), "config-safety-text",
     "disclaimer:"),
    (site_yaml(disclaimer="\u200b" * 30), "config-safety-text", "disclaimer:"),
    (site_yaml(emergency=""), "schema-value", "emergency:"),
    (site_yaml(emergency="999"), "config-safety-text", "emergency:"),
    (site_yaml(emergency="Call your doctor if you are worried."), "config-safety-text",
     "emergency:"),
], ids=["empty", "blank", "short", "dots", "dashes", "invisible", "no-emergency",
        "number-only", "no-number"])
def test_empty_or_token_safety_texts_are_config_errors(attempt, yaml_text, code, key):
    root, result = attempt({"site.yaml": yaml_text})
    assert_reported(result, "site.yaml", code, line_of(root, "site.yaml", key), exit_code=2)


INCLUDE = '{% include "partials/disclaimer.html" %}'
HIDDEN_DISCLAIMERS = {
    "jinja-comment": "{# " + INCLUDE + " #}",
    "html-comment": "<!-- " + INCLUDE + " -->",
    "removed": "",
    "never-true": "{% if false %}" + INCLUDE + "{% endif %}",
    "hidden": "<div hidden>" + INCLUDE + "</div>",
    "display-none": '<div style="display: none">' + INCLUDE + "</div>",
    "visibility-hidden": '<div style="visibility:hidden">' + INCLUDE + "</div>",
    "aria-hidden": '<div aria-hidden="true">' + INCLUDE + "</div>",
    "visually-hidden": '<div class="visually-hidden">' + INCLUDE + "</div>",
    "template": "<template>" + INCLUDE + "</template>",
    "noscript": "<noscript>" + INCLUDE + "</noscript>",
    "display-none-upper-case": '<div style="DISPLAY:NONE">' + INCLUDE + "</div>",
    "display-none-escaped": '<div style="displ\\61y: none">' + INCLUDE + "</div>",
    "display-none-commented": '<div style="dis/**/play:none">' + INCLUDE + "</div>",
    "closed-details": "<details><summary>More</summary>" + INCLUDE + "</details>",
    "closed-dialog": "<dialog>" + INCLUDE + "</dialog>",
    "opacity": '<div style="opacity:0">' + INCLUDE + "</div>",
    "opacity-percent": '<div style="color: red; opacity: 0% !important">' + INCLUDE + "</div>",
    "font-size-zero": '<div style="font-size:0px">' + INCLUDE + "</div>",
    "aria-hidden-upper-case": '<div aria-hidden="TRUE">' + INCLUDE + "</div>",
    # any inline style but font size and weight, spacing and borders may hide text
    "off-screen": '<div style="position:absolute; left:-9999px">' + INCLUDE + "</div>",
    "clipped": '<div style="clip-path: inset(50%)">' + INCLUDE + "</div>",
    "scaled-away": '<div style="transform: scale(0)">' + INCLUDE + "</div>",
    "no-height": '<div style="height:0; overflow:hidden">' + INCLUDE + "</div>",
    "indented-away": '<div style="text-indent:-9999px">' + INCLUDE + "</div>",
    "pulled-away": '<div style="margin-left: -100vw">' + INCLUDE + "</div>",
    "transparent": '<div style="color: transparent">' + INCLUDE + "</div>",
    "white-on-white": '<div style="color:#fff; background:#fff">' + INCLUDE + "</div>",
    "faint": '<div style="opacity: .1">' + INCLUDE + "</div>",
    "tiny": '<div style="font-size: 1px">' + INCLUDE + "</div>",
    # each declaration passes alone; together, through the ancestors, they fade, shrink or
    # push the text away
    "faded-by-nesting": '<div style="opacity:.8"><div style="opacity:.8"><div style='
                        '"opacity:.8"><div style="opacity:.8">' + INCLUDE + "</div></div>"
                        "</div></div>",
    "shrunk-by-nesting": '<div style="font-size:50%"><div style="font-size:50%">' + INCLUDE +
                         "</div></div>",
    "shrunk-in-em": '<div style="font-size:.6em"><div style="font-size:.6em">' + INCLUDE +
                    "</div></div>",
    "padded-away": '<div style="padding-left:100000px">' + INCLUDE + "</div>",
    "padded-away-by-nesting": '<div style="margin-left:60em"><div style="padding-left:60em">'
                              + INCLUDE + "</div></div>",
}


@pytest.mark.parametrize("case", sorted(HIDDEN_DISCLAIMERS))
def test_a_template_that_hides_the_disclaimer_fails(attempt, case):
    base = (REPO / "templates/base.html").read_text("utf-8")
    hidden = HIDDEN_DISCLAIMERS[case]
    root, result = attempt({"templates/base.html": replaced(base, INCLUDE, hidden)})
    assert_reported(result, "templates/article.html", "template-disclaimer-missing")



@pytest.mark.parametrize("shown", [
    "<details open><summary>More</summary>" + INCLUDE + "</details>",
    '<div style="opacity: 0.9; font-size: 1.1rem">' + INCLUDE + "</div>",
    '<div style="opacity:.9"><div style="opacity:.9">' + INCLUDE + "</div></div>",
    '<div style="font-size:50%"><div style="font-size:16px">' + INCLUDE + "</div></div>",
    '<div style="display: block" aria-hidden="false">' + INCLUDE + "</div>",
    '<div style="margin: 1em 0; padding: 4px; font-weight: bold; border: 1px solid">' +
    INCLUDE + "</div>",
])
def test_a_template_that_shows_the_disclaimer_in_a_wrapper_builds(attempt, shown):
    base = (REPO / "templates/base.html").read_text("utf-8")
    root, result = attempt({"templates/base.html": replaced(base, INCLUDE, shown)})
    assert result.code == 0, result.err

# 5. symbolic links that leave the site ---------------------------------------------------

@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "outside"
    (folder / "dir").mkdir(parents=True)
    (folder / "secret.txt").write_text("TOP-SECRET-42\n")
    (folder / "dir/secret.css").write_text("/* TOP-SECRET-42 */\n")
    (folder / "art.md").write_text(article(title="Outside article") + "\nTOP-SECRET-42\n")
    (folder / "base.html").write_text((REPO / "templates/base.html").read_text("utf-8"))
    shutil.copytree(REPO / "templates/partials", folder / "partials")
    return folder


def _replace_with_link(path: Path, target: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    path.symlink_to(target)


SYMLINKS = {  # where the link is, what it points at (in `outside`), relative?
    "static-file": ("static/passwd.txt", "secret.txt", False),
    "static-file-relative": ("static/notes.txt", "secret.txt", True),
    "static-folder": ("static/more", "dir", False),
    "static-itself": ("static", "dir", False),
    "content-article": ("content/articles/outside.md", "art.md", False),
    "content-folder": ("content/articles/more", ".", False),
    "content-data-file": ("content/topics.yaml", "secret.txt", False),
    "content-itself": ("content", ".", False),
    "template-file": ("templates/base.html", "base.html", False),
    "template-folder": ("templates/partials", "partials", False),
}


@pytest.mark.parametrize("case", sorted(SYMLINKS))
def test_links_out_of_the_site_are_refused_everywhere(attempt, outside, case):
    where, target, relative = SYMLINKS[case]

    def setup(root: Path) -> None:
        link = root / where
        aim = outside / target
        _replace_with_link(link, Path(os.path.relpath(aim, link.parent)) if relative else aim)

    for command in ("check", "build"):
        root, result = attempt(setup=setup, command=command)
        assert_reported(result, where, "file-symlink")
        assert "outside the site folder" in result.err
        assert grep(root / "_site", "TOP-SECRET-42") == []


def test_site_settings_linked_from_outside_are_refused(attempt, outside):
    (outside / "site.yaml").write_text(SITE_YAML.replace("title: Test Medicines",
                                                         "title: TOP-SECRET-42"))
    for command in ("check", "build"):
        root, result = attempt(setup=lambda root: _replace_with_link(
            root / "site.yaml", outside / "site.yaml"), command=command)
        assert_reported(result, "site.yaml", "file-symlink", exit_code=2)
        assert "outside the site folder" in result.err
        assert grep(root / "_site", "TOP-SECRET-42") == []

def test_a_link_inside_the_site_is_fine(attempt):
    root, result = attempt(setup=lambda root: (root / "static/copy.css").symlink_to(
        root / "static/style.css"))
    assert result.code == 0, result.err
    assert (root / "_site/static/copy.css").read_bytes() == \
        (root / "static/style.css").read_bytes()


# 6. slugs and file names -----------------------------------------------------------------

@pytest.mark.parametrize("slug", [
    "../../x", "../../../tmp/x", "/tmp/careleaf-abs", "..", "x/../../y", "pages/x",
    "Bad Slug!", "UPPER", "café", "ok\nslug", "-x-", "a" * 300, "x" * 81,
])
def test_new_refuses_slugs_that_are_not_url_names(make_site, slug):
    root = make_site()
    before = sorted(p.relative_to(root.parent) for p in root.parent.rglob("*"))
    result = run_cli("--root", str(root), "new", "A title", "--medicine", "gabapentin",
                     "--topic", "twitching", f"--slug={slug}")
    no_traceback(result)
    assert result.code == 1 and "error[slug-invalid]" in result.err, result.err
    assert sorted(p.relative_to(root.parent) for p in root.parent.rglob("*")) == before
    assert not Path("/tmp/careleaf-abs.md").exists()


def test_new_makes_a_usable_slug_from_a_very_long_title(make_site):
    root = make_site()
    result = run_cli("--root", str(root), "new", "Gabapentin and sleep " * 20,
                     "--medicine", "gabapentin", "--topic", "twitching")
    no_traceback(result)
    assert result.code == 0, result.err
    [made] = [p for p in (root / "content/articles").glob("gabapentin-and-sleep*.md")]
    assert len(made.stem) <= 80 and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", made.stem)


PAGE = "---\ntitle: A page\ndescription: About us.\n---\n\nText.\n"
PAGE_NAMES = {  # file name -> code
    "Pagefind.md": "slug-invalid", "Articles.md": "slug-invalid", "My Page.md": "slug-invalid",
    "café.md": "slug-invalid", "a.b.md": "slug-invalid", "x--y.md": "slug-invalid",
    "pagefind.md": "slug-reserved", "articles.md": "slug-reserved", "static.md": "slug-reserved",
    "search.md": "slug-reserved", "medicines.md": "slug-reserved", "glossary.md": "slug-reserved",
}


@pytest.mark.parametrize("code", ["slug-invalid", "slug-reserved"])
def test_page_file_names_are_checked_as_slugs(attempt, code):
    names = [name for name, wanted in PAGE_NAMES.items() if wanted == code]
    root, result = attempt({f"content/pages/{name}": PAGE for name in names})
    no_traceback(result)
    assert result.code == 1
    found = {p for p, _, sev, c, _ in diagnostics(result) if sev == "error" and c == code}
    assert [n for n in names if f"content/pages/{n}" not in found] == [], result.err


# 7. drafts ---------------------------------------------------------------------------------

def test_drafts_into_a_publishable_folder_need_a_flag_and_keep_their_todos(attempt):
    def scaffold(root: Path) -> None:
        made = run_cli("--root", str(root), "new", "Gabapentin and sleep", "--medicine",
                       "gabapentin", "--topic", "twitching", "--author", "a-writer")
        assert made.code == 0, made.err

    draft = "content/articles/gabapentin-and-sleep.md"
    root, result = attempt({}, "--drafts", setup=scaffold)
    no_traceback(result)
    assert result.code == 2
    assert result.err.startswith("careleaf: error[drafts-built]: ")  # the command, not a file
    assert "--allow-drafts" in result.err
    root, result = attempt({}, "--drafts", "--allow-drafts", setup=scaffold)
    assert_reported(result, draft, "placeholder", line_of(root, draft, "description: TODO"))
    assert "warning[drafts-built]" in result.err
    assert grep(root / "_site", "gabapentin-and-sleep", "TODO") == []
    # a clean draft builds with the flag, loudly, and stays out of sitemap and feed
    root, result = attempt({ART: article("published:", "draft: true\npublished:")},
                           "--drafts", "--allow-drafts")
    assert result.code == 0, result.err
    assert re.search(r"^_site:1:1: warning\[drafts-built\]: 1 draft", result.err, re.M)
    assert (root / "_site/articles/gabapentin-twitching/index.html").is_file()
    for name in ("sitemap.xml", "feed.xml"):
        assert "gabapentin-twitching" not in (root / "_site" / name).read_text()


# 8. control characters --------------------------------------------------------------------

CONTROL = {  # files, path, text on the reported line
    "nul-in-title": ({ART: article("title: Gabapentin and twitching",
                                   "title: Gabapentin\x00 and twitching")}, ART, "title:"),
    "vertical-tab-in-summary": ({ART: article("Twitching can happen.",
                                              "Twitching\x0bcan happen.")}, ART, "summary:"),
    "escape-in-title": ({ART: article("title: Gabapentin and twitching",
                                      "title: Gabapentin\x1b[31m and twitching")}, ART,
                        "title:"),
    "c1-control": ({ART: article("Twitching can happen.", "Twitching\x85can happen.")}, ART,
                   "summary:"),
    "yaml-escaped-nul": ({ART: article("title: Gabapentin and twitching",
                                       'title: "Gabapentin\\0 and twitching"')}, ART, "title:"),
    "yaml-escaped-vt": ({ART: article("Twitching can happen. Get help if it gets worse.",
                                      '"Twitching\\vcan happen."')}, ART, "summary:"),
    "yaml-escaped-unicode": ({ART: article("  - It is uncommon.",
                                           '  - "It is\\u0001 uncommon."')}, ART,
                             "It is"),
    "yaml-escaped-nonchar": ({ART: article("author: a-writer", 'author: "a-writer\\uffff"')},
                             ART, "author:"),
    "nonchar-in-body": ({ART: article(BODY_LINE, "Gabapentin\uffff can cause jerks [@label].")},
                        ART, "can cause jerks"),
    "nul-in-body": ({ART: with_paragraph("Jerks\x00 happen.")}, ART, "Jerks"),
    # an HTML character reference is the character itself to the sanitiser and the feed
    "reference-vt": ({ART: with_paragraph("Jerks &#11; happen.")}, ART, "Jerks"),
    "reference-escape": ({ART: with_paragraph("Jerks &#x1B;[31m happen.")}, ART, "Jerks"),
    "reference-nonchar": ({ART: with_paragraph("Jerks &#xFFFF happen.")}, ART, "Jerks"),
    "record-escaped": ({REC: record("advice: Do not drive.", 'advice: "Do not\\0 drive."')},
                       REC, "advice:"),
    "site-yaml": ({"site.yaml": replaced(SITE_YAML, "title: Test Medicines",
                                         "title: Test\x07 Medicines")}, "site.yaml", "title:"),
}


@pytest.mark.parametrize("case", sorted(CONTROL))
def test_control_characters_are_refused_with_file_and_line(attempt, case):
    files, path, needle = CONTROL[case]
    root, result = attempt(files)
    exit_code = 2 if path == "site.yaml" else 1
    assert_reported(result, path, "text-control-char", line_of(root, path, needle),
                    exit_code=exit_code)


def test_the_feed_stays_well_formed_with_awkward_but_honest_text(attempt):
    root, result = attempt({ART: article(
        "title: Gabapentin and twitching",
        'title: "Gabapentin & twitching <b> ]]> \\t \u00e9\u00e8 \U0001f48a '
        '\u05e9\u05dc\u05d5\u05dd"')})
    assert result.code == 0, result.err
    feed = etree.parse(str(root / "_site/feed.xml"))  # raises if not well-formed
    assert "\U0001f48a" in etree.tostring(feed, encoding="unicode")
    controls = [name for name in grep(root / "_site", b"\x00", b"\x0b", b"\x1b")
                if not name.startswith("pagefind/")]  # the index is binary
    assert controls == []


# 9. inputs that never finish ----------------------------------------------------------------

BOMB = "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}" if i else '"lol"'] * 9)
    + "]\n" for i in range(9))
HEAVY = {  # files, path, code, text on the reported line (None: line 1)
    "alias-bomb-front-matter": ({ART: replaced(ARTICLE, "---\n", "---\n" + BOMB.replace(
        "a: &a", "x_a: &a", 1))}, ART, "yaml-alias", "&a"),
    "alias-bomb-topics": ({TOPICS: BOMB}, TOPICS, "yaml-alias", "&a"),
    "alias-bomb-record": ({REC: RECORD_YAML + BOMB}, REC, "yaml-alias", "&a"),
    "alias-bomb-site": ({"site.yaml": SITE_YAML + BOMB.replace("a:", "zz:", 1)}, "site.yaml",
                        "yaml-alias", "&a"),
    "nested-flow-5000": ({ART: article("title: Gabapentin and twitching",
                                       "title: " + "[" * 5000 + "]" * 5000)}, ART,
                         "line-too-long", "[[[["),
    "nested-flow-5000-lines": ({TOPICS: "twitching: " + "[\n" * 5000}, TOPICS,
                               "yaml-too-deep", None),
    "nested-block-yaml": ({TOPICS: "".join("  " * i + "-\n" for i in range(60))}, TOPICS,
                          "yaml-too-deep", None),
    "nested-list-5000": ({ART: with_paragraph("- " * 5000 + "x")}, ART, "line-too-long",
                         "- - - -"),
    "nested-list-lines": ({ART: with_paragraph("".join(
        "  " * i + "- x\n" for i in range(60)))}, ART, "markdown-too-deep", None),
    "nested-quotes": ({ART: with_paragraph("> " * 300 + "x")}, ART, "markdown-too-deep",
                      "> > >"),
    "brackets-40k-line": ({ART: with_paragraph("[" * 40000)}, ART, "line-too-long", "[[[["),
    "brackets-over-lines": ({ART: with_paragraph("\n".join(["[" * 4000] * 10))}, ART,
                            "markdown-too-complex", "[[[["),
    "link-openers": ({ART: with_paragraph("[x](" * 1200)}, ART, "markdown-too-complex",
                     "[x]("),
    "huge-file": ({ART: ARTICLE + "\nword" * 400_000}, ART, "file-too-large", None),
}


@pytest.mark.parametrize("case", sorted(HEAVY))
def test_inputs_that_would_never_finish_are_refused_quickly(attempt, case):
    files, path, code, needle = HEAVY[case]
    started = time.monotonic()
    root, result = attempt(files)
    assert time.monotonic() - started < LIMIT_SECONDS
    line = line_of(root, path, needle) if needle else None
    assert_reported(result, path, code, line, exit_code=2 if path == "site.yaml" else 1)
    if code == "file-too-large" or code == "line-too-long":
        assert "limits." in result.err  # the hint names the setting


# YAML keeps the last of two equal keys and drops the first without a word
DUPLICATE_KEYS = {  # files, path, text on the reported (second) line
    "front-matter": ({ART: replaced(ARTICLE, "title: Gabapentin and twitching\n",
                                    "title: Gabapentin and twitching\ntitle: Other\n")},
                     ART, "title: Other"),
    "record-top-level": ({REC: RECORD_YAML + "summary: Something else.\n"}, REC,
                         "summary: Something else."),
    "record-flow-mapping": ({REC: replaced(RECORD_YAML, "supply: prescription-only,",
                                           "supply: prescription-only, supply: pharmacy,")},
                            REC, "supply: pharmacy"),
    "topics": ({TOPICS: "twitching:\n  title: Twitching\n  description: Jerks.\n"
                        "  title: Jerks\n"}, TOPICS, "title: Jerks"),
    "site": ({"site.yaml": SITE_YAML + "title: A second title\n"}, "site.yaml",
             "title: A second title"),
}


@pytest.mark.parametrize("case", sorted(DUPLICATE_KEYS))
def test_a_key_given_twice_is_refused_not_silently_dropped(attempt, case):
    files, path, needle = DUPLICATE_KEYS[case]
    root, result = attempt(files)
    assert_reported(result, path, "yaml-duplicate-key", line_of(root, path, needle),
                    exit_code=2 if path == "site.yaml" else 1)

def test_limits_are_set_in_site_yaml(attempt):
    limits = "limits:\n  max_file_kb: 8\n  max_line_chars: 120\n  max_nesting: 6\n"
    files = {
        "site.yaml": SITE_YAML + limits,
        "content/articles/long-line.md": with_paragraph("word " * 40, title="Long line"),
        "content/articles/big.md": with_paragraph("Short line of text.\n" * 500, title="Big"),
        "content/articles/deep.md": with_paragraph("".join(
            "    " * i + "- x\n" for i in range(8)), title="Deep"),
        TOPICS: "twitching:\n  title: Twitching\n  description: Jerks.\n"
                "  extra: [[[[[[1]]]]]]\n",
    }
    root, result = attempt(files, command="check")
    assert result.code == 1
    no_traceback(result)
    codes = {(p, c) for p, _, _, c, _ in diagnostics(result)}
    assert ("content/articles/long-line.md", "line-too-long") in codes, result.err
    assert "the limit is 120" in result.err
    assert ("content/articles/big.md", "file-too-large") in codes
    assert ("content/articles/deep.md", "markdown-too-deep") in codes
    assert (TOPICS, "yaml-too-deep") in codes


def test_time_limit_per_file_is_a_backstop(attempt):
    body = "\n".join(f"Line {i} of a long page with *some* [links](/articles/) in it."
                     for i in range(6000))
    files = {"site.yaml": SITE_YAML + "limits:\n  max_seconds_per_file: 0.2\n",
             ART: with_paragraph(body)}
    root, result = attempt(files, command="check")
    assert_reported(result, ART, "file-too-slow", 1)
    assert "0.2 seconds" in result.err


# 10. tracebacks -------------------------------------------------------------------------

@pytest.mark.parametrize(("files", "path", "needle"), [
    ({ART: article("published: 2026-01-10", "published: 2026-02-30")}, ART, "published:"),
    ({ART: article("next_review: 2027-01-10", "next_review: 2027-13-01")}, ART, "next_review:"),
    ({ART: article("last_reviewed: 2026-01-10", "last_reviewed: 99999-01-10")}, ART,
     "last_reviewed:"),
    ({REC: record("last_reviewed: 2026-01-10", "last_reviewed: 2026-02-30")}, REC,
     "last_reviewed:"),
    ({REC: record("checked: 2026-01-10", "checked: 2026-04-31")}, REC, "checked:"),
    ({GLOSSARY: replaced(GLOSSARY_YAML, "next_review: 2027-01-10", "next_review: 2027-02-29")},
     GLOSSARY, "next_review:"),
], ids=["article", "month-13", "year-99999", "record", "record-source", "glossary"])
def test_impossible_dates_are_schema_errors(attempt, files, path, needle):
    root, result = attempt(files)
    assert_reported(result, path, "schema-value", line_of(root, path, needle))


@pytest.mark.parametrize(("value", "code"), [
    ("!!binary AAAA", "yaml-syntax"),  # raw bytes (three NULs) where text belongs
    ("!!python/object/apply:os.system [echo hi]", "yaml-syntax"),
    ("!custom Gabapentin", "yaml-syntax"),
    ("9" * 5000, "line-too-long"),
    ("[" * 190 + "]" * 190, "yaml-too-deep"),
])
def test_strange_yaml_values_are_reported_not_crashed_on(attempt, value, code):
    root, result = attempt({ART: article("title: Gabapentin and twitching", f"title: {value}")})
    assert_reported(result, ART, code, line_of(root, ART, "title:"))


def test_deep_nesting_up_to_the_highest_limit_gives_no_traceback(attempt):
    files = {"site.yaml": SITE_YAML + "limits:\n  max_nesting: 200\n",
             ART: with_paragraph("> " * 199 + "x\n\n" + "".join(
                 "    " * i + "- x\n" for i in range(40))),
             TOPICS: "twitching:\n  title: Twitching\n  description: Jerks.\n  extra: " +
             "[" * 198 + "]" * 198 + "\n"}
    root, result = attempt(files, command="check")
    no_traceback(result)
    assert result.code in (0, 1), result.err


def _corrupt(kind: str) -> bytes:
    if kind == "garbage":
        return b"\x00\xffnot a pickle" * 10
    if kind == "unsupported-protocol":
        return b"\x80\x63" + pickle.dumps("x")[2:]
    if kind == "list":
        return pickle.dumps([1, 2, 3])
    if kind == "dict-of-wrong-shape":
        return pickle.dumps({"index.html": 5, "articles/index.html": ("a",)})
    if kind == "unknown-class":  # protocol 0: careleaf.Missing(), which does not exist
        return b"ccareleaf\nMissing\n(tR."
    if kind == "truncated":
        return pickle.dumps({"a": list(range(100))})[:40]
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["garbage", "unsupported-protocol", "list",
                                  "dict-of-wrong-shape", "unknown-class", "truncated",
                                  "fifo", "folder"])
def test_a_broken_cache_is_discarded_with_a_notice(make_site, kind):
    root = make_site()
    first = run_cli("--root", str(root), "build", "--quiet")
    assert first.code == 0, first.err
    entries = sorted((root / ".careleaf/cache").glob("*.pickle"))
    assert len(entries) >= 3  # a parsed page, the pages' record, the output's manifest
    for entry in entries:
        if kind in ("fifo", "folder"):  # a build must not wait on a pipe nobody writes
            entry.unlink()
            os.mkfifo(entry) if kind == "fifo" else entry.mkdir()
        else:
            entry.write_bytes(_corrupt(kind))
    (root / "_site/index.html").unlink()  # so the next build really builds
    second = run_cli("--root", str(root), "build", "--quiet", timeout=60)
    no_traceback(second)
    assert second.code == 0, second.err
    assert "notice:" in second.err and "discarded" in second.err
    assert (root / "_site/index.html").is_file()
    # the entries were replaced: the same builds read them again, without a notice
    checked = run_cli("--root", str(root), "check", "--quiet")
    (root / "_site/index.html").unlink()
    third = run_cli("--root", str(root), "build", "--quiet")
    for result in (checked, third):
        no_traceback(result)
        assert result.code == 0 and "notice:" not in result.err, result.err


def _read_only(command: list[str]) -> list[str]:
    """`command` unable to write where its user may not: root ignores file modes, so
    as root it runs without the capabilities that let it."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    require("setpriv (util-linux), to drop root's file-permission override", bool(setpriv))
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--", *command]


def test_a_read_only_site_folder_gives_diagnostics_not_tracebacks(make_site, tmp_path):
    root = make_site()
    for folder in [root, *root.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o555)
    try:
        cli = [sys.executable, "-m", "careleaf", "--root", str(root)]
        probe = subprocess.run(_read_only(["touch", str(root / "probe")]), capture_output=True)
        assert probe.returncode != 0, "the site folder is still writable"
        runs = {}
        for name, args in {"build": ["build", "--quiet"], "check": ["check", "--quiet"],
                           "elsewhere": ["build", "--quiet", "--out", str(tmp_path / "out")],
                           "new": ["new", "Sleep", "--medicine", "gabapentin", "--topic",
                                   "twitching"]}.items():
            proc = subprocess.run(_read_only([*cli, *args]), capture_output=True, text=True,
                                  cwd=REPO, timeout=LIMIT_SECONDS)
            assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
            runs[name] = proc
        assert runs["build"].returncode == 1
        assert "error[write-failed]" in runs["build"].stderr
        assert "notice: the build cache cannot be written" in runs["build"].stderr
        assert runs["check"].returncode == 0, runs["check"].stderr
        assert runs["elsewhere"].returncode == 0, runs["elsewhere"].stderr
        assert "notice: the build cache cannot be written" in runs["elsewhere"].stderr
        assert (tmp_path / "out/index.html").is_file()
        assert runs["new"].returncode == 1 and "error[write-failed]" in runs["new"].stderr
        assert not (root / "_site").exists() and not (root / ".careleaf").exists()
    finally:
        for folder in [root, *root.rglob("*")]:
            if folder.is_dir():
                folder.chmod(0o755)


# 11. a full disk ------------------------------------------------------------------------------

def _file_size_limit(size: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_a_full_disk_fails_the_build_and_keeps_the_old_site(make_site, published):
    root = make_site()
    out = root / "_site"
    shutil.copytree(published, out)
    before = snapshot(out)
    proc = subprocess.run(  # every file may hold 4 KB, as if the disk filled up
        [sys.executable, "-m", "careleaf", "--root", str(root), "build", "--quiet"],
        capture_output=True, text=True, cwd=REPO, timeout=LIMIT_SECONDS,
        preexec_fn=_file_size_limit(4096))
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert re.search(r"^_site:1:1: error\[(write-failed|search-index-failed)\]", proc.stderr,
                     re.M), proc.stderr
    assert snapshot(out) == before and leftovers(out) == []


FAKE_PAGEFIND = {
    "empty-files": """
        for name in ("pagefind.js", "pagefind-entry.json", "pagefind-ui.js"):
            (out / name).write_bytes(b"")
    """,
    "nothing-written": "",
    "short-fragment": """
        import gzip, json
        (out / "pagefind.js").write_text("// search")
        (out / "pagefind-entry.json").write_text(json.dumps({"languages": {}}))
        (out / "fragment").mkdir()
        (out / "fragment/en_1.pf_fragment").write_bytes(gzip.compress(b"x" * 500)[:20])
    """,
    "exit-1": "raise SystemExit(1)",
}


@pytest.mark.parametrize("case", sorted(FAKE_PAGEFIND))
def test_a_search_index_cut_short_fails_the_build(attempt, tmp_path, case):
    """Pagefind exits 0 on a full disk with empty files: Careleaf checks what it wrote."""
    fake = tmp_path / "fake" / "pagefind"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(textwrap.dedent("""
        import sys
        from pathlib import Path
        args = sys.argv[1:]
        out = Path(args[args.index("--site") + 1]) / "pagefind"
        out.mkdir(parents=True, exist_ok=True)
    """) + textwrap.dedent(FAKE_PAGEFIND[case]))
    root, result = attempt({}, env={"PYTHONPATH": str(fake.parent)})
    assert_reported(result, "_site", "search-index-failed", 1)


# 12. a pipe closed early ------------------------------------------------------------------

@pytest.fixture
def noisy_failing_site(make_site) -> Path:
    """Over 64 KB of diagnostics, so a reader that leaves early breaks the pipe."""
    return make_site({ART: ARTICLE + "".join(f"\nSee [{i}] here.\n" for i in range(1, 700))})


@pytest.mark.parametrize("pipeline", [
    "careleaf check 2>&1 | head -1",
    "careleaf check --format json | head -c 1",
    "careleaf check --format github | head -1",
    "careleaf build 2>&1 | head -1",
])
def test_a_closed_pipe_does_not_turn_failure_into_success(noisy_failing_site, pipeline):
    command = pipeline.replace("careleaf", f"{sys.executable} -m careleaf --root "
                               f"{noisy_failing_site}", 1)
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                          text=True, cwd=REPO, timeout=LIMIT_SECONDS)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout


def test_the_status_stands_when_the_reader_hangs_up(noisy_failing_site, make_site):
    for root, expected in ((noisy_failing_site, 1), (make_site(), 0)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "careleaf", "--root", str(root), "check", "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
        proc.stderr.readline()
        proc.stderr.close()
        proc.stdout.close()
        assert proc.wait(timeout=LIMIT_SECONDS) == expected


# 13. signals --------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def larger_site(make_site) -> Path:
    """Enough articles for the parse stage to start worker processes."""
    from careleaf.parse import PARALLEL_FROM

    text = ARTICLE + "\nGabapentin can cause jerks in people who take it [@label].\n" * 40
    return make_site({f"content/articles/a-{i:03d}.md": text.replace(
        "Gabapentin and twitching", f"Article {i}") for i in range(PARALLEL_FROM + 16)})


@pytest.mark.parametrize(("signum", "status", "word"), [
    (signal.SIGTERM, 143, "stopped"), (signal.SIGINT, 130, "interrupted"),
    (signal.SIGKILL, -9, None),
])
def test_a_stopped_build_leaves_no_workers_and_says_one_line(larger_site, signum, status,
                                                            word):
    require("/proc (Linux)", Path("/proc/self/stat").exists())
    proc = subprocess.Popen(
        [sys.executable, "-m", "careleaf", "--root", str(larger_site), "build", "--quiet",
         "--no-cache", "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    deadline = time.monotonic() + LIMIT_SECONDS
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert len(workers) >= 2, "the build never started its workers"
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=LIMIT_SECONDS)
    assert proc.returncode == status, err
    assert "Traceback" not in err
    if word:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and word in lines[0], err
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [w for w in workers if _alive(w)] == [], "workers outlived their build"
    if signum != signal.SIGKILL:
        assert leftovers(larger_site / "_site") == []


def test_stale_staging_folders_of_dead_builds_are_removed(attempt):
    dead = subprocess.Popen(["true"])
    dead.wait()

    def litter(root: Path) -> None:
        for name in (f"._site.staging-{dead.pid}", f"._site.old-{dead.pid}",
                     f"._site.staging-{os.getpid()}"):
            (root / name).mkdir()
            (root / name / "index.html").write_text("half a site")

    root, result = attempt({}, setup=litter)
    assert result.code == 0, result.err
    names = {p.name for p in root.iterdir()}
    assert f"._site.staging-{dead.pid}" not in names and f"._site.old-{dead.pid}" not in names
    assert f"._site.staging-{os.getpid()}" in names  # a live build's folder is left alone


# 14. base URL ----------------------------------------------------------------------------------

BAD_BASE_URLS = [
    "https://example.org//", "https://example.org//evil.example/", "https://example.org/a//b/",
    "https://example.org/\\\\evil.example/", "https://user:pw@example.org/",
    "https://example.org/?q=1", "https://example.org/#top", "//evil.example/",
    "javascript:alert(1)", "ftp://example.org/", "example.org", "",
]


@pytest.mark.parametrize("url", BAD_BASE_URLS)
def test_a_bad_base_url_is_one_config_error(attempt, url):
    root, result = attempt({"site.yaml": replaced(SITE_YAML, "base_url: https://example.org/",
                                                  f"base_url: {json.dumps(url)}")})
    assert_reported(result, "site.yaml", "config-base-url", 3, exit_code=2)
    assert len(diagnostics(result)) == 1, result.err


@pytest.mark.parametrize("url", [u for u in BAD_BASE_URLS if u])
def test_a_bad_base_url_option_is_one_config_error(attempt, url):
    root, result = attempt({}, f"--base-url={url}")
    assert_reported(result, "--base-url", "config-base-url", 1, exit_code=2)
    assert len(diagnostics(result)) == 1, result.err


# 15. serve, language, very large articles ------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(port: int, path: str, host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if host is not None:
        request.add_unredirected_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_answers_hostile_requests_without_a_traceback(make_site, tmp_path):
    root = make_site()
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "careleaf", "--root", str(root), "serve", "--port",
             str(port)], stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=REPO)
        try:
            deadline = time.monotonic() + LIMIT_SECONDS
            while time.monotonic() < deadline:
                try:
                    if _request(port, "/")[0] == 200:
                        break
                except (urllib.error.URLError, ConnectionError, OSError):
                    pass
                time.sleep(0.2)
            else:
                pytest.fail("the preview never came up")
            for path in ("/%00", "/a%00b/", "/%00/../site.yaml", "/%2e%2e/%2e%2e/etc/passwd",
                         "/..%2f..%2fsite.yaml", "/%ff%fe/", "/%5c..%5csite.yaml",
                         "/" + "a" * 5000, "/static/%00.css"):
                status, body = _request(port, path)
                assert status == 404, (path, status)
                assert b"Traceback" not in body and b"base_url" not in body
            assert _request(port, "/", host="evil.example")[0] == 421
            assert _request(port, "/", host=f"127.0.0.1.evil.example:{port}")[0] == 421
            assert _request(port, "/", host=f"localhost:{port}")[0] == 200
            assert _request(port, "/", host=f"127.0.0.1:{port}")[0] == 200
            # an alias bomb saved while serving: the preview keeps answering, with the error
            (root / TOPICS).write_text(BOMB)
            deadline = time.monotonic() + LIMIT_SECONDS
            while b"yaml-alias" not in _request(port, "/")[1]:
                assert time.monotonic() < deadline, "the preview never showed the error"
                time.sleep(0.2)
            started = time.monotonic()
            status, body = _request(port, "/articles/gabapentin-twitching/")
            assert status == 200 and b"careleaf-build-error" in body
            assert time.monotonic() - started < 5
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    text = log.read_text("utf-8", "replace")
    assert "Traceback" not in text and not re.search(r"\b500 (GET|HEAD)\b", text), text


@pytest.mark.parametrize("language", ["en_GB!!", "english", "en-", "x" * 40, "../en"])
def test_a_language_that_is_not_a_tag_is_one_config_error(attempt, language):
    root, result = attempt({"site.yaml": SITE_YAML + f"language: {json.dumps(language)}\n"})
    assert_reported(result, "site.yaml", "config-language",
                    line_of(root, "site.yaml", "language:"), exit_code=2)
    assert len(diagnostics(result)) == 1, result.err


def test_a_20_mb_article_is_refused_in_seconds(attempt):
    huge = ARTICLE + ("A sentence about gabapentin and jerks [@label].\n" * 420_000)
    assert len(huge) > 20_000_000
    started = time.monotonic()
    root, result = attempt({ART: huge})
    assert time.monotonic() - started < LIMIT_SECONDS
    assert_reported(result, ART, "file-too-large", 1)


def test_a_long_article_gets_its_summary_only_in_the_feed(attempt):
    body = "\n\n".join(f"Paragraph {i}: gabapentin can cause jerks [@label]." for i in range(200))
    root, result = attempt({"site.yaml": SITE_YAML + "limits:\n  max_feed_entry_kb: 2\n",
                            ART: with_paragraph(body)})
    assert result.code == 0, result.err
    feed = (root / "_site/feed.xml").read_bytes()
    etree.fromstring(feed)
    assert b"Paragraph 150" not in feed and b"Twitching can happen." in feed
    assert len(feed) < 10_000
    assert b"Paragraph 150" in (root / "_site/articles/gabapentin-twitching/index.html"
                                ).read_bytes()


def test_up_to_date_is_not_taken_on_trust_from_a_hand_edited_output(make_site):
    root = make_site()
    assert run_cli("--root", str(root), "build", "--quiet").code == 0
    home, page = root / "_site/index.html", root / "_site/articles/gabapentin-twitching/index.html"
    original = home.read_bytes()
    home.write_bytes(original.replace(b"</body>", b"<script>steal()</script></body>"))
    page.unlink()
    result = run_cli("--root", str(root), "build", "--quiet")
    assert result.code == 0 and "up to date" not in result.out, result.out
    assert home.read_bytes() == original and page.is_file()
    again = run_cli("--root", str(root), "build", "--quiet")
    assert "up to date" in again.out


class _RunsACommand:
    """An object whose unpickling runs a command: what a poisoned cache would hold."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


@pytest.mark.parametrize("signed_as", ["unsigned", "another-key", "altered"])
def test_a_cache_entry_that_would_run_code_runs_nothing(make_site, tmp_path, signed_as):
    """The cache (restored in CI from actions/cache) is signed with a key kept outside the
    site: a crafted, foreign or altered entry is discarded before anything is unpickled."""
    from careleaf import cache

    root = make_site()
    key = {"CARELEAF_CACHE_KEY": "this machine's secret"}
    assert run_cli("--root", str(root), "build", "--quiet", env=key).code == 0
    entries = sorted((root / ".careleaf/cache").glob("*.pickle"))
    assert entries and all(e.read_bytes().startswith(cache.MAGIC) for e in entries)
    marker = tmp_path / "ran"
    payload = pickle.dumps(_RunsACommand(marker))
    for entry in entries:
        if signed_as == "unsigned":
            entry.write_bytes(payload)
        elif signed_as == "another-key":  # a valid signature, under another key
            mac = hmac.new(hashlib.sha256(b"an attacker's key").digest(), payload,
                           hashlib.sha256).digest()
            entry.write_bytes(cache.MAGIC + mac + payload)
        else:  # this key's signature, over other bytes
            data = entry.read_bytes()
            entry.write_bytes(data[:len(cache.MAGIC) + 32] + payload)
    (root / "_site/index.html").unlink()
    second = run_cli("--root", str(root), "build", "--quiet", env=key)
    no_traceback(second)
    assert second.code == 0, second.err
    assert not marker.exists(), "a cache entry ran a command"
    assert "notice:" in second.err and "discarded" in second.err
    # the good case: entries this key signed are used again, without a notice
    (root / "_site/index.html").unlink()
    third = run_cli("--root", str(root), "build", "--quiet", env=key)
    assert third.code == 0 and "notice:" not in third.err, third.err


def test_no_secret_is_published_through_a_link_or_a_dotfile(make_site):
    root = make_site()
    (root / ".git").mkdir()
    (root / ".git/config").write_text("[http] extraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (root / ".env").write_text("API_TOKEN=secret\n")
    (root / "node_modules/pkg").mkdir(parents=True)
    (root / "node_modules/pkg/index.js").write_text("secret()\n")
    links = {"site.css": "../.git/config", "env.txt": "../.env",
             "lib.js": "../node_modules/pkg/index.js"}
    for name, target in links.items():
        (root / "static" / name).symlink_to(target)
    (root / "static/alias.css").symlink_to("style.css")  # a link inside the site: fine
    refused = run_cli("--root", str(root), "build", "--quiet")
    no_traceback(refused)
    assert refused.code == 1
    for name in links:
        assert re.search(rf"^static/{re.escape(name)}:1:1: error\[file-symlink\]", refused.err,
                         re.M), refused.err
    for name in links:
        (root / "static" / name).unlink()
    (root / "static/.env").write_text("API_TOKEN=secret\n")
    (root / "static/.git").mkdir()
    (root / "static/.git/HEAD").write_text("ref: refs/heads/main\n")
    built = run_cli("--root", str(root), "build", "--quiet")
    assert built.code == 0, built.err
    assert "static/.env:1:1: warning[file-private]" in built.err and "hint:" in built.err
    published = [p.relative_to(root / "_site").as_posix() for p in (root / "_site").rglob("*")]
    assert not [p for p in published if "/." in f"/{p}" and not p.startswith(".careleaf")]
    assert "secret" not in "".join(p.read_text(errors="replace") for p in
                                   (root / "_site/static").rglob("*") if p.is_file())
    assert (root / "_site/static/alias.css").read_text() == (root / "static/style.css").read_text()


CONTROLS = ["\x1b[31m", "\x07", "\r", "\n::warning file=x::forged", "\u202e"]


@pytest.mark.parametrize("control", CONTROLS, ids=["esc", "bel", "cr", "newline", "bidi"])
def test_what_an_editor_wrote_is_printed_escaped_in_every_format(make_site, control):
    """A key, a file name or a title with control characters reaches no terminal, GitHub
    annotation or Markdown summary raw."""
    from careleaf.diagnostics import printable

    root = make_site()
    article = root / "content/articles/gabapentin-twitching.md"
    text = article.read_text()
    bad_key = json.dumps(f"odd{control}key")  # a YAML key written as a JSON string
    article.write_text(text.replace("topics: [twitching]\n",
                                    f"topics: [twitching]\n{bad_key}: 1\n"))
    weird = root / "content/articles" / f"x{control.strip()}y.md"
    with contextlib.suppress(OSError):
        weird.write_text(text)
    for fmt in ("text", "github"):
        result = run_cli("--root", str(root), "check", "--format", fmt)
        no_traceback(result)
        assert result.code == 1
        printed = result.out + result.err
        assert "\x1b" not in printed and "\x07" not in printed and "\u202e" not in printed
        assert "\r" not in printed
        assert not [line for line in printed.splitlines() if line.startswith("::warning file=x")]
        assert printable(f"odd{control}key") in printed or fmt == "github"
    # a title with a newline or a pipe stays one row of the due summary's table
    article.write_text(text.replace("title: Gabapentin and twitching",
                                    'title: "Jerks\\n| forged | row |"'))
    weird.unlink(missing_ok=True)
    due = run_cli("--root", str(root), "due", "--within", "3000000", "--format", "markdown")
    no_traceback(due)
    rows = [line for line in due.out.splitlines() if line.startswith("|")]
    assert all(line.count(" | ") == 4 for line in rows[2:]), due.out
    assert "forged" not in "".join(line.split(" | ")[1] for line in rows[2:])


def test_an_escaped_carriage_return_in_a_title_is_refused(make_site, cli):
    root = make_site()
    article = root / "content/articles/gabapentin-twitching.md"
    text = article.read_text().replace("title: Gabapentin and twitching",
                                       'title: "Gabapentin\\r and twitching"')
    article.write_text(text)
    line = text.split("\n").index('title: "Gabapentin\\r and twitching"') + 1
    result = cli("--root", str(root), "check")
    assert result.code == 1
    assert f"content/articles/gabapentin-twitching.md:{line}:1: error[text-control-char]" \
        in result.err and "hint:" in result.err


def test_a_page_edited_by_hand_is_rebuilt_even_with_its_size_and_time(make_site):
    other = "content/articles/gabapentin-sleep.md"
    root = make_site({other: ARTICLE.replace("Gabapentin and twitching", "Gabapentin sleep")})
    assert run_cli("--root", str(root), "build", "--quiet").code == 0
    page = root / "_site/articles/gabapentin-twitching/index.html"
    built = page.read_bytes()
    stat = page.stat()
    edited = built.replace(b"Gabapentin can cause jerks", b"Gabapentin cures all jerks")
    assert len(edited) == len(built) and edited != built
    with page.open("r+b") as handle:  # in place: the same inode, size and (below) mtime
        handle.write(edited)
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # another article's text changes: a real rebuild, in which this page is reused
    (root / other).write_text((root / other).read_text() + "\nMore words [@label].\n")
    result = run_cli("--root", str(root), "build", "--quiet")
    assert result.code == 0, result.err
    assert b"cures all jerks" not in page.read_bytes()
    assert b"Gabapentin can cause jerks" in page.read_bytes()


def test_ids_in_a_body_never_collide_with_the_templates(make_site, cli):
    body = ("\n## Key points\n\nMine [@label].\n\n## References\n\nMore [@label].\n\n"
            '<p id="main-content">Raw.</p>\n\n<div id="faq">Raw too.</div>\n')
    root = make_site({"content/articles/gabapentin-twitching.md": ARTICLE + body})
    out = root / "_site"
    result = cli("--root", str(root), "build", "--out", str(out))
    assert result.code == 0, result.err
    page = parse_page(out / "articles/gabapentin-twitching/index.html")
    ids = page.xpath("//@id")
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, duplicates
    assert page.xpath("//main[@id='main-content']")
    assert page.xpath("//h2[@id='key-points-section']") and page.xpath(
        "//h2[@id='references-section']")
    # the contents list links to the body's own headings
    assert page.xpath("//a[@href='#references-section']")


@pytest.mark.parametrize("items", ["    -", "    &nbsp;", "    - &nbsp;", "    <!-- x -->",
                                   "    - <b></b>"])
def test_a_callout_with_no_words_is_refused(make_site, cli, items):
    text = ARTICLE.replace("!!! urgent\n    - the jerks get worse", f"!!! urgent\n{items}")
    assert text != ARTICLE
    root = make_site({ART: text})
    line = text.split("\n").index("!!! urgent") + 1
    result = cli("--root", str(root), "check")
    assert result.code == 1
    assert f"{ART}:{line}:1: error[callout-empty]" in result.err and "hint:" in result.err


def test_a_help_heading_inside_a_comment_does_not_count(make_site, cli):
    text = ARTICLE.replace("## When to get help\n\n!!! urgent\n    - the jerks get worse",
                           "<!--\n## When to get help\n-->\nSee a doctor if worried [@label].")
    assert text != ARTICLE
    root = make_site({ART: text})
    result = cli("--root", str(root), "check")
    assert result.code == 1 and "error[urgent-advice-missing]" in result.err
    good = cli("--root", str(make_site()), "check")  # the same article with its heading
    assert good.code == 0, good.err


@pytest.mark.parametrize(("old", "new"), [
    ('<meta http-equiv="Content-Security-Policy" content="{{ csp }}">', ""),
    ('<meta http-equiv="Content-Security-Policy" content="{{ csp }}">',
     '<meta http-equiv="Content-Security-Policy" content="default-src *">'),
    ("</head>", '<script src="https://evil.example/track.js"></script></head>'),
    ("</head>", '<link rel="stylesheet" href="//cdn.example/x.css"></head>'),
    ("</body>", '<img src="http://pixel.example/p.gif" alt=""></body>'),
    ("</body>", '<iframe title="x" src="/about/"></iframe></body>'),
])
def test_a_template_that_drops_the_policy_or_loads_from_elsewhere_fails(make_site, cli, old,
                                                                          new):
    root = make_site()
    base = root / "templates/base.html"
    text = base.read_text()
    assert old in text
    base.write_text(text.replace(old, new, 1))
    result = cli("--root", str(root), "build", "--quiet")
    assert result.code == 1
    assert re.search(r"^templates/base\.html:1:1: error\[template-unsafe\]", result.err, re.M), \
        result.err
    assert "hint:" in result.err


def test_new_reads_deep_or_odd_data_files_without_a_traceback(make_site, cli):
    deep = "[" * 3000 + "]" * 3000 + "\n"
    for files in ({"content/people.yaml": deep}, {"content/topics.yaml": deep},
                  {"content/topics.yaml": "42\n"}, {"content/people.yaml": "just text\n"}):
        root = make_site(files)
        result = cli("--root", str(root), "new", "Sleep", "--medicine", "gabapentin")
        no_traceback(result)
        assert result.code in (0, 1), result.err
        if result.code:
            assert "error[" in result.err and "hint:" in result.err


def test_a_pipe_in_content_and_a_merge_key_are_reported(make_site, cli):
    root = make_site()
    fifo = root / "content/articles/notes.md"
    os.mkfifo(fifo)
    result = cli("--root", str(root), "check")
    no_traceback(result)
    assert result.code == 1
    assert "content/articles/notes.md:1:1: error[file-unknown]" in result.err
    fifo.unlink()
    article = root / "content/articles/gabapentin-twitching.md"
    article.write_text(article.read_text().replace(
        "draft: false\n", "").replace("topics: [twitching]\n",
                                       "topics: [twitching]\n<<: {title: Other}\n"))
    merged = cli("--root", str(root), "check")
    no_traceback(merged)
    assert merged.code == 1 and "yaml-duplicate-key" in merged.err and "'<<:'" in merged.err
    assert cli("--root", str(make_site()), "due", "--within", "3000000").code in (0, 1)


@pytest.mark.parametrize("spam", [
    "Buy\u2800gabapentin\u2800online today.", "Buy\uffa0gabapentin\uffa0online today.",
    "B\u0336u\u0336y gabapentin online today.", "Buy\u3164gabapentin online today.",
])
def test_spam_joined_by_fillers_or_wearing_marks_is_caught(make_site, cli, spam):
    text = ARTICLE.replace("Gabapentin can cause jerks [@label].",
                           f"Gabapentin can cause jerks [@label]. {spam}")
    root = make_site({ART: text})
    line = next(i for i, row in enumerate(text.split("\n"), 1) if spam in row)
    result = cli("--root", str(root), "check")
    assert result.code == 1
    assert re.search(rf"^{ART}:{line}:\d+: error\[spam", result.err, re.M), result.err


@pytest.mark.parametrize("host", ["p\u04bbarmacy.example", "n\u04bbs.uk",
                                  "xn--parmacy-uch.example"])
def test_a_look_alike_of_a_pharmacy_or_trusted_host_is_an_error(make_site, cli, host):
    text = ARTICLE.replace("Gabapentin can cause jerks [@label].",
                           f"Gabapentin can cause jerks [@label]. See [this](https://{host}/).")
    root = make_site({ART: text})
    result = cli("--root", str(root), "check")
    assert result.code == 1 and "error[link-denied]" in result.err, result.err
    assert "look-alike" in result.err
    plain = ARTICLE.replace("Gabapentin can cause jerks [@label].",
                            "Gabapentin can cause jerks [@label]. See [NHS](https://www.nhs.uk/).")
    assert cli("--root", str(make_site({ART: plain})), "check").code == 0
