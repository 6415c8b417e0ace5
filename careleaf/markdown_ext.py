"""Careleaf's Markdown: the conventions an editor can type, turned into accessible HTML.

- `[@id]` / `[@a; @b]`: numbered citations linking into the References list and back;
- a "Table: ..." paragraph over a pipe table: its `<caption>`; header cells get `scope`,
  the first cell of each row is a row header, and the table sits in a labelled,
  focusable region that scrolls on narrow screens;
- `!!! emergency|urgent|non-urgent|important|note`: callouts, titled from site.yaml;
- root-relative links (`/articles/x/`) made through the one URL function.

The FAQ section is split off before conversion (see `parse.py`) so the page template can
render it with its own component and structured data.
"""

from __future__ import annotations

import copy
import functools
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
import nh3
from lxml import etree as lxml_etree
from lxml import html as lxml_html
from markdown import inlinepatterns, util
from markdown.extensions import Extension
from markdown.extensions.admonition import AdmonitionProcessor
from markdown.extensions.smarty import HTML_STRICT_RE
from markdown.extensions.toc import slugify as toc_slugify
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor
from markdown.treeprocessors import Treeprocessor

from .directives import DirectiveProcessor, TableBuilder
from .schema import MedicineRecord, SiteConfig
from .text import plain_text
from .theme import theme_root
from .urls import Urls

CALLOUT_KINDS = ("emergency", "urgent", "non-urgent", "important", "note")
CALLOUT_LABELS = {
    "emergency": "Emergency advice:",
    "urgent": "Urgent advice:",
    "non-urgent": "Non-urgent advice:",
    "important": "Important:",
    "note": "Information:",
}
CITATION_RE = r"\[(@[A-Za-z0-9][\w.-]*(?:\s*;\s*@[A-Za-z0-9][\w.-]*)*)\]"
CAPTION_PREFIX = "Table:"


@dataclass
class DocumentState:
    """What one document's conversion learns; reset for each document."""

    citations: dict[str, list[str]] = field(default_factory=dict)  # id -> anchors, in order
    callout_kinds: list[str] = field(default_factory=list)
    glossary_used: set[str] = field(default_factory=set)  # a term is marked once per page
    callouts: int = 0
    tables: int = 0

    def cite(self, source_id: str) -> tuple[int, str]:
        anchors = self.citations.setdefault(source_id, [])
        anchor = f"cite-{source_id}-{len(anchors) + 1}"
        anchors.append(anchor)
        return list(self.citations).index(source_id) + 1, anchor


CITE_ATTRIBUTE = "data-cite"  # source ids, until CitationNumbers numbers the citation


def citation_element(ids: list[str]) -> etree.Element:
    """A citation of `ids`, numbered later (see CitationNumbers). Left out of the search
    index, so that excerpts do not read "Reference 10, Reference 5]"."""
    return etree.Element("sup", {"class": "citation", "data-pagefind-ignore": "",
                                 CITE_ATTRIBUTE: ";".join(ids)})


class CitationPattern(InlineProcessor):
    def __init__(self, state_holder: CareleafExtension):
        super().__init__(CITATION_RE)
        self.holder = state_holder

    def handleMatch(self, m: re.Match[str], data: str):  # noqa: N802 (Markdown's API)
        ids = [part.strip().lstrip("@") for part in m.group(1).split(";")]
        return citation_element(ids), m.start(0), m.end(0)


class CitationNumbers(Treeprocessor):
    """Numbers every citation in reading order, once the whole tree is built (tables from
    directives are built before the text around them): `<sup>[1, 2]</sup>`, links into
    the References list, each with its own id for the list's back-links."""

    def __init__(self, md: markdown.Markdown, holder: CareleafExtension):
        super().__init__(md)
        self.holder = holder

    def run(self, root: etree.Element) -> None:
        state = self.holder.state
        for sup in root.iter("sup"):
            ids = sup.attrib.pop(CITE_ATTRIBUTE, None)
            if ids is None:
                continue
            sup.text = "["
            ids = ids.split(";")
            for index, source_id in enumerate(ids):
                number, anchor = state.cite(source_id)
                link = etree.SubElement(sup, "a", {"href": f"#ref-{source_id}", "id": anchor,
                                                   "class": "citation__link"})
                hidden = etree.SubElement(link, "span", {"class": "visually-hidden"})
                hidden.text = "Reference "
                hidden.tail = str(number)
                link.tail = ", " if index < len(ids) - 1 else "]"


