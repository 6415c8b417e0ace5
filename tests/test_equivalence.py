"""The faster paths give what the plain ones gave, byte for byte:

- text and prose read with lxml (careleaf/text.py) as html.parser read them;
- a document's parts (body, FAQ answers) converted in one Python-Markdown pass as in one
  pass each, and inline patterns skipped only where they cannot match;
- a page's visible text found element by element as by asking each text node;
- a site of real articles built across processes (parse and render) with a cold cache as
  in one process without it.
"""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, html_pages, run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html
from markdown.treeprocessors import InlineProcessor
from test_parallel import snapshot

from careleaf import graph
from careleaf.build import load_content
from careleaf.config import load_project
from careleaf.diagnostics import Report
from careleaf.markdown_ext import (
    ACROSS_PARTS_RE,
    HEADING_LINE_RE,
    PART_BREAK,
    MarkdownRenderer,
    sanitise,
)
from careleaf.parse import _split_faq, read_yaml_file, usable_records
from careleaf.render import visible_text
from careleaf.text import fragment, plain_text, prose_blocks
from careleaf.urls import Urls

# -- the html.parser readers Careleaf used before, kept as the reference ----------------


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "sup" and ("class", "citation") in attrs or self.skip and tag == "sup":
            self.skip += 1

    def handle_endtag(self, tag):
        if self.skip and tag == "sup":
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def old_plain_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


class _ProseExtractor(HTMLParser):
    BLOCKS = {"p", "li"}
    VOID = {"br", "img", "hr", "wbr", "input"}
    SKIPPED_CLASSES = {"citation", "visually-hidden", "callout__title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.stack: list[list[str]] = []
        self.skip = 0

    def _close(self) -> None:
        text = "".join(self.stack.pop())
        if text.strip():
            self.blocks.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        if self.skip or classes & self.SKIPPED_CLASSES or tag in {"table", "pre", "code"}:
            self.skip += 1
        elif tag in self.BLOCKS:
            self.stack.append([])

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if self.skip:
            self.skip -= 1
        elif tag in self.BLOCKS and self.stack:
            self._close()

    def handle_data(self, data):
        if not self.skip and self.stack:
            self.stack[-1].append(data)


def old_prose_blocks(html: str) -> list[str]:
    parser = _ProseExtractor()
    parser.feed(html)
    return [" ".join(block.split()) for block in parser.blocks]


OLD_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::template or "
    "ancestor::noscript or ancestor::*[@hidden] or ancestor::*[@aria-hidden='true'] or "
    "ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' visually-hidden ')] "
    "or ancestor::*[contains(translate(@style, ' ', ''), 'display:none') or "
    "contains(translate(@style, ' ', ''), 'visibility:hidden')])]")


# -- the bundled content ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled() -> dict:
    """The bundled site's parsed documents, and a renderer set up as parse() sets it up."""
    report = Report(REPO)
    project = load_project(REPO, report)
    parsed, _ = load_content(project, report, jobs=1, cache=False, write=False)
    return {"project": project, "parsed": parsed}


def renderer_for(project, *, quick_inline: bool = True) -> MarkdownRenderer:
    config = project.config
    renderer = MarkdownRenderer(config, Urls(config.base_url))
    report = Report(project.root)
    records = {p.stem: read_yaml_file(p, report).data
               for p in sorted((project.content / "medicines").glob("*.yaml"))}
    renderer.records = usable_records(records)
    glossary = read_yaml_file(project.content / "glossary.yaml", report)
    renderer.set_glossary([e for e in glossary.data["terms"] if isinstance(e, dict)])
    if not quick_inline:
        renderer.md.treeprocessors.register(InlineProcessor(renderer.md), "inline", 20)
    return renderer


def fragments_of(parsed) -> list[str]:
    found = []
    for doc in parsed.articles + parsed.pages:
        found.append(doc.html)
        found += [item.answer_html for item in doc.faq]
    return found


