"""Editorial checks: keep unsafe, unsourced or stale health content off the site.

Editors paste text from the web, and with it pharmacy spam, dangling citation markers,
raw HTML and undated claims. These checks run on every `check` and before every `build`;
each has a stable code and a default severity (see codes.py) that site.yaml can change.

Two passes: `check_content` on what the editors wrote (after validation), and
`check_links` on the rendered pages (internal links and #anchors must land).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import textstat

from .cache import Memo
from .diagnostics import Report
from .graph import Site
from .markdown_ext import prose_blocks
from .parse import Document, Parsed
from .render import OutputFile
from .schema import SiteConfig
from .urls import output_path
from .validate import Article, Content

# 2. citations ----------------------------------------------------------------------------
# [12] or [1.4.1] left over from pasted text: not a link ([12](...), [x][12], [12]: ...).
MARKER_RE = re.compile(r"(?<![\]\w])\[(\d{1,3}(?:\.\d{1,3})*)\](?![(\[:])")
DOSE_RE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|micrograms?|milligrams?|g)\b(?!/)", re.IGNORECASE)
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")

# 3. review -------------------------------------------------------------------------------
PLACEHOLDER_RE = re.compile(r"\b(TODO|TBD|FIXME|XXX|lorem ipsum)\b")

# 4. urgent advice ------------------------------------------------------------------------
GET_HELP_HEADING_RE = re.compile(
    r"^#{2,3}\s+.*\b(when to (get|seek|call|contact)|urgent|emergency|get (medical )?help)",
    re.IGNORECASE)

# 6. spam: patterns, not the sources' exact strings -----------------------------------------
# Always spam, wherever they stand:
SPAM_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(canadian|mexican|indian|offshore)\s+(pharmacy|pharmacies|drugstores?|"
                r"chemists?)\b", re.IGNORECASE), "online-pharmacy advertising"),
    (re.compile(r"\b(buy|order|purchase)\s+(?!(?:your\s+|a\s+)?repeat\b)(?:\w+\s+){0,3}?"
                r"(online|now|today|here|cheap|overnight)\b", re.IGNORECASE),
     "an offer to sell medicines"),
    (re.compile(r"\bcheap(?:est)?\s+(?!and\b|or\b|to\b|enough\b|as\b)[a-z]{4,}",
                re.IGNORECASE), "'cheap <medicine>' sales language"),
    (re.compile(r"\b(overnight|next[- ]day|discreet|worldwide)\s+(delivery|shipping)\b",
                re.IGNORECASE), "delivery promises"),
    (re.compile(r"\bno\s+(?:doctor'?s?\s+)?(prescription|rx)\b(?!\s+(for|is|was|will|of)\b)",
                re.IGNORECASE), "'no prescription' offers"),
    (re.compile(r"\bclick\s+here\b", re.IGNORECASE), "'click here' link bait"),
]
# Spam only with a sales cue in the same sentence: "we never link to online pharmacies"
# and "medicines you can buy without a prescription" are honest sentences.
CUED_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(online|internet|web)\s+(pharmacy|pharmacies|drugstores?|chemists?)\b",
                re.IGNORECASE), "online-pharmacy advertising"),
    (re.compile(r"\bwithout\s+(?:a\s+)?(?:doctor'?s?\s+)?(prescription|rx)\b", re.IGNORECASE),
     "an offer to sell without a prescription"),
]
SALES_CUE_RE = re.compile(
    r"\b(online|cheap(?:est)?|discount|sale|deals?|lowest price|shipping|delivery|click|"
    r"order now|www\.)|https?://|^\W*(buy|order|purchase|get)\b", re.IGNORECASE)
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+")
BARE_BUY_RE = re.compile(r"^\W*(buy|order|purchase)\s+[\w-]+(\s+[\w-]+)?\W*$", re.IGNORECASE)
PHARMACY_DOMAIN_RE = re.compile(r"(pharm|rx|pills?|meds|drugstore|apotek|viagra|cialis)",
                                re.IGNORECASE)

# 7. unsafe HTML --------------------------------------------------------------------------
UNSAFE_HTML: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<\s*(script|iframe|object|embed|style|form|meta|link|base|frame|"
                r"frameset|applet|svg|math)\b", re.IGNORECASE), "a <{0}> element"),
    (re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.IGNORECASE), "an {0}= event handler"),
    (re.compile(r"(?:\]\(|\bhref\s*=|\bsrc\s*=|<)\s*[\"']?\s*(javascript|vbscript|data)\s*:",
                re.IGNORECASE), "a {0}: URL"),
]
INLINE_CODE_RE = re.compile(r"`[^`]*`")
LINK_RE = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
URL_RE = re.compile(r"(?<![(\w])https?://[^\s)<>\]\"']+", re.IGNORECASE)


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
                  report: Report, memo: Memo | None = None) -> list[ArticleStats]:
    memo = memo or Memo(report.root, "readability", enabled=False)
    stats = []
    for article in content.articles:
        _citations(article, report)
        _review(article, config, today, report)
        _urgent_advice(article, report)
        stats.append(_readability(article, config, report, memo))
    documents = [(a.document, a.meta.draft) for a in content.articles]
    documents += [(p.document, p.meta.draft) for p in content.pages]
    for doc, draft in documents:
        _markers(doc, report)
        _doses(doc, report)
        _unsafe_html(doc, report)
        if not draft:  # a draft is allowed its TODOs (`careleaf new` writes them)
            _placeholders(doc, report)
        for line, col, text in _texts(doc):
            _spam(doc.path, line, col, text, report)
        for line, col, url in _urls(doc):
            _outbound(doc.path, line, col, url, config, report)
    if parsed.bibliography:
        path, data = parsed.bibliography
        for index, entry in enumerate(data.data or []):
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                _outbound(path, data.line_of((index, "url")), 1, entry["url"], config, report)
    _unique_titles(content, report)
    return stats


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


def _markers(doc: Document, report: Report) -> None:
    for line, text in doc.body_lines():
        for match in MARKER_RE.finditer(INLINE_CODE_RE.sub(_blank, text)):
            report.error(doc.path, line, "citation-marker",
                         f"'{match.group(0)}' looks like a citation marker from pasted text",
                         "replace it with [@source-id] citing a real source, or delete it",
                         col=match.start() + 1)


def _units(doc: Document) -> Iterator[tuple[int, str]]:
    """Paragraphs, list items and table rows: (first line, text)."""
    start, parts = 0, []
    for line, text in doc.body_lines():
        boundary = not text.strip() or LIST_ITEM_RE.match(text) or text.lstrip().startswith("|")
        if boundary and parts:
            yield start, " ".join(parts)
            parts = []
        if text.strip():
            if not parts:
                start = line
            parts.append(text)
            if text.lstrip().startswith("|"):
                yield start, " ".join(parts)
                parts = []
    if parts:
        yield start, " ".join(parts)


def _doses(doc: Document, report: Report) -> None:
    for line, text in _units(doc):
        match = DOSE_RE.search(text)
        if match and "[@" not in text:
            report.warning(doc.path, line, "dose-uncited",
                           f"'{match.group(0)}' states a dose without a citation",
                           "add [@source-id] for the source of this dose")


# 3. review -------------------------------------------------------------------------------

def _months_between(start: dt.date, end: dt.date) -> float:
    return (end.year - start.year) * 12 + (end.month - start.month) + (end.day - start.day) / 31


def _review(article: Article, config: SiteConfig, today: dt.date, report: Report) -> None:
    meta, lines, path = article.meta, article.document.meta, article.path
    for key in ("published", "last_reviewed"):
        if getattr(meta, key) > today:
            report.error(path, lines.line_of((key,)), "review-future",
                         f"{key} ({getattr(meta, key)}) is in the future",
                         "use the date the work was actually done")
    if meta.published > meta.last_reviewed:
        report.error(path, lines.line_of(("published",)), "review-order",
                     f"published ({meta.published}) is after last_reviewed "
                     f"({meta.last_reviewed})", "a page is reviewed when it is published: "
                     "set last_reviewed to the publication date or later")
    if meta.next_review < today:
        report.warning(path, lines.line_of(("next_review",)), "review-overdue",
                       f"review was due on {meta.next_review}; readers see a 'due for review' "
                       "notice", "review the article against its sources, then update "
                       "last_reviewed and next_review")
    allowed = config.review.max_interval_months
    if _months_between(meta.last_reviewed, meta.next_review) > allowed:
        report.error(path, lines.line_of(("next_review",)), "review-interval",
                     f"next_review is more than {allowed} months after last_reviewed",
                     f"set next_review within {allowed} months (site.yaml review."
                     "max_interval_months)")
    for key in ("reviewed_by", "author"):
        value = getattr(meta, key)
        placeholder = PLACEHOLDER_RE.search(value) and not meta.draft  # drafts may say TODO
        if placeholder or len(value.strip()) < 3:
            report.error(path, lines.line_of((key,)), "review-reviewer",
                         f"{key} '{value}' does not name a person or team",
                         f"give the name (and role) of who {key.replace('_', ' ')} the page")


def _placeholders(doc: Document, report: Report) -> None:
    for line, col, text in _texts(doc):
        match = PLACEHOLDER_RE.search(text)
        if match:
            report.error(doc.path, line, "placeholder",
                         f"placeholder '{match.group(0)}' in a page that will be published",
                         "write the real text, or keep 'draft: true' until it is ready",
                         col=col + match.start())


# 4. urgent advice ------------------------------------------------------------------------

def _urgent_advice(article: Article, report: Report) -> None:
    if article.urgent_advice:
        return
    if any(GET_HELP_HEADING_RE.match(text) for _, text in article.document.body_lines()):
        return
    first = next((line for line, text in article.document.body_lines() if text.strip()),
                 article.document.body_line)
    report.error(article.path, first, "urgent-advice-missing",
                 "this article gives no advice on when to get help",
                 "add a section such as '## When to get medical help' with a '!!! urgent' "
                 "or '!!! emergency' callout listing the symptoms that need a doctor, 111 or 999")


# 5. readability --------------------------------------------------------------------------

SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def _sentences(article: Article) -> list[str]:
    """The article's prose, sentence by sentence (list items count as sentences)."""
    blocks = prose_blocks(article.html)
    for item in article.faq:
        blocks += prose_blocks(item.answer_html)
    return [s for block in blocks for s in SENTENCE_RE.split(block) if s.strip()]


