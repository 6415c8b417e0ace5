"""The pipeline, in one place:

    config -> discover -> parse (+ per-file checks) -> validate -> checks -> site graph
    -> render -> index -> link checks -> publish

Each stage is a function of what the stages before it made. Rendered pages go straight to
the write stage's sink (a staging folder), which `publish` swaps in only when every check
has passed; only write.py touches the output folder. See depends.py and cache.py for what
a rebuild reuses.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .cache import Memo, digest, engine_digest, tree_digest
from .checks import ArticleStats, check_content, check_links
from .compare import comparisons
from .config import Project, load_project
from .depends import PageReuse, fingerprints, site_inputs
from .diagnostics import BuildFailed, Report
from .discover import discover
from .graph import Site, make_site
from .index import index_files
from .markdown_ext import MarkdownRenderer
from .parse import Parsed, parse
from .progress import no_progress
from .render import asset_versions, render
from .urls import Urls
from .validate import Content, validate
from .write import (
    Sink,
    built_from,
    check_output_folder,
    open_sink,
    output_manifest,
    static_files,
)


@dataclass(frozen=True)
class BuildResult:
    site: Site | None  # None when the build was a no-op
    outputs: tuple[str, ...]  # the files written (or, for `check`, that would be)
    report: Report
    out: Path
    stats: tuple[ArticleStats, ...]  # the editor's dashboard
    up_to_date: bool = False  # nothing changed since the last build into `out`
    rendered: int = 0  # pages rendered (the others were reused from the last build)


def build_date() -> dt.date:
    """Today, or the day of SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def inputs_digest(project: Project, today: dt.date, drafts: bool) -> str:
    """Everything a build's output depends on: every input file, the engine, the options
    and today's date (it decides which pages show as due for review)."""
    tree = tree_digest(project.watched, project.root)
    options = f"{project.config.base_url}|{drafts}|{today.isoformat()}"
    return digest(tree.encode(), engine_digest().encode(), options.encode())


def load_content(project: Project, report: Report, *, drafts: bool = False,
                 jobs: int | None = None, progress: Callable = no_progress,
                 cache: bool = True, write: bool = True,
                 memo: Callable[..., Memo] | None = None) -> tuple[Parsed, Content]:
    """Discover, parse and validate the content, and make the comparisons: everything the
    site is made from, checked file by file and against each other."""
    config = project.config
    inventory = discover(project.content, report)
    renderer = MarkdownRenderer(config, Urls(config.base_url))
    parsed = parse(inventory, renderer, config.faq_heading, report,
                   jobs=jobs if jobs is not None else (os.cpu_count() or 1), progress=progress,
                   use_cache=cache, write_cache=write)
    content = validate(parsed, config, report, drafts=drafts,
                       memo=memo("validated", remember=False) if memo else None)
    made = comparisons(content, renderer, memo("compare") if memo else None)
    return parsed, replace(content, comparisons=made)


def build(
    root: Path,
    *,
    out: Path | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    write: bool = True,
    report: Report | None = None,
    jobs: int | None = None,
    progress: Callable[[str, int, int], None] = no_progress,
    cache: bool = True,
    search: bool = True,
) -> BuildResult:
    """Build the site in `root`. Raises BuildFailed with every diagnostic on errors."""
    report = report or Report(root)
    project = load_project(root, report, out=out, base_url=base_url)
    config = project.config
    today = build_date()
    inputs = None
    outputs = Memo(project.root, "output", enabled=cache, writable=write)
    if write:
        check_output_folder(project, report)  # before any work, so a refusal is quick
        inputs = inputs_digest(project, today, drafts)
        # up to date only if nothing went in changed, and nothing in the folder was
        # edited, added or deleted since Careleaf wrote it
        recorded = outputs.get(str(project.out).encode(),
                               valid=lambda value: isinstance(value, str))
        if cache and built_from(project.out) == inputs and \
                recorded == output_manifest(project.out):
            return BuildResult(None, (), report, project.out, (), up_to_date=True)

    def memo(name: str, *, remember: bool = True) -> Memo:
        return Memo(project.root, name, enabled=cache, writable=write, remember=remember)

    parsed, content = load_content(project, report, drafts=drafts, jobs=jobs,
                                   progress=progress, cache=cache, write=write, memo=memo)
    static = static_files(project, report)  # a link out of the site is refused by `check` too
    stats = check_content(content, parsed, config, today, report,
                          drafts_published=write and drafts and search)
    if write and drafts and search:
        built = [a for a in content.articles if a.meta.draft]
        built += [p for p in content.pages if p.meta.draft]
        if built:
            report.warning(project.out, 1, "drafts-built",
                           f"{len(built)} draft page(s) were built into {project.out}: do "
                           "not publish this folder", "drafts are labelled and kept out of "
                           "the sitemap, feed and search, but anyone with the link can read "
                           "them; preview drafts with `careleaf serve --drafts` instead")
    report.raise_if_errors()

    site = make_site(config, content, today, report)
    report.raise_if_errors()

    versions = asset_versions(static)
    prints = fingerprints(site, project, site_inputs(project, parsed, today, drafts))
    reuse = PageReuse(project, memo("pages"))
    sink = open_sink(project, report, search=search) if write else Sink()
    try:
        pages = render(site, project.template_dirs, versions, report, sink, progress,
                       reuse=lambda output: reuse.get(output, prints[output]),
                       jobs=jobs if jobs is not None else (os.cpu_count() or 1))
        for extra in index_files(site):
            sink.add(extra)
        check_links(site, pages, set(sink.paths), list(versions), report)
        report.raise_if_errors()
        if write:
            progress("write", 0, 1)
            # without its search index the folder is not what a full build would make: no
            # inputs digest, so the next build is never taken for a no-op
            sink.commit(report, inputs=inputs if search else None, search=search)
            progress("write", 1, 1)
    except ValueError as exc:  # a page would be written outside the output folder
        sink.discard()
        report.error(project.out, 1, "write-failed", str(exc),
                     "rename the file whose slug makes this path")
        raise BuildFailed(report.items) from exc
    except BaseException:
        sink.discard()
        raise
    if write:
        reuse.save(pages, prints)
        outputs.put(output_manifest(project.out), str(project.out).encode())
    return BuildResult(site, tuple(sink.paths), report, project.out, tuple(stats),
                       rendered=len(site.routes) - reuse.reused)