TRICKY_HTML = [
    "", "   ", "plain words", "a &amp; b &lt;c&gt; &nbsp;d", "<p>one</p>\n<p>two</p>",
    "line one<br>\n<em>two</em>", "<p>x<sup class=\"citation\">[<a href=\"#r\"><span "
    "class=\"visually-hidden\">Reference </span>1</a>]</sup> y</p>",
    "<ul><li>item <p>para</p> tail</li><li><code>code</code> text</li></ul>",
    "<table><tr><td>a</td></tr>\n</table>\n<p>b</p>", "<p>a<!-- c -->b</p>",
    "<div class=\"callout\"><p class=\"callout__title\">T</p><ul><li>x</li></ul></div>",
    "<p><sup>2</sup> squared <sup class=\"citation other\">kept</sup></p>",
    "<details><summary>s</summary>\n<p>p <img src=\"x\" alt=\"y\"> q<hr>r</p></details>",
    "<p>x <span class=\"a visually-hidden\">hidden</span> y <pre>pre\n text</pre></p>",
]


def test_text_and_prose_as_html_parser_read_them(bundled):
    # what Careleaf reads is sanitised: well-formed, nested as a browser nests it
    samples = fragments_of(bundled["parsed"]) + [sanitise(html) for html in TRICKY_HTML]
    assert len(samples) > 20
    for html in samples:
        assert plain_text(html) == old_plain_text(html), html
        if html.strip():
            assert prose_blocks(fragment(html)) == old_prose_blocks(html), html
    for html in TRICKY_HTML:  # and a heading's title, or any text, even unsanitised
        assert plain_text(html) == old_plain_text(html), html
    for doc in bundled["parsed"].articles:
        for heading in doc.headings:
            assert heading.title == old_plain_text(heading.title)


HTML_TEXT = st.sampled_from(["word", " ", "\n", "&amp;", "&lt;", "&nbsp;", "é", "x.y", "'"])