class CalloutProcessor(AdmonitionProcessor):
    """Admonitions whose default titles come from site.yaml's `callout_titles`."""

    def __init__(self, parser, titles: dict[str, str]):
        super().__init__(parser)
        self.titles = titles

    def get_class_and_title(self, match: re.Match[str]):
        klass, title = super().get_class_and_title(match)
        if match.group(2) is None:
            title = self.titles.get(klass, title)
        return klass, title


class StructureProcessor(Treeprocessor):
    """Turns admonitions into callouts, captions tables, routes links through `Urls`."""

    def __init__(self, md: markdown.Markdown, holder: CareleafExtension):
        super().__init__(md)
        self.holder = holder

    def run(self, root: etree.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for element in list(root.iter()):
            if element.tag == "div" and "admonition" in element.get("class", "").split():
                self._callout(element)
            elif element.tag == "table":
                self._table(element, parents)
            elif element.tag == "a" and element.get("href"):
                self._link(element)
            elif element.tag == "img" and element.get("src"):
                src = element.get("src", "")
                if self.holder.urls.is_internal(src):
                    element.set("src", self.holder.urls.url(src))

    def _callout(self, div: etree.Element) -> None:
        state = self.holder.state
        kind = div.get("class", "").split()[1] if len(div.get("class", "").split()) > 1 else "note"
        state.callouts += 1
        state.callout_kinds.append(kind)
        div.attrib.clear()
        div.set("class", f"callout callout--{kind}")
        div.set("role", "note")
        title = next((c for c in div if c.tag == "p" and c.get("class") == "admonition-title"),
                     None)
        if title is not None:
            title_id = f"callout-{state.callouts}"
            title.attrib.clear()
            title.set("class", "callout__title")
            title.set("id", title_id)
            label = etree.Element("span", {"class": "visually-hidden"})
            label.text = CALLOUT_LABELS.get(kind, "Note:") + " "
            label.tail = title.text
            title.text = None
            title.insert(0, label)
            div.set("aria-labelledby", title_id)

    def _table(self, table: etree.Element, parents: dict) -> None:
        state = self.holder.state
        state.tables += 1
        parent = parents.get(table)
        if parent is None:
            return
        index = list(parent).index(table)
        caption_p = parent[index - 1] if index > 0 else None
        wrapper = etree.Element("div", {"class": "table-wrap", "role": "region", "tabindex": "0"})
        built = table.find("caption")  # a table from a directive comes with its caption
        if built is not None:
            built.set("id", f"table-{state.tables}")
            wrapper.set("aria-labelledby", f"table-{state.tables}")
        elif (
            caption_p is not None
            and caption_p.tag == "p"
            and (caption_p.text or "").startswith(CAPTION_PREFIX)
        ):
            caption_id = f"table-{state.tables}"
            caption = etree.Element("caption", {"id": caption_id})
            caption.text = (caption_p.text or "")[len(CAPTION_PREFIX):].lstrip()
            caption.extend(list(caption_p))
            table.insert(0, caption)
            wrapper.set("aria-labelledby", caption_id)
            parent.remove(caption_p)
        else:
            wrapper.set("aria-label", "Table")
        for cell in table.iter():
            if cell.tag in {"th", "td"}:
                match = re.search(r"text-align:\s*(\w+)", cell.get("style", ""))
                if "style" in cell.attrib:
                    del cell.attrib["style"]
                if match:
                    cell.set("class", f"align-{match.group(1)}")
        for th in table.iterfind("thead/tr/th"):
            th.set("scope", "col")
        for row in table.iterfind("tbody/tr"):
            if len(row) and row[0].tag == "td":
                row[0].tag = "th"
                row[0].set("scope", "row")
        position = list(parent).index(table)
        parent.remove(table)
        wrapper.append(table)
        parent.insert(position, wrapper)

    def _link(self, link: etree.Element) -> None:
        href = link.get("href", "")
        urls = self.holder.urls
        if urls.is_internal(href):
            link.set("href", urls.url(href))
        elif re.match(r"https?://", href):
            link.set("rel", "noreferrer")
            link.set("class", "external")


class GlossaryProcessor(Treeprocessor):
    """Links the first use of each glossary term on a page to its definition."""

    SKIP_TAGS = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "sup", "caption",
                 "summary", "dfn", "abbr"}
    SKIP_CLASSES = {"callout__title", "visually-hidden"}

    def __init__(self, md: markdown.Markdown, holder: CareleafExtension):
        super().__init__(md)
        self.holder = holder

    def run(self, root: etree.Element) -> None:
        if self.holder.glossary_re is not None:
            self._walk(root)

    def _skipped(self, element: etree.Element) -> bool:
        classes = set(element.get("class", "").split())
        return element.tag in self.SKIP_TAGS or bool(classes & self.SKIP_CLASSES)

    def _walk(self, element: etree.Element) -> None:
        if self._skipped(element):
            return
        links = self._mark(element.text)
        if links:
            element.text = links.pop(0)
            for offset, link in enumerate(links):
                element.insert(offset, link)
        for child in list(element):
            self._walk(child)
            links = self._mark(child.tail)
            if links:
                child.tail = links.pop(0)
                position = list(element).index(child) + 1
                for offset, link in enumerate(links):
                    element.insert(position + offset, link)

    def _mark(self, text: str | None) -> list | None:
        """[text before, <a>, <a>, ...] with each link's tail set, or None."""
        if not text:
            return None
        state, pattern = self.holder.state, self.holder.glossary_re
        parts: list = [""]
        position = 0
        for match in pattern.finditer(text):
            term_id = self.holder.glossary_ids[match.group(0).casefold()]
            if term_id in state.glossary_used:
                continue
            state.glossary_used.add(term_id)
            link = etree.Element("a", {"class": "glossary-term",
                                       "href": self.holder.urls.url(f"glossary/#{term_id}")})
            link.text = match.group(0)
            if len(parts) == 1:
                parts[0] = text[position:match.start()]
            else:
                parts[-1].tail = text[position:match.start()]
            parts.append(link)
            position = match.end()
        if len(parts) == 1:
            return None
        parts[-1].tail = text[position:]
        return parts