def _line_of_sentence(doc: Document, sentence: str) -> int:
    words = re.findall(r"[A-Za-z0-9']+", sentence)[:4]
    if words:
        pattern = re.compile(r"\W+".join(map(re.escape, words)))
        for line, text in doc.body_lines():
            if pattern.search(re.sub(r"\[@[^\]]*\]|[*_`]", "", text)):
                return line
    return doc.body_line


def _readability(article: Article, config: SiteConfig, report: Report,
                 memo: Memo) -> ArticleStats:
    # the scores depend only on the rendered prose: keyed on it, they are computed once
    key = "\0".join([article.html, *(item.answer_html for item in article.faq)]).encode()
    grade, smog, hardest = memo.get(key) or (None, None, None)
    sentences: list[str] = []
    if grade is None or hardest is None:
        sentences = [s if s.rstrip()[-1:] in ".!?" else s.rstrip() + "."
                     for s in _sentences(article)]
    if grade is None:
        text = " ".join(sentences)
        grade = round(float(textstat.flesch_kincaid_grade(text)), 1)
        smog = round(float(textstat.smog_index(text)), 1)
    target = config.readability.max_grade
    # ranking every sentence is the costly part: only when the warning will be shown
    wanted = grade > target and report.enabled("readability-grade")
    if wanted and hardest is None:
        long_enough = [s for s in sentences if len(s.split()) >= 6]
        hardest = sorted(long_enough, key=lambda s: -textstat.flesch_kincaid_grade(s))[:3]
    memo.put((grade, smog, hardest), key)
    if wanted:
        quoted = "; ".join(
            f"line {_line_of_sentence(article.document, s)}: \"{_clip(s)}\"" for s in hardest)
        report.warning(article.path, article.document.body_line, "readability-grade",
                       f"reading grade {grade} (Flesch-Kincaid; SMOG {smog}) is above the "
                       f"site's target of {target:g}",
                       f"shorten or split the hardest sentences: {quoted}")
    return ArticleStats(report.relative(article.path), article.meta.title, article.word_count,
                        grade, smog, len(article.references), article.meta.next_review)


