"""Stage 4, validate: hold every file to its schema and to the other files.

Turns parsed files into typed, immutable content (`Article`, `Page`, `Medicine`,
`TopicEntry`), reporting every problem of every file with its line.
"""

from __future__ import annotations

import math
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import digest
from .diagnostics import Diagnostic, Report, did_you_mean
from .directives import parse_directive
from .markdown_ext import CALLOUT_KINDS, CAPTION_PREFIX, Heading
from .parse import Document, FaqItem, Parsed
from .schema import (
    SLUG_PATTERN,
    ArticleMeta,
    GlossaryEntry,
    MedicineRecord,
    PageMeta,
    SiteConfig,
    Source,
    Topic,
)
from .sourcefile import YamlData, validate_model

CITATION_ID_RE = re.compile(r"@([A-Za-z0-9][\w.-]*)")
CITATION_BLOCK_RE = re.compile(r"\[(@[^\]]*)\]")
CALLOUT_RE = re.compile(r"^\s*!!!\s*([\w-]+)")
TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


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

    def number(self, source_id: str) -> int:
        return next(r.number for r in self.references if r.source.id == source_id)


@dataclass(frozen=True)
class Glossary:
    path: Path
    entries: tuple[GlossaryEntry, ...]  # A to Z
    references: tuple[Reference, ...]

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


def validate(parsed: Parsed, config: SiteConfig, report: Report, *,
             drafts: bool = False) -> Content:
    bibliography = _bibliography(parsed.bibliography, report)
    medicines = _medicines(parsed.medicines, bibliography, report)
    topics = _topics(parsed.topics, report)
    known = _Known({m.key: m for m in medicines}, {t.key for t in topics}, bibliography,
                   {m.key: m.record.model_dump(by_alias=True) for m in medicines})

    articles = []
    context = _context_key(parsed, config)
    for doc in parsed.articles:
        article = _remembered(doc, context, report, lambda doc, found:
                              _article(doc, known, config, found))
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
    glossary = _glossary(parsed.glossary, bibliography, report)
    forget_unused(parsed)
    return Content(tuple(articles), tuple(pages), tuple(medicines), tuple(topics), glossary)


# A long-running process (`serve`) validates an unchanged article once: the parse cache
# hands back the same Document object, and nothing else it depends on has changed.
_validated: dict[int, tuple[Document, str, Article | None, list[Diagnostic]]] = {}


def _context_key(parsed: Parsed, config: SiteConfig) -> str:
    """Everything an article's validation depends on besides its own file."""
    data = [d.data if d else None for d in
            (parsed.bibliography and parsed.bibliography[1], parsed.topics and parsed.topics[1])]
    records = [(path.stem, record.data) for path, record in parsed.medicines]
    return digest(pickle.dumps((data, records, config.model_dump()), protocol=5))


def _remembered(doc: Document, context: str, report: Report,
                check: Callable[[Document, Report], Article | None]) -> Article | None:
    seen = _validated.get(id(doc))
    if seen is None or seen[0] is not doc or seen[1] != context:
        found = Report(report.root)
        seen = (doc, context, check(doc, found), found.items)
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
    records: dict[str, dict]  # each record as plain data, for table directives


def _medicines(files: tuple[tuple[Path, YamlData], ...], bibliography: dict[str, Source],
               report: Report) -> list[Medicine]:
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
        if record:
            references = _record_references(record, bibliography, data, path, report)
            if references is not None:
                out.append(Medicine(path.stem, path, record, references))
    return out


def record_citations(record: MedicineRecord):
    """(key path, source ids) of every cited statement of a record, in reading order."""
    for name in ("licensed", "off_label"):
        for index, item in enumerate(getattr(record.uses, name)):
            yield ("uses", name, index), item.sources
    for index, dose in enumerate(record.doses):
        yield ("doses", index), dose.sources
    for index, effect in enumerate(record.side_effects):
        yield ("side_effects", index), effect.sources
    for key, fact in record.facts.items():
        yield ("facts", key), fact.sources
    if record.stopping:
        yield ("stopping",), record.stopping.sources


