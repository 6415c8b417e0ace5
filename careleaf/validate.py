"""Stage 4, validate: hold every file to its schema and to the other files.

Turns parsed files into typed, immutable content (`Article`, `Page`, `Medicine`,
`TopicEntry`), reporting every problem of every file with its line.
"""

from __future__ import annotations

import datetime as dt
import math
import pickle
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .cache import Memo, digest
from .diagnostics import Diagnostic, Report, did_you_mean
from .directives import parse_directive
from .markdown_ext import CALLOUT_KINDS, CAPTION_PREFIX, Heading
from .parse import Document, FaqItem, Parsed
from .schema import (
    LABEL_TYPES,
    SLUG_PATTERN,
    ArticleMeta,
    Citation,
    GlossaryEntry,
    MedicineRecord,
    PageMeta,
    Person,
    SiteConfig,
    Source,
    Topic,
    band_labels,
)
from .schema import Glossary as GlossaryFile
from .sourcefile import YamlData, validate_model

CITATION_ID_RE = re.compile(r"@([A-Za-z0-9][\w.-]*)")
CITATION_BLOCK_RE = re.compile(r"\[(@[^\]]*)\]")
CALLOUT_RE = re.compile(r"^\s*!!!\s*([\w-]+)")
TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Review:
    """Who wrote a piece of medical content and who checked it, and when."""

    author: Person
    reviewer: Person | None  # None: no clinician has checked it (published with a notice)
    last_reviewed: dt.date
    next_review: dt.date
    published: dt.date | None = None
    corrections: tuple = ()  # schema.Correction, in file order


@dataclass(frozen=True)
class Reference:
    number: int
    source: Source
    anchors: tuple[str, ...]  # where the article cites it; empty when listed but not cited


@dataclass(frozen=True)
class Article:
    path: Path
    slug: str
    meta: ArticleMeta
    contents: tuple[Heading, ...]  # the "In this article" list
    faq_title: str | None
    faq: tuple[FaqItem, ...]
    references: tuple[Reference, ...]
    word_count: int
    reading_minutes: int
    urgent_advice: bool  # has its own emergency or urgent callout
    document: Document  # what the editor wrote, for checks that point at lines
    review: Review

    @property
    def html(self) -> str:
        return self.document.html



@dataclass(frozen=True)
class Page:
    path: Path
    slug: str
    meta: PageMeta
    document: Document

    @property
    def html(self) -> str:
        return self.document.html


@dataclass(frozen=True)
class Medicine:
    key: str
    path: Path
    record: MedicineRecord
    references: tuple[Reference, ...]  # numbered in reading order of the hub page
    review: Review
    lines: Any = None  # the record's YamlData, for checks that point at lines

    def number(self, source_id: str) -> int:
        return next(r.number for r in self.references if r.source.id == source_id)


@dataclass(frozen=True)
class Glossary:
    path: Path
    entries: tuple[GlossaryEntry, ...]  # A to Z
    references: tuple[Reference, ...]
    review: Review

    def number(self, source_id: str) -> int:
        return next(r.number for r in self.references if r.source.id == source_id)


@dataclass(frozen=True)
class TopicEntry:
    key: str
    topic: Topic


@dataclass(frozen=True)
class Content:
    articles: tuple[Article, ...]
    pages: tuple[Page, ...]
    medicines: tuple[Medicine, ...]
    topics: tuple[TopicEntry, ...]
    glossary: Glossary | None = None
    comparisons: tuple = ()  # compare.Comparison, made from the records after validation
    people: tuple[Person, ...] = ()


def validate(parsed: Parsed, config: SiteConfig, report: Report, *,
             drafts: bool = False, memo: Memo | None = None) -> Content:
    """`memo` keeps each article's validation on disk, so a rebuild after one edit checks
    that one article against the rest again, not all of them."""
    bibliography = _bibliography(parsed.bibliography, report)
    people = _people(parsed.people, report)
    medicines = _medicines(parsed.medicines, bibliography, people, config, report)
    topics = _topics(parsed.topics, report)
    known = _Known({m.key: m for m in medicines}, {t.key for t in topics}, bibliography,
                   {m.key: m.record for m in medicines}, people)

    articles = []
    context = _context_key(parsed, config)
    for doc in parsed.articles:
        # a draft left out of this build keeps its placeholders until it is finished
        draft = isinstance(doc.meta.data, dict) and doc.meta.data.get("draft") is True
        kept = _WithoutPlaceholders(report) if draft and not drafts else report
        article = _remembered(doc, parsed.keys.get(doc.path), context, memo, kept,
                              lambda doc, found: _article(doc, known, config, found))
        if article and (drafts or not article.meta.draft):
            articles.append(article)
    pages = []
    for doc in parsed.pages:
        page = _page(doc, known, report)
        if page and (drafts or not page.meta.draft):
            pages.append(page)

    _unique_slugs(articles, "articles", report)
    _unique_slugs(pages, "pages", report)
    articles.sort(key=lambda a: (-a.meta.last_reviewed.toordinal(), a.meta.title))
    pages.sort(key=lambda p: p.meta.title)
    glossary = _glossary(parsed.glossary, bibliography, people, config, report)
    forget_unused(parsed)
    return Content(tuple(articles), tuple(pages), tuple(medicines), tuple(topics), glossary,
                   people=tuple(people.values()))


