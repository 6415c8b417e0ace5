"""Stage 3, parse: front matter and Markdown of each file, and the YAML data files.

Nothing here judges the content (that is `validate`); a file that cannot even be read
(not UTF-8, empty, broken YAML, no front matter) is reported and left out.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import multiprocessing.pool
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import frontmatter
from pydantic import ValidationError

from . import readability
from .cache import Memo, ParseCache
from .diagnostics import Diagnostic, Report
from .discover import Inventory
from .doc_checks import check_document, convertible
from .markdown_ext import Heading, MarkdownRenderer
from .progress import no_progress
from .schema import Limits, MedicineRecord, SiteConfig
from .sourcefile import YamlData, load_yaml, read_text
from .text import plain_text
from .urls import Urls

FRONT_MATTER = frontmatter.YAMLHandler()
FENCE_RE = re.compile(r"^\s*(```|~~~)")
H1_H2_RE = re.compile(r"^#{1,2}\s")
H2_RE = re.compile(r"^##\s+(.+?)\s*#*\s*$")
H3_RE = re.compile(r"^###\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class FaqItem:
    id: str
    question: str
    answer_utf8: bytes
    answer_text_utf8: bytes
    line: int

    @property
    def answer_html(self) -> str:
        return self.answer_utf8.decode("utf-8")

    @property
    def answer_text(self) -> str:
        return self.answer_text_utf8.decode("utf-8")


@dataclass(frozen=True)
class Document:
    """A Markdown file, read: its front matter (with lines) and its body as HTML."""

    path: Path
    meta: YamlData
    body: str  # the Markdown as written, for checks that need its lines
    body_line: int  # the file line of the body's first line
    # Rendered text is kept as UTF-8: as a str, one curly quote makes Python store the
    # whole page at 2 bytes a character (plus a UTF-8 copy), tripling a large site's memory.
    html_utf8: bytes
    headings: tuple[Heading, ...]
    faq_title: str | None
    faq: tuple[FaqItem, ...]
    citations: tuple[tuple[str, tuple[str, ...]], ...]
    callout_kinds: tuple[str, ...]
    word_count: int
    # what doc_checks found in this file alone, and an article's reading grade and SMOG
    findings: tuple[Diagnostic, ...] = ()
    readability: tuple[float, float] | None = None

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def html(self) -> str:
        return self.html_utf8.decode("utf-8")

    def body_lines(self) -> list[tuple[int, str]]:
        """(file line, text) of each body line outside fenced code blocks."""
        return body_lines(self.body, self.body_line)


def body_lines(body: str, first_line: int) -> list[tuple[int, str]]:
    """(file line, text) of each line of a Markdown body outside fenced code blocks."""
    out, fenced = [], False
    for offset, line in enumerate(body.split("\n")):
        if FENCE_RE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append((first_line + offset, line))
    return out


def read_yaml_file(path: Path, report: Report, limits: Limits | None = None) -> YamlData | None:
    text = read_text(path, report, limits)
    return load_yaml(text, path, report, limits=limits) if text is not None else None


class _TooSlow(Exception):
    pass


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise _TooSlow in this (main) thread after `seconds`: a backstop for inputs no limit
    foresaw. Python-Markdown and the regex engine both stop for the signal."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        yield
        return

    def alarm(signum: int, frame: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parse_markdown_file(path: Path, renderer: MarkdownRenderer, faq_heading: str,
                        report: Report, *, article: bool = True) -> Document | None:
    """Read, convert and check one Markdown file (its parse problems go to `report`; what
    the checks find is kept in the document, for check_content to report)."""
    limits = renderer.ext.site.limits
    found = Report(report.root)
    try:
        with time_budget(limits.max_seconds_per_file):
            doc = _read_markdown_file(path, renderer, faq_heading, report, found)
            if doc is None:
                return None
            scores = check_document(doc, renderer.ext.site, found, article=article)
    except (_TooSlow, RecursionError) as exc:
        report.error(path, 1, "file-too-slow",
                     "the file could not be converted within "
                     f"{limits.max_seconds_per_file:g} seconds" if isinstance(exc, _TooSlow)
                     else "the file is nested too deeply to convert",
                     "look for very long runs of brackets, stars or nested lists (or raise "
                     "limits.max_seconds_per_file in site.yaml)")
        return None
    return replace(doc, findings=tuple(found.items), readability=scores)


def _read_markdown_file(path: Path, renderer: MarkdownRenderer, faq_heading: str,
                        report: Report, found: Report) -> Document | None:
    limits = renderer.ext.site.limits
    text = read_text(path, report, limits)
    if text is None:
        return None
    if not FRONT_MATTER.detect(text):
        report.error(
            path, 1, "front-matter-missing", "the file does not start with front matter",
            "begin the file with a '---' line, the YAML fields (title, description, ...), "
            "and another '---' line; `careleaf new` writes a complete example",
        )
        return None
    try:
        fm_text, body = FRONT_MATTER.split(text)
    except ValueError:
        report.error(path, 1, "front-matter-unclosed", "the front matter has no closing '---'",
                     "add a line with just '---' after the last front matter field")
        return None
    fm_line = text[: text.find(fm_text, 3)].count("\n") + 1  # the line fm_text starts on
    meta = load_yaml(fm_text, path, report, first_line=fm_line, limits=limits)
    if meta is None:
        return None
    if not isinstance(meta.data, dict):
        report.error(path, 1, "schema-type", "the front matter must be a mapping of keys",
                     "write one 'key: value' per line between the '---' lines")
        return None
    body_line = text[: len(text) - len(body)].count("\n") + 1
    if not convertible(path, body_lines(body, body_line), body_line, limits, report):
        return None

    main, faq_title, faq_parts, used_ids = _split_faq(body, body_line, faq_heading)
    renderer.start_document()
    # numbering runs on across the parts: the body, then each answer
    converted = renderer.convert_document([main] + [answer for _, answer, _ in faq_parts])
    html = converted.parts[0]
    used_ids |= {h.id for h in converted.headings}
    faq = []
    for (question, _, line), answer in zip(faq_parts, converted.parts[1:], strict=True):
        item_id = _unique(_slug(question), used_ids)
        faq.append(FaqItem(item_id, question, answer.encode(), plain_text(answer).encode(),
                           line))
    words = len(plain_text(html).split()) + sum(
        len(f"{item.question} {item.answer_text}".split()) for item in faq
    )
    return Document(
        path=path, meta=meta, body=body, body_line=body_line, html_utf8=html.encode(),
        headings=converted.headings, faq_title=faq_title, faq=tuple(faq),
        citations=converted.citations, callout_kinds=converted.callout_kinds,
        word_count=words,
    )


def _split_faq(body: str, body_line: int, heading: str):
    """Take the FAQ section (its `## <heading>` up to the next `##`) out of the body.

    Returns the rest of the body, the FAQ's title, its (question, answer, line) parts, and
    the ids taken so far.
    """
    lines = body.split("\n")
    start = end = None
    fenced = False
    for index, line in enumerate(lines):
        if FENCE_RE.match(line):
            fenced = not fenced
        if fenced:
            continue
        if start is None:
            match = H2_RE.match(line)
            if match and match.group(1).strip().casefold() == heading.casefold():
                start = index
        elif H1_H2_RE.match(line):
            end = index
            break
    if start is None:
        return body, None, [], set()
    end = len(lines) if end is None else end
    title = H2_RE.match(lines[start]).group(1).strip()  # type: ignore[union-attr]
    parts: list[tuple[str, str, int]] = []
    question, answer, q_line = None, [], 0
    for index in range(start + 1, end):
        match = H3_RE.match(lines[index])
        if match:
            if question is not None:
                parts.append((question, "\n".join(answer), q_line))
            question, answer, q_line = match.group(1), [], body_line + index
        elif question is not None:
            answer.append(lines[index])
    if question is not None:
        parts.append((question, "\n".join(answer), q_line))
    rest = "\n".join(lines[:start] + lines[end:])
    return rest, title, parts, {"faq"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "question"


def _unique(candidate: str, used: set[str]) -> str:
    value, n = candidate, 1
    while value in used:
        n += 1
        value = f"{candidate}-{n}"
    used.add(value)
    return value


@dataclass(frozen=True)
class Parsed:
    articles: tuple[Document, ...]
    pages: tuple[Document, ...]
    medicines: tuple[tuple[Path, YamlData], ...]
    topics: tuple[Path, YamlData] | None
    bibliography: tuple[Path, YamlData] | None
    glossary: tuple[Path, YamlData] | None
    people: tuple[Path, YamlData] | None = None
    # each Markdown file's parse-cache key: it names the file's bytes and everything its
    # parse depends on, so later stages can key their own memos on it
    keys: dict[Path, str] = field(default_factory=dict, compare=False)


PARALLEL_FROM = 24  # fewer Markdown files than this: starting processes costs more

_worker: tuple[MarkdownRenderer, str, Path] | None = None  # set in each worker process


def usable_records(written: dict[str, object]) -> dict[str, MedicineRecord]:
    records = {}
    for key, data in written.items():
        try:
            records[key] = MedicineRecord.model_validate(data)
        except ValidationError:
            continue
    return records


def die_with_parent(parent: int) -> None:
    """In a worker: end when the parent process ends, however it ends (even SIGKILL), so
    no orphan goes on converting and holding the output pipe; and leave Ctrl+C to the
    parent, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # Linux; elsewhere the check below
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1


