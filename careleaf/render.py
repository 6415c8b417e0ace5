"""Stage 6, render: every route through its Jinja template, in memory.

Templates are the designer's; a broken one is reported with its file and line. Every
page must carry the site's medical disclaimer: a template that drops it is an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import multiprocessing.pool
import os
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import jinja2
from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup, escape

from .cache import file_digest
from .diagnostics import Diagnostic, Report
from .directives import ACTION_ORDER, FREQUENCY_WORDS
from .discover import site_files
from .graph import Route, Site
from .parse import die_with_parent, worker_pool
from .progress import no_progress
from .regions import PRESETS
from .schema import band_note, band_origin
from .search_words import COMPARE_WORDS, GUIDE_SECTIONS, crisis_words
from .validate import section_value

# One policy, sent two ways: a <meta> tag in every page (see templates/base.html) and a
# `_headers` file that Netlify and Cloudflare Pages apply. No 'unsafe-inline' anywhere:
# pages run no inline script or style. frame-ancestors only works as a real header.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; style-src 'self'; "
    # the search page's Pagefind runs WebAssembly; that needs this, not 'unsafe-eval'
    "script-src 'self' 'wasm-unsafe-eval'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative to the output folder, "/"-separated
    data: bytes


# How patient leaflets word each frequency, in the middle of a sentence.
FREQUENCY_IN_TEXT = {key: text[0].lower() + text[1:] for key, text in FREQUENCY_WORDS.items()}


CRISIS_TOPIC_RE = re.compile(r"suicid|self[- ]harm|harm(?:ing)? yourself|ending your life|"
                             r"overdose|too much|too many|poison", re.IGNORECASE)


def present(value: Any) -> bool:
    """Whether a record's section says anything (a section that is a model, such as
    `who_can_take`, is there when any of its parts is)."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        return any(present(getattr(value, name)) for name in fields)
    return bool(value)


def first_text(value: Any) -> str:
    """The first statement of a record's section, for a search result's excerpt."""
    if isinstance(value, list):
        return first_text(value[0]) if value else ""
    for name in ("text", "answer", "name"):
        if isinstance(getattr(value, name, None), str):
            return getattr(value, name)
    fields = getattr(type(value), "model_fields", {})
    return next((text for text in (first_text(getattr(value, f)) for f in fields) if text), "")


def citation_html(numbers: list[tuple[int, str]]) -> Markup:
    """[1, 2] as links into the page's References list (the article markup, no back-links),
    left out of the search index as in Markdown (markdown_ext.citation_element)."""
    links = ", ".join(
        f'<a class="citation__link" href="#ref-{escape(source_id)}">'
        f'<span class="visually-hidden">Reference </span>{number}</a>'
        for number, source_id in numbers
    )
    return Markup(f'<sup class="citation" data-pagefind-ignore>[{links}]</sup>')


def long_date(value: dt.date) -> str:
    """NHS style: 21 November 2026."""
    return f"{value.day} {value:%B %Y}"