class CareleafExtension(Extension):
    def __init__(self, config: SiteConfig, urls: Urls):
        super().__init__()
        self.site = config
        self.urls = urls
        self.state = DocumentState()
        self.records: dict[str, MedicineRecord] = {}  # key -> record, for directives
        self.glossary_re: re.Pattern[str] | None = None
        self.glossary_ids: dict[str, str] = {}  # casefolded term or alias -> entry id

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Not registered with md.registerExtension: Markdown.reset() would then clear the
        # citation numbering between the parts (body, FAQ answers) of one document.
        titles = self.site.callout_titles
        md.parser.blockprocessors.register(
            CalloutProcessor(md.parser, {"emergency": titles.emergency, "urgent": titles.urgent,
                                         "non-urgent": titles.non_urgent}),
            "admonition", 105,
        )
        md.parser.blockprocessors.register(
            DirectiveProcessor(md.parser, lambda: TableBuilder(
                self.site, self.records, lambda element, ids: element.append(
                    citation_element(list(ids))))),
            "careleaf-directive", 95)
        md.inlinePatterns.register(CitationPattern(self), "citation", 185)
        md.treeprocessors.register(CitationNumbers(md, self), "careleaf-citations", 16)
        md.treeprocessors.register(StructureProcessor(md, self), "careleaf-structure", 15)
        md.treeprocessors.register(GlossaryProcessor(md, self), "careleaf-glossary", 14)

    def new_document(self) -> None:
        self.state = DocumentState()


