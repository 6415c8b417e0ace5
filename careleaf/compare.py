"""Comparison pages: `/compare/<a>-vs-<b>/` for each pair of medicines that share a topic.

A comparison is built like any embedded table, from a `:: compare` directive, so it has
the same accessible markup and cites the records' sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from .directives import BUILT_IN_ROWS
from .markdown_ext import MarkdownRenderer
from .validate import Content, Medicine, Reference

DEFAULT_ROWS = ["class", "main_use", "effect_on_muscles", "licensed_uses", "common_side_effects",
                "serious_side_effects", "muscle_side_effects", "usual_length", "stopping"]


@dataclass(frozen=True)
class Comparison:
    slug: str  # "amitriptyline-vs-gabapentin"
    medicines: tuple[Medicine, Medicine]
    topics: tuple[str, ...]  # the topics they share
    html: str
    references: tuple[Reference, ...]


def medicine_topics(content: Content) -> dict[str, set[str]]:
    """The topics of the articles about each medicine."""
    topics: dict[str, set[str]] = {m.key: set() for m in content.medicines}
    for article in content.articles:
        for key in article.meta.medicines:
            topics[key] |= set(article.meta.topics)
    return topics


def comparisons(content: Content, renderer: MarkdownRenderer) -> tuple[Comparison, ...]:
    topics = medicine_topics(content)
    out = []
    for first, second in combinations(sorted(content.medicines, key=lambda m: m.key), 2):
        shared = topics[first.key] & topics[second.key]
        if not shared:
            continue
        facts = set(first.record.facts) & set(second.record.facts)
        rows = [r for r in DEFAULT_ROWS if r in BUILT_IN_ROWS or r in facts]
        renderer.start_document()
        converted = renderer.convert(
            f":: compare {first.key} {second.key} rows={','.join(rows)}")
        sources = {r.source.id: r.source for m in (first, second) for r in m.references}
        references = tuple(
            Reference(n, sources[sid], anchors)
            for n, (sid, anchors) in enumerate(converted.citations, start=1))
        out.append(Comparison(f"{first.key}-vs-{second.key}", (first, second),
                              tuple(sorted(shared)), converted.html, references))
    return tuple(out)