def json_ld(data: Any) -> Markup:
    """JSON for a <script type="application/ld+json"> block; '<' escaped so no text
    can close the script element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def asset_versions(static: dict[str, Path]) -> dict[str, str]:
    """A short content hash per static file (name under static/ -> file), so browsers can
    cache them for long."""
    return {name: file_digest(path).hex()[:10] for name, path in static.items()}


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once in a process that builds many times (`serve`, which makes
    a new environment for each build). Jinja keys each by the template's file and checks
    it against the template's source, so an edited template is compiled again."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_compiled = _CompiledTemplates()


def environment(templates: list[Path], site: Site,
                versions: dict[str, str]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_compiled,
    )
    urls = site.urls

    def asset(name: str) -> str:
        version = versions.get(name)
        return urls.url(f"static/{name}") + (f"?v={version}" if version else "")

    def crumb_items(crumbs) -> list[dict[str, Any]]:
        items = []
        for position, crumb in enumerate(crumbs, start=1):
            item: dict[str, Any] = {"@type": "ListItem", "position": position, "name": crumb.title}
            if crumb.path is not None:
                item["item"] = urls.url(crumb.path, absolute=True)
            items.append(item)
        return items

    def faq_entities(items) -> list[dict[str, Any]]:
        return [{"@type": "Question", "name": item.question,
                 "acceptedAnswer": {"@type": "Answer", "text": item.answer_text}}
                for item in items]

    def cite(owner, citations) -> Markup:
        """Numbered links for a record's (or the glossary's) citations."""
        # one source cited twice (two sections of one SmPC) is one reference
        ids = dict.fromkeys(getattr(c, "id", c) for c in citations)
        return citation_html([(owner.number(sid), sid) for sid in ids])

    region = site.config.region

    def availability(medicine):
        """(region code, its availability) for every region the record covers, the site's
        own first."""
        found = medicine.record.availability
        return sorted(found.items(), key=lambda item: (item[0] != region.code, item[0]))

    def region_name(code: str) -> str:
        return region.name if code == region.code else str(
            PRESETS.get(code, {}).get("name", code))

    def licensed_here(medicine) -> bool:
        here = medicine.record.availability.get(region.code)
        return here is None or here.licensed  # a record without it fails validation

    def brands_here(medicine) -> list[str]:
        here = medicine.record.availability.get(region.code)
        return list(here.brand_names) if here else []

    def person_url(person) -> str:
        return urls.person(person.id)

    def person_data(person) -> dict[str, Any]:
        data: dict[str, Any] = {"@type": "Organization" if person.team else "Person",
                                "name": person.name,
                                "url": urls.url(urls.person(person.id), absolute=True)}
        if not person.team:
            data["jobTitle"] = person.role
        return data

    def report_link(title: str, path: str) -> str:
        """Where 'Report a problem with this page' goes: a prefilled email, or the URL."""
        contact = site.config.contact
        address = urls.url(path, absolute=True)
        if contact.email:
            subject = quote(f"Problem with the page: {title}")
            body = quote(f"Page: {address}\n\nWhat is wrong or unclear:\n")
            return f"mailto:{contact.email}?subject={subject}&body={body}"
        return contact.url or ""

    def pages_by(person_id: str):
        """What a person wrote and reviewed: (title, site path, role) for each."""
        found = []
        for article in site.content.articles:
            for role, person in (("Written", article.review.author),
                                 ("Reviewed", article.review.reviewer)):
                if person is not None and person.id == person_id:
                    found.append((article.meta.title, urls.article(article.slug), role))
        for medicine in site.content.medicines:
            for role, person in (("Written", medicine.review.author),
                                 ("Reviewed", medicine.review.reviewer)):
                if person is not None and person.id == person_id:
                    found.append((medicine.record.name, urls.medicine(medicine.key), role))
        return found

    def side_effects_by_action(medicine):
        effects = medicine.record.side_effects
        return [(action, [e for e in effects if e.action == action]) for action in ACTION_ORDER
                if any(e.action == action for e in effects)]

    def comparisons_of(key: str):
        return [c for c in site.content.comparisons if key in (m.key for m in c.medicines)]

    def source_data(source) -> dict[str, Any]:
        data: dict[str, Any] = {"@type": "CreativeWork", "name": source.title,
                                "publisher": {"@type": "Organization", "name": source.publisher}}
        if source.url:
            data["url"] = source.url
        if source.date:
            data["datePublished"] = source.date
        return data

    def article_data(article) -> dict[str, Any]:
        meta = article.meta
        return {
            "@context": "https://schema.org", "@type": "MedicalWebPage",
            "name": meta.title, "headline": meta.title, "description": meta.description,
            "url": urls.url(urls.article(article.slug), absolute=True),
            "inLanguage": site.config.language,
            "datePublished": meta.published.isoformat(),
            "lastReviewed": meta.last_reviewed.isoformat(),
            "author": person_data(article.review.author),
            "publisher": {"@type": "Organization", "name": site.config.publisher},
            "medicalAudience": {"@type": "MedicalAudience", "audienceType": "Patient"},
            "about": [{"@type": "Drug", "name": site.medicine(key).record.name,
                       "url": urls.url(urls.medicine(key), absolute=True)}
                      for key in meta.medicines],
            "citation": [source_data(ref.source) for ref in article.references],
            **({"reviewedBy": person_data(article.review.reviewer)}
               if article.review.reviewer else {}),
        }

    def drug_data(medicine) -> dict[str, Any]:
        record = medicine.record

        def outcomes(serious: bool) -> list[dict[str, str]]:
            return [{"@type": "MedicalEntity", "name": e.name} for e in record.side_effects
                    if (e.seriousness == "serious") == serious]

        data: dict[str, Any] = {
            "@context": "https://schema.org", "@type": "Drug", "name": record.name,
            "nonProprietaryName": record.name, "description": record.summary,
            "url": urls.url(urls.medicine(medicine.key), absolute=True),
            "drugClass": {"@type": "DrugClass", "name": record.drug_class},
        }
        if brands_here(medicine):
            data["proprietaryName"] = brands_here(medicine)
        if outcomes(False):
            data["adverseOutcome"] = outcomes(False)
        if outcomes(True):
            data["seriousAdverseOutcome"] = outcomes(True)
        return data

    def website_data() -> dict[str, Any]:
        return {
            "@context": "https://schema.org", "@type": "WebSite", "name": site.config.title,
            "url": urls.url(absolute=True), "inLanguage": site.config.language,
            "potentialAction": {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint",
                           "urlTemplate": urls.url("search/", absolute=True)
                           + "?q={search_term_string}"},
                "query-input": "required name=search_term_string",
            },
        }

    def search_answers() -> list[dict[str, Any]]:
        """The pages and sections search puts first when a query holds their other words:
        each guide's standard sections, and every page with an editor's `also:` list."""
        found = []
        for medicine in site.content.medicines:
            record, name = medicine.record, medicine.record.name
            page = urls.url(urls.medicine(medicine.key))
            if record.also:
                found.append({"words": record.also, "url": page, "title": name,
                              "medicine": name, "keys": f"m:{medicine.key}",
                              "text": record.summary})
            for anchor, (field, title, words) in GUIDE_SECTIONS.items():
                value = section_value(record, field)
                if present(value):
                    found.append({"words": words, "url": f"{page}#{anchor}", "medicine": name,
                                  "keys": f"m:{medicine.key}",
                                  "section": title.format(name=name.lower()),
                                  "title": name, "text": first_text(value)})
        for article in site.content.articles:
            if article.meta.also:
                found.append({"words": article.meta.also, "url": urls.url(urls.article(
                    article.slug)), "title": article.meta.title, "text": article.meta.summary,
                    "medicine": ";".join(m.record.name for m in site.content.medicines
                                         if m.key in article.meta.medicines),
                    "keys": ";".join([f"m:{k}" for k in article.meta.medicines] +
                                     [f"t:{k}" for k in article.meta.topics])})
        for item in site.content.pages:
            if item.meta.also:
                found.append({"words": item.meta.also, "url": urls.url(urls.page(item.slug)),
                              "title": item.meta.title, "text": item.meta.description})
        return found

    def touches_crisis(text: str) -> bool:
        """Whether a page speaks of suicidal thoughts, self-harm or taking too much."""
        return bool(CRISIS_TOPIC_RE.search(text))

    def band_from(medicine, effect) -> str:
        """" (figure from the US medicine label)" beside a band from another country's."""
        sources = {ref.source.id: ref.source for ref in medicine.references}
        return band_note(band_origin(effect, sources, site.config.region.code))

    def comparison_links() -> list[dict[str, Any]]:
        """Each comparison page's medicines and address, for search's "X or Y" queries."""
        return [{"names": [m.record.name for m in c.medicines],
                 "keys": ";".join(f"m:{m.key}" for m in c.medicines),
                 "title": f"{c.medicines[0].record.name} and "
                          f"{c.medicines[1].record.name.lower()} compared",
                 "url": urls.url(urls.compare(c.slug))} for c in site.content.comparisons]

    env.globals.update(
        search_answers=search_answers, comparison_links=comparison_links, band_from=band_from,
        touches_crisis=touches_crisis,
        crisis_words=crisis_words(site.config.language, site.config.search.crisis_words),
        compare_words=COMPARE_WORDS,
        availability=availability, licensed_here=licensed_here, brands_here=brands_here,
        person_url=person_url, report_link=report_link, pages_by=pages_by, region=region,
        region_name=region_name,
        people=site.content.people,
        comparisons_of=comparisons_of, article_data=article_data, drug_data=drug_data,
        website_data=website_data,
        cite=cite, side_effects_by_action=side_effects_by_action,
        frequency_words=FREQUENCY_IN_TEXT,
        crumb_items=crumb_items, faq_entities=faq_entities, csp=CONTENT_SECURITY_POLICY,
        site=site.config, urls=urls, url=urls.url, asset=asset, today=site.today,
        medicines=site.content.medicines, topics=site.content.topics,
        articles=site.content.articles, pages=site.content.pages,
        medicine=site.medicine, topic=site.topic,
        glossary_entries=site.content.glossary.entries if site.content.glossary else (),
    )
    env.filters.update(
        search_key=lambda key, kind: f"{kind}:{key}",
        long_date=long_date, json_ld=json_ld,
        article_card=lambda a: (a.meta.title, urls.article(a.slug), a.meta.description),
        medicine_card=lambda m: (m.record.name, urls.medicine(m.key), m.record.summary),
        topic_card=lambda t: (t.topic.title, urls.topic(t.key), t.topic.description),
        person_card=lambda p: (p.name, urls.person(p.id), p.role),
        medicine_name=lambda key: site.medicine(key).record.name,
        topic_title=lambda key: site.topic(key).topic.title,
    )
    return env


