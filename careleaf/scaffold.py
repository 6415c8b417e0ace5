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
from .schema import SLUG_PATTERN, ArticleMeta

DESCRIPTION_LIMIT = next(m.max_length for m in ArticleMeta.model_fields["description"].metadata
                         if hasattr(m, "max_length"))

TEMPLATE = """\
---
title: {title}
description: TODO one sentence (at most {description_limit} characters) for search results.
medicines: {medicines}
topics: {topics}
summary: >
  TODO two or three plain sentences that answer the reader's question straight away.
key_points:
  - TODO the first thing a reader must know.
  - TODO when to get help.
author: {author}
# reviewed_by: the id of the clinical reviewer who checked it (content/people.yaml)
published: {today}
last_reviewed: {today}
next_review: {next_review}
# also: other words search should find this page by, e.g. [overdose, took too many]
# corrections: after publishing, each change to a fact, newest first
#   - date: YYYY-MM-DD
#     text: What was wrong and what it says now.
sources:
  - id: source-1
    type: patient-info  # or smpc, pil, label, guideline, systematic-review, study ...
    title: TODO title of the page or paper
    publisher: TODO publisher, e.g. NHS
    # url: only the exact address of the page you read
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


def _read(path: Path) -> object:
    """A data file as `new` needs it: None when it is missing or cannot be read (the
    build reports why, with its line; `new` only needs the names it can find)."""
    try:
        return yaml.safe_load(path.read_text("utf-8")) if path.is_file() else None
    except (yaml.YAMLError, UnicodeDecodeError, OSError, RecursionError, ValueError):
        return None


def _people_ids(path: Path) -> list[str]:
    data = _read(path)
    return [p["id"] for p in data if isinstance(p, dict) and isinstance(p.get("id"), str)] \
        if isinstance(data, list) else []


MAX_SLUG_CHARS = 80  # a URL part people can read; far below file systems' 255 bytes


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug if len(slug) <= MAX_SLUG_CHARS else \
        slug[:MAX_SLUG_CHARS + 1].rsplit("-", 1)[0][:MAX_SLUG_CHARS].strip("-")


def write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet (FileExistsError if it does): Careleaf never
    overwrites what an editor made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(text)


def _keys_of(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def new_article(root: Path, title: str, medicines: list[str], topics: list[str] | None,
                slug: str | None, author: str | None = None) -> int:
    content = root / "content"
    people = _people_ids(content / "people.yaml")
    if author is None and len(people) == 1:
        author = people[0]  # the only person there is
    known_medicines = _keys_of(content / "medicines")
    topic_data = _read(content / "topics.yaml")
    known_topics = [key for key in topic_data if isinstance(key, str)] \
        if isinstance(topic_data, dict) else []
    problems = [  # never "did you mean" another medicine: a near name is another medicine
        f"error[unknown-medicine]: there is no medicine record for '{m}'"
        f"\n  hint: add content/medicines/{m}.yaml first (see 'Medicine records' in "
        f"README.md); records so far: {', '.join(known_medicines) or '(none yet)'}"
        for m in medicines if m not in known_medicines
    ]
    problems += [
        f"error[unknown-topic]: no topic '{t}'{did_you_mean(t, known_topics)}"
        f"\n  hint: topics are: {', '.join(known_topics) or '(none yet)'}"
        for t in topics or [] if t not in known_topics
    ]
    if author is not None and author not in people:
        problems.append(f"error[unknown-person]: '{author}' is not in content/people.yaml"
                        f"{did_you_mean(author, people)}\n  hint: people are: "
                        f"{', '.join(people) or '(none yet)'}")
    if slug is not None and not re.match(SLUG_PATTERN, slug):
        problems.append(f"error[slug-invalid]: {slug!r} cannot be a file name and URL"
                        "\n  hint: use lowercase letters, digits and hyphens, e.g. "
                        "gabapentin-and-sleep")
    elif slug is not None and len(slug) > MAX_SLUG_CHARS:
        problems.append(f"error[slug-invalid]: the slug has {len(slug)} characters; at most "
                        f"{MAX_SLUG_CHARS} make a usable file name and URL"
                        "\n  hint: use a few words, e.g. gabapentin-and-sleep")
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
        medicines="[" + ", ".join(medicines) + "]",
        # no topic given: say so, rather than pick one the editor did not choose
        topics="[" + ", ".join(topics or ["TODO"]) + "]",
        description_limit=DESCRIPTION_LIMIT,
        today=today.isoformat(), next_review=next_review.isoformat(), faq_heading=faq_heading,
        author=author or "TODO your id in content/people.yaml",
    )
    try:
        write_new(path, text)
    except OSError as exc:
        print(f"{path.relative_to(root)}:1:1: error[write-failed]: could not write the "
              f"article: {exc.strerror or exc}\n  hint: check the folder's permissions and "
              "free disk space", file=sys.stderr)
        return 1
    print(f"wrote {path.relative_to(root)} (a draft: preview it with `careleaf serve --drafts`)")
    return 0
