"""Editorial checks: keep unsafe, unsourced or stale health content off the site.

Editors paste text from the web, and with it pharmacy spam, dangling citation markers,
raw HTML and undated claims. These checks run on every `check` and before every `build`;
each has a stable code and a default severity (see codes.py) that site.yaml can change.

Two passes: `check_content` on what the editors wrote (after validation), and
`check_links` on the rendered pages (internal links and #anchors must land).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Report
from .gate import check_data
from .graph import Site
from .parse import Document, Parsed
from .render import Page
from .schema import SiteConfig
from .sourcefile import YamlData
from .urls import output_path
from .validate import Article, Content, Review

# 4. urgent advice ------------------------------------------------------------------------
GET_HELP_HEADING_RE = re.compile(
    r"^#{2,3}\s+.*\b(when to (get|seek|call|contact)|urgent|emergency|get (medical )?help)",
    re.IGNORECASE)


@dataclass(frozen=True)
class ArticleStats:
    """One row of the editor's dashboard."""

    path: str
    title: str
    words: int
    grade: float
    smog: float
    sources: int
    next_review: dt.date


def check_content(content: Content, parsed: Parsed, config: SiteConfig, today: dt.date,
                  report: Report, *, drafts_published: bool = False) -> list[ArticleStats]:
    """The checks that need more than one file. `drafts_published`: drafts are being built
    into an output folder, so their placeholders are errors too."""
    stats = []
    for article in content.articles:
        _citations(article, report)
        review_dates(article.path, article.document.meta, article.review, config, today,
                     report)
        _urgent_advice(article, report)
        grade, smog = article.document.readability or (0.0, 0.0)
        stats.append(ArticleStats(report.relative(article.path), article.meta.title,
                                  article.word_count, grade, smog, len(article.references),
                                  article.meta.next_review))
    for medicine in content.medicines:
        review_dates(medicine.path, medicine.lines, medicine.review, config, today, report)
    if content.glossary and parsed.glossary:
        review_dates(content.glossary.path, parsed.glossary[1], content.glossary.review,
                     config, today, report)
    documents = [(a.document, a.meta.draft) for a in content.articles]
    documents += [(p.document, p.meta.draft) for p in content.pages]
    for doc, draft in documents:  # what doc_checks found when the file was parsed
        for finding in doc.findings:
            if not (draft and finding.code == "placeholder" and not drafts_published):
                report.replay(finding)  # a draft keeps its TODOs, in the preview only
    for path, data in data_files(parsed):  # every other text an editor wrote
        check_data(path, data, config, report)
    _unique_titles(content, report)
    return stats


def data_files(parsed: Parsed) -> list[tuple[Path, YamlData]]:
    files = list(parsed.medicines)
    files += [f for f in (parsed.topics, parsed.bibliography, parsed.glossary, parsed.people)
              if f]
    return files


# 2. citations ----------------------------------------------------------------------------

def _citations(article: Article, report: Report) -> None:
    meta = article.document.meta
    cited = {ref.source.id for ref in article.references if ref.anchors}
    for index, source in enumerate(article.meta.sources):
        if source.id not in cited:
            report.warning(article.path, meta.line_of(("sources", index, "id")),
                           "source-uncited", f"source '{source.id}' is listed but never cited",
                           f"cite it as [@{source.id}] where the article relies on it, "
                           "or remove it from sources")


# 3. review -------------------------------------------------------------------------------

def _months_between(start: dt.date, end: dt.date) -> float:
    return (end.year - start.year) * 12 + (end.month - start.month) + (end.day - start.day) / 31


