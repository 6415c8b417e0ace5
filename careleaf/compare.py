"""Comparison pages: `/compare/<a>-vs-<b>/` for each pair of medicines that share a topic.

A comparison is built like any embedded table, from a `:: compare` directive, so it has
the same accessible markup and cites the records' sources.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from .cache import Memo
from .directives import BUILT_IN_ROWS
from .markdown_ext import Converted, MarkdownRenderer
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


def comparisons(content: Content, renderer: MarkdownRenderer,
                memo: Memo | None = None) -> tuple[Comparison, ...]:
    """A comparison's HTML depends on the two records (and site.yaml, the glossary): the
    memo is keyed on those, as dumped for the directives, so an unchanged pair is reused."""
    memo = memo or Memo(Path("."), "compare", enabled=False)
    context = pickle.dumps((renderer.ext.site.model_dump(), renderer.ext.glossary_ids),
                           protocol=5)
    topics = medicine_topics(content)
    out = []
    for first, second in combinations(sorted(content.medicines, key=lambda m: m.key), 2):
        shared = topics[first.key] & topics[second.key]
        if not shared:
            continue
        facts = set(first.record.facts) & set(second.record.facts)
        rows = [r for r in DEFAULT_ROWS if r in BUILT_IN_ROWS or r in facts]
        directive = f":: compare {first.key} {second.key} rows={','.join(rows)}"
        key = (context, pickle.dumps((first.record.model_dump(), second.record.model_dump()),
                                     protocol=5), directive.encode())
        converted = memo.get(*key, valid=lambda value: isinstance(value, Converted))
        if converted is None:
            renderer.start_document()
            converted = renderer.convert(directive)
            memo.put(converted, *key)
        sources = {r.source.id: r.source for m in (first, second) for r in m.references}
        references = tuple(
            Reference(n, sources[sid], anchors)
            for n, (sid, anchors) in enumerate(converted.citations, start=1))
        out.append(Comparison(f"{first.key}-vs-{second.key}", (first, second),
                              tuple(sorted(shared)), converted.html, references))
    return tuple(out)
