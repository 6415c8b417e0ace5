"""The text a reader reads in rendered HTML, found with lxml (the standard library's
html.parser took a fifth of the parse stage): a fragment's plain text (word counts, FAQ
answers in structured data, heading titles) and its prose blocks (what readability is
measured on).

The fragments are Careleaf's own rendered Markdown, already sanitised (markdown_ext.
sanitise): every element is closed and nested as the browser will build it, so walking
lxml's tree sees the same start tags, text and end tags, in the same order, as a
streaming parser would.
"""

from __future__ import annotations

from lxml import etree
from lxml import html as lxml_html

PROSE_BLOCKS = {"p", "li"}
VOID = {"br", "img", "hr", "wbr", "input"}
NOT_PROSE_CLASSES = {"citation", "visually-hidden", "callout__title"}
NOT_PROSE_TAGS = {"table", "pre", "code"}


def fragment(html: str) -> etree._Element:
    """A fragment of HTML, parsed, under one <div>."""
    return lxml_html.fragment_fromstring(html, create_parent="div")


def _texts(element: etree._Element, out: list[str]) -> None:
    """The text in `element` (not its tail), leaving out citation numbers."""
    if element.text:
        out.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and not (child.tag == "sup" and
                                               child.get("class") == "citation"):
            _texts(child, out)
        if child.tail:
            out.append(child.tail)


def plain_text(html: str) -> str:
    """Visible text of an HTML fragment, citations left out, whitespace folded."""
    if "<" not in html and "&" not in html:  # no markup (a heading's title): the text itself
        return " ".join(html.split())
    parts: list[str] = []
    _texts(fragment(html), parts)
    return " ".join("".join(parts).split())


def _prose(element: etree._Element, open_blocks: list[list[str]], blocks: list[str]) -> None:
    tag = element.tag
    if not isinstance(tag, str) or tag in VOID:  # a comment, or an element with no text
        return
    if tag in NOT_PROSE_TAGS or set((element.get("class") or "").split()) & NOT_PROSE_CLASSES:
        return
    block = tag in PROSE_BLOCKS
    if block:
        open_blocks.append([])
    if element.text and open_blocks:
        open_blocks[-1].append(element.text)
    for child in element:
        _prose(child, open_blocks, blocks)
        if child.tail and open_blocks:
            open_blocks[-1].append(child.tail)
    if block:
        text = "".join(open_blocks.pop())
        if text.strip():
            blocks.append(text)


def prose_blocks(root: etree._Element) -> list[str]:
    """Text of the paragraphs and list items in a parsed fragment (see `fragment`), each
    with its whitespace folded, in the order they end: headings, callout titles, tables,
    code and citation numbers are not prose. A list item's own text is one block, the
    paragraphs in it others."""
    blocks: list[str] = []
    _prose(root, [], blocks)
    return [" ".join(block.split()) for block in blocks]