# A long-running process (`serve`) validates an unchanged article once: the parse cache
# hands back the same Document object, and nothing else it depends on has changed.
_validated: dict[int, tuple[Document, str, Article | None, list[Diagnostic]]] = {}


class _WithoutPlaceholders:
    """A report that passes on everything but placeholders."""

    def __init__(self, report: Report):
        self.report = report
        self.root = report.root

    def replay(self, item: Diagnostic) -> None:
        if item.code != "placeholder":
            self.report.replay(item)


def _context_key(parsed: Parsed, config: SiteConfig) -> str:
    """Everything an article's validation depends on besides its own file."""
    data = [d.data if d else None for d in
            (parsed.bibliography and parsed.bibliography[1], parsed.topics and parsed.topics[1],
             parsed.people and parsed.people[1])]
    records = [(path.stem, record.data) for path, record in parsed.medicines]
    return digest(pickle.dumps((data, records, config.model_dump()), protocol=5))


def _is_stored(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and \
        (value[0] is None or isinstance(value[0], Article)) and isinstance(value[1], list) \
        and all(isinstance(item, Diagnostic) for item in value[1])


def _remembered(doc: Document, key: str | None, context: str, memo: Memo | None,
                report: Report, check: Callable[[Document, Report], Article | None]
                ) -> Article | None:
    """The article `check` makes of `doc`, and its diagnostics, found once for the same
    file and context: in memory (`serve`), else on disk under the file's parse key, which
    names its bytes and everything its parse depends on, and the context."""
    seen = _validated.get(id(doc))
    if seen is None or seen[0] is not doc or seen[1] != context:
        parts = (key.encode(), context.encode()) if memo is not None and key else None
        stored = memo.get(*parts, valid=_is_stored) if parts else None
        if stored is not None:
            kept, items = stored
            seen = (doc, context, replace(kept, document=doc) if kept else None, items)
        else:
            found = Report(report.root)
            seen = (doc, context, check(doc, found), found.items)
            if parts:  # kept without the document, which the parse cache holds
                memo.put((replace(seen[2], document=None) if seen[2] else None, seen[3]),
                         *parts)
        _validated[id(doc)] = seen
    for item in seen[3]:
        report.replay(item)
    return seen[2]


def forget_unused(parsed: Parsed) -> None:
    """Keep memory to the documents of the last build."""
    live = {id(doc) for doc in parsed.articles}
    for key in [k for k in _validated if k not in live]:
        del _validated[key]


@dataclass(frozen=True)
class _Known:
    medicines: dict[str, Medicine]
    topics: set[str]
    bibliography: dict[str, Source]
    records: dict[str, MedicineRecord]  # for table directives
    people: dict[str, Person]


def _medicines(files: tuple[tuple[Path, YamlData], ...], bibliography: dict[str, Source],
               people: dict[str, Person], config: SiteConfig, report: Report) -> list[Medicine]:
    out = []
    for path, data in files:
        if not re.match(SLUG_PATTERN, path.stem):
            report.error(path, 1, "slug-invalid",
                         f"'{path.name}' is not a usable medicine key",
                         "name the file in lowercase letters, digits and hyphens, "
                         "e.g. amitriptyline.yaml")
            continue
        if not isinstance(data.data, dict):
            report.error(path, 1, "schema-type", "a medicine record must be a mapping of keys")
            continue
        record = validate_model(MedicineRecord, data, path, report, what="a medicine record")
        if record is None:
            continue
        _record_sections(record, data, path, config, report)
        review = review_of(record, data, path, people, config, report)
        references = _record_references(record, bibliography, data, path, report)
        if references is not None:
            sources = {ref.source.id: ref.source for ref in references}
            _frequencies(record, sources, data, path, report)
            _band_regions(record, sources, config.region.code, data, path, report)
        _crisis_tags(record, data, path, report)
        _lead_ins(record, data, path, report)
        if references is not None and review is not None:
            out.append(Medicine(path.stem, path, record, references, review, data))
    return out


def section_value(record: MedicineRecord, name: str) -> Any:
    """The value of a dotted section name ("how_to_take.overdose"), or None."""
    value: Any = record
    for part in name.split("."):
        value = getattr(value, part, None)
    return value


SECTION_HINTS = {
    "key_facts": "key_facts:\n  - {text: ..., sources: [...]}",
    "how_to_take.overdose": "how_to_take:\n  overdose: {action: emergency, text: ..., "
                            "sources: [...]}",
    "how_to_take.overdose.children": "how_to_take:\n  overdose:\n    children: {text: If a "
                                     "child swallows any, ..., sources: [...]}",
    "storage": "storage:\n  - {text: Keep it out of the sight and reach of children., "
               "sources: [{id: pil, section: '5'}]}",
    "common_questions": "common_questions:\n  - {question: How does it work?, answer: ..., "
                        "sources: [...]}",
    "dependence.misuse": "dependence:\n  misuse:\n    - {text: No misuse is known ..., "
                         "sources: [...]}",
    "availability": "availability:\n  UK: {licensed: true, supply: prescription-only, "
                    "brand_names: [...], sources: [...]}",
}


def section_example(name: str) -> str:
    """A YAML example of a record section, nested under its parents: `uses.licensed` ->
    "uses:\n  licensed:\n    - {text: ..., sources: [...]}"."""
    if name in SECTION_HINTS:
        return SECTION_HINTS[name]
    *parents, last = name.split(".")
    lines = [f"{'  ' * depth}{key}:" for depth, key in enumerate(parents)]
    pad = "  " * len(parents)
    if last == "missed_dose":
        return "\n".join([*lines, f"{pad}{last}: {{text: ..., sources: [...]}}"])
    return "\n".join([*lines, f"{pad}{last}:", f"{pad}  - {{text: ..., sources: [...]}}"])


def _record_sections(record: MedicineRecord, data: YamlData, path: Path, config: SiteConfig,
                     report: Report) -> None:
    """Every section site.yaml requires (all, by default) must be there and not empty."""
    for name in config.medicine_sections:
        value = section_value(record, name)
        parent = tuple(name.split(".")[:-1])
        if value:
            if name == "availability" and config.region.code not in value:
                report.error(path, data.line_of(("availability",)), "record-section-missing",
                             f"'availability' says nothing about {config.region.name} "
                             f"({config.region.code}), the site's region",
                             f"add availability.{config.region.code}: whether it is licensed "
                             "there, how it is supplied and its brand names there")
            continue
        report.error(path, data.line_of(parent) if parent else data.first_line,
                     "record-section-missing",
                     f"the record has no '{name}' section, which every medicine page must "
                     "have (site.yaml medicine_sections)",
                     "add it, with its sources; for example:\n" + section_example(name))


SELF_HARM_RE = re.compile(r"suicid|self[- ]harm|harm(?:ing)? (?:yourself|themselves)|"
                          r"ending (?:your|their) (?:own )?life|kill(?:ing)? (?:yourself|"
                          r"themselves)", re.IGNORECASE)


# The words the medicine page puts before each item of a list (templates/medicine.html):
# an item reads as the end of that sentence, so it must not say the lead-in again.
LEAD_INS = {
    ("who_can_take", "do_not_take"): "Do not take {name} if you:",
    ("who_can_take", "check_first"): "Check with your doctor before you take it if you:",
}
LEAD_IN_OPENINGS = re.compile(r"^(?:do not|don'?t|never|check|tell|talk|ask|speak|if you|you "
                              r"(?:should|must|can ?not|may)|avoid)\b", re.IGNORECASE)


def _lead_ins(record: MedicineRecord, data: YamlData, path: Path, report: Report) -> None:
    for where, lead_in in LEAD_INS.items():
        items = section_value(record, ".".join(where)) or []
        said = lead_in.format(name=record.name.lower())
        for index, item in enumerate(items):
            text = " ".join(item.text.split())
            if LEAD_IN_OPENINGS.match(text):
                report.warning(path, data.line_of((*where, index, "text")), "lead-in-repeated",
                               f"the page already says \"{said}\" before this item, so it "
                               f"reads \"{said} {text[:50]}...\"",
                               "write the item as the end of that sentence, e.g. \"have "
                               "severe liver disease.\"")


def _crisis_tags(record: MedicineRecord, data: YamlData, path: Path, report: Report) -> None:
    for index, effect in enumerate(record.side_effects):
        if SELF_HARM_RE.search(f"{effect.name} {effect.advice}") and \
                "self-harm" not in effect.tags:
            report.error(path, data.line_of(("side_effects", index, "name")),
                         "crisis-tag-missing",
                         f"'{effect.name}' is about suicidal thoughts or self-harm but is not "
                         "tagged self-harm", "add self-harm to its tags: the page then shows "
                         "the site's crisis line beside it")


def _frequencies(record: MedicineRecord, sources: dict[str, Source], data: YamlData,
                 path: Path, report: Report) -> None:
    """A frequency band is a fact about the product label: cite the label, with its section.
    A serious effect left as not-known needs the label to say so, too."""
    for index, effect in enumerate(record.side_effects):
        label = [c for c in effect.sources if sources[c.id].type in LABEL_TYPES]
        where = ("side_effects", index, "frequency")
        if effect.frequency == "not-known":
            if effect.seriousness == "serious" and not label:
                report.warning(path, data.line_of(where), "frequency-not-known",
                               f"'{effect.name}' is serious and marked not-known, but no "
                               "product label is cited for it",
                               "check the SmPC's section 4.8 (it usually gives a band), and "
                               "cite it: {id: <smpc id>, section: '4.8', checked: <date>}")
            continue
        if not any(c.section for c in label):
            cited = ", ".join(c.id for c in effect.sources)
            report.error(path, data.line_of(where), "frequency-unsourced",
                         f"the frequency of '{effect.name}' ({effect.frequency}) is not cited "
                         f"to a product label with its section (cited: {cited})",
                         "cite the SmPC, leaflet or label where the band is given, with the "
                         "section and the day you checked it: {id: <smpc id>, section: "
                         "'4.8', checked: 2026-11-22} (the source needs type: smpc, pil or "
                         "label)")


def _band_regions(record: MedicineRecord, sources: dict[str, Source], region: str,
                  data: YamlData, path: Path, report: Report) -> None:
    """A band must come from a label of the site's own region (its leaflet and SmPC) where
    the medicine is licensed there; elsewhere the page says which country's label it is."""
    here = record.availability.get(region)
    if here is None or not here.licensed:
        return  # no label of this region exists: the page names the label's country
    for index, effect in enumerate(record.side_effects):
        if effect.frequency == "not-known":
            continue
        labels = band_labels(effect, sources)
        if not labels or any(source.region == region for source in labels):
            continue
        named = ", ".join(sorted({source.region or "no country given" for source in labels}))
        report.warning(path, data.line_of(("side_effects", index, "frequency")),
                       "frequency-other-region",
                       f"the band of '{effect.name}' is not cited to a {region} label "
                       f"({named}), though it is licensed in {region}",
                       f"cite the {region} leaflet or SmPC where it gives the band, with "
                       f"region: {region} on that source (a label from another country, "
                       "with its region, is named beside the band on the page)")


def cited_statements(model: Any, where: tuple = ()) -> Iterator[tuple[tuple, list[Citation]]]:
    """(key path, citations) of every cited statement in a record, glossary or any model,
    in the order its fields are declared."""
    if isinstance(model, BaseModel):
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            key = info.alias or name
            if name == "sources" and isinstance(value, list) and value and \
                    isinstance(value[0], Citation):
                yield where, value
            elif isinstance(value, BaseModel | list | dict):
                yield from cited_statements(value, (*where, key))
    elif isinstance(model, list):
        for index, item in enumerate(model):
            yield from cited_statements(item, (*where, index))
    elif isinstance(model, dict):
        for key, item in model.items():
            yield from cited_statements(item, (*where, key))


# The order the medicine page shows a record's sections in (its references are numbered in
# this order): key facts and the overdose card first, as the NHS pages do.
PAGE_ORDER = ("key_facts", "how_to_take.overdose", "uses", "who_can_take", "how_to_take",
              "side_effects", "pregnancy", "breastfeeding", "interactions", "driving",
              "alcohol", "older_people", "dependence", "stopping", "storage", "common_questions",
              "availability", "facts")


def record_citations(record: MedicineRecord) -> list[tuple[tuple, list[str]]]:
    """(key path, source ids) of every cited statement of a record, in page order."""
    def rank(where: tuple) -> int:
        dotted = ".".join(str(part) for part in where)
        matches = [i for i, name in enumerate(PAGE_ORDER)
                   if dotted == name or dotted.startswith(name + ".")]
        return max(matches, key=lambda i: len(PAGE_ORDER[i])) if matches else len(PAGE_ORDER)

    found = list(cited_statements(record))
    found.sort(key=lambda item: rank(item[0]))  # stable: declared order within a section
    return [(where, [c.id for c in cites]) for where, cites in found]


def _record_references(record: MedicineRecord, bibliography: dict[str, Source], data: YamlData,
                       path: Path, report: Report) -> tuple[Reference, ...] | None:
    return cited_references(record_citations(record), record.sources, bibliography, data, path,
                            report)


def shared_twice(source: Source, index: int, defined: dict[str, Source], path: Path,
                 data: YamlData, report: Report) -> None:
    """One id, one source: a file may not define again a source that is already defined
    where it can cite it (two definitions drift apart: another title, another URL)."""
    if source.id in defined:
        report.error(path, data.line_of(("sources", index, "id")), "source-duplicate",
                     f"source '{source.id}' is already defined in content/bibliography.yaml "
                     "(or in a medicine record whose table this page shows)",
                     "delete it here and cite that entry; a source several files cite "
                     "belongs in content/bibliography.yaml")


def _people(file: tuple[Path, YamlData] | None, report: Report) -> dict[str, Person]:
    if file is None:
        return {}
    path, data = file
    if not isinstance(data.data, list):
        report.error(path, 1, "schema-type", "people.yaml must be a list of people",
                     "start each person with '- id: ...'")
        return {}
    people: dict[str, Person] = {}
    for index in range(len(data.data)):
        person = validate_model(Person, data, path, report, where=(index,), what="a person")
        if person is None:
            continue
        if person.id in people:
            report.error(path, data.line_of((index, "id")), "person-duplicate",
                         f"the id '{person.id}' is used twice", "give each person their own id")
        people[person.id] = person
    return people


def review_of(item: Any, data: YamlData, path: Path, people: dict[str, Person],
              config: SiteConfig, report: Report) -> Review | None:
    """The sign-off of an article, record or glossary: the author and reviewer must be in
    people.yaml; the reviewer a clinical reviewer other than the author."""
    ok = True
    found: dict[str, Person | None] = {}
    for key in ("author", "reviewed_by"):
        person_id = getattr(item, key)
        if person_id is None:
            found[key] = None
            continue
        if person_id not in people:
            ok = False
            report.error(path, data.line_of((key,)), "unknown-person",
                         f"'{person_id}' is not in content/people.yaml"
                         f"{did_you_mean(person_id, people)}",
                         "add them to content/people.yaml (id, name, role; a reviewer also "
                         "needs clinical_reviewer: true and a registration)")
            continue
        found[key] = people[person_id]
    reviewer = found.get("reviewed_by")
    if reviewer is not None:
        if reviewer.id == item.author:
            report.error(path, data.line_of(("reviewed_by",)), "review-independence",
                         f"{reviewer.name} wrote this and cannot also be its reviewer",
                         "ask another clinical reviewer to check it")
        elif not reviewer.clinical_reviewer:
            report.error(path, data.line_of(("reviewed_by",)), "review-not-clinical",
                         f"{reviewer.name} is not a clinical reviewer in people.yaml",
                         "medical content is signed off by a clinician: name one who has "
                         "clinical_reviewer: true and a registration")
    elif ok and not getattr(item, "draft", False):
        unreviewed(path, data.line_of(("author",)), config, report)
    author = found.get("author")
    if not ok or author is None:
        return None
    return Review(author, reviewer, item.last_reviewed, item.next_review,
                  getattr(item, "published", None),
                  tuple(getattr(item, "corrections", ())))


def unreviewed(path: Path, line: int, config: SiteConfig, report: Report) -> None:
    message = "no clinical reviewer has checked this (no reviewed_by)"
    hint = ("add reviewed_by: <id of a clinical reviewer in people.yaml> once a clinician "
            "has checked it")
    if config.unreviewed == "notice":  # a warning (see config.load_config)
        report.add(path, line, "review-unreviewed", message + "; readers see a notice that "
                   "it has not been checked by a clinician", hint)
    else:
        report.add(path, line, "review-unreviewed", message, hint + " (or, to publish it "
                   "with a notice saying so, set unreviewed: notice in site.yaml)")


def cited_references(citations, own_sources: list[Source], bibliography: dict[str, Source],
                     data: YamlData, path: Path, report: Report) -> tuple[Reference, ...] | None:
    """Number the sources of a data file's statements in reading order, reporting any id
    that is not defined (None then). `citations` yields (key path, source ids)."""
    own = {source.id: source for source in own_sources}
    for index, source in enumerate(own_sources):
        shared_twice(source, index, bibliography, path, data, report)
    available = {**bibliography, **own}
    order: dict[str, None] = {}
    ok = True
    for where, ids in citations:
        for index, source_id in enumerate(ids):
            if source_id not in available:
                ok = False
                report.error(path, data.line_of((*where, "sources", index)),
                             "citation-unresolved",
                             f"source '{source_id}' is not defined"
                             f"{did_you_mean(source_id, available)}",
                             "add it to this file's 'sources:' or to content/bibliography.yaml")
            order.setdefault(source_id)
    if not ok:
        return None
    for source in own_sources:
        if source.id not in order:
            report.warning(path, data.line_of(("sources",)), "source-uncited",
                           f"source '{source.id}' is listed but never cited",
                           "cite it in 'sources:' of a statement, or remove it")
    return tuple(Reference(n, available[sid], ()) for n, sid in enumerate(order, start=1))


def _glossary(file: tuple[Path, YamlData] | None, bibliography: dict[str, Source],
              people: dict[str, Person], config: SiteConfig, report: Report
              ) -> Glossary | None:
    if file is None:
        return None
    path, data = file
    if isinstance(data.data, list):
        report.error(path, 1, "schema-type", "glossary.yaml is a mapping: who reviewed it "
                     "and when, then its terms", "write author:, reviewed_by:, "
                     "last_reviewed: and next_review: at the top, then 'terms:' with the "
                     "list of terms indented under it (see README.md)")
        return None
    if not isinstance(data.data, dict):
        report.error(path, 1, "schema-type", "glossary.yaml must be a mapping of keys")
        return None
    glossary = validate_model(GlossaryFile, data, path, report, what="the glossary")
    if glossary is None:
        return None
    seen: dict[str, int] = {}
    for index, entry in enumerate(glossary.terms):
        for word in [entry.term, *entry.aliases]:
            key = word.casefold()
            line = data.line_of(("terms", index))
            if key in seen:
                report.error(path, line, "glossary-duplicate",
                             f"'{word}' is already in the glossary (line {seen[key]})",
                             "each term or alias may appear once")
            seen.setdefault(key, line)
    review = review_of(glossary, data, path, people, config, report)
    citations = ((("terms", index), [c.id for c in entry.sources])
                 for index, entry in enumerate(glossary.terms))
    references = cited_references(citations, glossary.sources, bibliography, data, path,
                                  report)
    if references is None or review is None:
        return None
    entries = tuple(sorted(glossary.terms, key=lambda e: e.term.casefold()))
    return Glossary(path, entries, references, review)


def _topics(file: tuple[Path, YamlData] | None, report: Report) -> list[TopicEntry]:
    if file is None:
        return []
    path, data = file
    if not isinstance(data.data, dict):
        report.error(path, 1, "schema-type",
                     "topics.yaml must map each topic key to its title and description")
        return []
    out = []
    for key in data.data:
        if not isinstance(key, str) or not re.match(SLUG_PATTERN, key):
            report.error(path, data.line_of((key,)), "slug-invalid",
                         f"topic key '{key}' must use lowercase letters, digits and hyphens")
            continue
        topic = validate_model(Topic, data, path, report, where=(key,), what="a topic")
        if topic:
            out.append(TopicEntry(key, topic))
    return out


def _bibliography(file: tuple[Path, YamlData] | None, report: Report) -> dict[str, Source]:
    if file is None or file[1].data is None:
        return {}
    path, data = file
    if not isinstance(data.data, list):
        report.error(path, 1, "schema-type", "bibliography.yaml must be a list of sources",
                     "start each source with '- id: ...'")
        return {}
    sources: dict[str, Source] = {}
    for index in range(len(data.data)):
        source = validate_model(Source, data, path, report, where=(index,), what="a source")
        if source is None:
            continue
        if source.id in sources:
            report.error(path, data.line_of((index, "id")), "source-duplicate",
                         f"source id '{source.id}' is used twice", "give each source its own id")
        sources[source.id] = source
    return sources


def _safe_slug(meta: YamlData, path: Path, report: Report) -> dict[str, Any]:
    """Refuse a slug that would write outside the output folder, before schema checks."""
    data = dict(meta.data)
    slug = data.get("slug")
    if isinstance(slug, str) and ("/" in slug or "\\" in slug or ".." in slug):
        report.error(path, meta.line_of(("slug",)), "slug-unsafe",
                     f"slug '{slug}' would write outside the output folder",
                     "a slug is one word-like name: lowercase letters, digits and hyphens")
        del data["slug"]
    return data


def _article(doc: Document, known: _Known, config: SiteConfig, report: Report) -> Article | None:
    path = doc.path
    data = YamlData(_safe_slug(doc.meta, path, report), doc.meta.lines, doc.meta.first_line)
    meta = validate_model(ArticleMeta, data, path, report, what="an article's front matter")
    embedded = _check_body(doc, known, report)
    if meta is None:
        return None
    ok = True
    for index, name in enumerate(meta.medicines):
        if name not in known.medicines:
            # never "did you mean" another medicine: a near name is a different medicine
            ok = False
            report.error(path, data.line_of(("medicines", index)), "unknown-medicine",
                         f"there is no medicine record for '{name}'",
                         f"add content/medicines/{name}.yaml (see 'Medicine records' in "
                         f"README.md); records so far: {', '.join(sorted(known.medicines))}")
    for index, name in enumerate(meta.topics):
        if name not in known.topics:
            ok = False
            report.error(path, data.line_of(("topics", index)), "unknown-topic",
                         f"unknown topic '{name}'{did_you_mean(name, known.topics)}",
                         "add the topic to content/topics.yaml, or fix it")
    # a table built from a record cites the record's sources, so the article can too
    record_sources = {s.id: s for key in embedded for s in known.medicines[key].record.sources}
    references = _references(doc, meta, {**known.bibliography, **record_sources}, data, report)
    review = review_of(meta, data, path, known.people, config, report)
    if not ok or references is None or review is None:
        return None
    slug = meta.slug or doc.stem
    if not re.match(SLUG_PATTERN, slug):
        report.error(path, 1, "slug-invalid", f"file name '{doc.stem}' is not a usable slug",
                     "rename the file in lowercase letters, digits and hyphens, or set 'slug:'")
        return None
    minutes = max(1, math.ceil(doc.word_count / config.words_per_minute))
    contents = tuple(h for h in doc.headings if h.level == 2)
    urgent = bool({"emergency", "urgent"} & set(doc.callout_kinds))
    return Article(path, slug, meta, contents, doc.faq_title, doc.faq,
                   references, doc.word_count, minutes, urgent, doc, review)


def _references(doc: Document, meta: ArticleMeta, bibliography: dict[str, Source],
                data: YamlData, report: Report) -> tuple[Reference, ...] | None:
    own: dict[str, Source] = {}
    for index, source in enumerate(meta.sources):
        if source.id in own:
            report.error(doc.path, data.line_of(("sources", index, "id")), "source-duplicate",
                         f"source id '{source.id}' is listed twice",
                         "give each source its own id")
        shared_twice(source, index, bibliography, doc.path, data, report)
        own[source.id] = source
    available = {**bibliography, **own}
    ok = True
    for line, text in doc.body_lines():
        for block in CITATION_BLOCK_RE.finditer(text):
            for match in CITATION_ID_RE.finditer(block.group(1)):
                source_id = match.group(1)
                if source_id not in available:
                    ok = False
                    report.error(
                        doc.path, line, "citation-unresolved",
                        f"citation [@{source_id}] does not match any source"
                        f"{did_you_mean(source_id, available)}",
                        "add it to this article's 'sources:' (id, title, publisher) or to "
                        "content/bibliography.yaml",
                        col=block.start(1) + match.start() + 1,
                    )
    if not ok:
        return None
    cited = dict(doc.citations)
    refs = [Reference(n, available[sid], anchors)
            for n, (sid, anchors) in enumerate(cited.items(), start=1)]
    for source in meta.sources:
        if source.id not in cited:
            refs.append(Reference(len(refs) + 1, source, ()))
    return tuple(refs)


# What leaves no visible words: HTML tags and comments, entities (&nbsp;), list markers
WORDLESS_RE = re.compile(r"<!--.*?-->|<[^>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z]+);|^\s*\d+[.)]",
                         re.IGNORECASE | re.DOTALL | re.MULTILINE)


def _callout_body(doc: Document, line: int, text: str, after: list[str],
                  report: Report) -> None:
    """A callout holds the lines under it indented by 4 spaces; with fewer, the box is
    published empty and its text printed below it."""
    def indent(line: str) -> int:
        return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))

    body = next((t for t in after if t.strip()), None)
    needed = indent(text) + 4  # a callout inside a list needs its own 4 more
    if body is not None and indent(body) >= needed:
        block = []
        for line_text in after:
            if line_text.strip() and indent(line_text) < needed:
                break
            block.append(line_text)
        if re.search(r"[^\W_]", WORDLESS_RE.sub("", "\n".join(block))):
            return
        report.error(doc.path, line, "callout-empty",
                     f"'{text.strip()}' would be published as a box with no words in it",
                     "write in it, indented by 4 spaces, what the reader should look out "
                     "for, for example:\n"
                     f"{text.strip()}\n    - a line of the callout")
        return
    has = indent(body) if body is not None else 0
    found = (f"the next line is indented by {has} space{'s' * (has != 1)}, not {needed}"
             if has else "nothing under it is indented")
    report.error(doc.path, line, "callout-empty",
                 f"'{text.strip()}' would be published as an empty box: {found}",
                 "indent every line of the callout by 4 spaces, for example:\n"
                 f"{text.strip()}\n    - a line of the callout")