@dataclass(frozen=True)
class Page:
    """What later stages need of a rendered page, once its bytes have gone to the sink."""

    path: str
    sha256: str
    hrefs: tuple[str, ...]  # the site's own links on it (no scheme, no //host), sorted
    ids: frozenset[str]


EXTERNAL_RE = re.compile(r"[a-z][a-z0-9+.-]*:|//")
# Text a reader can see: not in the head, a script, a comment, or a hidden element. The
# candidates are found by XPath and judged in Python (inline styles need parsing).
MAYBE_HIDDEN = ("self::script or self::style or self::template or self::noscript or "
                "@hidden or @aria-hidden or @style or @class or "
                "self::details[not(@open)] or self::dialog[not(@open)]")
MAYBE_HIDDEN_IN_BODY = etree.XPath(f"//body//*[{MAYBE_HIDDEN}]")
BODY_AND_UP = etree.XPath("//body/ancestor-or-self::*")
TEXT_IN_BODY = etree.XPath("//body//text()", smart_strings=False)
# plain strings: lxml's own keep their element alive, and pickle (PageReuse) slowly
HREFS = etree.XPath("//@href", smart_strings=False)
IDS = etree.XPath("//@id", smart_strings=False)
NEVER_SHOWN = {"script", "style", "template", "noscript"}
CSS_COMMENT_RE = re.compile(r"/\*.*?\*/", re.DOTALL)
CSS_ESCAPE_RE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)")
# Inline styles are judged against what is known to leave text readable: a declaration
# of any other property (position, transform, clip, height, overflow, text-indent,
# filter, a colour or a font, ...) may move text out of sight, cover it or draw it
# unreadably, so it counts as hiding. The pages' own styles belong in static/ (the
# Content-Security-Policy refuses inline ones).
READABLE_PROPERTIES = {
    "font-weight", "font-style", "font-variant", "line-height", "text-align", "text-decoration",
    "text-decoration-line", "text-decoration-color", "text-transform", "margin",
    "margin-top", "margin-bottom", "margin-left", "margin-right", "margin-block",
    "margin-inline", "padding", "padding-top", "padding-bottom", "padding-left",
    "padding-right", "padding-block", "padding-inline", "border", "border-top",
    "border-bottom", "border-left", "border-right", "border-color", "border-width",
    "border-style", "border-radius", "outline", "max-width", "display", "visibility",
    "content-visibility", "opacity", "font-size",
}
NUMBER_RE = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([a-z%]*)", re.IGNORECASE)
SMALLEST_TEXT = {"px": 8, "pt": 6, "em": 0.5, "rem": 0.5, "%": 50, "ch": 0.5, "ex": 1}


