"""Checks on one Markdown file by itself, run where the file is parsed.

They need nothing but the file and site.yaml, so they run in the parse workers (in
parallel) and their findings are kept with the parsed document in the build cache: an
unchanged file is not checked again. `checks.check_content` reports them for the files
that will be published, at the severity site.yaml gives each code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from . import readability as reading
from .diagnostics import Report
from .gate import (
    check_data,
    normalise,
    resolve,
    text_findings,
    unsafe_html,
    url_findings,
    urls_in_text,
)
from .schema import Limits, SiteConfig
from .sourcefile import describe_char, unwanted_characters
from .text import fragment, prose_blocks

if TYPE_CHECKING:
    from .parse import Document


def check_document(doc: Document, config: SiteConfig, report: Report, *,
                   article: bool) -> tuple[float, float] | None:
    """Report what is wrong with `doc` alone; an article's readability scores."""
    _markers(doc, report)
    _doses(doc, report)
    lines = _raw_lines(doc)
    unsafe_lines = set()
    for line, text in lines:
        for col, what in unsafe_html(text):
            unsafe_lines.add(line)
            report.error(doc.path, line, "html-unsafe", f"{what} is not allowed in content",
                         "remove it: Careleaf pages run no scripts or embeds; use Markdown "
                         "for links and images, and write `<tag>` in backticks to show code",
                         col=col)
    _character_references(doc, lines, report)
    # every string of the front matter, through the same gate as every data file
    check_data(doc.path, doc.meta, config, report)
    fragments = _fragments(doc)
    _reader_text(doc, fragments, config, report)
    _links(doc, fragments, lines, config, report, unsafe_lines)
    return readability(doc, fragments, config, report) if article else None


CHARACTER_REFERENCE_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});?")


def _character_references(doc: Document, lines: list[tuple[int, str]], report: Report) -> None:
    """A control or invisible character written as an HTML reference (`&#11;`, `&#x202e;`,
    `&shy;`) reaches the page and the feed as the character itself: refused the same way
    as one typed (see sourcefile.read_text)."""
    for line, text in lines:
        for match in CHARACTER_REFERENCE_RE.finditer(text):
            char = _referenced(match.group(0))
            for _, code in unwanted_characters(char)[:1]:
                report.error(doc.path, line, code, f"'{match.group(0)}' writes "
                             f"{'a control' if code == 'text-control-char' else 'an invisible'}"
                             f" character ({describe_char(char)})", "delete it: readers never "
                             "need it, and it can break pages and feeds or hide words",
                             col=match.start() + 1)


def _referenced(reference: str) -> str:
    """What a character reference stands for, as browsers and the sanitiser read it (they
    keep the control characters that Python's html.unescape leaves out)."""
    number = reference.strip("&;")
    if not number.startswith("#"):
        return html.unescape(reference)
    code = int(number[2:], 16) if number[1:2] in "xX" else int(number[1:])
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return html.unescape(reference) if 0x80 <= code <= 0x9F else chr(code)


# 2. citations ----------------------------------------------------------------------------
# [12] or [1.4.1] left over from pasted text: not a link ([12](...), [x][12], [12]: ...).
MARKER_RE = re.compile(r"(?<![\]\w])\[(\d{1,3}(?:\.\d{1,3})*)\](?![(\[:])")
NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
# An amount of a medicine: a number (or a number in words, or "half a") and a unit, a form
# (tablets, drops, puffs, patches ...) or both: "300mg", "5 ml", "two capsules", "1 puff".
DOSE_RE = re.compile(
    rf"\b(?:\d+(?:[.,]\d+)?|{NUMBER_WORDS}|half(?:\s+an?)?)"
    rf"(?:\s?(?:-|–|to|or)\s?(?:\d+(?:[.,]\d+)?|{NUMBER_WORDS}))?\s?"
    r"(?:mg|mcg|µg|micrograms?|milligrams?|g|grams?|ml|millilit(?:re|er)s?|units?|iu|"
    r"drops?|puffs?|patch(?:es)?|tablets?|capsules?|sachets?|spoonfuls?|teaspoons?|"
    r"lozenges?|pessar(?:y|ies)|suppositor(?:y|ies)|injections?|doses? of \d)\b(?!/)",
    re.IGNORECASE)
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
INLINE_CODE_RE = re.compile(r"`[^`]*`")
LINK_RE = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
AUTOLINK_RE = re.compile(r"<((?:[a-z][a-z0-9+.-]*:|//)[^>\s]+)>", re.IGNORECASE)
ATTRIBUTE_URL_RE = re.compile(r"\b(?:href|src|srcset|action|poster|data)\s*=\s*[\"']?([^\"'\s>]+)",
                              re.IGNORECASE)


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


SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def sentences(fragments: list[etree._Element]) -> list[str]:
    """The prose of a document's parsed body and FAQ answers (see `_fragments`), sentence
    by sentence (list items count as sentences)."""
    blocks = [block for part in fragments for block in prose_blocks(part)]
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


def readability(doc: Document, fragments: list[etree._Element], config: SiteConfig,
                report: Report) -> tuple[float, float]:
    """Flesch-Kincaid grade and SMOG index of the prose; a warning naming the three
    hardest sentences when the grade is above the site's target."""
    prose = sentences(fragments)
    text = " ".join(prose)
    syllables = reading.table
    grade = round(float(reading.flesch_kincaid_grade(text, syllables)), 1)
    smog = round(float(reading.smog_index(text, syllables)), 1)
    target = config.readability.max_grade
    # ranking every sentence is the costly part: only when the warning will be shown
    if grade > target and config.checks.get("readability-grade") != "off":
        long_enough = [s for s in prose if len(s.split()) >= 6]
        hardest = sorted(long_enough,
                         key=lambda s: -reading.flesch_kincaid_grade(s, syllables))[:3]
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


def _raw_lines(doc: Document) -> list[tuple[int, str]]:
    """Body lines as typed, code spans blanked (code may show `<script>` as text)."""
    return [(line, INLINE_CODE_RE.sub(_blank, text)) for line, text in doc.body_lines()]


# The rendered blocks a reader reads: each is checked as one text, however it was wrapped,
# emphasised or encoded in the Markdown.
BLOCK_TAGS = {"p", "li", "td", "th", "caption", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
              "h6", "summary", "blockquote", "pre", "figcaption"}


