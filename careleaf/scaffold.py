"""`careleaf new`: start an article with every required field filled in.

The new file is a draft, so it is not published until the editor removes `draft: true`.
It never overwrites a file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import yaml

from .diagnostics import did_you_mean

TEMPLATE = """\
---
title: {title}
description: TODO one sentence (under 160 characters) for search results and link previews.
medicines: {medicines}
topics: {topics}
summary: >
  TODO two or three plain sentences that answer the reader's question straight away.
key_points:
  - TODO the first thing a reader must know.
  - TODO when to get help.
author: TODO your name
reviewed_by: TODO the reviewer's name and role
published: {today}
last_reviewed: {today}
next_review: {next_review}
sources:
  - id: source-1
    title: TODO title of the page or paper
    publisher: TODO publisher, e.g. NHS
    url: https://www.nhs.uk/
draft: true
---

TODO a short introduction that says what this page covers [@source-1].

## What is it?

TODO write in short sentences and explain medical words the first time you use them.

## When to get medical help

!!! urgent
    - TODO a symptom that needs a doctor or 111 today

!!! emergency
    - TODO a symptom that needs 999 or A&E

## {faq_heading}

### TODO a question readers ask?

TODO a short answer [@source-1].
"""


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _keys_of(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def new_article(root: Path, title: str, medicines: list[str], topics: list[str] | None,
                slug: str | None) -> int:
    content = root / "content"
    known_medicines = _keys_of(content / "medicines")
    topics_file = content / "topics.yaml"
    try:
        known_topics = list(yaml.safe_load(topics_file.read_text("utf-8")) or {}) \
            if topics_file.is_file() else []
    except (yaml.YAMLError, UnicodeDecodeError):
        known_topics = []
    problems = [
        f"error[unknown-medicine]: no medicine record '{m}'{did_you_mean(m, known_medicines)}"
        f"\n  hint: medicines are: {', '.join(known_medicines) or '(none yet)'}; add "
        f"content/medicines/{m}.yaml first"
        for m in medicines if m not in known_medicines
    ]
    topics = topics or known_topics[:1]
    problems += [
        f"error[unknown-topic]: no topic '{t}'{did_you_mean(t, known_topics)}"
        f"\n  hint: topics are: {', '.join(known_topics) or '(none yet)'}"
        for t in topics if t not in known_topics
    ]
    if not topics:
        problems.append("error[unknown-topic]: content/topics.yaml has no topics yet"
                        "\n  hint: add one, then pass it with --topic")
    slug = slug or slugify(title)
    if not slug:
        problems.append(f"error[slug-invalid]: cannot make a file name from '{title}'"
                        "\n  hint: pass one with --slug")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    path = content / "articles" / f"{slug}.md"
    if path.exists():
        print(f"{path.relative_to(root)}:1:1: error[file-exists]: there is already an article "
              "here; it was left untouched\n  hint: choose another title or --slug",
              file=sys.stderr)
        return 1
    today = dt.date.today()
    try:
        next_review = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        next_review = today + dt.timedelta(days=365)
    from .config import load_config
    from .diagnostics import BuildFailed, Report

    try:
        faq_heading = load_config(root.resolve(), Report(root)).faq_heading
    except BuildFailed:
        faq_heading = "Frequently asked questions"
    text = TEMPLATE.format(
        title=json.dumps(title, ensure_ascii=False),  # a JSON string is valid YAML
        medicines="[" + ", ".join(medicines) + "]", topics="[" + ", ".join(topics) + "]",
        today=today.isoformat(), next_review=next_review.isoformat(), faq_heading=faq_heading,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(text)
    print(f"wrote {path.relative_to(root)} (a draft: preview it with `careleaf serve --drafts`)")
    return 0