def _declaration_hides(name: str, value: str) -> bool:
    """Whether one inline declaration can keep its element's text from a reader."""
    if name not in READABLE_PROPERTIES:
        return True
    value = re.sub(r"!\s*important\s*$", "", value).strip().lower()
    numbers = [(float(n), unit) for n, unit in NUMBER_RE.findall(value)]
    if name == "display":
        return value == "none"
    if name == "visibility":
        return value != "visible"
    if name == "content-visibility":
        return value == "hidden"
    if name == "opacity":
        return not numbers or numbers[0][0] / (100 if numbers[0][1] == "%" else 1) < 0.5
    if name == "font-size":
        if value.replace("-", "").isalpha():  # small, x-small, larger ...
            return False
        return not numbers or numbers[0][1] not in SMALLEST_TEXT or \
            numbers[0][0] < SMALLEST_TEXT[numbers[0][1]]
    if name.startswith("margin"):  # pulled off the page
        return any(number < 0 for number, _ in numbers)
    return False


def _style_hides(style: str) -> bool:
    for declaration in _css(style).split(";"):
        name, colon, value = declaration.partition(":")
        if colon and _declaration_hides(name.strip().lower(), value):
            return True
    return False


def _css(style: str) -> str:
    """An inline style as a browser reads it: comments and escapes gone."""
    style = CSS_COMMENT_RE.sub("", style)
    return CSS_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) and
                             0 < int(m.group(1), 16) <= 0x10FFFF else m.group(2) or "", style)


