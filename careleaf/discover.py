"""Stage 2, discover: find every file an editor wrote under `content/`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Report

ARTICLES, PAGES, MEDICINES = "articles", "pages", "medicines"
TOPICS_FILE, BIBLIOGRAPHY_FILE, GLOSSARY_FILE = "topics.yaml", "bibliography.yaml", "glossary.yaml"


@dataclass(frozen=True)
class Inventory:
    articles: tuple[Path, ...]
    pages: tuple[Path, ...]
    medicines: tuple[Path, ...]
    topics: Path | None
    bibliography: Path | None
    glossary: Path | None


def _ignored(path: Path) -> bool:
    """Editor and OS litter: hidden files, backups, swap files."""
    name = path.name
    return name.startswith((".", "#", "_")) or name.endswith(("~", ".swp", ".bak"))


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(_ignored(part) for part in p.relative_to(folder).parents
                                   if part != Path(".")) and not _ignored(p)
    )


def discover(content: Path, report: Report) -> Inventory:
    if not content.is_dir():
        report.error(content, 1, "content-missing", "there is no content/ folder",
                     "create content/articles/ and put Markdown articles in it")
        return Inventory((), (), (), None, None, None)

    def collect(kind: str, suffix: str) -> tuple[Path, ...]:
        found = []
        for path in _files(content / kind):
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
                                           BIBLIOGRAPHY_FILE, GLOSSARY_FILE)}
    for path in sorted(content.iterdir()):
        if path not in known and not _ignored(path):
            report.error(
                path, 1, "file-unknown", f"Careleaf does not know what '{path.name}' is",
                f"content/ holds {ARTICLES}/, {PAGES}/, {MEDICINES}/, {TOPICS_FILE}, "
                f"{BIBLIOGRAPHY_FILE} and {GLOSSARY_FILE}; move other files out of it",
            )

    def optional(name: str) -> Path | None:
        path = content / name
        return path if path.is_file() else None

    return Inventory(articles, pages, medicines, optional(TOPICS_FILE),
                     optional(BIBLIOGRAPHY_FILE), optional(GLOSSARY_FILE))
