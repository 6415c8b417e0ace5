"""Checks on one Markdown file by itself, run where the file is parsed.

They need nothing but the file and site.yaml, so they run in the parse workers (in
parallel) and their findings are kept with the parsed document in the build cache: an
unchanged file is not checked again. `checks.check_content` reports them for the files
that will be published, at the severity site.yaml gives each code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import textstat

from .diagnostics import Report
from .markdown_ext import prose_blocks
from .schema import SiteConfig

if TYPE_CHECKING:
    from .parse import Document


def check_document(doc: Document, config: SiteConfig, report: Report, *,
                   article: bool) -> tuple[float, float] | None:
    """Report what is wrong with `doc` alone; an article's readability scores."""
    _markers(doc, report)
    _doses(doc, report)
    _unsafe_html(doc, report)
    _placeholders(doc, report)  # drafts may keep theirs: check_content drops these
    for line, col, text in _texts(doc):
        _spam(doc.path, line, col, text, report)
    for line, col, url in _urls(doc):
        outbound(doc.path, line, col, url, config, report)
    return readability(doc, config, report) if article else None


# 2. citations ----------------------------------------------------------------------------
# [12] or [1.4.1] left over from pasted text: not a link ([12](...), [x][12], [12]: ...).
MARKER_RE = re.compile(r"(?<![\]\w])\[(\d{1,3}(?:\.\d{1,3})*)\](?![(\[:])")
DOSE_RE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|micrograms?|milligrams?|g)\b(?!/)", re.IGNORECASE)
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")

# 3. review -------------------------------------------------------------------------------
PLACEHOLDER_RE = re.compile(r"\b(TODO|TBD|FIXME|XXX|lorem ipsum)\b")

# 6. spam: patterns, not the sources' exact strings -----------------------------------------
# Every spam pattern below needs one of these words: lines without any are skipped.
SPAM_TRIGGER_RE = re.compile(
    r"pharm|drugstore|chemist|buy|order|purchase|cheap|deliver|shipping|prescri|\brx\b|"
    r"click", re.IGNORECASE)
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



# checks --------------------------------------------------------------------------------

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


def _placeholders(doc: Document, report: Report) -> None:
    for line, col, text in _texts(doc):
        match = PLACEHOLDER_RE.search(text)
        if match:
            report.error(doc.path, line, "placeholder",
                         f"placeholder '{match.group(0)}' in a page that will be published",
                         "write the real text, or keep 'draft: true' until it is ready",
                         col=col + match.start())


SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def sentences(doc: Document) -> list[str]:
    """The document's prose, sentence by sentence (list items count as sentences)."""
    blocks = prose_blocks(doc.html)
    for item in doc.faq:
        blocks += prose_blocks(item.answer_html)
    found = [s for block in blocks for s in SENTENCE_RE.split(block) if s.strip()]
    return [s if s.rstrip()[-1:] in ".!?" else s.rstrip() + "." for s in found]


def _line_of_sentence(doc: Document, sentence: str) -> int:
    words = re.findall(r"[A-Za-z0-9']+", sentence)[:4]
    if words:
        pattern = re.compile(r"\W+".join(map(re.escape, words)))
        for line, text in doc.body_lines():
            if pattern.search(re.sub(r"\[@[^\]]*\]|[*_`]", "", text)):
                return line
    return doc.body_line


def readability(doc: Document, config: SiteConfig, report: Report) -> tuple[float, float]:
    """Flesch-Kincaid grade and SMOG index of the prose; a warning naming the three
    hardest sentences when the grade is above the site's target."""
    prose = sentences(doc)
    text = " ".join(prose)
    grade = round(float(textstat.flesch_kincaid_grade(text)), 1)
    smog = round(float(textstat.smog_index(text)), 1)
    target = config.readability.max_grade
    # ranking every sentence is the costly part: only when the warning will be shown
    if grade > target and config.checks.get("readability-grade") != "off":
        long_enough = [s for s in prose if len(s.split()) >= 6]
        hardest = sorted(long_enough, key=lambda s: -textstat.flesch_kincaid_grade(s))[:3]
        quoted = "; ".join(
            f"line {_line_of_sentence(doc, s)}: \"{_clip(s)}\"" for s in hardest)
        report.warning(doc.path, doc.body_line, "readability-grade",
                       f"reading grade {grade} (Flesch-Kincaid; SMOG {smog}) is above the "
                       f"site's target of {target:g}",
                       f"shorten or split the hardest sentences: {quoted}")
    return grade, smog


def _clip(sentence: str, limit: int = 70) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


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
    if not SPAM_TRIGGER_RE.search(text):
        return None
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


def outbound(path: Path, line: int, col: int, url: str, config: SiteConfig,
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