@st.composite
def html_trees(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(st.sampled_from(["p", "li", "ul", "em", "sup", "span", "code", "table",
                                        "div", "a", "strong", "pre", "td"]))
            cls = draw(st.sampled_from(["", "citation", "visually-hidden", "callout__title",
                                        "citation x", "other"]))
            attrs = f' class="{cls}"' if cls else ""
            parts.append(f"<{tag}{attrs}>{draw(html_trees(depth + 1))}</{tag}>")
        elif draw(st.booleans()):
            parts.append(draw(st.sampled_from(["<br>", "<img src=\"a\" alt=\"b\">", "<hr>"])))
        else:
            parts.append("".join(draw(st.lists(HTML_TEXT, max_size=4))))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(html_trees())
# a block inside an inline element or a <pre>: libxml2 ends the outer element, browsers do not
@example("<pre><table></table><p>word</p></pre>")
@example('<a class="citation"><table></table><p>word</p></a>')
@example("<code><ul><li>item</li></ul><p>word</p></code>")
@example('<span class="visually-hidden"><div><p>word</p></div></span>')
def test_text_and_prose_of_any_sanitised_fragment(html):
    clean = sanitise(html)  # what Careleaf reads is always sanitised
    assert plain_text(clean) == old_plain_text(clean)
    if clean.strip():
        assert prose_blocks(fragment(clean)) == old_prose_blocks(clean)


# -- one conversion per document --------------------------------------------------------------

def convert_each(renderer: MarkdownRenderer, parts: list[str]):
    """The parts converted one Python-Markdown pass each, as before."""
    renderer.start_document()
    converted = [renderer.convert(part) for part in parts]
    return ([c.html for c in converted], converted[0].headings, converted[-1].citations,
            converted[-1].callout_kinds)


def convert_together(renderer: MarkdownRenderer, parts: list[str]):
    renderer.start_document()
    document = renderer.convert_document(parts)
    return (list(document.parts), document.headings, document.citations,
            document.callout_kinds)


def bundled_parts(project) -> list[list[str]]:
    found = []
    for path in sorted((project.content / "articles").glob("*.md")):
        body = path.read_text().split("\n---\n", 1)[1]
        main, _, answers, _ = _split_faq(body, 1, project.config.faq_heading)
        found.append([main] + [answer for _, answer, _ in answers])
    return found


def test_bundled_articles_converted_in_one_pass_as_in_many(bundled):
    project = bundled["project"]
    one, each, plain = renderer_for(project), renderer_for(project), \
        renderer_for(project, quick_inline=False)
    documents = bundled_parts(project)
    assert sum(len(parts) > 1 for parts in documents) >= 2  # articles with an FAQ
    for parts in documents:
        expected = convert_each(plain, parts)
        assert convert_each(each, parts) == expected
        assert convert_together(one, parts) == expected


BLOCKS = [
    "Plain words [@nhs-gabapentin] and *emphasis* and **strong** text.",
    "Gabapentin and nerve pain, with a [link](/about/) and `code`.",
    "- one [@nhs-gabapentin]\n- two\n    - nested",
    "1. first\n2. second",
    "!!! urgent\n    - get help [@nhs-gabapentin]",
    "!!! note \"A title\"\n    Text in a note.",
    "Table: A caption [@nhs-gabapentin]\n\n| A | B |\n|---|---|\n| 1 | 2 |",
    "| A | B |\n|---|---|\n| 1 | 2 |",
    "    indented code",
    "```\nfenced\n```", "~~~\nunclosed fence",
    "A <b>raw</b> tag", "<div>\nan open block",
    "[ref]: https://www.nhs.uk/", "see [the NHS][ref]",
    "## A heading", "### Another heading", "#### Deep heading", "Setext\n---", "Setext\n===",
    "---", "> a quote", "> quoted\ncontinued", "Line with two spaces  \nnext line",
    "It's \"quoted\" -- and...", "## Callout 1", "## Table 1", "[TOC]", "\\*escaped\\*",
    "&amp; &copy;", "", " ", "careleafpartbreak7c1f93e2",
]


# what goes through one pass: no raw HTML, fences, reference definitions, or headings
# after the body
ONE_PASS_BLOCKS = [b for b in BLOCKS if not (ACROSS_PARTS_RE.search(b) or
                                             HEADING_LINE_RE.search(b) or PART_BREAK in b)]


@st.composite
def documents(draw, blocks_from: list[str] = BLOCKS) -> list[str]:
    parts = []
    for index in range(draw(st.integers(1, 5))):
        choices = blocks_from if index else blocks_from + ["## Callout 1", "## Table 2"]
        blocks = draw(st.lists(st.sampled_from(choices), max_size=5))
        gaps = [draw(st.sampled_from(["\n", "\n\n", "\n\n\n"])) for _ in blocks]
        text = "".join(block + gap for block, gap in zip(blocks, gaps, strict=True))
        # a first line of spaces only is blank after a newline, but not at the very start
        parts.append(draw(st.sampled_from(["", "\n", "\n\n", " \n", "\t\n"])) + text)
    return parts


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=documents() | documents(ONE_PASS_BLOCKS))
@example(parts=["", " \n- one [@nhs-gabapentin]\n- two\n    - nested\n"])
def test_any_document_converted_in_one_pass_as_in_many(bundled, parts):
    project = bundled["project"]
    renderers = bundled.setdefault("renderers", (
        renderer_for(project), renderer_for(project, quick_inline=False)))
    one, plain = renderers
    assert convert_together(one, parts) == convert_each(plain, parts)


def test_a_heading_id_an_answer_takes_is_converted_apart(bundled):
    # in one pass, the body's heading would become callout-1_1: the answer's callout
    # is callout-1 (ids are made unique across the whole pass)
    project = bundled["project"]
    parts = ["## Callout 1\n\nSome text.\n", "!!! urgent\n    - get help\n"]
    together = convert_together(renderer_for(project), parts)
    assert together == convert_each(renderer_for(project, quick_inline=False), parts)
    assert [h.id for h in together[1]] == ["callout-1"]


# -- related articles ------------------------------------------------------------------------------

