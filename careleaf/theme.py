"""The default theme: the templates and static files a site is built with unless it has
its own.

Its one home is this repository's top-level `templates/` and `static/`; the wheel carries
them as `careleaf/theme/` (see pyproject.toml). A site's own `templates/` and `static/`
override it file by file, as MkDocs' `custom_dir` and Hugo's theme lookup do, so a
Careleaf upgrade upgrades every file a site has not replaced.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def theme_root() -> Path:
    """The folder holding the default `templates/` and `static/`: inside the installed
    package, or the top of the source checkout Careleaf runs from."""
    packaged = PACKAGE / "theme"
    return packaged if packaged.is_dir() else PACKAGE.parent


def layered(own: Path, name: str) -> list[Path]:
    """The folders `name` ("templates" or "static") is looked up in, the site's own first;
    the theme's is left out where it is the site's own folder."""
    theme = theme_root() / name
    folders = [own] if own.is_dir() else []
    if theme.is_dir() and not (own.is_dir() and own.resolve() == theme.resolve()):
        folders.append(theme)
    return folders