def _clip(sentence: str, limit: int = 70) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


# 6. links and spam -----------------------------------------------------------------------

def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _texts(doc: Document) -> Iterator[tuple[int, int, str]]:
    """(line, col, text) of everything a reader will see: front matter text and body."""
    meta = doc.meta.data if isinstance(doc.meta.data, dict) else {}
    for key in ("title", "description", "summary", "author", "reviewed_by"):
        if isinstance(meta.get(key), str):
            yield doc.meta.line_of((key,)), 1, meta[key]
    for index, point in enumerate(meta.get("key_points") or []):
        if isinstance(point, str):
            yield doc.meta.line_of(("key_points", index)), 1, point
    for line, text in doc.body_lines():
        yield line, 1, INLINE_CODE_RE.sub(_blank, text)


def _find_spam(text: str) -> tuple[int, str, str] | None:
    """(offset, the words, what they look like) of the first spam in `text`, if any."""
    for pattern, what in SPAM_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.start(), match.group(0), what
    offset = 0
    for sentence in SENTENCE_SPLIT_RE.split(text):
        offset = text.find(sentence, offset)
        for pattern, what in CUED_PATTERNS:
            match = pattern.search(sentence)
            if match and SALES_CUE_RE.search(sentence.replace(match.group(0), " ")):
                return offset + match.start(), match.group(0), what
    for link_text in [m.group(1) for m in LINK_RE.finditer(text)] + [text]:
        if BARE_BUY_RE.match(link_text.strip()):
            return max(text.find(link_text), 0), link_text.strip(), "a bare 'buy ...' link"
    return None


