"""Shared fixtures: small inline sites built in temporary folders (as MkDocs' tests do),
the bundled site built once, and a runner for the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from lxml import html as lxml_html

REPO = Path(__file__).resolve().parent.parent

SITE_YAML = """\
title: Test Medicines
tagline: A test site
base_url: https://example.org/
publisher: Test team
region: UK
contact:
  email: corrections@example.org
disclaimer: >
  This is general information, not medical advice. Ask a doctor or pharmacist who knows you
  before you change anything.
emergency: In an emergency call 999.
get_help:
  items:
    - kind: urgent
      text: Call 111 if you are worried.
callout_titles:
  emergency: "Call 999 now if:"
  urgent: "Call 111 now if:"
  non-urgent: "Speak to a pharmacist if:"
"""

ARTICLE = """\
---
title: Gabapentin and twitching
description: What twitching on gabapentin may mean.
medicines: [gabapentin]
topics: [twitching]
summary: Twitching can happen. Get help if it gets worse.
key_points:
  - It is uncommon.
author: a-writer
reviewed_by: a-reviewer
published: 2026-01-10
last_reviewed: 2026-01-10
next_review: 2027-01-10
sources:
  - id: label
    type: label
    title: Neurontin prescribing information
    publisher: Pfizer
---

Gabapentin can cause jerks [@label].

## When to get help

!!! urgent
    - the jerks get worse
"""


def require(tool: str, found: bool) -> None:
    """Skip a test whose tool is missing, except under CI, where that is a failure."""
    if not found:
        message = f"{tool} is not installed (see README: Quick start)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run this test")
        pytest.skip(message)


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data) if data.startswith("\n") else data, "utf-8")


PEOPLE_YAML = """\
- id: a-writer
  name: A Writer
  role: Medical writer
- id: a-reviewer
  name: A Reviewer
  role: Pharmacist
  credentials: MPharm
  clinical_reviewer: true
  registration: {body: General Pharmaceutical Council, number: "0000000"}
"""

# A complete record: every section site.yaml requires by default, each cited; the
# frequency cited to the label with its section.
RECORD_YAML = """\
name: Gabapentin
class: Anticonvulsant
summary: For epilepsy and nerve pain.
author: a-writer
reviewed_by: a-reviewer
last_reviewed: 2026-01-10
next_review: 2027-01-10
availability:
  UK: {licensed: true, supply: prescription-only, controlled: Schedule 3 controlled drug,
       brand_names: [Neurontin], sources: [smpc]}
key_facts:
  - {text: It can make you sleepy., sources: [smpc]}
uses:
  licensed:
    - {text: Epilepsy., sources: [smpc]}
who_can_take:
  do_not_take:
    - {text: are allergic to it., sources: [smpc]}
  check_first:
    - {text: have kidney problems., sources: [smpc]}
how_to_take:
  doses:
    - {use: Adults, text: As your doctor tells you., sources: [smpc]}
  missed_dose: {text: Take it when you remember., sources: [smpc]}
  overdose:
    action: emergency
    text: Take the box with you.
    sources: [smpc]
    children: {text: If a child swallows any get help at once., sources: [smpc]}
side_effects:
  - name: Feeling sleepy
    frequency: very-common
    seriousness: mild
    action: self-care
    advice: Do not drive.
    tags: [sleep]
    sources: [{id: smpc, section: "4.8", checked: 2026-01-10}]
pregnancy:
  - {text: Ask your doctor first., sources: [smpc]}
breastfeeding:
  - {text: Ask your doctor first., sources: [smpc]}
interactions:
  - {medicine: Opioid painkillers, examples: [codeine], effect: More sleepiness.,
     advice: Ask your doctor first., sources: [smpc]}
driving:
  - {text: Do not drive if you feel sleepy., sources: [smpc]}
alcohol:
  - {text: Alcohol can make you sleepier., sources: [smpc]}
older_people:
  - {text: A lower dose may be needed., sources: [smpc]}
dependence:
  misuse:
    - {text: Some people misuse it., sources: [smpc]}
  withdrawal:
    - {text: Stopping suddenly can cause withdrawal symptoms., sources: [smpc]}
stopping:
  - {text: Do not stop suddenly., sources: [smpc]}
storage:
  - {text: Keep it out of the sight and reach of children., sources: [smpc]}
common_questions:
  - {question: How does it work?, answer: It calms nerve signals., sources: [smpc]}
sources:
  - {id: smpc, type: smpc, title: Gabapentin capsules SmPC, region: UK, publisher: emc}
"""


def minimal_files() -> dict[str, str | bytes]:
    return {
        "site.yaml": SITE_YAML,
        "content/people.yaml": PEOPLE_YAML,
        "content/medicines/gabapentin.yaml": RECORD_YAML,
        "content/topics.yaml": "twitching:\n  title: Twitching\n  description: Jerks.\n",
        "content/articles/gabapentin-twitching.md": ARTICLE,
    }


@pytest.fixture
def make_site(tmp_path: Path):
    """make_site({"path": text, ...}) -> a site folder with the real templates and static
    files, the minimal content above, and `files` laid over it (None deletes a file)."""

    made = []

    def make(files: dict[str, str | bytes | None] | None = None) -> Path:
        made.append(1)
        root = tmp_path / ("site" if len(made) == 1 else f"site{len(made)}")
        shutil.copytree(REPO / "templates", root / "templates")
        shutil.copytree(REPO / "static", root / "static")
        merged: dict = {**minimal_files(), **(files or {})}
        write_files(root, {k: v for k, v in merged.items() if v is not None})
        return root

    return make


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 120) -> Run:
    """Run the real command line, as an editor would."""
    proc = subprocess.run(
        [sys.executable, "-m", "careleaf", *args], cwd=cwd or REPO, capture_output=True,
        text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory) -> Path:
    """The bundled content, built once through the real CLI."""
    out = tmp_path_factory.mktemp("bundled") / "_site"
    result = run_cli("--root", str(REPO), "build", "--out", str(out))
    assert result.code == 0, result.err
    return out


def parse_page(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def html_pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html"))


# Property tests: under CI every run draws the same examples (derandomised, no example
# database), so a failure is real and the same on a rerun; a developer's run draws new
# ones each run and keeps failures in .hypothesis/ (git ignores it); each test fixes how
# many examples it draws. `HYPOTHESIS_PROFILE=ci` reproduces a CI run anywhere.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or
                      ("ci" if os.environ.get("CI") else "dev"))


BROWSER_TESTS = ("browser/", "test_validity.py")


def pytest_collection_modifyitems(config, items):
    """Tests that drive Chromium or the Nu HTML Checker are marked `browser`, so everyday
    work can leave them out: `pytest -m "not browser"`."""
    for item in items:
        where = Path(str(item.fspath)).relative_to(REPO / "tests").as_posix()
        if where.startswith(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)
