"""Bad input never gives a traceback: `path:line:col: error[code]: message`, a hint, and
exit status 1 (2 for configuration and usage errors)."""

from __future__ import annotations

import re

import pytest
from conftest import ARTICLE, RECORD_YAML

ART = "content/articles/gabapentin-twitching.md"


def article_with(old: str, new: str) -> str:
    assert old in ARTICLE
    return ARTICLE.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return text.split("\n").index(needle) + 1 if needle in text.split("\n") else next(
        i for i, line in enumerate(text.split("\n"), 1) if needle in line)


CASES = {
    "malformed-yaml": (
        {ART: article_with("title: Gabapentin and twitching", "title: [unclosed")},
        ART, "yaml-syntax", None,
    ),
    "missing-field": (
        {ART: article_with("author: a-writer\n", "")},
        ART, "schema-missing", "author",
    ),
    "mistyped-field": (
        {ART: article_with("published: 2026-01-10", "published: 2026")},
        ART, "schema-value", "published",
    ),
    "list-not-text": (
        {ART: article_with("topics: [twitching]", "topics: twitching")},
        ART, "schema-type", "topics",
    ),
    "unknown-key": (
        {ART: article_with("author: a-writer", "author: a-writer\nreviwed_on: 2026-01-10")},
        ART, "schema-unknown-key", "reviwed_on",
    ),
    "unknown-medicine": (
        {ART: article_with("medicines: [gabapentin]", "medicines: [gabapentine]")},
        ART, "unknown-medicine", "gabapentine",
    ),
    "unknown-topic": (
        {ART: article_with("topics: [twitching]", "topics: [twiching]")},
        ART, "unknown-topic", "twiching",
    ),
    "unresolved-citation": (
        {ART: article_with("cause jerks [@label]", "cause jerks [@lable]")},
        ART, "citation-unresolved", "lable",
    ),
    "duplicate-slug": (
        {"content/articles/another.md": article_with(
            "published:", "slug: gabapentin-twitching\npublished:")},
        "content/articles/gabapentin-twitching.md", "slug-duplicate", None,
    ),
    "non-utf8": (
        {ART: ARTICLE.replace("jerks", "jerks caf\xe9").encode("latin-1")},
        ART, "file-encoding", None,
    ),
    "empty-file": ({ART: ""}, ART, "file-empty", None),
    "unsafe-slug": (
        {ART: article_with("published:", "slug: ../../etc\npublished:")},
        ART, "slug-unsafe", None,
    ),
    "no-front-matter": ({ART: "Just text, no front matter.\n"}, ART, "front-matter-missing",
                        None),
    "unknown-callout": (
        {ART: article_with("!!! urgent", "!!! urgnet")}, ART, "callout-unknown", None,
    ),
    "table-without-caption": (
        {ART: ARTICLE + "\n| Side effect | What to do |\n|---|---|\n| Jerks | Call 111 |\n"},
        ART, "table-caption-missing", None,
    ),
    "reserved-slug": (
        {"content/pages/medicines.md": "---\ntitle: Our medicines\ndescription: d\n---\n\nText.\n"},
        "content/pages/medicines.md", "slug-reserved", None,
    ),
    "bad-medicine-record": (
        {"content/medicines/gabapentin.yaml": RECORD_YAML.replace(
            "class: Anticonvulsant", "class: [3]")},
        "content/medicines/gabapentin.yaml", "schema-type", "class",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_with_file_line_and_code(case, make_site, cli):
    files, path, code, needle = CASES[case]
    root = make_site(files)
    out = root / "_site"
    result = cli("--root", str(root), "build", "--out", str(out))

    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    match = re.search(rf"^{re.escape(path)}:(\d+):(\d+): error\[{code}\]: (.+)$", result.err,
                      re.MULTILINE)
    assert match, result.err
    text = (root / path).read_bytes().decode("utf-8", "replace")
    if needle:
        assert needle in match.group(3)
        # the reported line is the line where the editor wrote (or should write) the key
        lines = text.split("\n")
        reported = int(match.group(1))
        assert needle in lines[reported - 1] or code == "schema-missing", (reported, result.err)
    assert "hint:" in result.err
    assert not out.exists(), "a failed build must not publish anything"


def test_line_numbers_point_at_the_problem(make_site, cli):
    root = make_site({ART: article_with("cause jerks [@label]", "cause jerks [@nope]")})
    result = cli("--root", str(root), "check")
    text = (root / ART).read_text()
    expected = line_of(text, "Gabapentin can cause jerks [@nope].")
    col = text.split("\n")[expected - 1].index("@nope") + 1
    assert f"{ART}:{expected}:{col}: error[citation-unresolved]" in result.err


def test_malformed_yaml_line_is_the_broken_line(make_site, cli):
    root = make_site({ART: article_with("summary: Twitching can happen.",
                                        "summary: Twitching: can happen.")})
    result = cli("--root", str(root), "check")
    text = (root / ART).read_text()
    assert result.code == 1
    assert f"{ART}:{line_of(text, 'summary: Twitching: can happen.')}:" in result.err
    assert "error[yaml-syntax]" in result.err


def test_unknown_key_suggests_the_right_one(make_site, cli):
    root = make_site({ART: article_with("reviewed_by:", "reviewd_by:")})
    result = cli("--root", str(root), "check")
    assert 'did you mean "reviewed_by"?' in result.err


def test_all_errors_of_a_run_are_reported_together(make_site, cli):
    text = article_with("medicines: [gabapentin]", "medicines: [nope]")
    text = text.replace("cause jerks [@label]", "cause jerks [@missing]")
    root = make_site({ART: text, "content/articles/empty.md": ""})
    result = cli("--root", str(root), "check")
    codes = set(re.findall(r"error\[([\w-]+)\]", result.err))
    assert {"unknown-medicine", "citation-unresolved", "file-empty"} <= codes


@pytest.mark.parametrize(
    ("yaml_text", "code"),
    [
        ("title: [broken\n", "yaml-syntax"),
        ("title: Only a title\n", "schema-missing"),
    ],
)
def test_config_errors_exit_2(make_site, cli, yaml_text, code):
    root = make_site({"site.yaml": yaml_text})
    result = cli("--root", str(root), "build")
    assert result.code == 2
    assert "site.yaml:1:" in result.err and f"error[{code}]" in result.err
    assert "Traceback" not in result.err


def test_usage_errors_exit_2(cli, tmp_path):
    assert cli("build", "--no-such-flag").code == 2
    assert cli("--root", str(tmp_path), "build").code == 2  # no site.yaml there
    result = cli("build", "--base-url", "not a url", "--out", str(tmp_path / "o"))
    assert result.code == 2 and "error[config-base-url]" in result.err


def test_raw_script_is_refused_and_nothing_is_published(make_site, cli):
    # the renderer would strip these too (see test_stages); the check names each one
    root = make_site({ART: ARTICLE + "\n<script>alert(1)</script>\n\n"
                           '<a href="javascript:alert(1)" onclick="x()">x</a>\n'})
    out = root / "_site"
    result = cli("--root", str(root), "build", "--out", str(out))
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.count("error[html-unsafe]") == 3
    assert not out.exists()
