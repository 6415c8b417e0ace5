"""`careleaf due`: everything that carries medical facts and is due for review.

Articles, medicine records, the glossary and comparison pages (which are as current as the
older of their two records), each with its next review date and reviewer. A scheduled
workflow runs it weekly and fails when anything is overdue, so a stale page cannot go
unnoticed between edits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import printable
from .validate import Content, Review


@dataclass(frozen=True)
class DueItem:
    kind: str  # article, medicine, glossary, comparison
    title: str
    path: str  # the file to edit (for a comparison, its records)
    url: str
    next_review: dt.date
    reviewer: str  # a name, or "" when no clinician has reviewed it

    def days(self, today: dt.date) -> int:
        return (self.next_review - today).days


def due_items(content: Content, urls, relative, today: dt.date, within: int) -> list[DueItem]:
    def reviewer(review: Review) -> str:
        return review.reviewer.name if review.reviewer else ""

    items = [DueItem("article", a.meta.title, relative(a.path), urls.article(a.slug),
                     a.review.next_review, reviewer(a.review)) for a in content.articles]
    items += [DueItem("medicine", m.record.name, relative(m.path), urls.medicine(m.key),
                      m.review.next_review, reviewer(m.review)) for m in content.medicines]
    if content.glossary:
        glossary = content.glossary
        items.append(DueItem("glossary", "Glossary", relative(glossary.path), "glossary/",
                             glossary.review.next_review, reviewer(glossary.review)))
    for comparison in content.comparisons:
        first, second = comparison.medicines
        earlier = min((first, second), key=lambda m: m.review.next_review)
        items.append(DueItem(
            "comparison", f"{first.record.name} and {second.record.name.lower()} compared",
            f"{relative(first.path)} + {relative(second.path)}", urls.compare(comparison.slug),
            earlier.review.next_review,
            " and ".join(filter(None, (reviewer(first.review), reviewer(second.review))))
            if first.review.reviewer and second.review.reviewer else ""))
    try:
        horizon = today + dt.timedelta(days=within)
    except OverflowError:  # --within beyond the calendar: everything is within it
        horizon = dt.date.max
    return sorted((i for i in items if i.next_review <= horizon),
                  key=lambda i: (i.next_review, i.kind, i.title))


def status(item: DueItem, today: dt.date) -> str:
    days = item.days(today)
    if days < 0:
        return f"overdue by {-days} day{'s' * (-days != 1)}"
    return "due today" if days == 0 else f"due in {days} day{'s' * (days != 1)}"


def _cell(text: str) -> str:
    """A Markdown table cell: one line, its own pipes and markup escaped."""
    text = " ".join(printable(text).split())
    return re.sub(r"([\\|`*_\[\]<>#])", r"\\\1", text)


def render(items: list[DueItem], today: dt.date, fmt: str, within: int) -> str:
    if fmt == "json":
        return json.dumps({"today": today.isoformat(), "within_days": within, "items": [
            {"kind": i.kind, "title": i.title, "path": i.path, "url": i.url,
             "next_review": i.next_review.isoformat(), "days": i.days(today),
             "overdue": i.days(today) < 0, "reviewer": i.reviewer or None} for i in items]},
            indent=2)
    who = [i.reviewer or "not reviewed by a clinician" for i in items]
    if fmt == "markdown":
        if not items:
            return f"Nothing is due for review within {within} days of {today.isoformat()}."
        lines = ["| due | kind | page | file | reviewer |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {i.next_review.isoformat()} ({status(i, today)}) | {i.kind} | "
                  f"{_cell(i.title)} | {_cell(i.path)} | {_cell(w)} |"
                  for i, w in zip(items, who, strict=True)]
        return "\n".join(lines)
    if not items:
        return f"nothing is due for review within {within} days of {today.isoformat()}"
    rows = [("next review", "status", "kind", "page", "reviewer", "file")]
    rows += [(i.next_review.isoformat(), status(i, today), i.kind, printable(i.title),
              printable(w), printable(i.path)) for i, w in zip(items, who, strict=True)]
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]) - 1)]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True))
           + "  " + row[-1] for row in rows]
    out.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 4)
    return "\n".join(out)


def relative_to(root: Path):
    def relative(path: Path) -> str:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()
    return relative
