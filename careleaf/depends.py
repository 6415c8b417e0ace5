"""What each page is made from, so a rebuild renders only the pages whose inputs changed.

A page's *fingerprint* digests everything its template can show:

- for every page, the site-wide inputs: Careleaf's code and library versions, the
  templates and static files, site.yaml and the build options, "today", every data file
  (medicine records, topics, bibliography, glossary) and the front matter of every
  Markdown file (titles, summaries and dates appear in lists, cards and related links);
- for an article or page, also its own file, body included.

So an edit to one article's text re-renders that article alone; an edit to its title
or dates, a record, a template or site.yaml re-renders every page. Pages other than an
article's own show other articles' front matter only (see the template guide in
README.md); a template that showed another article's body would need its fingerprint
here to say so.

A page is reused only when its fingerprint matches the one recorded when the file now in
the output folder was written, and that file still has the bytes recorded then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from pathlib import Path

from .cache import Memo, digest, engine_digest, file_digest, tree_digest
from .config import Project
from .graph import Route, Site
from .parse import Parsed
from .render import Page


def site_inputs(project: Project, parsed: Parsed, today: dt.date, drafts: bool) -> str:
    """The digest of what every page may show (see the module's docstring)."""
    config = project.config
    data_files = sorted(p for p in project.content.rglob("*")
                        if p.is_file() and p.suffix != ".md")
    parts = [engine_digest().encode(),
             *(tree_digest([folder], folder.parent).encode()
               for folder in project.template_dirs + project.static_dirs),
             pickle.dumps(config.model_dump(), protocol=5),
             f"{today.isoformat()}|{drafts}|{config.base_url}".encode()]
    for path in data_files:
        parts += [path.relative_to(project.root).as_posix().encode(), file_digest(path)]
    for doc in parsed.articles + parsed.pages:
        parts += [doc.path.relative_to(project.root).as_posix().encode(),
                  pickle.dumps(doc.meta.data, protocol=5)]
    return digest(*parts)


def fingerprints(site: Site, project: Project, everything: str) -> dict[str, str]:
    """Route output -> fingerprint."""
    out = {}
    for route in site.routes:
        source = route.context.get("article") or route.context.get("page")
        own = b""
        if source is not None:
            path: Path = source.path
            own = path.relative_to(project.root).as_posix().encode() + b"\0" + \
                file_digest(path)
        out[route.output] = digest(everything.encode(), _route_key(route), own)
    return out


def _route_key(route: Route) -> bytes:
    return repr((route.path, route.template, route.title, route.description, route.crumbs,
                 route.lastmod, route.in_sitemap, route.og_type, route.searchable,
                 route.draft)).encode()


def _is_record(value: object) -> bool:
    """What PageReuse.save stores: output path -> (fingerprint, (mtime, size, inode,
    ctime), page)."""
    return isinstance(value, dict) and all(
        isinstance(output, str) and isinstance(made, tuple) and len(made) == 3
        and isinstance(made[0], str) and isinstance(made[1], tuple) and len(made[1]) == 4
        and all(isinstance(n, int) for n in made[1]) and isinstance(made[2], Page)
        for output, made in value.items())


class PageReuse:
    """Pages of the last build into the output folder, reused when nothing they show
    changed. What each was made from, its links and ids, and the size, inode, mtime and
    ctime of the file written are kept in the build cache: an unchanged page is neither
    read nor written again (the staging folder links to it). The ctime changes with every
    write to the file and no one can set it back (mtime can be), so a page edited by hand
    is read, found different and rendered again."""

    def __init__(self, project: Project, memo: Memo):
        self.out = project.out
        self.memo = memo
        self.key = str(project.out).encode()
        self.made: dict[str, tuple[str, tuple[int, int, int, int], Page]] = \
            memo.get(self.key, valid=_is_record) or {}
        self.reused = 0

    def get(self, output: str, fingerprint: str) -> tuple[Path, Page] | None:
        """The file to keep and what it holds, when it is still what was written."""
        recorded = self.made.get(output)
        if recorded is None or recorded[0] != fingerprint:
            return None
        path = self.out / output
        try:
            stat = path.stat()
            if (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns) != recorded[1] and \
                    hashlib.sha256(path.read_bytes()).hexdigest() != recorded[2].sha256:
                return None  # changed since it was written: render it again
        except OSError:
            return None
        self.reused += 1
        return path, recorded[2]

    def save(self, pages: list[Page], prints: dict[str, str]) -> None:
        """After a successful publish: what each page now in the folder was made from."""
        made = {}
        for page in pages:
            stat = (self.out / page.path).stat()
            made[page.path] = (prints[page.path], (stat.st_mtime_ns, stat.st_size,
                                                   stat.st_ino, stat.st_ctime_ns), page)
        self.memo.put(made, self.key)