# What one readable declaration does to its element, and so to the text inside it, which
# adds up through the ancestors: four "opacity: .8" fade text as one "opacity: .4" does.
BASE_FONT_PX = 16
ABSOLUTE_PX = {"px": 1, "pt": 4 / 3, "rem": BASE_FONT_PX, "pc": 16, "in": 96, "cm": 96 / 2.54,
               "mm": 96 / 25.4, "q": 96 / 101.6}
RELATIVE = {"%": 0.01, "em": 1}
FARTHEST_SPACING_PX = 1000  # padding or margin past this pushes text away from the reader


def _effect(style: str) -> tuple[float, tuple[str, float] | None, float]:
    """(opacity factor, font size as ("px", size) or ("scale", factor) or None, the largest
    padding or margin in px) of an inline style."""
    opacity, size, spacing = 1.0, None, 0.0
    for declaration in _css(style).split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        numbers = [(float(n), unit) for n, unit in NUMBER_RE.findall(value)]
        if not colon or not numbers:
            continue
        number, unit = numbers[0]
        if name == "opacity":
            opacity *= max(0.0, min(1.0, number / (100 if unit == "%" else 1)))
        elif name == "font-size":
            size = ("px", number * ABSOLUTE_PX[unit]) if unit in ABSOLUTE_PX else \
                ("scale", number * RELATIVE[unit]) if unit in RELATIVE else size
        elif name.startswith(("padding", "margin")):
            spacing = max([spacing] + [n * ABSOLUTE_PX.get(u, BASE_FONT_PX if u in RELATIVE
                                                           else 1) for n, u in numbers])
    return opacity, size, spacing