# A second line of defence: whatever an editor typed, the rendered body holds only these.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "details", "dfn", "div",
    "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "img", "ins", "li", "ol", "p",
    "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "aria-label", "aria-labelledby", "aria-hidden", "lang"},
    "a": {"href", "rel"},
    "div": {"role", "tabindex"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "sup": {"data-pagefind-ignore"},  # citations stay out of search excerpts
    # tables built from records keep their role and column labels (directives._table)
    "table": {"role"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan", "data-label"},
}


TEMPLATE_ID_RE = re.compile(r'\bid="([A-Za-z][\w-]*)"')


@functools.cache
def template_ids() -> frozenset[str]:
    """The ids the default theme's templates give their own elements ("main-content",
    "key-points", "references"): an id in a page's body must never be one of them, or an
    in-page link ("Skip to content", the contents list) leads to the wrong place."""
    found = set()
    for template in (theme_root() / "templates").rglob("*.html"):
        found |= set(TEMPLATE_ID_RE.findall(template.read_text("utf-8")))
    return frozenset(found)


def body_slug(value: str, separator: str) -> str:
    """A body heading's id (Python-Markdown's slug), kept clear of the templates' ids:
    "## References" is "references-section", not the reference list's "references"."""
    slug = toc_slugify(value, separator)
    return f"{slug}{separator}section" if slug in template_ids() else slug


def _own_images_only(element: str, attribute: str, value: str) -> str | None:
    """An image's source must be on the site: a root-relative or relative path. Anything
    a browser would fetch from another host (a scheme, `//host`, `\\host`) is dropped.
    An id the templates use is renamed, as body headings' are."""
    if attribute == "id" and value in template_ids():
        return f"{value}-section"
    if element == "img" and attribute == "src":
        cleaned = "".join(c for c in value if c > " ").replace("\\", "/")
        if cleaned.startswith("//") or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", cleaned):
            return None
    return value


def sanitise(html: str) -> str:
    """`html` with only what Careleaf allows, nested so that every reader of it agrees."""
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_own_images_only,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        strip_comments=True,
    )
    return as_one_tree(clean)


# libxml2, which reads every page for the checks, the reading grade and search, nests some
# well-formed HTML otherwise than browsers do: it ends an <a> or a <pre> where a <table>
# starts inside it, and takes what follows a lone </li> into the item. Both must read one
# tree, or a check passes text that the reader sees elsewhere.
VOID_TAGS = {"br", "img", "hr", "wbr"}
TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")


def as_one_tree(html: str) -> str:
    """Sanitised (so well-formed) `html`, unchanged where libxml2 reads the tree it writes;
    otherwise the tree libxml2 reads, written with every end tag, which a browser, an
    HTML parser and libxml2 all read alike."""
    if "<" not in html:
        return html
    holder = lxml_html.fragment_fromstring(html, create_parent="div")
    read = [(event, element.tag) for event, element
            in lxml_etree.iterwalk(holder, events=("start", "end"))][1:-1]
    written = []  # the same walk over the tags as written: a void element opens and ends
    for match in TAG_RE.finditer(html):
        closing, tag = match.group(1), match.group(2).lower()
        if tag not in VOID_TAGS:
            written.append(("end" if closing else "start", tag))
        elif not closing:
            written += [("start", tag), ("end", tag)]
    if read == written:
        return html
    return _escape(holder.text or "") + "".join(_write(child) for child in holder)


def _write(element) -> str:
    """An element as html5ever (nh3) writes one: every non-void end tag written out."""
    if not isinstance(element.tag, str):  # a comment or processing instruction: dropped
        return _escape(element.tail or "")
    attributes = "".join(f' {name}="{_escape(value, quote=True)}"'
                         for name, value in element.attrib.items())
    opened = f"<{element.tag}{attributes}>"
    if element.tag in VOID_TAGS:
        return opened + _escape(element.tail or "")
    inner = _escape(element.text or "") + "".join(_write(child) for child in element)
    return f"{opened}{inner}</{element.tag}>" + _escape(element.tail or "")


def _escape(text: str, *, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("\xa0", "&nbsp;")
    if quote:
        return text.replace('"', "&quot;")
    return text.replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    title: str


@dataclass(frozen=True)
class Converted:
    html: str
    headings: tuple[Heading, ...]
    citations: tuple[tuple[str, tuple[str, ...]], ...]  # (source id, its anchors), in order
    callout_kinds: tuple[str, ...]


# Every SmartyPants pattern needs a quote, "--", "..." (or "<<"/">>", which are off).
SMARTY_TRIGGER_RE = re.compile(r"['\"]|--|\.\.\.|<<|>>")


class _QuickSmarty(InlineTreeprocessor):
    """SmartyPants' own inline pass, skipping the text it cannot change.

    Python-Markdown tries each of smarty's 17 patterns on every piece of text, which
    doubled the time of a whole conversion; most text has no quote, dash or ellipsis.
    The output is the same: text without a trigger matches none of the patterns."""

    def __init__(self, original: InlineTreeprocessor):
        super().__init__(original.md)
        self.inlinePatterns = original.inlinePatterns

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if not SMARTY_TRIGGER_RE.search(data):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)  # type: ignore


