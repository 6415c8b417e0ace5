"""Stage 2, discover: find every file an editor wrote under `content/`.

A symbolic link that leads outside the site folder is refused here and wherever Careleaf
reads a folder (templates, static files): otherwise `ln -s /etc/passwd static/x.txt`
would publish any file on the machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Report

ARTICLES, PAGES, MEDICINES = "articles", "pages", "medicines"
TOPICS_FILE, BIBLIOGRAPHY_FILE, GLOSSARY_FILE = "topics.yaml", "bibliography.yaml", "glossary.yaml"
PEOPLE_FILE = "people.yaml"


@dataclass(frozen=True)
class Inventory:
    articles: tuple[Path, ...]
    pages: tuple[Path, ...]
    medicines: tuple[Path, ...]
    topics: Path | None
    bibliography: Path | None
    glossary: Path | None
    people: Path | None


def _ignored(path: Path) -> bool:
    """Editor and OS litter: hidden files, backups, swap files."""
    name = path.name
    return name.startswith((".", "#", "_")) or name.endswith(("~", ".swp", ".bak"))


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every link followed, is inside `root`."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def site_files(folder: Path, root: Path, report: Report | None = None, *,
               skip_ignored: bool = True) -> list[Path]:
    """Every file under `folder`, sorted, never leaving `root`: a symbolic link that leads
    outside it is reported and left out; links to folders are not followed."""
    if not folder.is_dir():
        return []
    if not inside(folder, root):
        _refuse(folder, root, report)
        return []
    found = []
    for current, dirs, files in os.walk(folder, followlinks=False):
        here = Path(current)
        if skip_ignored:
            dirs[:] = [d for d in dirs if not _ignored(Path(d))]
        for name in sorted(dirs):
            if (here / name).is_symlink():
                _refuse(here / name, root, report, folder=True)
        for name in files:
            path = here / name
            if skip_ignored and _ignored(path):
                continue
            if path.is_symlink() and not inside(path, root):
                _refuse(path, root, report)
                continue
            if path.is_symlink() and leads_to_private(path, root):
                if report is not None:
                    report.error(path, 1, "file-symlink",
                                 f"'{path.name}' is a link to {os.readlink(path)}, a hidden or "
                                 "private file (.git, .env, the cache, node_modules), which is "
                                 "never published", "remove the link; copy the file you meant "
                                 "to publish into the folder instead")
                continue
            if path.is_file():
                found.append(path)
            elif report is not None and not path.is_symlink():  # a pipe, socket or device
                report.error(path, 1, "file-unknown", f"'{name}' is not a regular file "
                               "(a pipe, socket or device) and is left out",
                               "remove it, or replace it with an ordinary file")
    return sorted(found)


PRIVATE_FOLDERS = {"node_modules", "__pycache__"}


def private(relative: Path) -> bool:
    """A path (relative to the site) nothing may publish: a dotfile or a file in a hidden
    folder (.git, .env, .careleaf's cache, .ssh ...) or in node_modules."""
    return any(part.startswith(".") or part in PRIVATE_FOLDERS for part in relative.parts)


def leads_to_private(path: Path, root: Path) -> bool:
    """Whether a link leads, inside the site, to a private file (static/x.css -> ../.git/config)."""
    try:
        return private(path.resolve().relative_to(root.resolve()))
    except (OSError, RuntimeError, ValueError):
        return True


def _refuse(path: Path, root: Path, report: Report | None, *, folder: bool = False) -> None:
    if report is None:
        return
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    if folder and inside(path, root):
        message = f"'{path.name}' is a link to a folder ({target}); Careleaf does not follow them"
    else:
        message = f"'{path.name}' is a link to {target}, outside the site folder"
    report.error(path, 1, "file-symlink", message,
                 "copy the file into the site folder instead of linking to it")




def discover(content: Path, report: Report) -> Inventory:
    if not content.is_dir():
        report.error(content, 1, "content-missing", "there is no content/ folder",
                     "create content/articles/ and put Markdown articles in it")
        return Inventory((), (), (), None, None, None, None)
    if not inside(content, content.parent):
        _refuse(content, content.parent, report)
        return Inventory((), (), (), None, None, None, None)

    def collect(kind: str, suffix: str) -> tuple[Path, ...]:
        found = []
        for path in site_files(content / kind, content.parent, report):
            if path.suffix == suffix:
                found.append(path)
            else:
                report.error(
                    path, 1, "file-unknown",
                    f"content/{kind}/ holds '{suffix}' files; this one would be ignored",
                    f"rename it to end in '{suffix}', or move it out of content/",
                )
        return tuple(found)

    articles, pages = collect(ARTICLES, ".md"), collect(PAGES, ".md")
    medicines = collect(MEDICINES, ".yaml")

    known = {content / name for name in (ARTICLES, PAGES, MEDICINES, TOPICS_FILE,
                                           BIBLIOGRAPHY_FILE, GLOSSARY_FILE, PEOPLE_FILE)}
    for path in sorted(content.iterdir()):
        if path not in known and not _ignored(path):
            report.error(
                path, 1, "file-unknown", f"Careleaf does not know what '{path.name}' is",
                f"content/ holds {ARTICLES}/, {PAGES}/, {MEDICINES}/, {TOPICS_FILE}, "
                f"{BIBLIOGRAPHY_FILE}, {GLOSSARY_FILE} and {PEOPLE_FILE}; move other files "
                "out of it",
            )

    def optional(name: str) -> Path | None:
        path = content / name
        if path.is_symlink() and not inside(path, content.parent):
            _refuse(path, content.parent, report)
            return None
        return path if path.is_file() else None

    return Inventory(articles, pages, medicines, optional(TOPICS_FILE),
                     optional(BIBLIOGRAPHY_FILE), optional(GLOSSARY_FILE),
                     optional(PEOPLE_FILE))