def _faded_or_pushed(element: etree._Element) -> bool:
    """Whether the inline styles of `element` and its ancestors together fade its text below
    half opacity, shrink it below 8 px, or push it more than 1,000 px away, though each
    declaration alone passes."""
    opacity, scale, sized, spacing = 1.0, 1.0, False, 0.0
    for holder in (element, *element.iterancestors()):
        style = holder.get("style")
        if not style:
            continue
        faded, size, pushed = _effect(style)
        opacity *= faded
        spacing += pushed
        if size is not None and not sized:
            if size[0] == "px":  # an absolute size: the ancestors' sizes no longer count
                scale *= size[1] / BASE_FONT_PX
                sized = True
            else:
                scale *= size[1]
    return opacity < 0.5 or scale * BASE_FONT_PX < 8 or spacing > FARTHEST_SPACING_PX


def _hides(element: etree._Element) -> bool:
    """Whether `element` keeps all its text from a reader."""
    if element.tag in NEVER_SHOWN or element.get("hidden") is not None:
        return True
    if (element.get("aria-hidden") or "").strip().lower() == "true":
        return True
    if "visually-hidden" in (element.get("class") or "").split():
        return True
    return _style_hides(element.get("style") or "")


def visible_text(tree: etree._Element) -> list[str]:
    """The text nodes of the body that no hidden element holds. Each element is tested
    once and hidden ones are emptied (asking of every text node whether any ancestor is
    hidden took 80 ms a page), so `tree` is left without them. A closed `<details>` or
    `<dialog>` shows its summary only."""
    if any(_hides(element) for element in BODY_AND_UP(tree)):
        return []
    for element in MAYBE_HIDDEN_IN_BODY(tree):
        if _hides(element) or element.get("style") and _faded_or_pushed(element):
            element.clear(keep_tail=True)
        elif element.tag in ("details", "dialog") and element.get("open") is None:
            summary = next((child for child in element if child.tag == "summary"), None)
            element.clear(keep_tail=True)
            if summary is not None and element.tag == "details":
                summary.tail = None
                element.append(summary)
    return TEXT_IN_BODY(tree)

# Pages already scanned, by their bytes: `serve` does not scan unchanged pages again.
_scanned: dict[str, Page] = {}


def scan(path: str, data: bytes, safety_texts: tuple[str, ...] = ()
         ) -> tuple[Page, list[str], list[str]]:
    """What the link check needs of a page, which of `safety_texts` it does not show as
    visible text, and what breaks its promise of privacy (see `privacy_problems`)."""
    sha = hashlib.sha256(data).hexdigest()
    page = _scanned.get(sha)
    if page is not None and page.path == path:
        return page, [], []
    tree = lxml_html.document_fromstring(data)
    hrefs = sorted({h for h in HREFS(tree) if not EXTERNAL_RE.match(h)})
    page = Page(path, sha, tuple(hrefs), frozenset(IDS(tree)))
    shown = " ".join(" ".join(visible_text(tree)).split())
    missing = [text for text in safety_texts if " ".join(text.split()) not in shown]
    return page, missing, privacy_problems(tree)


# Where a page can make the browser fetch something: elements and their attributes.
RESOURCES = etree.XPath(
    "//script/@src | //img/@src | //img/@srcset | //source/@src | //source/@srcset | "
    "//video/@src | //video/@poster | //audio/@src | //track/@src | //input/@src | "
    "//link[not(contains(concat(' ', normalize-space(@rel), ' '), ' canonical ') or "
    "contains(concat(' ', normalize-space(@rel), ' '), ' alternate '))]/@href | "
    "//iframe/@src | //frame/@src | //embed/@src | //object/@data | //image/@href | "
    "//@background", smart_strings=False)
