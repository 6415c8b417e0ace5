"""Stage 5, site graph: which pages exist, where they live, and how they link.

Every page the site will have is a `Route`; two routes may never share an output file
(the mistake Pelican answers with FileOverwriteFailedError, and so do we).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Report
from .schema import SiteConfig
from .urls import Urls, output_path
from .validate import Article, Content, Medicine, Page, TopicEntry

RELATED_LIMIT = 3
RESERVED = {"articles", "medicines", "topics", "static", "404.html", "feed.xml",
            "sitemap.xml", "robots.txt", "pagefind", "search", "glossary", "compare", "_headers",
            "people", "index.html", ".careleaf-site"}


@dataclass(frozen=True)
class Crumb:
    title: str
    path: str | None  # None for the current page


@dataclass(frozen=True)
class Route:
    path: str  # site path, e.g. "articles/x/"; "404.html" for the not-found page
    template: str
    title: str
    description: str
    crumbs: tuple[Crumb, ...]
    lastmod: dt.date | None = None
    in_sitemap: bool = True
    og_type: str = "website"
    searchable: bool = True  # indexed by Pagefind (lists, search and 404 are not)
    draft: bool = False  # shown only with --drafts: labelled, never indexed
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def output(self) -> str:
        return output_path(self.path)


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    urls: Urls
    today: dt.date
    content: Content
    by_medicine: dict[str, tuple[Article, ...]]
    by_topic: dict[str, tuple[Article, ...]]
    related: dict[str, tuple[Article, ...]]
    routes: tuple[Route, ...]

    def medicine(self, key: str) -> Medicine:
        return next(m for m in self.content.medicines if m.key == key)

    def topic(self, key: str) -> TopicEntry:
        return next(t for t in self.content.topics if t.key == key)


def related_articles(article: Article, articles: tuple[Article, ...],
                     by_medicine: dict[str, tuple[Article, ...]] | None = None,
                     by_topic: dict[str, tuple[Article, ...]] | None = None,
                     ) -> tuple[Article, ...]:
    """Other articles ranked by shared medicines (weighted double) and shared topics.

    Only articles that share something can score; the indexes (medicine or topic key ->
    its articles) find them without scoring every pair of a large site."""
    def score(other: Article) -> int:
        medicines = set(article.meta.medicines) & set(other.meta.medicines)
        topics = set(article.meta.topics) & set(other.meta.topics)
        return 2 * len(medicines) + len(topics)

    if by_medicine is not None and by_topic is not None:
        candidates = {a.slug: a for key in article.meta.medicines
                      for a in by_medicine.get(key, ())}
        candidates |= {a.slug: a for key in article.meta.topics for a in by_topic.get(key, ())}
        pool = tuple(candidates.values())
    else:
        pool = articles
    ranked = sorted(
        (a for a in pool if a.slug != article.slug and score(a) > 0),
        key=lambda a: (-score(a), a.meta.title),
    )
    return tuple(ranked[:RELATED_LIMIT])


# slug -> related slugs, for the front matter they were ranked from (kept by `serve`)
_ranked: tuple[tuple, dict[str, tuple[str, ...]]] | None = None


def _related(articles: tuple[Article, ...], by_medicine: dict[str, tuple[Article, ...]],
             by_topic: dict[str, tuple[Article, ...]]) -> dict[str, tuple[Article, ...]]:
    """Every article's related articles. They depend only on titles, medicines and topics,
    so a rebuild whose front matter is unchanged ranks nothing again."""
    global _ranked
    key = tuple((a.slug, a.meta.title, tuple(a.meta.medicines), tuple(a.meta.topics))
                for a in articles)
    if _ranked is None or _ranked[0] != key:
        if len({a.meta.title for a in articles}) == len(articles):
            _ranked = (key, _ranked_by_group(articles, set(by_medicine), set(by_topic)))
        else:  # two titles alike: ties keep related_articles' order of candidates
            _ranked = (key, {a.slug: tuple(r.slug for r in
                                           related_articles(a, articles, by_medicine, by_topic))
                             for a in articles})
    by_slug = {a.slug: a for a in articles}
    return {slug: tuple(by_slug[r] for r in ranked) for slug, ranked in _ranked[1].items()}


def _ranked_by_group(articles: tuple[Article, ...], medicine_keys: set[str],
                     topic_keys: set[str]) -> dict[str, tuple[str, ...]]:
    """slug -> related slugs, ranked as related_articles ranks them, when no two articles
    have one title (so the ranking has no ties). Articles that name the same medicines and
    topics score alike against any other, so each group of them is scored once against
    each other group: a site of many articles about a few medicines is not scored pair by
    pair (a million pairs at 1,000 articles)."""
    groups: dict[tuple[frozenset[str], frozenset[str]], list[Article]] = {}
    for article in articles:
        groups.setdefault((frozenset(article.meta.medicines), frozenset(article.meta.topics)),
                          []).append(article)
    naming: dict[tuple[str, str], list[tuple[frozenset[str], frozenset[str]]]] = {}
    for group, members in groups.items():
        members.sort(key=lambda a: a.meta.title)
        for medicine in group[0] & medicine_keys:  # as the indexes find candidates
            naming.setdefault(("medicine", medicine), []).append(group)
        for topic in group[1] & topic_keys:
            naming.setdefault(("topic", topic), []).append(group)
    ranked: dict[str, tuple[str, ...]] = {}
    for (medicines, topics), members in groups.items():
        near = dict.fromkeys(other for key in [*(("medicine", m) for m in medicines),
                                                *(("topic", t) for t in topics)]
                             for other in naming.get(key, ()))
        scored = sorted(((2 * len(medicines & other[0]) + len(topics & other[1]), other)
                         for other in near), key=lambda pair: -pair[0])
        best: list[Article] = []  # one more than shown: an article is not its own relation
        for _, tier in itertools.groupby(scored, key=lambda pair: pair[0]):
            merged = heapq.merge(*(groups[other] for _, other in tier),
                                 key=lambda a: a.meta.title)
            best += itertools.islice(merged, RELATED_LIMIT + 1 - len(best))
            if len(best) > RELATED_LIMIT:
                break
        for article in members:
            ranked[article.slug] = tuple(a.slug for a in best
                                         if a.slug != article.slug)[:RELATED_LIMIT]
    return ranked


def _index(articles: tuple[Article, ...], keys: list[str], field: str
           ) -> dict[str, tuple[Article, ...]]:
    """key -> the articles that name it in `field`, in site order (one pass)."""
    found: dict[str, list[Article]] = {key: [] for key in keys}
    for article in articles:
        for key in dict.fromkeys(getattr(article.meta, field)):
            if key in found:
                found[key].append(article)
    return {key: tuple(value) for key, value in found.items()}


def _latest(articles: tuple[Article, ...]) -> dt.date | None:
    return max((a.meta.last_reviewed for a in articles), default=None)


def make_site(config: SiteConfig, content: Content, today: dt.date, report: Report) -> Site:
    urls = Urls(config.base_url)
    by_medicine = _index(content.articles, [m.key for m in content.medicines], "medicines")
    by_topic = _index(content.articles, [t.key for t in content.topics], "topics")
    related = _related(content.articles, by_medicine, by_topic)

    home = Crumb("Home", urls.home())
    medicines_crumb = Crumb("Medicines", "medicines/")
    topics_crumb = Crumb("Topics", "topics/")
    newest = _latest(content.articles)
    routes: list[Route] = [
        Route(urls.home(), "home.html", config.title, config.tagline, (), newest,
              searchable=False),
        Route("articles/", "articles.html", "All articles",
              f"Every article on {config.title}.", (home, Crumb("All articles", None)), newest,
              searchable=False),
        Route("medicines/", "medicines.html", "Medicines A to Z",
              "The medicines this site covers, with their side effects and articles.",
              (home, Crumb("Medicines", None)), newest, searchable=False),
        Route("topics/", "topics.html", "Topics",
              "Articles grouped by the symptom or question they cover.",
              (home, Crumb("Topics", None)), newest, searchable=False),
    ]
    for article in content.articles:
        first = article.meta.medicines[0]
        medicine = next(m for m in content.medicines if m.key == first)
        routes.append(Route(
            urls.article(article.slug), "article.html", article.meta.title,
            article.meta.description,
            (home, medicines_crumb, Crumb(medicine.record.name, urls.medicine(first)),
             Crumb(article.meta.title, None)),
            article.meta.last_reviewed, og_type="article", in_sitemap=not article.meta.draft,
            searchable=not article.meta.draft, draft=article.meta.draft,
            context={"article": article, "related": related[article.slug]},
        ))
    for medicine in content.medicines:
        articles = by_medicine[medicine.key]
        routes.append(Route(
            urls.medicine(medicine.key), "medicine.html", medicine.record.name,
            f"{medicine.record.name}: {medicine.record.summary}",
            (home, medicines_crumb, Crumb(medicine.record.name, None)),
            max(filter(None, (medicine.review.last_reviewed, _latest(articles)))),
            context={"medicine": medicine, "articles": articles},
        ))
    for entry in content.topics:
        articles = by_topic[entry.key]
        routes.append(Route(
            urls.topic(entry.key), "topic.html", entry.topic.title, entry.topic.description,
            (home, topics_crumb, Crumb(entry.topic.title, None)), _latest(articles),
            context={"topic": entry, "articles": articles},
        ))
    for page in content.pages:
        _reserved(page, report)
        routes.append(Route(
            urls.page(page.slug), "page.html", page.meta.title, page.meta.description,
            (home, Crumb(page.meta.title, None)), page.meta.last_reviewed,
            in_sitemap=not page.meta.draft, searchable=not page.meta.draft,
            draft=page.meta.draft, context={"page": page},
        ))
    for comparison in content.comparisons:
        first, second = comparison.medicines
        title = f"{first.record.name} and {second.record.name.lower()} compared"
        routes.append(Route(
            urls.compare(comparison.slug), "compare.html", title,
            f"{title}: what each is for, how it affects muscles, side effects and stopping.",
            (home, medicines_crumb, Crumb(title, None)),
            max(first.review.last_reviewed, second.review.last_reviewed),
            context={"comparison": comparison},
        ))
    if content.glossary and content.glossary.entries:
        routes.append(Route(
            "glossary/", "glossary.html", "Glossary",
            "Plain-English meanings of the medical words used on this site.",
            (home, Crumb("Glossary", None)), content.glossary.review.last_reviewed,
            context={"glossary": content.glossary},
        ))
    if content.people:
        people_crumb = Crumb("Who writes and reviews our pages", "people/")
        routes.append(Route(
            "people/", "people.html", "Who writes and reviews our pages",
            f"The people who write {config.title} and the clinicians who check it.",
            (home, Crumb(people_crumb.title, None)), None, searchable=False,
            context={},
        ))
        for person in content.people:
            routes.append(Route(
                urls.person(person.id), "person.html", person.name,
                f"{person.name}, {person.role}: what they have written and reviewed on "
                f"{config.title}.", (home, people_crumb, Crumb(person.name, None)), None,
                searchable=False, context={"person": person},
            ))
    routes.append(Route("search/", "search.html", "Search",
                        f"Search {config.title}.", (home, Crumb("Search", None)),
                        in_sitemap=False, searchable=False))
    routes.append(Route("404.html", "404.html", "Page not found",
                        "The page you asked for is not here.", (), in_sitemap=False,
                        searchable=False))
    _one_route_per_file(routes, report)
    return Site(config, urls, today, content, by_medicine, by_topic, related, tuple(routes))


def _reserved(page: Page, report: Report) -> None:
    if page.slug.casefold() in RESERVED:
        report.error(page.path, 1, "slug-reserved",
                     f"slug '{page.slug}' is taken by the site's own pages",
                     "rename the file or set another 'slug:'")


def _one_route_per_file(routes: list[Route], report: Report) -> None:
    seen: dict[str, Route] = {}
    for route in routes:
        if route.output in seen:
            report.error("content", 1, "output-duplicate",
                         f"'{route.title}' and '{seen[route.output].title}' would both be "
                         f"written to {route.output}", "rename one of them")
        seen[route.output] = route