# What each of Python-Markdown's own inline patterns needs in a text to match at all (any
# one of these strings), by its regular expression.
INLINE_TRIGGERS = {
    inlinepatterns.BACKTICK_RE: ("`",),
    inlinepatterns.ESCAPE_RE: ("\\",),
    inlinepatterns.LINK_RE: ("[",),  # and REFERENCE_RE, the same
    inlinepatterns.IMAGE_LINK_RE: ("![",),  # and IMAGE_REFERENCE_RE
    inlinepatterns.AUTOLINK_RE: ("<",),
    inlinepatterns.AUTOMAIL_RE: ("<",),
    inlinepatterns.LINE_BREAK_RE: ("  \n",),
    inlinepatterns.HTML_RE: ("<",),
    HTML_STRICT_RE: ("<",),
    inlinepatterns.ENTITY_RE: ("&",),
}


def _triggers(pattern: object) -> tuple[str, ...] | None:
    """Strings one of which a text must hold for `pattern` to match it; None when that
    is not known (the pattern is then always tried)."""
    if isinstance(pattern, inlinepatterns.DelimiterProcessor):  # `*` and `_` emphasis
        return tuple(pattern.tokens)
    if isinstance(pattern, CitationPattern):
        return ("[@",)
    if isinstance(pattern, InlineProcessor):
        return INLINE_TRIGGERS.get(pattern.compiled_re.pattern)
    return None