def review_dates(path: Path, lines: YamlData, review: Review, config: SiteConfig,
                 today: dt.date, report: Report) -> None:
    """The dates of anything that carries medical facts: an article, a medicine record,
    the glossary."""
    dates = {"published": review.published, "last_reviewed": review.last_reviewed}
    for key, value in dates.items():
        if value is not None and value > today:
            report.error(path, lines.line_of((key,)), "review-future",
                         f"{key} ({value}) is in the future",
                         "use the date the work was actually done")
    if review.published is not None and review.published > review.last_reviewed:
        report.error(path, lines.line_of(("published",)), "review-order",
                     f"published ({review.published}) is after last_reviewed "
                     f"({review.last_reviewed})", "a page is reviewed when it is published: "
                     "set last_reviewed to the publication date or later")
    for index, correction in enumerate(review.corrections):
        where = lines.line_of(("corrections", index, "date"))
        if correction.date > today:
            report.error(path, where, "review-future", f"the correction dated "
                         f"{correction.date} is in the future", "date it the day you made it")
        elif review.published is not None and correction.date < review.published:
            report.error(path, where, "review-order", f"the correction dated "
                         f"{correction.date} is before the page was published "
                         f"({review.published})", "date it the day you made it")
    if review.next_review <= review.last_reviewed:
        report.error(path, lines.line_of(("next_review",)), "review-order",
                     f"next_review ({review.next_review}) is not after last_reviewed "
                     f"({review.last_reviewed})", "set next_review to a later date")
    elif review.next_review < today:
        report.warning(path, lines.line_of(("next_review",)), "review-overdue",
                       f"review was due on {review.next_review}; readers see a 'due for "
                       "review' notice", "review it against its sources, then update "
                       "last_reviewed and next_review")
    allowed = config.review.max_interval_months
    if _months_between(review.last_reviewed, review.next_review) > allowed:
        report.error(path, lines.line_of(("next_review",)), "review-interval",
                     f"next_review is more than {allowed} months after last_reviewed",
                     f"set next_review within {allowed} months (site.yaml review."
                     "max_interval_months)")


# 4. urgent advice ------------------------------------------------------------------------

def _urgent_advice(article: Article, report: Report) -> None:
    if article.urgent_advice:
        return
    # the headings the page shows (a heading inside an HTML comment is not one of them)
    if any(GET_HELP_HEADING_RE.match(f"{'#' * heading.level} {heading.title}")
           for heading in article.document.headings if heading.level in (2, 3)):
        return
    first = next((line for line, text in article.document.body_lines() if text.strip()),
                 article.document.body_line)
    report.error(article.path, first, "urgent-advice-missing",
                 "this article gives no advice on when to get help",
                 "add a section such as '## When to get medical help' with a '!!! urgent' "
                 "or '!!! emergency' callout listing the symptoms that need a doctor, 111 or 999")


def check_links(site: Site, pages: list[Page], files: set[str], static_files: list[str],
                report: Report) -> None:
    """Every internal link and #anchor in the rendered site lands on something."""
    base = site.urls.base_path
    by_path = {page.path: page for page in pages}
    files = files | {f"static/{f}" for f in static_files}

    @functools.cache
    def broken(page: str, href: str) -> str | None:
        target, _, anchor = href.partition("#")
        target = target.split("?")[0]
        if target and not target.startswith(base):
            return None if not target.startswith("/") else f"'{href}' is outside the site"
        file = output_path(target[len(base):]) if target else page
        if file not in files:
            return f"'{href}' leads to a page that does not exist"
        target_page = by_path.get(file)
        if anchor and (target_page is None or anchor not in target_page.ids):
            return f"'{href}' points at #{anchor}, which is not on that page"
        return None

    sources = {site.urls.article(a.slug): a.document for a in site.content.articles}
    sources |= {site.urls.page(p.slug): p.document for p in site.content.pages}
    for route in site.routes:
        output = route.output
        page = by_path.get(output)
        for href in page.hrefs if page else ():
            # a link to another page means the same from every page: check it once
            problem = broken(output if href.startswith("#") else "", href)
            if problem is None:
                continue
            doc = sources.get(route.path)
            line, where = _href_line(doc, href, base) if doc else (1, None)
            report.error(where or Path("templates") / route.template, line, "link-broken",
                         f"on {route.output}: {problem}",
                         "fix the link: site links start at the site root, e.g. "
                         "/articles/<slug>/, and #anchors are heading ids")


def _href_line(doc: Document, href: str, base: str) -> tuple[int, Path | None]:
    """Where the editor wrote `href` (before the base path was added), if they did."""
    written = "/" + href[len(base):] if href.startswith(base) else href
    for line, text in doc.body_lines():
        if f"({written}" in text or f"({href}" in text:
            return line, doc.path
    return 1, None


def _unique_titles(content: Content, report: Report) -> None:
    seen: dict[str, Article] = {}
    for article in sorted(content.articles, key=lambda a: a.path):
        key = " ".join(article.meta.title.casefold().split())
        if key in seen:
            report.error(article.path, article.document.meta.line_of(("title",)),
                         "title-duplicate",
                         f"'{article.meta.title}' is also the title of "
                         f"{seen[key].path.name}", "give each article its own title")
        else:
            seen[key] = article