def _spam(path: Path, line: int, col: int, text: str, report: Report) -> None:
    found = _find_spam(text)
    if found:
        start, words, what = found
        report.error(path, line, "spam", f"'{words}' looks like {what}",
                     "delete pasted advertising; Careleaf never links to or promotes "
                     "medicine sellers", col=col + start)


def _urls(doc: Document) -> Iterator[tuple[int, int, str]]:
    meta = doc.meta.data if isinstance(doc.meta.data, dict) else {}
    for index, source in enumerate(meta.get("sources") or []):
        if isinstance(source, dict) and isinstance(source.get("url"), str):
            yield doc.meta.line_of(("sources", index, "url")), 1, source["url"]
    for line, text in doc.body_lines():
        text = INLINE_CODE_RE.sub(_blank, text)
        seen = set()
        for match in LINK_RE.finditer(text):
            seen.add(match.start(2))
            yield line, match.start(2) + 1, match.group(2)
        for match in URL_RE.finditer(text):
            if match.start() not in seen:
                yield line, match.start() + 1, match.group(0)


def _domain_matches(host: str, domains: list[str]) -> bool:
    wanted = [d.lower().lstrip(".") for d in domains]
    return any(host == d or host.endswith("." + d) for d in wanted)


def _outbound(path: Path, line: int, col: int, url: str, config: SiteConfig,
              report: Report) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        return
    host = (parts.hostname or "").lower().removeprefix("www.")
    policy = config.links
    if _domain_matches(host, policy.deny_domains) or (
        PHARMACY_DOMAIN_RE.search(host) and not _domain_matches(host, policy.allow_domains)
    ):
        report.error(path, line, "link-denied", f"link to {host}, which looks like a "
                     "medicine seller or is on the deny list",
                     "remove the link; cite a public health source instead", col=col)
        return
    if parts.scheme == "http":
        report.error(path, line, "link-insecure", f"'{url}' does not use https",
                     "change http:// to https:// (and check the page still exists)", col=col)
    if not _domain_matches(host, policy.allow_domains):
        report.warning(path, line, "link-domain-unknown",
                       f"{host} is not on the site's list of trusted domains",
                       "check it is a reputable source, then add it to links.allow_domains "
                       "in site.yaml", col=col)


def check_links(site: Site, outputs: list[OutputFile], static_files: list[str],
                report: Report) -> None:
    """Every internal link and #anchor in the rendered site lands on something."""
    base = site.urls.base_path
    pages = {o.path: o.data.decode("utf-8") for o in outputs if o.path.endswith(".html")}
    files = set(pages) | {o.path for o in outputs} | {f"static/{f}" for f in static_files}
    ids: dict[str, set[str]] = {}

    def ids_of(page: str) -> set[str]:
        if page not in ids:
            ids[page] = set(re.findall(r'\sid="([^"]+)"', pages.get(page, "")))
        return ids[page]

    def broken(page: str, href: str) -> str | None:
        target, _, anchor = href.partition("#")
        target = target.split("?")[0]
        if target and not target.startswith(base):
            return None if not target.startswith("/") else f"'{href}' is outside the site"
        file = output_path(target[len(base):]) if target else page
        if file not in files:
            return f"'{href}' leads to a page that does not exist"
        if anchor and anchor not in ids_of(file):
            return f"'{href}' points at #{anchor}, which is not on that page"
        return None

    sources = {site.urls.article(a.slug): a.document for a in site.content.articles}
    sources |= {site.urls.page(p.slug): p.document for p in site.content.pages}
    for route in site.routes:
        html = pages.get(route.output, "")
        for href in sorted(set(re.findall(r'\shref="([^"]+)"', html))):
            if re.match(r"[a-z][a-z0-9+.-]*:", href) or href.startswith("//"):
                continue
            problem = broken(route.output, href)
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


def _unsafe_html(doc: Document, report: Report) -> None:
    for line, text in doc.body_lines():
        text = INLINE_CODE_RE.sub(_blank, text)
        for pattern, what in UNSAFE_HTML:
            for match in pattern.finditer(text):
                report.error(doc.path, line, "html-unsafe",
                             f"{what.format(match.group(1).lower())} is not allowed in content",
                             "remove it: Careleaf pages run no scripts or embeds; use Markdown "
                             "for links, and write `<tag>` in backticks to show code",
                             col=match.start() + 1)


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