def _own_text(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag not in BLOCK_TAGS:
            parts.append(_own_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _fragments(doc: Document) -> list[etree._Element]:
    """The rendered body and FAQ answers, parsed (lxml) once for every check."""
    parts = [doc.html] + [item.answer_html for item in doc.faq]
    return [fragment(part) for part in parts if part.strip()]


def _locate(doc: Document, words: str) -> tuple[int, int]:
    """The body line (and column) where `words`, found in the rendered text, were typed:
    the first line whose normalised text holds their first word."""
    first = words.split()[0].lower() if words.split() else ""
    for line, text in doc.body_lines():
        if first and first in normalise(text).lower():
            position = text.lower().find(first)
            return line, position + 1 if position >= 0 else 1
    return doc.body_line, 1


def _reader_text(doc: Document, fragments: list[etree._Element], config: SiteConfig,
                 report: Report) -> None:
    seen: set[tuple[str, str]] = set()
    questions = [item.question for item in doc.faq]
    blocks = [_own_text(el) for part in fragments for el in part.iter()
              if el.tag in BLOCK_TAGS] + questions
    # each link's words alone too: a bare "buy X" link inside a sentence is still an advert
    blocks += [link.text_content() for part in fragments for link in part.iter("a")]
    judged: dict[str, list] = {}  # a text met again (each citation's "Reference 1") once
    for block in blocks:
        if block not in judged:
            judged[block] = text_findings(block, config)
        for finding in judged[block]:
            if (finding.code, finding.message) in seen:
                continue
            seen.add((finding.code, finding.message))
            line, col = _locate(doc, finding.words)
            report.add(doc.path, line, finding.code, finding.message, finding.hint, col=col)


def _written_urls(lines: list[tuple[int, str]]) -> Iterator[tuple[int, int, str, bool]]:
    """(line, col, url, is an image) of every URL typed in the body."""
    for line, text in lines:
        taken = set()
        for match in LINK_RE.finditer(text):
            taken.add(match.start(2))
            image = match.start() > 0 and text[match.start() - 1] == "!"
            yield line, match.start(2) + 1, match.group(2), image
        for pattern in (REFERENCE_DEF_RE, AUTOLINK_RE, ATTRIBUTE_URL_RE):
            for match in pattern.finditer(text):
                if match.start(1) not in taken:
                    taken.add(match.start(1))
                    image = "src" in text[max(0, match.start() - 1):match.start(1)].lower()
                    yield line, match.start(1) + 1, match.group(1), image
        for col, url in urls_in_text(text):
            if not any(abs(col - 1 - t) <= 1 for t in taken):
                yield line, col, url, False


def _links(doc: Document, fragments: list[etree._Element], lines: list[tuple[int, str]],
           config: SiteConfig, report: Report, unsafe_lines: set[int]) -> None:
    """Every link and image, as typed and as rendered, judged as a browser resolves it
    (a script URL the typed-HTML check already reported on its line is not said twice)."""
    reported: set[tuple[str, str]] = set()
    for line, col, url, image in _written_urls(lines):
        for finding in url_findings(url, config, image=image):
            if finding.code == "html-unsafe" and line in unsafe_lines:
                continue
            reported.add((resolve(url, config.base_url).href, finding.code))
            report.add(doc.path, line, finding.code, finding.message, finding.hint, col=col)
    # what the Markdown made of them (reference links, forms the patterns above miss); a
    # page links to each of its references many times, judged once
    judged: dict[tuple[str, bool], list] = {}
    for part in fragments:
        for element in part.iter("a", "img"):
            image = element.tag == "img"
            url = element.get("src" if image else "href")
            if not url:
                continue
            if (url, image) not in judged:
                judged[url, image] = url_findings(url, config, image=image, typed=False)
            for finding in judged[url, image]:
                href = resolve(url, config.base_url, typed=False).href
                if (href, finding.code) in reported:
                    continue
                reported.add((href, finding.code))
                line, col = _locate(doc, url.split("//")[-1].split("/")[0] or url)
                report.add(doc.path, line, finding.code, finding.message, finding.hint,
                           col=col)


def convertible(path: Path, lines: list[tuple[int, str]], first_line: int, limits: Limits,
                report: Report) -> bool:
    """Refuse, before converting, what would make Python-Markdown recurse or backtrack for
    minutes: lists and quotes nested too deep, and paragraphs full of unmatched or nested
    brackets (Python-Markdown looks for the end of each one to the end of its paragraph)."""
    limit = limits.max_nesting
    for line, text in lines:
        prefix = NEST_PREFIX_RE.match(text)
        depth = len(re.findall(r"[>*+-]|\d+[.)]", prefix.group(0))) if prefix else 0
        depth = max(depth, (len(text) - len(text.lstrip(" "))) // 4)
        if depth > limit:
            report.error(path, line, "markdown-too-deep",
                         f"lists or quotes are nested {depth} levels deep here; the limit is "
                         f"{limit}", "flatten the list (or raise limits.max_nesting in "
                         "site.yaml)")
            return False
    ok = True
    for start, block in _blocks(lines, first_line):
        opened = [0, 0]  # unmatched '[' and '('
        depth = 0
        for match in BRACKET_RE.finditer(block):
            char = match.group(0)
            if char in "[(":
                opened["[(".index(char)] += 1
                depth = max(depth, opened[0])
            elif char in "])":
                side = "])".index(char)
                opened[side] = max(0, opened[side] - 1)
        if max(opened) > UNMATCHED_LIMIT or depth > limit:
            report.error(path, start, "markdown-too-complex",
                         "this paragraph has too many unmatched or nested brackets ('[' or "
                         "'(') to be converted quickly",
                         "close each bracket, or write a literal bracket as \\[ or \\(")
            ok = False
    return ok


NEST_PREFIX_RE = re.compile(r"^(?:\s*(?:>|[*+-](?=\s)|\d+[.)](?=\s)))+")
BRACKET_RE = re.compile(r"\\.|`+|[\[\]()]")
UNMATCHED_LIMIT = 100


def _blocks(lines: list[tuple[int, str]], first_line: int) -> Iterator[tuple[int, str]]:
    start, parts = first_line, []
    for line, text in lines:
        if not text.strip():
            if parts:
                yield start, "\n".join(parts)
            parts = []
            continue
        if not parts:
            start = line
        parts.append(text)
    if parts:
        yield start, "\n".join(parts)
