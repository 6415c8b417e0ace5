"""Random front matter and Markdown through `careleaf check` (issue 13): whatever an editor
types, the command ends with status 0, 1 or 2, within a time limit, never with a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import ARTICLE, REPO, SITE_YAML, minimal_files, write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ART = "content/articles/gabapentin-twitching.md"
SECONDS = 60  # the whole command, on a slow machine; each file has its own 5 s budget
FRONT, BODY = ARTICLE.split("\n---\n", 1)
FRONT = FRONT.removeprefix("---\n")

# Characters editors paste by accident or on purpose: controls, invisible and bidi
# characters, look-alikes, noncharacters, emoji, CJK, combining marks.
ODD = "\x00\x07\x0b\x0c\x1b\x7f\x85\u00a0\u00ad\u200b\u200d\u202e\u2066\u2028\ufeff" \
      "\ufffe\uffff\u0430\u03f2\uff43\U0001f48a\u4e2d\u0301"
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)) | st.sampled_from(ODD),
               max_size=80)
LINES = [
    "[" * 40, "[" * 6000, "(" * 300, "*" * 500, "_a" * 300, "`" * 200, "<" * 300, "&#" * 100,
    "> " * 60 + "x", "- " * 60 + "x", "[x](" * 300, "![i](//images.example/a.png)",
    "[x](https://cheap-meds-online.example/)", "Buy gabapentin online today.",
    "c a n a d i a n  p h a r m a c y", "<script>alert(1)</script>", "<div>" * 300,
    "!!! urgent", "!!! emergency\n    - now", ":: side-effects gabapentin",
    ":: compare gabapentin nothing rows=class", ":: side-effects", "[@label]", "[@missing]",
    "[12]", "300mg a day", "| a | b |\n|---|---|\n| 1 | 2 |", "Table: x\n\n| a |\n|---|",
    "## Frequently asked questions", "### A question?", "# Title again", "```", "~~~",
    "---", "TODO", "x" * 5001, "\t\tindented with tabs", "\\", "[link][ref]\n\n[ref]: /x/",
]
line = st.one_of(text, st.sampled_from(LINES), st.builds(
    lambda depth, marker: "    " * depth + marker + " x",
    st.integers(0, 60), st.sampled_from(["-", "*", "1.", ">"])))
body = st.lists(line, max_size=25).map(lambda lines: "\n".join(lines))

scalar = st.one_of(text, st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                   st.booleans(), st.none(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
                   st.sampled_from(["2026-02-30", "2026-13-01", "0000-00-00", "TODO",
                                    "!!binary AAAA", "*alias", "&anchor x", "[" * 200]))
value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4) |
                     st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=30)
KEYS = ["title", "description", "medicines", "topics", "summary", "key_points", "author",
        "reviewed_by", "published", "last_reviewed", "next_review", "sources", "slug", "draft"]


def _dumped(fields: dict) -> str:
    try:
        return yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError):
        return "title: x\n"


front = st.one_of(
    # the real front matter with some fields replaced by anything at all
    st.dictionaries(st.sampled_from(KEYS), value, max_size=5).map(
        lambda changed: _dumped({**yaml.safe_load(FRONT), **changed})),
    # nested deep
    st.integers(1, 400).map(lambda depth: FRONT + "extra: " + "[" * depth + "]" * depth + "\n"),
    st.integers(1, 400).map(lambda depth: FRONT + "extra:\n" + "".join(
        "  " * i + "-\n" for i in range(depth))),
    # hand-typed lines, most of them not YAML at all
    st.lists(st.one_of(text, st.sampled_from(LINES)), max_size=10).map(
        lambda lines: FRONT + "\n".join(lines) + "\n"),
)
raw = st.one_of(
    st.builds(lambda fm, md: f"---\n{fm}---\n{md}\n", front, body),
    st.builds(lambda md: ARTICLE + "\n" + md + "\n", body),
    st.binary(max_size=300).map(lambda b: b"---\ntitle: x\n---\n" + b),
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    write_files(root, {**minimal_files(),
                       "site.yaml": SITE_YAML + "limits:\n  max_seconds_per_file: 5\n"})
    return root


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(document=raw)
def test_any_front_matter_and_markdown_ends_in_a_diagnosis(site, document):
    path = site / ART
    path.write_bytes(document if isinstance(document, bytes) else
                     document.encode("utf-8", "surrogatepass"))
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "careleaf", "--root", str(site), "check", "--quiet",
         "--no-cache", "--jobs", "1"],
        capture_output=True, text=True, errors="replace", cwd=REPO, timeout=SECONDS * 2)
    elapsed = time.monotonic() - started
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert elapsed < SECONDS, f"took {elapsed:.0f}s"
    if proc.returncode:
        assert "error[" in proc.stderr, proc.stderr  # a failure always says why


# What may never reach a terminal or a CI log raw: controls, separators, bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SPACE_LIKE = "\u2800\uffa0\u3000\u00a0\u2009"
odd = st.text(alphabet=st.sampled_from(ODD + SPACE_LIKE + "ab:|\n\r\x1b\x07"), min_size=1,
              max_size=16)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(key=odd, title=odd, name=odd)
def test_odd_keys_titles_and_file_names_are_printed_escaped(site, key, title, name):
    articles = site / "content/articles"
    for extra in articles.glob("*.md"):
        if extra.name != Path(ART).name:
            extra.unlink()
    front = FRONT.replace("title: Gabapentin and twitching", f"title: {json.dumps(title)}")
    text = f"---\n{front}\n{json.dumps(key)}: 1\n---\n{BODY}"
    (site / ART).write_text(text)
    with contextlib.suppress(OSError, ValueError):
        (articles / f"{name}.md").write_text(text)
    try:
        _check_prints_escaped(site)
    finally:
        for extra in articles.glob("*.md"):
            if extra.name != Path(ART).name:
                extra.unlink()


def _check_prints_escaped(site: Path) -> None:
    for fmt in ("text", "github"):
        proc = subprocess.run(
            [sys.executable, "-m", "careleaf", "--root", str(site), "check", "--quiet",
             "--no-cache", "--jobs", "1", "--format", fmt],
            capture_output=True, text=True, errors="replace", cwd=REPO, timeout=SECONDS * 2)
        assert proc.returncode in (0, 1), proc.stderr
        printed = proc.stdout + proc.stderr
        assert "Traceback" not in printed
        assert not RAW_CONTROL.search(printed), repr(RAW_CONTROL.search(printed).group())
        if fmt == "text":
            assert not [line for line in printed.splitlines() if line.startswith("::")]