def _check_body(doc: Document, known: _Known, report: Report) -> set[str]:
    """Markdown conventions that would otherwise fail quietly. Returns the medicines whose
    records the page embeds as tables."""
    lines = doc.body_lines()
    records = known.records
    embedded: set[str] = set()
    for line, text in lines:
        directive = parse_directive(text, records)
        if directive is not None:
            for code, message, hint in directive.problems:
                report.error(doc.path, line, code, message, hint)
            embedded |= {k for k in directive.medicines if k in records}
        match = CALLOUT_RE.match(text)
        if match and match.group(1) not in CALLOUT_KINDS:
            report.error(doc.path, line, "callout-unknown",
                         f"unknown callout '!!! {match.group(1)}'"
                         f"{did_you_mean(match.group(1), CALLOUT_KINDS)}",
                         f"callouts are: {', '.join(CALLOUT_KINDS)}")
    for index, (line, text) in enumerate(lines):
        if CALLOUT_RE.match(text):
            _callout_body(doc, line, text, [t for _, t in lines[index + 1:]], report)
    for index, (_, text) in enumerate(lines):
        if index == 0 or not TABLE_RULE_RE.match(text) or "|" not in lines[index - 1][1]:
            continue
        header_line, above = lines[index - 1][0], [t for _, t in lines[: index - 1]]
        if above and above[-1].strip():
            if above[-1].lstrip().startswith(CAPTION_PREFIX):
                report.error(doc.path, header_line, "table-not-separated",
                             "the caption is right above the table, so the caption and "
                             "the table are read as one paragraph of text: no table is shown",
                             "leave a blank line between the caption line and the table")
            else:
                report.error(doc.path, header_line, "table-not-separated",
                             "this table starts right under a line of text, so the two are "
                             "read as one paragraph and no table is shown",
                             "leave a blank line above the table")
            continue
        while above and not above[-1].strip():
            above.pop()
        paragraph: list[str] = []
        while above and above[-1].strip():
            paragraph.insert(0, above.pop())
        if not paragraph or not paragraph[0].lstrip().startswith(CAPTION_PREFIX):
            report.error(doc.path, header_line, "table-caption-missing",
                         "this table has no caption",
                         f"write a line '{CAPTION_PREFIX} what the table shows' above the "
                         "table, with a blank line between them")
    return embedded


def _page(doc: Document, known: _Known, report: Report) -> Page | None:
    data = YamlData(_safe_slug(doc.meta, doc.path, report), doc.meta.lines, doc.meta.first_line)
    meta = validate_model(PageMeta, data, doc.path, report, what="a page's front matter")
    _check_body(doc, known, report)
    if meta is None:
        return None
    slug = meta.slug or doc.stem
    if not re.match(SLUG_PATTERN, slug):  # upper case, spaces, accents: URLs that break
        report.error(doc.path, 1, "slug-invalid", f"file name '{doc.stem}' is not a usable "
                     "slug", "rename the file in lowercase letters, digits and hyphens "
                     "(e.g. privacy-policy.md), or set 'slug:'")
        return None
    return Page(doc.path, slug, meta, doc)


def _unique_slugs(items: list, kind: str, report: Report) -> None:
    seen: dict[str, Path] = {}
    for item in list(items):
        if item.slug in seen:
            report.error(item.path, 1, "slug-duplicate",
                         f"slug '{item.slug}' is also used by {seen[item.slug].name}: both "
                         f"would be written to the same page of {kind}",
                         "give one of them another file name or 'slug:'")
            items.remove(item)
        else:
            seen[item.slug] = item.path