class _QuickInline(InlineTreeprocessor):
    """Python-Markdown's inline pass, not trying a pattern on text it cannot match.

    Python-Markdown tries each of its 14 inline patterns (and Careleaf's citations) on
    every piece of text, one regular expression search each; most text holds the
    characters of only a few of them (`[` for a citation, `*` for emphasis). A pattern
    skipped here is one whose search would have found nothing, so the output is the same.
    """

    def __init__(self, original: InlineTreeprocessor):
        super().__init__(original.md)
        self.inlinePatterns = original.inlinePatterns
        self._patterns: list = []
        self._needs: list[tuple[str, ...] | None] = []

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        self._patterns = list(self.inlinePatterns)
        self._needs = [_triggers(pattern) for pattern in self._patterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # Python-Markdown's own loop (InlineProcessor.__handleInline), with the test
        if isinstance(data, util.AtomicString):
            return data
        start = 0
        patterns, needs = self._patterns, self._needs
        while patternIndex < len(patterns):
            need = needs[patternIndex]
            if need is not None and not any(text in data for text in need):
                patternIndex, start = patternIndex + 1, 0  # as when a pattern finds nothing
                continue
            data, matched, start = self._InlineProcessor__applyPattern(  # type: ignore
                patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


# A paragraph of its own between the parts of a document converted together
PART_BREAK = "careleafpartbreak7c1f93e2"
PART_BREAK_HTML = f"<p>{PART_BREAK}</p>"
# What could make one part's Markdown change another's when they are converted together:
# raw HTML (a block left open runs on), code fences, reference definitions, the table of
# contents marker; and headings after the first part (their ids would be made unique
# across all parts, and listed as the body's).
ACROSS_PARTS_RE = re.compile(r"<|^\s*(?:```|~~~)|^ {0,3}\[[^\]]*\]:|\[TOC\]",
                             re.MULTILINE)
HEADING_LINE_RE = re.compile(r"^ {0,3}(?:#|=+[ \t]*$|-+[ \t]*$)", re.MULTILINE)
# Python-Markdown blanks a line of spaces only after a newline, and gives nothing for a
# text of spaces alone: a part that opens with such a line reads differently alone (at the
# start of a document) than together (after the break, or before it as a code block)
OPENS_WITH_SPACES_LINE_RE = re.compile(r"[ \t]+(?:[\r\n]|\Z)")
ID_RE = re.compile(r'\sid="([^"]*)"')


@dataclass(frozen=True)
class ConvertedDocument:
    """The parts of one document (its body, then each FAQ answer), converted."""

    parts: tuple[str, ...]  # the HTML of each part
    headings: tuple[Heading, ...]  # the first part's
    citations: tuple[tuple[str, tuple[str, ...]], ...]  # of the whole document, in order
    callout_kinds: tuple[str, ...]


class MarkdownRenderer:
    """One Python-Markdown instance, reused for every document of a build."""

    def __init__(self, config: SiteConfig, urls: Urls):
        self.ext = CareleafExtension(config, urls)
        self.md = markdown.Markdown(
            extensions=[
                "tables", "sane_lists", "smarty", "fenced_code", self.ext,
                "toc",
            ],
            extension_configs={"toc": {"toc_depth": "2-3", "slugify": body_slug}},
            output_format="html",
        )
        self.md.treeprocessors.register(_QuickSmarty(self.md.treeprocessors["smarty"]),
                                        "smarty", 6)
        self.md.treeprocessors.register(_QuickInline(self.md.treeprocessors["inline"]),
                                        "inline", 20)

    @property
    def records(self) -> dict[str, MedicineRecord]:
        """Medicine key -> its (valid) record, for the table directives."""
        return self.ext.records

    @records.setter
    def records(self, records: dict[str, MedicineRecord]) -> None:
        self.ext.records = records

    def set_glossary(self, entries: list[dict]) -> None:
        """Terms (and aliases) whose first use on each page links to the glossary."""
        ids = {}
        for entry in entries:
            for word in [entry.get("term"), *(entry.get("aliases") or [])]:
                if isinstance(word, str) and isinstance(entry.get("id"), str):
                    ids.setdefault(word.casefold(), entry["id"])
        self.ext.glossary_ids = ids
        words = sorted(ids, key=len, reverse=True)  # "tricyclic antidepressant" before "tricyclic"
        self.ext.glossary_re = re.compile(
            r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE
        ) if words else None

    def start_document(self) -> None:
        """Citation numbers and ids run on across the parts of one document."""
        self.ext.new_document()
        self.md.reset()

    def convert(self, text: str) -> Converted:
        """Convert one part of the current document (reset with `start_document`)."""
        self.md.reset()  # clears Markdown's own state (ids, stash); ours runs on
        html = sanitise(self.md.convert(text))
        headings = tuple(_flatten(self.md.toc_tokens))  # type: ignore[attr-defined]
        citations = tuple((k, tuple(v)) for k, v in self.ext.state.citations.items())
        return Converted(html, headings, citations, tuple(self.ext.state.callout_kinds))

    def convert_document(self, parts: list[str]) -> ConvertedDocument:
        """Convert the parts of the current document, the same as `convert` on each in
        turn. Each Python-Markdown pass has a cost of its own, so the parts go through one
        pass, split by a paragraph of their own, unless something in them could reach
        from one part into another."""
        state = copy.deepcopy(self.ext.state)
        if len(parts) > 1 and self._one_pass(parts):
            self.md.reset()
            pieces = self.md.convert(f"\n\n{PART_BREAK}\n\n".join(parts)).split(PART_BREAK_HTML)
            headings = tuple(_flatten(self.md.toc_tokens))  # type: ignore[attr-defined]
            taken = {i for piece in pieces[1:] for i in ID_RE.findall(piece)}
            # a body heading whose id had to be changed because a later part used it
            if len(pieces) == len(parts) and not any(
                    h.id in taken or re.sub(r"_\d+$", "", h.id) in taken for h in headings):
                html = tuple(sanitise(piece.strip()) for piece in pieces)
                return self._document(html, headings)
            self.ext.state = state
        converted = [self.convert(part) for part in parts]
        return self._document(tuple(c.html for c in converted), converted[0].headings)

    def _one_pass(self, parts: list[str]) -> bool:
        glossary = self.ext.glossary_re
        return not (any(PART_BREAK in part or ACROSS_PARTS_RE.search(part)
                        or OPENS_WITH_SPACES_LINE_RE.match(part) for part in parts)
                    or any(HEADING_LINE_RE.search(part) for part in parts[1:])
                    or glossary is not None and glossary.search(PART_BREAK))

    def _document(self, html: tuple[str, ...], headings: tuple[Heading, ...]
                  ) -> ConvertedDocument:
        state = self.ext.state
        return ConvertedDocument(html, headings,
                                 tuple((k, tuple(v)) for k, v in state.citations.items()),
                                 tuple(state.callout_kinds))


def _flatten(tokens: list[dict]) -> list[Heading]:
    out: list[Heading] = []
    for token in tokens:
        out.append(Heading(token["level"], token["id"], plain_text(token["name"])))
        out.extend(_flatten(token.get("children", [])))
    return out