@contextmanager
def worker_pool(jobs: int, initializer: Callable, initargs: tuple, *, fork: bool = False
                ) -> Iterator[multiprocessing.pool.Pool]:
    """`jobs` worker processes, each started with `initializer` (which calls
    die_with_parent), forked if `fork` (they then inherit this process's objects): closed
    when the block ends, stopped at once if it is interrupted."""
    context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context()
    gc.freeze()  # forked workers share this process's objects; their collector would copy them
    try:
        pool = context.Pool(jobs, initializer=initializer, initargs=initargs)
    finally:
        gc.unfreeze()
    try:
        yield pool
        pool.close()
    except BaseException:
        pool.terminate()  # interrupted: stop the workers now, not when they finish
        raise
    finally:
        pool.join()


def _start_worker(config: SiteConfig, records: dict, glossary: list[dict] | None,
                  faq_heading: str, root: Path, parent: int, syllables: dict[str, int]
                  ) -> None:
    die_with_parent(parent)
    global _worker
    renderer = MarkdownRenderer(config, Urls(config.base_url))
    renderer.records = records
    if glossary:
        renderer.set_glossary(glossary)
    readability.table = readability.Syllables(syllables)
    _worker = (renderer, faq_heading, root)


def _parse_in_worker(job: tuple[Path, bool]) -> tuple[Document | None, list, dict[str, int]]:
    """A file parsed and checked, its problems, and the words whose syllables were
    counted for it (for the parent's table, see readability.py)."""
    assert _worker is not None
    renderer, faq_heading, root = _worker
    path, article = job
    report = Report(root)
    return parse_markdown_file(path, renderer, faq_heading, report, article=article), \
        report.items, readability.table.take_new()