EMBEDS = etree.XPath("//iframe | //frame | //embed | //object | //applet | //portal")
CSP_METAS = etree.XPath(
    "//meta[translate(@http-equiv, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
    "'abcdefghijklmnopqrstuvwxyz') = 'content-security-policy']/@content",
    smart_strings=False)


def privacy_problems(tree: etree._Element) -> list[str]:
    """What a template could do to break a page's promise, whatever it says: drop or change
    Careleaf's Content-Security-Policy, or load anything from another site."""
    problems = []
    policies = CSP_METAS(tree)
    if policies != [CONTENT_SECURITY_POLICY]:
        problems.append("it does not carry Careleaf's Content-Security-Policy meta tag "
                        f"(found {len(policies)}, {'another policy' if policies else 'none'})")
    for value in RESOURCES(tree):
        for url in value.split(",") if "," in value else [value]:
            url = url.strip().split(" ")[0]
            if EXTERNAL_RE.match(url.strip().lower()):
                problems.append(f"it loads {url[:80]} from another site")
                break
    problems += [f"it embeds an <{element.tag}>" for element in EMBEDS(tree)]
    return problems


class PageSink(Protocol):
    def add(self, output: OutputFile) -> None: ...
    def keep(self, output: str, source: Path) -> None: ...


def render(site: Site, templates: list[Path], versions: dict[str, str], report: Report,
           sink: PageSink, progress: Callable = no_progress, *,
           reuse: Callable[[str], tuple[Path, Page] | None] = lambda output: None,
           jobs: int = 1) -> list[Page]:
    """Render every route and hand each page to `sink` as soon as it is made, in the order
    of the routes. A page that `reuse(output)` finds unchanged since the last build (see
    depends.py) is kept as it is. Many pages are rendered across `jobs` processes.
    `templates` are the folders templates are looked up in, the first found winning."""
    global _scanned
    for folder in templates:  # refuse links that leave the site (or the theme)
        site_files(folder, folder.parent, report)
    report.raise_if_errors()
    env = environment(templates, site, versions)
    config = site.config
    safety = (config.disclaimer, config.emergency, config.region.crisis_line)
    decided = [(route, reuse(route.output)) for route in site.routes]
    fresh = [route for route, kept in decided if kept is None]
    pages = []
    unsafe: dict[str, list[str]] = {}  # what breaks a page's privacy -> the pages
    with _rendered(env, fresh, templates, report, safety, jobs) as rendered:
        for done, (route, kept) in enumerate(decided, start=1):
            progress("render", done, len(site.routes))
            if kept is not None:
                source, page = kept
                sink.keep(route.output, source)
                pages.append(page)
                continue
            data, page, found = next(rendered)
            if data is None or page is None:
                continue
            hidden = [text for text in found if not text.startswith("\0")]
            for problem in (text[1:] for text in found if text.startswith("\0")):
                unsafe.setdefault(problem, []).append(route.output)
            if hidden:
                report.error(template_file(templates, route.template), 1,
                             "template-disclaimer-missing",
                             f"{route.output} does not show this text from site.yaml where "
                             f"readers can see it: \"{hidden[0][:60]}...\"",
                             "keep {% include 'partials/disclaimer.html' %} in the base "
                             "template, outside comments, hidden elements and inline styles "
                             "other than font size and weight, spacing and borders (put "
                             "styles in static/style.css)")
            sink.add(OutputFile(route.output, data))
            pages.append(page)
    for problem, outputs in unsafe.items():  # once for the site, at the frame of every page
        more = f" and {len(outputs) - 1} other page(s)" if len(outputs) > 1 else ""
        report.error(template_file(templates, "base.html"), 1, "template-unsafe",
                     f"{problem}: {outputs[0]}{more}",
                     "keep base.html's <meta http-equiv=\"Content-Security-Policy\" "
                     "content=\"{{ csp }}\"> and load nothing from other sites: put files "
                     "in static/ and link them with asset('name')")
    _scanned = {page.sha256: page for page in pages}  # the last build's only
    return pages