def _record_references(record: MedicineRecord, bibliography: dict[str, Source], data: YamlData,
                       path: Path, report: Report) -> tuple[Reference, ...] | None:
    return cited_references(record_citations(record), record.sources, bibliography, data, path,
                            report)


def cited_references(citations, own_sources: list[Source], bibliography: dict[str, Source],
                     data: YamlData, path: Path, report: Report) -> tuple[Reference, ...] | None:
    """Number the sources of a data file's statements in reading order, reporting any id
    that is not defined (None then). `citations` yields (key path, source ids)."""
    own = {source.id: source for source in own_sources}
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
              report: Report) -> Glossary | None:
    if file is None:
        return None
    path, data = file
    if not isinstance(data.data, list):
        report.error(path, 1, "schema-type", "glossary.yaml must be a list of terms",
                     "start each term with '- term: ...'")
        return None
    entries: list[GlossaryEntry] = []
    seen: dict[str, int] = {}
    for index in range(len(data.data)):
        entry = validate_model(GlossaryEntry, data, path, report, where=(index,),
                               what="a glossary term")
        if entry is None:
            continue
        for word in [entry.term, *entry.aliases]:
            key = word.casefold()
            if key in seen:
                report.error(path, data.line_of((index,)), "glossary-duplicate",
                             f"'{word}' is already in the glossary (line {seen[key]})",
                             "each term or alias may appear once")
            seen.setdefault(key, data.line_of((index,)))
        entries.append(entry)
    citations = (((index, ), entry.sources) for index, entry in enumerate(entries))
    references = cited_references(citations, [], bibliography, data, path, report)
    if references is None:
        return None
    return Glossary(path, tuple(sorted(entries, key=lambda e: e.term.casefold())), references)


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
    for field, names, choices, hint in (
        ("medicines", meta.medicines, known.medicines,
         "add a record content/medicines/{}.yaml, or fix the name"),
        ("topics", meta.topics, known.topics, "add the topic to content/topics.yaml, or fix it"),
    ):
        for index, name in enumerate(names):
            if name not in choices:
                ok = False
                kind = field[:-1] if field == "topics" else "medicine"
                report.error(path, data.line_of((field, index)), f"unknown-{kind}",
                             f"unknown {kind} '{name}'{did_you_mean(name, choices)}",
                             hint.format(name))
    if meta.next_review <= meta.last_reviewed:
        ok = False
        report.error(path, data.line_of(("next_review",)), "review-order",
                     f"next_review ({meta.next_review}) is not after last_reviewed "
                     f"({meta.last_reviewed})", "set next_review to a later date")
    # a table built from a record cites the record's sources, so the article can too
    record_sources = {s.id: s for key in embedded for s in known.medicines[key].record.sources}
    references = _references(doc, meta, {**known.bibliography, **record_sources}, data, report)
    if not ok or references is None:
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
                   references, doc.word_count, minutes, urgent, doc)


def _references(doc: Document, meta: ArticleMeta, bibliography: dict[str, Source],
                data: YamlData, report: Report) -> tuple[Reference, ...] | None:
    own: dict[str, Source] = {}
    for index, source in enumerate(meta.sources):
        if source.id in own:
            report.error(doc.path, data.line_of(("sources", index, "id")), "source-duplicate",
                         f"source id '{source.id}' is listed twice",
                         "give each source its own id")
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
    for index, (_, text) in enumerate(lines):
        if index == 0 or not TABLE_RULE_RE.match(text) or "|" not in lines[index - 1][1]:
            continue
        header_line, above = lines[index - 1][0], [t for _, t in lines[: index - 1]]
        if above and above[-1].strip():
            report.error(doc.path, header_line, "table-not-separated",
                         "this table starts right under a line of text, so it would not "
                         "be shown as a table", "leave a blank line above the table")
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
    return Page(doc.path, meta.slug or doc.stem, meta, doc)


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