def parse(inventory: Inventory, renderer: MarkdownRenderer, faq_heading: str,
          report: Report, *, jobs: int = 1, progress: Callable = no_progress,
          use_cache: bool = False, write_cache: bool = True) -> Parsed:
    limits = renderer.ext.site.limits

    def data_file(path: Path | None) -> tuple[Path, YamlData] | None:
        data = read_yaml_file(path, report, limits) if path else None
        return (path, data) if path and data else None

    # records first: articles embed tables built from them (`:: side-effects ...`); only
    # records that validate (validation reports the others)
    medicines = tuple(d for d in (data_file(p) for p in inventory.medicines) if d)
    written = {path.stem: data.data for path, data in medicines}
    renderer.records = usable_records(written)
    glossary = data_file(inventory.glossary)  # and the glossary: first uses are marked
    entries = None
    terms = glossary[1].data.get("terms") if glossary and isinstance(glossary[1].data, dict) \
        else None
    if isinstance(terms, list):
        entries = [e for e in terms if isinstance(e, dict)]
        renderer.set_glossary(entries)

    paths = inventory.articles + inventory.pages
    article_paths = set(inventory.articles)
    cache = ParseCache(report.root, (renderer.ext.site.model_dump(), written, entries,
                                     faq_heading, str(report.root)), enabled=use_cache,
                       writable=write_cache)
    keys = [cache.key(path, report.root) for path in paths]
    found: dict[Path, Document] = {}
    for path, key in zip(paths, keys, strict=True):
        doc = cache.get(key, valid=lambda value: isinstance(value, Document))
        if doc is not None:
            found[path] = doc
    missing = [p for p in paths if p not in found]
    done = len(found)
    # syllables of the words seen before, kept in the cache (read only when there is
    # something to parse)
    syllables = Memo(report.root, "syllables", enabled=use_cache, writable=write_cache)
    if missing:
        readability.table = readability.Syllables(
            syllables.get(readability.CACHE_KEY, valid=readability.is_table))
    if jobs > 1 and len(missing) >= PARALLEL_FROM:
        # Markdown is the costly stage: convert across processes, in a stable order
        fresh = []
        with worker_pool(jobs, _start_worker,
                         (renderer.ext.site, renderer.records, entries, faq_heading,
                          report.root, os.getpid(), readability.table.known)) as pool:
            for result in pool.imap(_parse_in_worker,
                                    [(p, p in article_paths) for p in missing],
                                    chunksize=max(1, len(missing) // (jobs * 8))):
                fresh.append(result)
                progress("parse", done + len(fresh), len(paths))
    else:
        fresh = []
        for path in missing:
            local = Report(report.root)
            doc = parse_markdown_file(path, renderer, faq_heading, local,
                                      article=path in article_paths)
            fresh.append((doc, local.items, {}))
            progress("parse", done + len(fresh), len(paths))
    keyed = dict(zip(paths, keys, strict=True))
    for path, (doc, items, words) in zip(missing, fresh, strict=True):
        readability.table.add(words)
        for item in items:
            report.replay(item)
        if doc is not None and not items:  # only clean results are worth keeping
            cache.put(keyed[path], doc)
            found[path] = doc
        elif doc is not None:
            found[path] = doc
    cache.prune()
    if readability.table.new and len(readability.table.known) <= readability.MAX_KEPT:
        syllables.put(dict(readability.table.known), readability.CACHE_KEY)
    readability.table.take_new()
    parsed = [found.get(path) for path in paths]
    articles = tuple(d for d in parsed[: len(inventory.articles)] if d is not None)
    pages = tuple(d for d in parsed[len(inventory.articles):] if d is not None)
    return Parsed(articles, pages, medicines, data_file(inventory.topics),
                  data_file(inventory.bibliography), glossary, data_file(inventory.people),
                  keys=keyed)