Rendered = tuple[bytes | None, "Page | None", list[str]]  # the page, what scan found


def _render_page(env: jinja2.Environment, route: Route, templates: list[Path], report: Report,
                 safety: tuple[str, ...]) -> Rendered:
    html = _render_route(env, route, templates, report)
    if html is None:
        return None, None, []
    data = html.encode("utf-8")
    page, hidden, unsafe = scan(route.output, data, safety)
    return data, page, [*hidden, *(f"\0{problem}" for problem in unsafe)]


PARALLEL_FROM = 48  # fewer pages to render than this: starting processes costs more
# What a render worker needs, inherited when the pool's processes are forked: the site is
# never pickled.
_job: tuple[jinja2.Environment, list[Route], Path, Path, tuple[str, ...]] | None = None


def _render_in_worker(index: int) -> tuple[Rendered, list[Diagnostic]]:
    assert _job is not None
    env, routes, templates, root, safety = _job
    report = Report(root)
    return _render_page(env, routes[index], templates, report, safety), report.items


@contextmanager
def _rendered(env: jinja2.Environment, routes: list[Route], templates: list[Path], report: Report,
              safety: tuple[str, ...], jobs: int) -> Iterator[Iterator[Rendered]]:
    """The pages of `routes`, rendered in order: in this process, or, when there are many
    and processes can be forked, across `jobs` of them (parse.py's pool: they die with
    this process, and are stopped at once if the build is interrupted)."""
    if jobs < 2 or len(routes) < PARALLEL_FROM or \
            "fork" not in multiprocessing.get_all_start_methods():
        yield (_render_page(env, route, templates, report, safety) for route in routes)
        return
    global _job
    for name in sorted({route.template for route in routes}):  # compiled once, then shared
        with suppress(Exception):  # a broken template is reported with its pages
            env.get_template(name)
    _job = (env, routes, templates, report.root, safety)

    def in_order(pool: multiprocessing.pool.Pool) -> Iterator[Rendered]:
        for page, items in pool.imap(_render_in_worker, range(len(routes)),
                                     chunksize=max(1, len(routes) // (jobs * 16))):
            for item in items:
                report.replay(item)
            yield page

    try:
        with worker_pool(jobs, die_with_parent, (os.getpid(),), fork=True) as pool:
            yield in_order(pool)
    finally:
        _job = None


def _render_route(env: jinja2.Environment, route: Route, templates: list[Path],
                  report: Report) -> str | None:
    try:
        template = env.get_template(route.template)
        return template.render(route=route, **route.context)
    except jinja2.TemplateSyntaxError as exc:
        report.error(Path(exc.filename or template_file(templates, exc.name or route.template)),
                     exc.lineno or 1, "template-syntax", exc.message or str(exc),
                     "fix the Jinja syntax on this line")
    except jinja2.TemplateNotFound as exc:
        path, line = _template_frame(exc, template_file(templates, route.template))
        report.error(path, line, "template-missing",
                     f"template '{exc.name}' was not found in templates/ or the default "
                     "theme",
                     "restore the template, or check the name in the include/extends")
    except Exception as exc:  # noqa: BLE001 - any template failure is a designer's error
        path, line = _template_frame(exc, template_file(templates, route.template))
        report.error(path, line, "template-error",
                     f"rendering {route.output} failed: {type(exc).__name__}: {exc}",
                     "check the variables this line uses (see the template guide in README.md)")
    return None


def template_file(templates: list[Path], name: str) -> Path:
    """The file a template name is read from: the first folder that has it."""
    return next((folder / name for folder in templates if (folder / name).is_file()),
                (templates[0] if templates else Path("templates")) / name)


def _template_frame(exc: BaseException, default: Path) -> tuple[Path, int]:
    """The innermost template line in the traceback (Jinja rewrites frames to them)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".j2")):
            return Path(frame.filename), frame.lineno or 1
    return default, 1
