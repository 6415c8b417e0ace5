"""Each pipeline stage on its own, without a disk where it can."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from conftest import SITE_YAML
from lxml import html as lxml_html

from careleaf.diagnostics import Report
from careleaf.discover import discover
from careleaf.graph import related_articles
from careleaf.markdown_ext import MarkdownRenderer
from careleaf.schema import SiteConfig
from careleaf.sourcefile import load_yaml
from careleaf.urls import Urls, output_path

CONFIG = SiteConfig.model_validate(yaml.safe_load(SITE_YAML))


def convert(text: str, base: str = "https://example.org/"):
    renderer = MarkdownRenderer(CONFIG, Urls(base))
    renderer.start_document()
    converted = renderer.convert(text)
    return converted, lxml_html.fragment_fromstring(converted.html, create_parent="div")


def test_urls_under_a_sub_path():
    urls = Urls("https://example.org/health/")
    assert urls.url("articles/x/") == "/health/articles/x/"
    assert urls.url("/about/#who") == "/health/about/#who"
    assert urls.url() == "/health/"
    assert urls.url("sitemap.xml", absolute=True) == "https://example.org/health/sitemap.xml"
    assert output_path("articles/x/") == "articles/x/index.html"
    assert output_path("") == "index.html" and output_path("404.html") == "404.html"


def test_citations_number_by_first_use_and_repeat():
    converted, doc = convert("A [@b]. B [@a; @b]. C [@a].")
    assert [c[0] for c in converted.citations] == ["b", "a"]
    links = doc.xpath("//sup[@class='citation']/a")
    assert [a.text_content() for a in links] == ["Reference 1", "Reference 2", "Reference 1",
                                                 "Reference 2"]
    assert [a.get("href") for a in links] == ["#ref-b", "#ref-a", "#ref-b", "#ref-a"]
    assert len({a.get("id") for a in links}) == 4  # each use has its own back-link target


def test_table_caption_scope_and_wrapper():
    _, doc = convert("Table: Side effects\n\n| Effect | What to do |\n|---|:---:|\n"
                     "| Dry mouth | Sip water |\n")
    wrap = doc.xpath("//div[@class='table-wrap']")[0]
    assert wrap.get("tabindex") == "0" and wrap.get("role") == "region"
    caption = wrap.xpath(".//caption")[0]
    assert caption.text_content() == "Side effects"
    assert wrap.get("aria-labelledby") == caption.get("id")
    assert [th.get("scope") for th in doc.xpath("//thead//th")] == ["col", "col"]
    assert doc.xpath("//tbody/tr/th[@scope='row']")[0].text_content() == "Dry mouth"
    assert not doc.xpath("//*[@style]")  # alignment as classes, so CSP needs no inline style
    assert doc.xpath("//td[@class='align-center']")


def test_callouts_take_titles_from_site_yaml():
    _, doc = convert('!!! urgent\n    - you feel worse\n\n!!! important "Do not stop"\n    Text.\n')
    urgent, important = doc.xpath("//div[@role='note']")
    assert urgent.get("class") == "callout callout--urgent"
    title = urgent.xpath(f".//*[@id='{urgent.get('aria-labelledby')}']")[0]
    assert title.text_content() == "Urgent advice: Call 111 now if:"
    assert "Do not stop" in important.text_content()


def test_root_relative_links_go_through_the_url_function():
    _, doc = convert("[a](/articles/x/) [b](https://www.nhs.uk/) [c](#here)",
                     base="https://example.org/health/")
    hrefs = doc.xpath("//a/@href")
    assert hrefs == ["/health/articles/x/", "https://www.nhs.uk/", "#here"]
    assert doc.xpath("//a[@href='https://www.nhs.uk/']/@rel") == ["noreferrer"]


def test_unsafe_html_is_removed():
    _, doc = convert('<script>x()</script><iframe src="https://evil"></iframe>\n\n'
                     '<img src="/a.png" onerror="x()">\n\n[y](javascript:alert(1))')
    html = lxml_html.tostring(doc).decode()
    assert "script" not in html and "iframe" not in html and "onerror" not in html
    assert "javascript:" not in html


def test_yaml_lines_point_at_keys():
    report = Report(Path("."))
    data = load_yaml("a: 1\nb:\n  - x\n  - y\n", Path("f.yaml"), report, first_line=2)
    assert data is not None
    assert data.line_of(("a",)) == 2 and data.line_of(("b", 1)) == 5
    assert data.line_of(("nope",)) == 2


def test_discover_reports_files_it_would_ignore(tmp_path):
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "articles/a.md").write_text("x")
    (content / "articles/b.markdown").write_text("x")
    (content / "articles/.swap.md").write_text("x")
    (content / "notes.txt").write_text("x")
    report = Report(tmp_path)
    inventory = discover(content, report)
    assert [p.name for p in inventory.articles] == ["a.md"]
    assert {d.path for d in report.errors} == {"content/articles/b.markdown", "content/notes.txt"}


class FakeMeta:
    def __init__(self, medicines, topics, title):
        self.medicines, self.topics, self.title = medicines, topics, title
        self.last_reviewed = dt.date(2026, 1, 1)


class FakeArticle:
    def __init__(self, slug, medicines, topics):
        self.slug, self.meta = slug, FakeMeta(medicines, topics, slug)


def test_related_articles_weigh_a_shared_medicine_as_two_topics():
    me = FakeArticle("me", ["amitriptyline"], ["migraine", "nerve-pain"])
    same_medicine = FakeArticle("b-same-medicine", ["amitriptyline"], ["sleep"])
    two_topics = FakeArticle("a-two-topics", ["gabapentin"], ["migraine", "nerve-pain"])
    one_topic = FakeArticle("c-one-topic", ["gabapentin"], ["migraine"])
    unrelated = FakeArticle("d-unrelated", ["gabapentin"], ["sleep"])
    ranked = related_articles(me, (me, one_topic, unrelated, two_topics, same_medicine))
    assert [a.slug for a in ranked] == ["a-two-topics", "b-same-medicine", "c-one-topic"]