class FakeMeta:
    def __init__(self, medicines: list[str], topics: list[str], title: str):
        self.medicines, self.topics, self.title = medicines, topics, title


class FakeArticle:
    def __init__(self, slug: str, medicines: list[str], topics: list[str], title: str):
        self.slug, self.meta = slug, FakeMeta(medicines, topics, title)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from("abcd"), max_size=3),
                          st.lists(st.sampled_from("uvwxyz"), max_size=3),
                          st.text("ABC", min_size=1, max_size=4)),
                max_size=25, unique_by=lambda t: t[2]))
def test_related_articles_ranked_by_group_as_pair_by_pair(drawn):
    articles = tuple(FakeArticle(f"s{n}", medicines, topics, title)
                     for n, (medicines, topics, title) in enumerate(drawn))
    medicines, topics = ["a", "b", "c"], ["u", "v", "w", "x", "y"]  # d and z: not in the site
    by_medicine = graph._index(articles, medicines, "medicines")
    by_topic = graph._index(articles, topics, "topics")
    expected = {a.slug: tuple(r.slug for r in graph.related_articles(
        a, articles, by_medicine, by_topic)) for a in articles}
    assert graph._ranked_by_group(articles, set(medicines), set(topics)) == expected


# -- a page's visible text ----------------------------------------------------------------------

def test_visible_text_as_the_ancestor_query_found_it(bundled_site):
    pages = [p.read_bytes() for p in html_pages(bundled_site)]
    pages.append(b"<html><body><p>A<span hidden>x<b>y</b>z</span>B &amp; C<!-- c --> D"
                 b"<span class='a\tvisually-hidden'>no</span>E<div style='display: none'>n"
                 b"</div><div style='display :none'>yes</div><script>no</script>F"
                 b"<div aria-hidden='true'>no<p>n</p></div>G</p></body></html>")
    pages += [b"<html hidden><body>x</body></html>",
              b"<html><body style='visibility:hidden'>x</body></html>",
              b"<html><body><template>t</template>ok<noscript>n</noscript><div hidden>"
              b"<div>in</div>tail-in</div>tail-out</body></html>"]
    pages.append(b"<html><body><details><summary>Q</summary>A<p>B</p>C</details>D"
                 b"<details open><summary>Q2</summary>A2</details><dialog>no</dialog></body>"
                 b"</html>")
    assert len(pages) > 20
    for data in pages:
        tree = lxml_html.document_fromstring(data)
        # a closed <details> shows its summary only (the FAQ's answers wait for a click),
        # a closed <dialog> nothing: marked hidden for the old query
        for closed in tree.xpath("//details[not(@open)] | //dialog[not(@open)]"):
            closed.text = None
            summaries = closed.findall("summary")[:1] if closed.tag == "details" else []
            for child in closed:
                if child not in summaries:
                    child.set("hidden", "")
                child.tail = None
        expected = [str(text) for text in OLD_VISIBLE_TEXT(tree)]
        assert visible_text(lxml_html.document_fromstring(data)) == expected


# -- a whole site ---------------------------------------------------------------------------------

def test_real_articles_built_in_parallel_equal_one_process(tmp_path):
    root = tmp_path / "real"
    subprocess.run([sys.executable, str(REPO / "bench/generate.py"), str(root), "--articles",
                    "60", "--real"], check=True, capture_output=True)
    env = {"SOURCE_DATE_EPOCH": "1800000000"}
    outs = []
    for jobs, cache in (("1", "--no-cache"), ("2", None)):
        out = tmp_path / f"out-{jobs}"
        args = ["--root", str(root), "build", "--out", str(out), "--jobs", jobs, "--quiet"]
        result = run_cli(*args, *([cache] if cache else []), env=env, timeout=300)
        assert result.code == 0, result.err
        outs.append(snapshot(out))
    assert outs[0] == outs[1]
    assert sum(1 for name in outs[0] if name.startswith("articles/")) > 60
    assert Path(root / ".careleaf/cache").is_dir()
